import { describe, expect, it } from 'vitest';
import { compareSides, errorPct, sideFromFlat, sideFromMetrics, sideFromRows } from '../../src/validate/compare.js';
import type { LatencyRow } from '../../src/validate/requests.js';
import { parseCalibrationRequestsCsv, parseLatencyTable, parseLifecycleJson } from '../../src/validate/requests.js';

const row = (i: number, stage: number, ttftMs: number, e2eMs: number, out = 11, error = false): LatencyRow => ({
  index: i, stage, arrivalUs: i * 1000, inputTokens: 10, outputTokens: out, ttftUs: error ? -1 : ttftMs * 1000, e2eUs: e2eMs * 1000, error,
});

describe('comparator', () => {
  it('signed error % = (pred − actual)/actual × 100', () => {
    expect(errorPct(110, 100)).toBe(10);
    expect(errorPct(90, 100)).toBe(-10);
    expect(errorPct(5, 0)).toBeNull();
  });

  it('compares per stage and pooled summary; failed rows excluded on both sides', () => {
    const actual = sideFromRows([row(0, 0, 10, 110), row(1, 0, 20, 120), row(2, 1, 30, 130), row(3, 1, 0, 300000, 0, true)], { outputTokens: 11 });
    const pred = sideFromRows([row(0, 0, 11, 110), row(1, 0, 22, 120), row(2, 1, 33, 130), row(3, 1, 40, 140)]);
    const cmp = compareSides(pred, actual);
    expect(cmp.map((s) => s.index)).toEqual([0, 1, 'summary']);
    const s0 = cmp[0]!.metrics;
    expect(s0['ttft_mean']).toEqual({ predicted: 16.5, actual: 15, error_pct: 10 });
    expect(s0['ttft_p50']).toEqual({ predicted: 16.5, actual: 15, error_pct: 10 });
    // TPOT per request: (110 − 10)/10 = 10 ms and (120 − 20)/10 = 10 ms
    expect(s0['tpot_mean']!.actual).toBe(10);
    expect(s0['itl_mean']!.actual).toBe(10);
    const sum = cmp[2]!;
    expect(sum.metrics['ttft_mean']!.actual).toBe(20); // (10 + 20 + 30)/3, the timeout excluded
    expect(sum.requests).toEqual({ predicted: { ok: 4, failed: 0 }, actual: { ok: 3, failed: 1 } });
    expect(sum.distributions!.ttft!.n_actual).toBe(3);
    expect(sum.distributions!.ttft!.n_predicted).toBe(4);
  });

  it('requests in decode: time-averaged over the middle of each stage (30-90 % of its arrivals), both sides', () => {
    // One arrival a second for 21 s, each decoding from 0.1 s after it for `decodeS`: at any
    // instant of the window [6 s, 18 s] exactly `decodeS` arrivals (3) or on average (2.5) are in decode.
    const steady = (decodeS: number, stage = 0, fromS = 0, n = 21): LatencyRow[] =>
      Array.from({ length: n }, (_, i) => ({ index: i, stage, arrivalUs: (fromS + i) * 1e6, inputTokens: 10, outputTokens: 31, ttftUs: 100_000, e2eUs: 100_000 + decodeS * 1e6, error: false }));
    const [s0, summary] = compareSides(sideFromRows(steady(3)), sideFromRows(steady(2.5)));
    expect(s0!.decode_concurrency).toEqual({ predicted: 3, actual: 2.5, error_pct: 20 });
    // A single stage: the whole run is that stage.
    expect(summary!.decode_concurrency).toEqual(s0!.decode_concurrency);
    // Two stages: each its own window, counting the other stage's requests decoding then; the pooled run has none.
    const two = sideFromRows([...steady(3), ...steady(3, 1, 21)]);
    expect(two.stages.get(0)!.decoding).toBe(3);
    expect(two.stages.get(1)!.decoding).toBe(3);
    expect(two.summary.decoding).toBeUndefined();
    // Fewer than 20 requests, or more than 1 % of them failed (their time in decode is not recorded): none.
    expect(sideFromRows(steady(3, 0, 0, 19)).stages.get(0)!.decoding).toBeUndefined();
    const failed = steady(3);
    failed[20] = { ...failed[20]!, ttftUs: -1, error: true };
    const cmp = compareSides(sideFromRows(steady(3)), sideFromRows(failed));
    expect(cmp[0]!.decode_concurrency).toBeUndefined();
    // One failure in 200 (0.5 %): counted without it. 200 arrivals over 199 s, window [59.7, 179.1] s.
    const many = steady(3, 0, 0, 200);
    many[199] = { ...many[199]!, ttftUs: -1, error: true };
    expect(sideFromRows(many).stages.get(0)!.decoding).toBeCloseTo(3, 12);
  });

  it('a metric the truth lacks is omitted; one the prediction lacks is null', () => {
    const actual = sideFromFlat({ '-1': { ttft_mean: 10, ttft_p99: 20 } });
    const pred = sideFromFlat({ '-1': { ttft_mean: 12 } });
    const [summary] = compareSides(pred, actual);
    expect(Object.keys(summary!.metrics)).toEqual(['ttft_mean', 'ttft_p99']);
    expect(summary!.metrics['ttft_p99']).toEqual({ predicted: null, actual: 20, error_pct: null });
  });

  it('reads the blis.metrics/v1 document, ignoring blocks without completions', () => {
    const d = { mean: 1, p50: 1, p90: 2, p95: 2, p99: 3, min: 0, max: 3 };
    const doc = {
      schema: 'blis.metrics/v1', requests: { injected: 10, completed: 9 }, ttft_ms: d, e2e_ms: d, tpot_ms: d, itl_ms: d,
      stages: [{ index: 0, requests: { injected: 5, completed: 0 }, ttft_ms: { mean: 0 } }],
    };
    const side = sideFromMetrics(doc);
    expect(side.summary.dists.ttft).toEqual(d);
    expect(side.summary.counts).toEqual({ ok: 9, failed: 1 });
    expect(side.stages.get(0)!.dists).toEqual({});
  });

  it('empty distributions written as null (a block with no completions) are no prediction, not 0 ms', () => {
    const d = { mean: 4, p50: 4, p90: 5, p95: 5, p99: 6, min: 3, max: 6 };
    const doc = {
      schema: 'blis.metrics/v1', requests: { injected: 3, completed: 3 }, ttft_ms: d, e2e_ms: d, tpot_ms: null, itl_ms: null, queue_ms: null,
      stages: [{ index: 0, requests: { injected: 0, completed: 0 }, ttft_ms: null, e2e_ms: null, tpot_ms: null, itl_ms: null }],
    };
    const side = sideFromMetrics(doc);
    expect(side.summary.dists).toEqual({ ttft: d, e2e: d });
    expect(side.stages.get(0)!.dists).toEqual({});
    const [summary] = compareSides(side, sideFromFlat({ '-1': { tpot_mean: 7, ttft_mean: 4 } }));
    expect(summary!.metrics['tpot_mean']).toEqual({ predicted: null, actual: 7, error_pct: null });
    expect(summary!.metrics['ttft_mean']!.error_pct).toBe(0);
  });

  it('flat competitor tables: "-1" is the whole run, itl_mean (measured-length TPOT) is ignored', () => {
    const side = sideFromFlat({ '-1': { e2e_mean: 5, itl_mean: 3 }, '0': { ttft_p90: 2 } });
    expect(side.summary.dists).toEqual({ e2e: { mean: 5 } });
    expect(side.stages.get(0)!.dists).toEqual({ ttft: { p90: 2 } });
  });
});

