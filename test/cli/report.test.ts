/** `blis report`: each run's label tells it apart on the page, and errors name the file read. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'blis-report-'));

beforeAll(async () => {
  mkdirSync(join(dir, 'h100'));
  mkdirSync(join(dir, 'a100'));
  for (const hw of ['h100', 'a100']) {
    const r = await runCli(['run', '--num-requests', '20', '--hardware', hw === 'h100' ? 'H100' : 'A100-80', '--metrics-out', join(hw, 'metrics.json'), '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
  }
});

const labels = (file: string): string[] => [...readFileSync(join(dir, file), 'utf8').matchAll(/<td><b>([^<]*)<\/b>/g)].map((m) => m[1]!);

describe('blis report labels', () => {
  it('labels files that share a name by their paths (both were "metrics")', async () => {
    const r = await runCli(['report', 'h100/metrics.json', 'a100/metrics.json', '--out', 'same-name.html', '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
    expect(labels('same-name.html')).toEqual(['h100/metrics', 'a100/metrics']);
  });

  it('refuses a label given twice, or the same file twice, naming the arguments', async () => {
    const twice = await runCli(['report', 'x=h100/metrics.json', 'x=a100/metrics.json', '--out', 'r.html'], dir);
    expect([twice.code, twice.err]).toEqual([2, expect.stringContaining("[REPORT_DUPLICATE_LABEL] x=a100/metrics.json: label 'x' is also x=h100/metrics.json's")]);
    const same = await runCli(['report', 'h100/metrics.json', 'h100/metrics.json', '--out', 'r.html'], dir);
    expect(same.code).toBe(2);
    expect(same.err).toMatch(/REPORT_DUPLICATE_LABEL.*label 'h100\/metrics'/);
    // The same file spelled two ways, or under two labels, was two identical rows.
    for (const args of [['h100/metrics.json', './h100/metrics.json'], ['a=h100/metrics.json', 'b=h100/metrics.json']]) {
      const again = await runCli(['report', ...args, '--out', 'r.html'], dir);
      expect([again.code, again.err], args.join(' ')).toEqual([2, expect.stringContaining(`[REPORT_DUPLICATE_RUN] ${args[1]}: ${join(dir, 'h100/metrics.json')} is also ${args[0]}`)]);
    }
  });

  it('names the file, not its label, when a run is not a metrics document', async () => {
    writeFileSync(join(dir, 'empty.json'), '{}');
    const r = await runCli(['report', 'h100=h100/metrics.json', 'other=empty.json', '--out', 'r.html'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`[REPORT_NOT_METRICS] ${join(dir, 'empty.json')}: not a blis.metrics/v1 document`);
  });
});
