import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { readTrace } from '../../src/ingest/open.node.js';
import { CALIBRATION, FIXTURES, SHARED, SHARED_PRESENT, TRACES, col, naiveCsv, sum } from './helpers.js';

describe('real samples', () => {
  test('vidur-processed Azure 2023: every row, seconds → µs, token sums', async () => {
    const path = `${TRACES}azure2023-code.relative.head300.csv`;
    const t = naiveCsv(path);
    const { format, requests, summary } = await readTrace(path);
    expect(format).toBe('azure-vidur');
    expect(requests).toHaveLength(300);
    expect(requests[0]!.arrivalUs).toBe(0);
    expect(requests[1]!.arrivalUs).toBe(52_000);
    expect(requests.at(-1)!.arrivalUs).toBe(Math.round(Number(col(t, 'arrived_at').at(-1)) * 1e6));
    expect(sum(requests.map((r) => r.inputTokens))).toBe(sum(col(t, 'num_prefill_tokens').map(Number)));
    expect(sum(requests.map((r) => r.outputTokens))).toBe(sum(col(t, 'num_decode_tokens').map(Number)));
    expect(summary).toMatchObject({ rows: 300, emitted: 300, skipped: {} });
  });

  test('Azure 2023 absolute form: 7 fractional digits parsed exactly, rebased to 0, same as vidur form', async () => {
    const abs = await readTrace(`${TRACES}azure2023-code.reconstructed.head300.csv`);
    const rel = await readTrace(`${TRACES}azure2023-code.relative.head300.csv`);
    expect(abs.format).toBe('azure');
    expect(abs.requests.map((r) => r.arrivalUs)).toEqual(rel.requests.map((r) => r.arrivalUs));
    expect(abs.requests.slice(0, 3).map((r) => r.arrivalUs)).toEqual([0, 52_000, 98_189]);
  });

  test('Azure 2024 form with +00:00 offset and 6 digits', async () => {
    const { format, requests } = await readTrace(`${FIXTURES}azure2024-shape.csv`);
    expect(format).toBe('azure');
    expect(requests.map((r) => r.arrivalUs)).toEqual([0, 21_320, 1_490_070]);
    expect(requests[0]).toMatchObject({ inputTokens: 2162, outputTokens: 5 });
  });

  test('BurstGPT 6-column: failed rows skipped and counted, the rest rebased from 5 s', async () => {
    const path = `${TRACES}burstgpt1-rows0001-0200.csv`;
    const t = naiveCsv(path);
    const resp = col(t, 'Response tokens').map(Number);
    const ok = t.rows.filter((_, i) => resp[i]! > 0);
    const { format, requests, summary } = await readTrace(path);
    expect(format).toBe('burstgpt');
    expect(summary.skipped).toEqual({ BURSTGPT_FAILED: 9 });
    expect(summary.messages[0]).toMatch(/burstgpt1-rows0001-0200\.csv:\d+: failed request/);
    expect(requests).toHaveLength(ok.length);
    expect(requests[0]).toMatchObject({ arrivalUs: 0, model: 'ChatGPT', inputTokens: 472, outputTokens: 18 });
    expect(requests.at(-1)!.arrivalUs).toBe((Number(ok.at(-1)![0]) - 5) * 1e6);
    expect(sum(requests.map((r) => r.inputTokens))).toBe(sum(ok.map((r) => Number(r[2]))));
    expect(sum(requests.map((r) => r.outputTokens))).toBe(sum(ok.map((r) => Number(r[3]))));
  });

  test('BurstGPT failed rows can be kept and are counted', async () => {
    const { requests, summary } = await readTrace(`${TRACES}burstgpt1-rows0001-0200.csv`, { keepFailed: true });
    expect(requests).toHaveLength(200);
    expect(summary.adjusted).toEqual({ BURSTGPT_FAILED_KEPT: 9 });
  });

  test('BurstGPT 8-column: columns by name, sessions, float timestamps', async () => {
    const path = `${TRACES}burstgpt3-rows0001-0100.csv`;
    const t = naiveCsv(path);
    const { format, requests } = await readTrace(path);
    expect(format).toBe('burstgpt');
    expect(requests).toHaveLength(100);
    expect(requests[0]).toMatchObject({ arrivalUs: 0, sessionId: '1722ac82-0a46-4bf0-aa08-89794e7a2b3f', model: 'GPT-4', inputTokens: 906, outputTokens: 446 });
    expect(requests.filter((r) => r.sessionId === undefined)).toHaveLength(6);
    expect(new Set(requests.map((r) => r.sessionId).filter(Boolean)).size).toBe(31);
    expect(sum(requests.map((r) => r.inputTokens))).toBe(sum(col(t, 'Request tokens').map(Number)));
    expect(requests.at(-1)!.arrivalUs).toBe((Number(col(t, 'Timestamp').at(-1)) - 19440110) * 1e6);
  });

  test.each(['mooncake-conversation-head300.jsonl', 'mooncake-synthetic-head300.jsonl'])('Mooncake %s: ms → µs, hash_ids of 512-token blocks', async (name) => {
    const lines = readFileSync(`${TRACES}${name}`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { timestamp: number; input_length: number; output_length: number; hash_ids: number[] });
    const { format, requests } = await readTrace(`${TRACES}${name}`);
    expect(format).toBe('mooncake');
    expect(requests).toHaveLength(lines.length);
    expect(requests.at(-1)!.arrivalUs).toBe(lines.at(-1)!.timestamp * 1000);
    expect(sum(requests.map((r) => r.inputTokens))).toBe(sum(lines.map((l) => l.input_length)));
    expect(sum(requests.map((r) => r.outputTokens))).toBe(sum(lines.map((l) => l.output_length)));
    for (const r of requests) {
      expect(r.hashIds!.blockTokens).toBe(512);
      expect(r.hashIds!.ids.length).toBe(Math.ceil(r.inputTokens / 512));
    }
  });

  test.skipIf(!SHARED_PRESENT)('TraceV2 (real, shared): completion order sorted by arrival, observed TTFT/E2E from absolute times', async () => {
    const path = `${SHARED}traces/tracev2-llmd-blis1-w1mid.trace_data.head116.csv`;
    const t = naiveCsv(path);
    const { format, requests, summary } = await readTrace(path);
    expect(format).toBe('tracev2');
    expect(requests).toHaveLength(116);
    expect(summary.skipped).toEqual({});
    const arr = requests.map((r) => r.arrivalUs);
    expect(arr).toEqual([...arr].sort((a, b) => a - b));
    expect(arr[0]).toBe(Math.min(...col(t, 'arrival_time_us').map(Number)));
    const row = t.rows.find((r) => r[0] === '203')!;
    const r203 = requests.find((r) => r.id === '203')!;
    expect(r203.observed).toEqual({ ttftUs: Number(row[21]) - Number(row[20]), e2eUs: Number(row[22]) - Number(row[20]) });
    // The prompt is the server's count (server_input_tokens, a few tokens off the requested input_tokens).
    expect(sum(requests.map((r) => r.inputTokens))).toBe(sum(col(t, 'server_input_tokens').map(Number)));
    expect(sum(requests.map((r) => r.inputTokens))).not.toBe(sum(col(t, 'input_tokens').map(Number)));
    expect(r203.inputTokens).toBe(Number(row[18]));
    // 5 of the 116 rows have the same count on both sides: no change there.
    expect(summary.adjusted).toEqual({ SERVER_INPUT_TOKENS: 111 });
  });

  test.skipIf(!SHARED_PRESENT)('TraceV2 given the header file finds the data sibling', async () => {
    const { format, requests } = await readTrace(`${SHARED}traces/tracev2-llmd-blis1-w1mid.trace_header.yaml`);
    expect(format).toBe('tracev2');
    expect(requests).toHaveLength(116);
  });

  test('TraceV2 example shipped in traces/: error row skipped, sessions and prefix groups', async () => {
    const { requests, summary } = await readTrace(`${TRACES}tracev2-example.trace_header.yaml`);
    expect(requests).toHaveLength(11);
    expect(summary.skipped).toEqual({ REQUEST_FAILED: 1 });
    expect(requests.map((r) => r.id).slice(0, 3)).toEqual(['1000', '1001', '1002']);
    expect(requests.find((r) => r.id === '1004')).toMatchObject({ sessionId: 's1', turn: 0, prefix: { group: 'sys-a', tokens: 128 } });
  });

  test('calibration per-request CSV: observed latencies, error rows skipped', async () => {
    const path = `${CALIBRATION}20260217-170634-llama-2-7b-tp1-reasoning.requests.csv`;
    const t = naiveCsv(path);
    const errs = col(t, 'error').filter((e) => e === '1').length;
    const { format, requests, summary } = await readTrace(path);
    expect(format).toBe('calibration-requests');
    expect(errs).toBeGreaterThan(0);
    expect(summary.skipped).toEqual({ REQUEST_FAILED: errs });
    expect(requests).toHaveLength(t.rows.length - errs);
    expect(requests[0]).toEqual({ id: '0', arrivalUs: 0, inputTokens: 1083, outputTokens: 1423, stage: 0, observed: { ttftUs: 78404, e2eUs: 24297229 } });
    const ok = t.rows.filter((r) => r[7] === '0');
    expect(sum(requests.map((r) => r.observed!.e2eUs!))).toBe(sum(ok.map((r) => Number(r[6]))));
  });

  test('every calibration per-request CSV reads with failures as the only skips', async () => {
    const dir = `${CALIBRATION}`;
    const files = readdirSync(dir).filter((f) => f.endsWith('.requests.csv'));
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const f of files) {
      const t = naiveCsv(`${dir}${f}`);
      const errs = col(t, 'error').filter((e) => e !== '0').length;
      const { requests, summary } = await readTrace(`${dir}${f}`);
      expect(summary.skipped, f).toEqual(errs > 0 ? { REQUEST_FAILED: errs } : {});
      expect(requests.length, f).toBe(t.rows.length - errs);
    }
  });

  test('inference-perf per-request lifecycle fixture (both info layouts)', async () => {
    const { format, requests, summary } = await readTrace(`${FIXTURES}inference-perf.per_request_lifecycle_metrics.json`);
    expect(format).toBe('inference-perf');
    expect(summary.skipped).toEqual({ REQUEST_FAILED: 1 });
    expect(requests).toHaveLength(6);
    expect(requests[0]).toMatchObject({ arrivalUs: 0, inputTokens: 100, outputTokens: 10, observed: { ttftUs: 120_000 } });
    expect(requests[1]).toMatchObject({ arrivalUs: 500_000, inputTokens: 101, outputTokens: 11, observed: { ttftUs: 130_000 } });
    expect(requests[5]!.observed!.e2eUs).toBe(Math.round((0.17 + 14 * 0.02 + 0.001) * 1e6));
  });

  test("inference-perf: the server's usage counts (what vLLM decoded) win over the client's re-tokenised ones", async () => {
    // inference-perf's own summary counts output tokens the same way (reportgen/base.py
    // summarize_output_token_usage: server usage completion_tokens/output_tokens, else the client's).
    const { requests, summary } = await readTrace(`${FIXTURES}inference-perf.server-usage.per_request_lifecycle_metrics.json`);
    expect(summary.skipped).toEqual({ REQUEST_FAILED: 1 });
    expect(requests.map((r) => [r.arrivalUs, r.inputTokens, r.outputTokens])).toEqual([[0, 52, 6], [500_000, 40, 8], [1_000_000, 30, 7]]);
    expect(requests[0]!.observed).toEqual({ ttftUs: 100_000, e2eUs: 321_000 });
    expect(summary.adjusted).toEqual({ SERVER_USAGE_TOKENS: 2 });
  });

  test('vLLM bench serve detailed fixture: arrivals from start_times, E2E = TTFT + sum(ITL)', async () => {
    const { format, requests, summary } = await readTrace(`${FIXTURES}vllm-bench-detailed.json`);
    expect(format).toBe('vllm-bench');
    expect(summary.skipped).toEqual({ REQUEST_FAILED: 1 });
    expect(requests.map((r) => r.arrivalUs)).toEqual([0, 800_000, 1_500_000]);
    expect(requests[0]).toMatchObject({ inputTokens: 120, outputTokens: 10, observed: { ttftUs: 50_000, e2eUs: 140_000 } });
  });

  test.each([
    ['inference-perf-llmd-pd-staged-ramp.summary_lifecycle_metrics.json', 'INFERENCE_PERF_SUMMARY_ONLY', /no per-request data/],
    ['inference-perf-llmd-pd-staged-ramp.stage_0_lifecycle_metrics.json', 'INFERENCE_PERF_SUMMARY_ONLY', /no per-request data/],
    ['vllm-bench-serve-qwen3-8b-fp8-smoke.json', 'VLLM_BENCH_SUMMARY_ONLY', /--save-detailed/],
  ])('summary-only %s is rejected with a clear message', async (name, code, message) => {
    await expect(readTrace(`${TRACES}${name}`)).rejects.toMatchObject({ name: 'InputError', code, message });
  });
});
