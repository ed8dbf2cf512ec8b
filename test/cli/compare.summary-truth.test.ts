/**
 * `blis compare --truth` on a benchmark's own summary report (src/validate/summary-truth.ts): an
 * inference-perf lifecycle summary (seconds, `median`) and a `vllm bench serve` result (ms).
 * The prediction is a per-request file whose statistics are known exactly.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const HEADER = 'index,stage,arrival_us,input_tokens,output_tokens,ttft_us,e2e_us,error';
/** 101 requests: TTFT 100..200 ms, E2E 1100..1200 ms, 11 output tokens (TPOT 100 ms each). */
const SIM = [HEADER, ...Array.from({ length: 101 }, (_, i) => `${i},0,${i * 100_000},200,11,${(100 + i) * 1000},${(1100 + i) * 1000},0`)].join('\n');

const stats = (scale: number, lo: number): Record<string, number> => ({ mean: (lo + 50) * scale, median: (lo + 50) * scale, p90: (lo + 90) * scale, p99: (lo + 99) * scale, min: lo * scale, max: (lo + 100) * scale });

function dir(truthName: string, truth: unknown): string {
  const d = mkdtempSync(join(tmpdir(), 'blis-compare-summary-'));
  writeFileSync(join(d, 'sim.csv'), `${SIM}\n`);
  writeFileSync(join(d, truthName), JSON.stringify(truth));
  return d;
}

const summaryOf = (out: string): Record<string, { predicted: number; actual: number; error_pct: number }> =>
  JSON.parse(out).experiments[0].stages.find((s: { index: unknown }) => s.index === 'summary').metrics;

