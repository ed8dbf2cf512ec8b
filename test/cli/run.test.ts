import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers.js';

const SEED = ['run', '--model', 'qwen/qwen3-14b', '--workload', 'chatbot', '--rate', '50', '--num-instances', '8', '--tp', '2', '--hardware', 'H100'];

describe('blis run', () => {
  it('prints blis.metrics/v1 with per-instance blocks, and every request is accounted for', async () => {
    const r = await runCli([...SEED, '--routing-policy', 'round-robin', '--num-requests', '300', '--output', 'json', '--quiet']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.schema).toBe('blis.metrics/v1');
    const q = doc.requests;
    expect(q.injected).toBe(300);
    expect(q.completed + q.rejected + q.timed_out + q.dropped + q.unfinished).toBe(q.injected);
    expect(doc.instances).toHaveLength(8);
    expect(doc.instances.reduce((a: number, i: { requests: { injected: number } }) => a + i.requests.injected, 0)).toBe(300);
    expect(doc.ttft_ms.p50).toBeGreaterThan(0);
    expect(doc.ttft_ms.p99).toBeGreaterThanOrEqual(doc.ttft_ms.p50);
    expect(doc.config.sources.totalKvBlocks).toBe('derived');
  });

  it('is deterministic: the same flags give byte-identical metrics JSON', async () => {
    const argv = [...SEED, '--routing-policy', 'weighted', '--routing-scorers', 'prefix-affinity:2,queue-depth:1', '--num-requests', '400', '--output', 'json', '--quiet', '--seed', '7'];
    const a = await runCli(argv);
    const b = await runCli(argv);
    expect(a.out).toBe(b.out);
    const c = await runCli(argv.map((x) => (x === '7' ? '8' : x)));
    expect(c.out).not.toBe(a.out);
  });

  it('keeps the seed directions: prefix-aware routing no worse than round-robin, A100-80 at least 2x the H100 p99 TTFT', async () => {
    const get = async (extra: string[], base = SEED) => JSON.parse((await runCli([...base, ...extra, '--num-requests', '2000', '--output', 'json', '--quiet'])).out);
    const rr = await get(['--routing-policy', 'round-robin']);
    const weighted = ['--routing-policy', 'weighted', '--routing-scorers', 'prefix-affinity:2,queue-depth:1'];
    const h100 = await get(weighted);
    const a100 = await get(weighted, SEED.map((x) => (x === 'H100' ? 'A100-80' : x))); // a flag given twice is an error
    expect(h100.ttft_ms.mean).toBeLessThanOrEqual(rr.ttft_ms.mean);
    expect(h100.kv.prefix_hit_rate).toBeGreaterThan(rr.kv.prefix_hit_rate);
    expect(a100.ttft_ms.p99).toBeGreaterThanOrEqual(2 * h100.ttft_ms.p99);
  });

  it('writes one request row per request (CSV and JSONL)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-run-'));
    const r = await runCli(['run', '--num-requests', '50', '--requests-out', 'r.csv', '--metrics-out', 'm.json', '--quiet'], dir);
    expect(r.code).toBe(0);
    const lines = readFileSync(join(dir, 'r.csv'), 'utf8').trim().split('\n');
    expect(lines[0]!.split(',')).toContain('ttft_us');
    expect(lines).toHaveLength(51);
    expect(JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8')).requests.injected).toBe(50);
    expect(r.out).toContain('TTFT');
    await runCli(['run', '--num-requests', '20', '--requests-out', 'r.jsonl', '--quiet'], dir);
    const rows = readFileSync(join(dir, 'r.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(20);
    expect(rows[0].status).toBe('completed');
  });
});

describe('blis run: bad input exits 2 with a clear message', () => {
  it('unknown model lists close names', async () => {
    const r = await runCli(['run', '--model', 'qwen/qwen3-14', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/UNKNOWN_MODEL.*--model.*qwen\/qwen3-14b/);
  });
  it('unknown hardware lists close names', async () => {
    const r = await runCli(['run', '--hardware', 'H10', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--hardware.*did you mean h100/i);
  });
  it('TP that does not divide the heads', async () => {
    const r = await runCli(['run', '--model', 'meta-llama/llama-2-7b-hf', '--tp', '3', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/TP_INVALID.*--tp.*does not divide/);
  });
  it('zero KV blocks', async () => {
    const r = await runCli(['run', '--total-kv-blocks', '0', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--total-kv-blocks/);
  });
  it('a model that does not fit in GPU memory', async () => {
    const r = await runCli(['run', '--model', 'meta-llama/llama-3.1-70b-instruct', '--tp', '1', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/KV_CAPACITY.*does not fit/);
  });
  it('malformed flag values', async () => {
    const r = await runCli(['run', '--rate', 'fast', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--rate.*expected a number/);
  });
  it('a malformed workload spec names the file, line and field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-spec-'));
    writeFileSync(join(dir, 'w.yaml'), 'clients:\n  - name: a\n    preset: chatbot\n    rate: -3\n');
    const r = await runCli(['run', '--workload-spec', 'w.yaml', '--quiet'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/w\.yaml:4/);
    expect(r.err).toMatch(/rate/);
  });
  it('a missing workload spec file', async () => {
    const r = await runCli(['run', '--workload-spec', '/nonexistent/w.yaml', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not found/);
  });
});

describe('catalog commands', () => {
  it('blis models lists the required catalog', async () => {
    const r = await runCli(['models', '--json']);
    const names = JSON.parse(r.out).map((m: { name: string }) => m.name);
    for (const n of ['qwen/qwen3-14b', 'meta-llama/llama-2-70b-hf', 'mistralai/mixtral-8x7b-v0.1', 'meta-llama/llama-4-scout-17b-16e-instruct', '01-ai/yi-34b']) expect(names).toContain(n);
  });
  it('blis models prints every column of the table (config.json facts, no blanks)', async () => {
    const r = await runCli(['models']);
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/undefined|NaN/);
    // Mixtral-8x7B: 46.70 B total, 12.88 B active, 32 layers, 32 heads, 8 KV heads, top-2 of 8, 32768 positions.
    expect(r.out).toMatch(/mistralai\/mixtral-8x7b-v0\.1\s+46\.70\s+12\.88\s+32\s+32\s+8\s+2\/8\s+32768/);
  });
  it('blis hardware lists the GPUs with sources', async () => {
    const r = await runCli(['hardware']);
    for (const g of ['H100', 'H200', 'A100-80', 'A100-40', 'L40S', 'B200']) expect(r.out).toContain(g);
  });
  it('blis hardware starts each source right after the figures, not padded to the longest source', async () => {
    const lines = (await runCli(['hardware'])).out.trimEnd().split('\n');
    // H100's row: 'H100', its figures, then its datasheet named two spaces after the link column.
    const h100 = lines.find((l) => l.startsWith('H100 '))!;
    expect(h100).toMatch(/\s450  NVIDIA H100 Tensor Core GPU datasheet \(SXM5; NVLink 4 900 GB\/s bidirectional\)$/);
    // The figures line up: every row's source starts in the header's 'source' column.
    const at = lines[0]!.indexOf('source');
    for (const l of lines.slice(1)) expect(l.slice(at - 2, at + 6), l).toMatch(/^  NVIDIA/);
  });
});
