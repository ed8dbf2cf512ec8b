import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCli } from './helpers.js';

const root = resolve(import.meta.dirname, '../..');
const t = (f: string): string => join(root, 'traces', f);

describe('blis replay on the shipped samples', () => {
  const cases: Array<[string, string, number]> = [
    ['azure2023-code.reconstructed.head300.csv', 'azure', 300],
    ['azure2023-conv.relative.head300.csv', 'azure-vidur', 300],
    ['burstgpt1-rows0001-0200.csv', 'burstgpt', 191],
    ['burstgpt3-rows0001-0100.csv', 'burstgpt', 100],
    ['mooncake-conversation-head300.jsonl', 'mooncake', 300],
    ['tracev2-example.trace_header.yaml', 'tracev2', 11],
  ];
  for (const [file, format, n] of cases) {
    it(`${file} is sniffed as ${format} and every request is simulated`, async () => {
      const r = await runCli(['replay', t(file), '--model', 'meta-llama/llama-3.1-8b-instruct', '--num-instances', '2', '--output', 'json']);
      expect(r.code, r.err).toBe(0);
      expect(r.err).toContain(`as ${format}`);
      const doc = JSON.parse(r.out);
      expect(doc.requests.injected).toBe(n);
      expect(doc.requests.completed + doc.requests.dropped).toBe(n);
    });
  }

  it('--compare on a calibration per-request CSV prints simulated against observed, per request', async () => {
    const csv = join(root, 'baselines/calibration-experiments/20260217-155451-llama-2-7b-tp1-codegen.requests.csv');
    const r = await runCli(['replay', csv, '--model', 'meta-llama/llama-2-7b-hf', '--max-num-seqs', '128', '--max-model-len', '4096', '--limit', '600', '--compare', '--quiet']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/per-request comparison against the trace's observed latencies \(600 requests\)/);
    expect(r.out).toMatch(/ttft_p90\s+[\d.]+\s+[\d.]+\s+[+-][\d.]+/);
    expect(r.out).toMatch(/TTFT median [\d.]+%/);
    const j = await runCli(['replay', csv, '--model', 'meta-llama/llama-2-7b-hf', '--limit', '200', '--compare', '--output', 'json', '--quiet']);
    expect(JSON.parse(j.out).comparison.requests).toBe(200);
  });

  it('transformations apply: --speedup halves the span of arrivals, --limit caps the count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-conv-'));
    expect((await runCli(['convert', t('azure2023-conv.relative.head300.csv'), '--to', 'a.csv'], dir)).code).toBe(0);
    expect((await runCli(['convert', t('azure2023-conv.relative.head300.csv'), '--to', 'b.csv', '--speedup', '2', '--limit', '100'], dir)).code).toBe(0);
    const rows = (f: string) => readFileSync(join(dir, f), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    const a = rows('a.csv');
    const b = rows('b.csv');
    expect(b).toHaveLength(100);
    expect(b[99]).toBe(Math.round(a[99]! / 2));
  });

  it('--num-requests is --limit under blis run\'s name; the two must agree when both are given', async () => {
    const base = ['replay', t('burstgpt1-rows0001-0200.csv'), '--model', 'meta-llama/llama-3.1-8b-instruct', '--output', 'json', '--quiet'];
    const named = await runCli([...base, '--num-requests', '50']);
    expect(named.code, named.err).toBe(0);
    expect(JSON.parse(named.out).requests.injected).toBe(50);
    const limited = await runCli([...base, '--limit', '50']);
    expect(named.out).toBe(limited.out);
    expect((await runCli([...base, '--num-requests', '50', '--limit', '50'])).code).toBe(0);
    const clash = await runCli([...base, '--num-requests', '50', '--limit', '40']);
    expect(clash.code).toBe(2);
    expect(clash.err).toContain('[FLAG_CONFLICT] --num-requests');
  });
});

describe('replay/convert bad input exits 2', () => {
  it('an empty file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-bad-'));
    writeFileSync(join(dir, 'empty.csv'), '');
    const r = await runCli(['replay', 'empty.csv', '--quiet'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/empty\.csv/);
  });
  it('a truncated protobuf', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-bad-'));
    expect((await runCli(['run', '--num-requests', '20', '--otlp-out', 'x.pb', '--quiet'], dir)).code).toBe(0);
    const bytes = readFileSync(join(dir, 'x.pb'));
    writeFileSync(join(dir, 'cut.pb'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r = await runCli(['replay', 'cut.pb', '--format', 'otlp', '--quiet'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/OTLP_/);
  });
  it('a CSV without the columns a mapping names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-bad-'));
    writeFileSync(join(dir, 'x.csv'), 'a,b\n1,2\n');
    const r = await runCli(['replay', 'x.csv', '--columns', 'arrival=ts,input=prompt,output=completion', '--quiet'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/ts|missing/i);
  });
  it('convert without --to', async () => {
    const r = await runCli(['convert', t('burstgpt1-rows0001-0200.csv')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--to/);
  });
});
