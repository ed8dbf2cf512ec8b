/**
 * Ground truth from a benchmark's own summary report, for `blis compare --truth`: what a user
 * has after load-testing a real vLLM, before any experiment file exists.
 *
 * - inference-perf's `summary_lifecycle_metrics.json` (and `stage_N_lifecycle_metrics.json`):
 *   `successes.latency.{time_to_first_token, request_latency, time_per_output_token}` in seconds
 *   with `mean, median (p50 in v0.1), p90, p95, p99, min, max` (kubernetes-sigs/inference-perf report writer;
 *   /work/shared/traces/README.md has a real one), `successes.count`, `failures.count`. Its
 *   `inter_token_latency` is per streamed chunk, not per token (the calibration files' pitfall 1),
 *   so ITL is left out; TPOT carries the decode speed.
 * - `vllm bench serve --save-result` JSON: `{mean,median,p99}_{ttft,tpot,itl,e2el}_ms` (and
 *   `p<N>_…` for other `--metric-percentiles`; only the `--percentile-metrics` selected, so
 *   `e2el` alone has no TTFT keys), `completed`, `failed`, `num_prompts`, `model_id`,
 *   `total_input_tokens`, `total_output_tokens` (vllm/benchmarks/serve.py). Its ITL is the gap
 *   between streamed chunks, one token each from a V1 server.
 *
 * Both become a Side with a summary block only (no stages, no per-request samples) and the run's
 * facts (model, requests, mean token counts) for the comparability check.
 */
import type { Side, SideBlock, LatencyMetric } from './compare.js';
import type { DistMs } from './experiment-truth.js';
import type { RunFacts } from './comparability.js';
import { InputError } from '../kernel/errors.js';

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export interface SummaryTruth {
  readonly format: 'inference-perf summary' | 'vllm bench serve result';
  readonly side: Side;
  readonly facts: RunFacts;
}

/**
 * inference-perf stat names → the comparator's. The median is `median` from v0.2.0 on and `p50`
 * in v0.1 reports (inference_perf/reportgen/base.py summarize(), renamed in commit 8741b33,
 * 2025-08-26).
 */
const IP_STATS: ReadonlyArray<readonly [string, keyof DistMs]> = [['mean', 'mean'], ['median', 'p50'], ['p50', 'p50'], ['p90', 'p90'], ['p95', 'p95'], ['p99', 'p99'], ['min', 'min'], ['max', 'max']];

function ipDist(o: unknown, where: string): DistMs | undefined {
  const src = asObj(o);
  if (src === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const [from, to] of IP_STATS) {
    const v = src[from];
    if (v === undefined || v === null) continue;
    if (num(v) === undefined || (v as number) < 0) throw new InputError('TRUTH_BAD_VALUE', `${where}.${from}`, `found ${JSON.stringify(v)}; expected seconds ≥ 0`);
    out[to] = (v as number) * 1000;
  }
  return Object.keys(out).length > 0 ? (out as DistMs) : undefined;
}

function fromInferencePerf(doc: Obj, file: string): SummaryTruth {
  const successes = asObj(doc['successes'])!;
  const latency = asObj(successes['latency'])!;
  const dists: Partial<Record<LatencyMetric, DistMs>> = {};
  const map: ReadonlyArray<readonly [string, LatencyMetric]> = [['time_to_first_token', 'ttft'], ['request_latency', 'e2e'], ['time_per_output_token', 'tpot']];
  for (const [key, metric] of map) {
    const d = ipDist(latency[key], `${file}: successes.latency.${key}`);
    if (d) dists[metric] = d;
  }
  const ok = num(successes['count']) ?? 0;
  const failed = num(asObj(doc['failures'])?.['count']) ?? 0;
  const block: SideBlock = { dists, counts: { ok, failed } };
  // Server-side usage counts (prompt_tokens / output_tokens) where the report has them, else the client's.
  const mean = (k: string): number | undefined => num(asObj(successes[k])?.['mean']);
  const meanInputTokens = mean('prompt_tokens') ?? mean('prompt_len');
  const meanOutputTokens = mean('output_tokens') ?? mean('output_len');
  const requests = num(asObj(doc['load_summary'])?.['count']) ?? ok + failed;
  return {
    format: 'inference-perf summary',
    side: { summary: block, stages: new Map() },
    facts: { requests, ...(meanInputTokens ? { meanInputTokens } : {}), ...(meanOutputTokens ? { meanOutputTokens } : {}) },
  };
}