describe('blis compare against a summary report', () => {
  it("reads inference-perf's lifecycle summary: seconds to ms, median as p50, counts; ITL (per chunk) left out", async () => {
    // Truth 10 % slower than the prediction on every latency: errors of 1/1.1 − 1 = −9.09 %.
    const truth = {
      load_summary: { count: 101 },
      successes: {
        count: 101,
        latency: { time_to_first_token: stats(0.0011, 100), request_latency: stats(0.0011, 1100), time_per_output_token: { mean: 0.11, median: 0.11 }, inter_token_latency: { mean: 0.05 } },
        prompt_len: { mean: 200 }, output_len: { mean: 11 },
      },
      failures: { count: 0 },
    };
    const r = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'summary_lifecycle_metrics.json', '--output', 'json'], dir('summary_lifecycle_metrics.json', truth));
    expect(r.code, r.err).toBe(0);
    const m = summaryOf(r.out);
    expect(m.ttft_mean!.actual).toBeCloseTo(165, 9);
    expect(m.ttft_p50!.error_pct).toBeCloseTo((150 / 165 - 1) * 100, 3);
    expect(m.e2e_p99!.error_pct).toBeCloseTo((1199 / (1199 * 1.1) - 1) * 100, 3);
    expect(m.tpot_mean!.error_pct).toBeCloseTo((100 / 110 - 1) * 100, 3);
    expect(Object.keys(m).filter((k) => k.startsWith('itl'))).toEqual([]);
  });

  it('reads an inference-perf v0.1 summary, which names the median p50 (and has p10, schedule_accuracy)', async () => {
    const old = (scale: number, lo: number): Record<string, number> => ({ mean: (lo + 50) * scale, min: lo * scale, p10: (lo + 10) * scale, p50: (lo + 50) * scale, p90: (lo + 90) * scale, max: (lo + 100) * scale });
    const truth = {
      load_summary: { count: 101, schedule_accuracy: old(0.001, 0) },
      successes: { count: 101, latency: { time_to_first_token: old(0.0011, 100), request_latency: old(0.0011, 1100) }, prompt_len: old(1, 150), output_len: old(1, -39) },
      failures: { count: 0, request_latency: null, prompt_len: null },
    };
    const r = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'summary_lifecycle_metrics.json', '--output', 'json'], dir('summary_lifecycle_metrics.json', truth));
    expect(r.code, r.err).toBe(0);
    const m = summaryOf(r.out);
    expect(m.ttft_p50!.actual).toBeCloseTo(165, 9);
    expect(m.e2e_p50!.error_pct).toBeCloseTo((1150 / 1265 - 1) * 100, 3);
  });

  it("reads a vllm bench serve result (ms, p99 and median only) and checks it describes the same run", async () => {
    const truth = { model_id: 'meta-llama/Llama-3.1-8B-Instruct', num_prompts: 101, completed: 101, failed: 0, total_input_tokens: 20200, total_output_tokens: 1111,
      mean_ttft_ms: 150, median_ttft_ms: 150, p99_ttft_ms: 199, mean_tpot_ms: 100, median_tpot_ms: 100, p99_tpot_ms: 100, mean_e2el_ms: 1150, median_e2el_ms: 1150, p99_e2el_ms: 1199 };
    const d = dir('bench.json', truth);
    const r = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'bench.json', '--output', 'json'], d);
    expect(r.code, r.err).toBe(0);
    const m = summaryOf(r.out);
    for (const k of ['ttft_mean', 'ttft_p50', 'ttft_p99', 'tpot_mean', 'e2e_mean', 'e2e_p99']) expect(m[k]!.error_pct, k).toBeCloseTo(0, 3);
    expect(m['ttft_p90']).toBeUndefined();
    // Another request count is another experiment: refused unless --allow-mismatch.
    writeFileSync(join(d, 'other.json'), JSON.stringify({ ...truth, num_prompts: 500, completed: 500, total_input_tokens: 100000, total_output_tokens: 5500 }));
    const other = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'other.json'], d);
    expect([other.code, other.err]).toEqual([2, expect.stringMatching(/COMPARE_MISMATCH.*request count: 101 predicted against 500 measured/)]);
  });

  it('reads a vllm bench result saved with --percentile-metrics e2el (no TTFT statistics at all)', async () => {
    // vllm/benchmarks/serve.py writes mean_/median_/std_/p<N>_ keys only for the selected metrics;
    // with --metric-percentiles 50,95,99 it writes p50_ beside median_. Prediction E2E: 1100..1200 ms.
    const truth = { model_id: 'meta-llama/Llama-3.1-8B-Instruct', num_prompts: 101, completed: 101, failed: 0, total_input_tokens: 20200, total_output_tokens: 1111,
      mean_e2el_ms: 1150, median_e2el_ms: 1150, std_e2el_ms: 29.3, p50_e2el_ms: 1150, p95_e2el_ms: 1195, p99_e2el_ms: 1199 };
    const r = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'bench.json', '--output', 'json'], dir('bench.json', truth));
    expect(r.code, r.err).toBe(0);
    const m = summaryOf(r.out);
    expect(Object.keys(m).sort()).toEqual(['e2e_mean', 'e2e_p50', 'e2e_p95', 'e2e_p99']);
    for (const k of ['e2e_mean', 'e2e_p50', 'e2e_p95', 'e2e_p99']) expect(m[k]!.error_pct, k).toBeCloseTo(0, 3);
    expect(m['e2e_p95']!.actual).toBe(1195);
  });

  it('reads a vllm bench result with per-request arrays but no start_times (older vLLM) by its summary', async () => {
    // No arrival times, so it cannot be read as a trace; its summary statistics are what it has.
    const truth = { model_id: 'meta-llama/Llama-3.1-8B-Instruct', num_prompts: 101, completed: 101, failed: 0, total_input_tokens: 20200, total_output_tokens: 1111,
      mean_ttft_ms: 150, median_ttft_ms: 150, p99_ttft_ms: 199, mean_e2el_ms: 1150,
      input_lens: Array(101).fill(200), output_lens: Array(101).fill(11), ttfts: Array.from({ length: 101 }, (_, i) => (100 + i) / 1000),
      itls: Array(101).fill(Array(10).fill(0.1)), generated_texts: Array(101).fill('x'), errors: Array(101).fill('') };
    const r = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'bench.json', '--output', 'json'], dir('bench.json', truth));
    expect(r.code, r.err).toBe(0);
    const m = summaryOf(r.out);
    for (const k of ['ttft_mean', 'ttft_p50', 'ttft_p99', 'e2e_mean']) expect(m[k]!.error_pct, k).toBeCloseTo(0, 3);
  });

  it("a vllm bench statistic written as 0 for want of samples (np.mean(tpots or 0)) is absent, not a 0 ms truth", async () => {
    // Every request decoded one token: vLLM had no TPOT or ITL sample and wrote 0 for each statistic.
    const truth = { model_id: 'meta-llama/Llama-3.1-8B-Instruct', num_prompts: 101, completed: 101, failed: 0, total_input_tokens: 20200, total_output_tokens: 1111,
      mean_ttft_ms: 150, median_ttft_ms: 150, p99_ttft_ms: 199, mean_tpot_ms: 0, median_tpot_ms: 0, p99_tpot_ms: 0, mean_itl_ms: 0, median_itl_ms: 0, p99_itl_ms: 0, mean_e2el_ms: 1150 };
    const r = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'bench.json', '--output', 'json'], dir('bench.json', truth));
    expect(r.code, r.err).toBe(0);
    const m = summaryOf(r.out);
    expect(Object.keys(m).filter((k) => /^(tpot|itl)_/.test(k))).toEqual([]);
    expect(m['ttft_mean']!.error_pct).toBeCloseTo(0, 3);
  });

  it('names a bad value by its field', async () => {
    const r = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'bench.json'], dir('bench.json', { completed: 1, mean_ttft_ms: 10, p99_ttft_ms: -3 }));
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/TRUTH_BAD_VALUE.*bench\.json: p99_ttft_ms: found -3; expected milliseconds/)]);
  });

  const shared = resolve(import.meta.dirname, '../../../shared/traces/inference-perf-llmd-pd-staged-ramp.summary_lifecycle_metrics.json');
  it.skipIf(!existsSync(shared))('reads the real llm-d P/D report: 2,482 successes and 8 failures, TTFT and E2E in ms', async () => {
    const r = await runCli(['compare', '--sim', 'sim.csv', '--truth', shared, '--output', 'json', '--allow-mismatch'], dir('unused.json', {}));
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out).experiments[0].stages.find((x: { index: unknown }) => x.index === 'summary');
    expect(s.requests.actual).toEqual({ ok: 2482, failed: 8 });
    expect(s.metrics.e2e_mean.actual).toBeCloseTo(57_299.1254190574, 6);
  });
});

