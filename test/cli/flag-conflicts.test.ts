/**
 * Flags that would silently lose a value: a second entry of one name (a routing scorer, an SLO
 * class) and a flag that only means something next to another one. Each is refused (exit 2)
 * naming the flag and what it needs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

export function inDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'blis-flags-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('one entry per name', () => {
  it('--routing-scorers with a scorer twice is refused naming it', async () => {
    const r = await runCli(['run', '--num-requests', '5', '--routing-scorers', 'queue-depth:2,queue-depth:3', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[FLAG_MALFORMED\] --routing-scorers: scorer 'queue-depth' is given twice/);
  });
});

describe('user-given names stay names (never Object.prototype keys)', () => {
  it('--slo-class __proto__ and constructor are classes of their own in the metrics', async () => {
    const r = await runCli(['run', '--num-requests', '5', '--slo-class', '__proto__:ttft_p99=200', '--slo-class', 'constructor:e2e_p99=900', '--output', 'json', '--quiet']);
    expect(r.code, r.err).toBe(0);
    const classes = JSON.parse(r.out).slo.targets.classes;
    expect(Object.keys(classes)).toEqual(['__proto__', 'constructor']);
    expect(classes['__proto__']).toEqual({ ttft_p99: 200 });
  });

  it('a workload spec slo_classes entry named __proto__ is a class', async () => {
    const dir = inDir({ 'w.yaml': 'num_requests: 5\nslo_classes:\n  __proto__: {ttft_p99: 200}\nclients:\n  - {rate: 1, slo_class: __proto__, input: {dist: constant, value: 10}, output: {dist: constant, value: 5}}\n' });
    const r = await runCli(['run', '--workload-spec', 'w.yaml', '--output', 'json', '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
    const slo = JSON.parse(r.out).slo;
    expect(Object.keys(slo.targets.classes)).toEqual(['__proto__']);
    expect(slo.attainment.uncovered).toBe(0);
  });

  it('--slo-class given twice for one class is refused naming it', async () => {
    const r = await runCli(['run', '--num-requests', '5', '--slo-class', 'batch:e2e_p99=900', '--slo-class', 'batch:e2e_p99=1000', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[SLO_DUPLICATE_CLASS\] --slo-class: class 'batch' is given twice/);
  });
});