describe('per-request readers', () => {
  it('calibration CSV: error rows have no TTFT and count as failed', () => {
    const rows = parseCalibrationRequestsCsv('index,stage,arrival_us,input_tokens_counted,output_tokens_counted,ttft_us,e2e_us,error\n0,0,0,591,140,130224,1943702,0\n1,0,5,0,0,,300588950,1\n', 'x.csv');
    expect(rows[0]).toEqual({ index: 0, stage: 0, arrivalUs: 0, inputTokens: 591, outputTokens: 140, outputTokensCounted: true, ttftUs: 130224, e2eUs: 1943702, error: false });
    expect(rows[1]!.error).toBe(true);
    expect(rows[1]!.ttftUs).toBe(-1);
  });
  it('JSONL records with status', () => {
    const rows = parseLatencyTable('{"arrival_us":0,"ttft_us":5,"e2e_us":9,"output_tokens":3,"status":"completed"}\n{"arrival_us":1,"ttft_us":-1,"e2e_us":-1,"status":"rejected"}\n', 'r.jsonl', 'jsonl');
    expect(rows.map((r) => r.error)).toEqual([false, true]);
  });
  it('a missing arrival_us column names the file and line', () => {
    expect(() => parseLatencyTable('ttft_us,e2e_us\n1,2\n', 'bad.csv', 'csv')).toThrow(/bad\.csv:2/);
  });
  it('inference-perf lifecycle JSON: TTFT from the first output token time', () => {
    const rows = parseLifecycleJson([
      { start_time: 100, end_time: 101.5, info: { input_tokens: 10, output_tokens: 3, output_token_times: [100.2, 100.3, 101.5] }, error: null },
      { start_time: 110, end_time: 410, info: { input_tokens: 10, output_tokens: 0, output_token_times: [] }, error: { error_type: 'timeout' } },
    ], 'lc.json', [0, 5e6]);
    expect(rows[0]).toMatchObject({ arrivalUs: 0, ttftUs: 200000, e2eUs: 1500000, error: false, stage: 0 });
    expect(rows[1]).toMatchObject({ arrivalUs: 10e6, error: true, stage: 1 });
  });
  it('inference-perf lifecycle JSON as current builds write it: tokens and token times under info.request_metrics / info.response_metrics', () => {
    const rows = parseLifecycleJson([
      { start_time: 100, end_time: 101.5, info: { request_metrics: { text: { input_tokens: 10 } }, response_metrics: { output_tokens: 3, output_token_times: [100.2, 100.3, 101.5] } }, error: null },
    ], 'lc.json');
    expect(rows[0]).toEqual({ index: 0, arrivalUs: 0, inputTokens: 10, outputTokens: 3, ttftUs: 200000, e2eUs: 1500000, decodeUs: 1300000, error: false });
  });

  it('a request sent without streaming (no token times) is a success with an E2E and no TTFT, not a failure', () => {
    const rows = parseLifecycleJson([
      { start_time: 100, end_time: 101, info: { input_tokens: 10, output_tokens: 3, output_token_times: [100.25, 100.5, 101] }, error: null },
      { start_time: 100.5, end_time: 102.5, info: { input_tokens: 10, output_tokens: 3 }, error: null },
      { start_time: 101, end_time: 101.2, info: { input_tokens: 10 }, error: { error_type: 'ClientError', error_msg: 'boom' } },
      { start_time: 101.5, info: { input_tokens: 10 }, error: null },
    ], 'lc.json');
    expect(rows[1]).toEqual({ index: 1, arrivalUs: 500000, inputTokens: 10, outputTokens: 3, ttftUs: -1, e2eUs: 2000000, error: false });
    // Neither token times nor an end: nothing says it succeeded.
    expect(rows[3]!.error).toBe(true);
    const side = sideFromRows(rows);
    expect(side.summary.counts).toEqual({ ok: 2, failed: 2 });
    // TTFT from the streamed request alone; E2E from both (1 s and 2 s); TPOT needs both times.
    expect(side.summary.dists.ttft!.mean).toBe(250);
    expect(side.summary.dists.e2e!.mean).toBe(1500);
    expect(side.summary.dists.tpot!.mean).toBe(375);
  });
});