describe('blis compare against a trace with observed latencies', () => {
  const root = resolve(import.meta.dirname, '../..');
  it('reads TraceV2 and OTLP spans as per-request truth (their observed TTFT/E2E), as replay --compare does', async () => {
    const d = dir('unused.json', {});
    const otlp = await runCli(['compare', '--sim', 'sim.csv', '--truth', join(root, 'test/fixtures/otlp/vllm-llm_request.jsonl'), '--output', 'json', '--allow-mismatch'], d);
    expect(otlp.code, otlp.err).toBe(0);
    expect(otlp.err).toMatch(/--truth read as a trace \(otlp\): 3 requests, 3 with observed latencies/);
    const s = JSON.parse(otlp.out).experiments[0].stages.find((x: { index: unknown }) => x.index === 'summary');
    // The fixture's TTFTs: 83, 61 and 20 ms.
    expect(s.metrics.ttft_mean.actual).toBeCloseTo((83 + 61 + 20) / 3, 4);
    expect(s.requests.actual).toEqual({ ok: 3, failed: 0 });
    const tv2 = await runCli(['compare', '--sim', 'sim.csv', '--truth', join(root, 'traces/tracev2-example.trace_header.yaml'), '--output', 'json', '--allow-mismatch'], d);
    expect(tv2.code, tv2.err).toBe(0);
    // Its error row is kept as a failure, not dropped.
    expect(JSON.parse(tv2.out).experiments[0].stages.find((x: { index: unknown }) => x.index === 'summary').requests.actual.failed).toBe(1);
  });

  it('failed requests of a trace count as failures even when they carry chunk times; a damaged table row stays an error', async () => {
    const d = dir('unused.json', {});
    const header = 'request_id,arrival_time_us,input_tokens,output_tokens,send_time_us,first_chunk_time_us,last_chunk_time_us,status';
    const rows = Array.from({ length: 20 }, (_, i) => `${i},${i * 1000},100,11,${1_000_000 + i * 1000},${1_050_000 + i * 1000},${i < 5 ? 31_000_000 : 1_900_000 + i * 1000},${i < 5 ? 'timeout' : 'ok'}`);
    writeFileSync(join(d, 't.trace_data.csv'), `${header}\n${rows.join('\n')}\n`);
    const r = await runCli(['compare', '--sim', 'sim.csv', '--truth', 't.trace_data.csv', '--output', 'json', '--allow-mismatch'], d);
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out).experiments[0].stages.find((x: { index: unknown }) => x.index === 'summary');
    expect(s.requests.actual).toEqual({ ok: 15, failed: 5 });
    // The timed-out rows' 30 s are not in the E2E statistics: every success took 900 ms.
    expect(s.metrics.e2e_p99.actual).toBeCloseTo(900, 6);
    writeFileSync(join(d, 'bad.csv'), `${HEADER}\n0,0,0,100,11,100000,1100000,0\n1,0,oops,100,11,110000,1110000,0\n`);
    const bad = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'bad.csv'], d);
    expect([bad.code, bad.err]).toEqual([2, expect.stringMatching(/REQUESTS_MISSING_COLUMN.*bad\.csv:3/)]);
  });

  it('a vllm bench --save-detailed result is read per request, not as its summary', async () => {
    const r = await runCli(['compare', '--sim', 'sim.csv', '--truth', join(root, 'test/fixtures/ingest/vllm-bench-detailed.json'), '--output', 'json', '--allow-mismatch'], dir('unused.json', {}));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/read as a trace \(vllm-bench\)/);
    const s = JSON.parse(r.out).experiments[0].stages.find((x: { index: unknown }) => x.index === 'summary');
    // Per-request truth brings distributions (KS, Wasserstein), which a summary cannot.
    expect(s.distributions.ttft).toBeDefined();
  });

  it('a trace without observed latencies (Azure) keeps the per-request table error', async () => {
    const r = await runCli(['compare', '--sim', 'sim.csv', '--truth', join(root, 'traces/azure2023-code.relative.head300.csv')], dir('unused.json', {}));
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/REQUESTS_MISSING_COLUMN/)]);
  });
});
