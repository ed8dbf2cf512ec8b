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

describe('a flag that only works next to another is refused without it', () => {
  const TRACE = 'arrival_us,input_tokens,output_tokens\n0,100,10\n1000,100,10\n';
  const SPEC = 'base: {model: qwen/qwen3-14b, num-requests: 5}\ngrid: {rate: [1, 2]}\n';
  const cases: Array<[string, string[], RegExp]> = [
    ['--clip without --max-model-len (replay)', ['replay', 't.csv', '--clip', 'input'], /\[FLAG_CONFLICT\] --clip: needs --max-model-len/],
    ['--clip without --max-model-len (convert)', ['convert', 't.csv', '--clip', 'input', '--to', 'o.jsonl'], /\[FLAG_CONFLICT\] --clip: needs --max-model-len/],
    ['--time-unit on a format with its own units', ['replay', 't.csv', '--time-unit', 'ms'], /\[FLAG_CONFLICT\] --time-unit: the arrival-csv format does not read it/],
    ['sweep --shards without --emit', ['sweep', 's.yaml', '--out', 'o', '--shards', '4'], /\[FLAG_CONFLICT\] --shards: needs --emit k8s/],
    ['sweep --image without --emit', ['sweep', 's.yaml', '--out', 'o', '--image', 'x:1'], /\[FLAG_CONFLICT\] --image: needs --emit k8s/],
    ['sweep --emit k8s with --out', ['sweep', 's.yaml', '--emit', 'k8s', '--shards', '2', '--out', 'o'], /\[FLAG_CONFLICT\] --out: does not apply with --emit k8s/],
    ['validate --note without --update-baseline', ['validate', '--note', 'why'], /\[FLAG_CONFLICT\] --note: needs --update-baseline/],
    ['--trace-sample without an OTLP output', ['run', '--num-requests', '5', '--trace-sample', '0.5'], /\[FLAG_CONFLICT\] --trace-sample: needs --otlp-out FILE or --otlp-endpoint/],
    ['--trace-slowest without an OTLP output (replay)', ['replay', 't.csv', '--trace-slowest', '3'], /\[FLAG_CONFLICT\] --trace-slowest: needs --otlp-out/],
    ['--service-name without an OTLP output', ['run', '--num-requests', '5', '--service-name', 'x'], /\[FLAG_CONFLICT\] --service-name: needs --otlp-out/],
  ];
  for (const [name, argv, message] of cases) {
    it(name, async () => {
      const dir = inDir({ 't.csv': TRACE, 's.yaml': SPEC });
      const r = await runCli([...argv, '--quiet'], dir);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(message);
    });
  }

  it('the same flags with their partner still run', async () => {
    const dir = inDir({ 't.csv': TRACE });
    expect((await runCli(['replay', 't.csv', '--clip', 'input', '--max-model-len', '4096', '--quiet'], dir)).code).toBe(0);
    expect((await runCli(['run', '--num-requests', '5', '--trace-sample', '0.5', '--otlp-out', 'o.json', '--quiet'], dir)).code).toBe(0);
  });
});