describe('TPOT needs a decoded length', () => {
  const csv = 'index,stage,arrival_us,input_tokens_counted,output_tokens_counted,ttft_us,e2e_us,error\n0,0,0,591,11,100000,1100000,0\n1,0,5,591,3,100000,1100000,0\n';
  it("a calibration CSV's re-tokenised output_tokens_counted gives no TPOT or ITL (it would inflate them: 500 ms instead of 4 ms here)", () => {
    const rows = parseCalibrationRequestsCsv(csv, 'x.csv');
    expect(rows.map((r) => r.outputTokensCounted)).toEqual([true, true]);
    const side = sideFromRows(rows);
    expect(side.summary.dists.tpot).toBeUndefined();
    expect(side.summary.dists.itl).toBeUndefined();
    expect(side.summary.dists.e2e!.mean).toBe(1100);
    // With the configured length (the experiment's, under ignore_eos): 1000 ms / 250 gaps.
    expect(sideFromRows(rows, { outputTokens: 251 }).summary.dists.tpot!.mean).toBe(4);
  });
  it('output_tokens (or produced_tokens) is a decoded length; a one-token request has no TPOT (vLLM: output_len > 1)', () => {
    const rows = parseLatencyTable('arrival_us,ttft_us,e2e_us,output_tokens\n0,100000,1100000,11\n1,100000,100000,1\n', 'r.csv', 'csv');
    expect(rows[0]!.outputTokensCounted).toBeUndefined();
    const side = sideFromRows(rows);
    expect(side.summary.dists.tpot).toMatchObject({ mean: 100, p50: 100 });
    expect(side.summary.samples!.tpot!.length).toBe(1);
    expect(side.summary.dists.ttft!.mean).toBe(100);
  });
});

describe('inference-perf lifecycle truth: TPOT as inference-perf computes it', () => {
  it('TPOT and ITL span first to last token, not to the end of the stream: (last − first)/(n − 1)', () => {
    // 5 tokens 10 ms apart from 100.1 s; the stream closes 40 ms after the last token.
    const rows = parseLifecycleJson([
      { start_time: 100, end_time: 100.18, info: { output_tokens: 5, output_token_times: [100.1, 100.11, 100.12, 100.13, 100.14] }, error: null },
    ], 'lc.json');
    const side = sideFromRows(rows);
    expect(side.summary.dists.tpot!.mean).toBeCloseTo(10, 9); // (e2e − ttft)/(n − 1) read 20 ms
    expect(side.summary.dists.itl!.mean).toBeCloseTo(10, 9);
    expect(side.summary.dists.e2e!.mean).toBeCloseTo(180, 9); // request_latency stays end − start
  });
});