/** vLLM's metric names → the comparator's. */
const VLLM_METRICS: ReadonlyArray<readonly [string, LatencyMetric]> = [['ttft', 'ttft'], ['tpot', 'tpot'], ['itl', 'itl'], ['e2el', 'e2e']];

function fromVllmBench(doc: Obj, file: string): SummaryTruth {
  const dists: Partial<Record<LatencyMetric, DistMs>> = {};
  for (const [name, metric] of VLLM_METRICS) {
    const out: Record<string, number> = {};
    const read = (key: string, stat: keyof DistMs): void => {
      const v = doc[key];
      if (v === undefined || v === null) return;
      if (num(v) === undefined || (v as number) < 0) throw new InputError('TRUTH_BAD_VALUE', `${file}: ${key}`, `found ${JSON.stringify(v)}; expected milliseconds ≥ 0`);
      out[stat] = v as number;
    };
    read(`mean_${name}_ms`, 'mean');
    read(`median_${name}_ms`, 'p50');
    for (const p of [90, 95, 99] as const) read(`p${p}_${name}_ms`, `p${p}`);
    // vLLM writes every statistic of a metric without samples as 0 (calculate_metrics:
    // np.mean(ttfts or 0), np.percentile(tpots or 0, p), ...): no TTFT when nothing streamed, no
    // TPOT or ITL when no request decoded two tokens. A measured mean is never 0 ms: absent, not 0.
    if (out['mean'] === 0) continue;
    if (Object.keys(out).length > 0) dists[metric] = out as DistMs;
  }
  const ok = num(doc['completed']) ?? 0;
  const failed = num(doc['failed']) ?? 0;
  const model = typeof doc['model_id'] === 'string' ? doc['model_id'] : undefined;
  const requests = num(doc['num_prompts']) ?? ok + failed;
  const meanInputTokens = ok > 0 && num(doc['total_input_tokens']) !== undefined ? (doc['total_input_tokens'] as number) / ok : undefined;
  const meanOutputTokens = ok > 0 && num(doc['total_output_tokens']) !== undefined ? (doc['total_output_tokens'] as number) / ok : undefined;
  return {
    format: 'vllm bench serve result',
    side: { summary: { dists, counts: { ok, failed } }, stages: new Map() },
    facts: { ...(model ? { model } : {}), requests, ...(meanInputTokens ? { meanInputTokens } : {}), ...(meanOutputTokens ? { meanOutputTokens } : {}) },
  };
}

/** The summary report `json` holds, or undefined when it is neither kind. */
export function summaryTruth(json: unknown, file: string): SummaryTruth | undefined {
  const doc = asObj(json);
  if (doc === undefined) return undefined;
  if (asObj(asObj(doc['successes'])?.['latency']) !== undefined) return fromInferencePerf(doc, file);
  // A --save-detailed result carries per-request arrays: read per request instead (the vllm-bench
  // trace format), which needs their start times. Results saved before vLLM wrote `start_times`
  // (every result before --save-detailed existed, and detailed ones after) have arrays without
  // arrival times: their summary is read.
  const detailed = Array.isArray(doc['ttfts']) && doc['ttfts'].length > 0 && Array.isArray(doc['start_times']);
  // Only the --percentile-metrics a run selected have statistics (`e2el` alone has no TTFT keys).
  const hasStats = VLLM_METRICS.some(([name]) => typeof doc[`mean_${name}_ms`] === 'number');
  if (!detailed && hasStats && typeof doc['completed'] === 'number') return fromVllmBench(doc, file);
  return undefined;
}
