/**
 * The ground-truth blocks of an experiment file (`ground_truth.summary` and each stage).
 * Strict about values, lenient about presence: a statistic the file lacks (absent or null) is
 * absent from the comparison, never a zero; a statistic it states must be a positive number of
 * ms, else the file and field are named (a value silently dropped would vanish from the table).
 */
import type { Assumption } from './assumptions.js';
import { compact, isObj, type Obj, type Reader } from './experiment-reader.js';

/** A latency distribution summary in ms; any field may be missing in partial ground truth. */
export interface DistMs {
  readonly mean?: number;
  readonly p50?: number;
  readonly p90?: number;
  readonly p95?: number;
  readonly p99?: number;
  readonly min?: number;
  readonly max?: number;
}

/** Token-length statistics as the ground truth records them (p10 instead of p95/p99). */
export interface LengthStats {
  readonly mean?: number;
  readonly p10?: number;
  readonly p50?: number;
  readonly p90?: number;
  readonly min?: number;
  readonly max?: number;
}

/** One ground-truth block (the summary or one stage). */
export interface TruthBlock {
  readonly requestsSent?: number;
  readonly successes?: number;
  readonly failures?: number;
  readonly ttftMs?: DistMs;
  readonly e2eMs?: DistMs;
  /** Per-token TPOT: (mean e2e − mean ttft)/(configured output length − 1) (pitfall 1). */
  readonly tpotMeanMs?: number;
  /** Same with the re-tokenised (under-counted) output length: sim-to-real's "itl_mean". */
  readonly tpotMeasuredLenMs?: number;
  /** Per-SSE-event ITL from inference-perf: about 0.5x the per-token gap (pitfall 1). */
  readonly itlSseEventMs?: DistMs;
  readonly promptLenTokens?: LengthStats;
}

const DIST_KEYS = ['mean', 'p50', 'p90', 'p95', 'p99', 'min', 'max'] as const;
const LENGTH_KEYS = ['mean', 'p10', 'p50', 'p90', 'min', 'max'] as const;
const LATENCY_KEYS = ['ttft', 'e2e', 'tpot_from_means', 'itl_sse_event', 'tpot_sse_event'];
const BAD_TRUTH = 'EXPERIMENT_BAD_TRUTH';

/**
 * A block of statistics (`keys`), each a positive number of `unit` or absent/null. Latencies are
 * positive; per-SSE-event gaps may be 0 (two events of one engine step reach the client
 * together) and token counts may be 0, so `allowZero` there.
 */
function stats(r: Reader, o: Obj, key: string, path: string, keys: readonly string[], unit: string, allowZero: boolean): Record<string, number> | undefined {
  const v = r.optObj(o, key, path);
  if (!v) return undefined;
  const out: Record<string, number> = {};
  for (const k of keys) {
    const x = r.optPositive(v, k, `${path}${key}.`, unit, allowZero, BAD_TRUTH);
    if (x !== undefined) out[k] = x;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

const dist = (r: Reader, o: Obj, key: string, path: string, allowZero = false): DistMs | undefined => stats(r, o, key, path, DIST_KEYS, 'ms', allowZero);
const lengths = (r: Reader, o: Obj, key: string, path: string): LengthStats | undefined => stats(r, o, key, path, LENGTH_KEYS, 'tokens', true);

function count(r: Reader, o: Obj, key: string, path: string): number | undefined {
  const v = r.optPositive(o, key, path, 'requests', true, BAD_TRUTH);
  if (v !== undefined && !Number.isInteger(v)) r.fail(`${path}${key}`, `found ${v}; expected a whole number of requests`, BAD_TRUTH);
  return v;
}

/** One ground-truth block at `path` (e.g. `ground_truth.stages[1]`). */
export function truthBlock(r: Reader, o: Obj, path: string): TruthBlock {
  if (!LATENCY_KEYS.some((k) => isObj(o[k]))) {
    r.fail(path, `no latency metrics (expected at least one of ${LATENCY_KEYS.join(', ')})`, 'EXPERIMENT_STAGE_WITHOUT_METRICS');
  }
  const p = `${path}.`;
  const tpm = r.optObj(o, 'tpot_from_means', p);
  return compact({
    requestsSent: count(r, o, 'requests_sent', p),
    successes: count(r, o, 'successes', p),
    failures: count(r, o, 'failures', p),
    ttftMs: dist(r, o, 'ttft', p),
    e2eMs: dist(r, o, 'e2e', p),
    tpotMeanMs: r.optPositive(tpm, 'configured_output_len', `${p}tpot_from_means.`, 'ms', false, BAD_TRUTH),
    tpotMeasuredLenMs: r.optPositive(tpm, 'measured_output_len', `${p}tpot_from_means.`, 'ms', false, BAD_TRUTH),
    itlSseEventMs: dist(r, o, 'itl_sse_event', p, true),
    promptLenTokens: lengths(r, o, 'prompt_len_tokens', p),
  });
}

/**
 * Per-token TPOT from the block's means when the file lacks it (sparse files give only
 * sim-to-real's `measured_output_len` variant): under ignore_eos every request decodes exactly
 * `outputTokens`, so (mean E2E − mean TTFT)/(outputTokens − 1) is the per-token mean gap, the
 * definition of `tpot_from_means.configured_output_len` (calibration README, pitfalls 1–2; on
 * the calibration files it reproduces the stated value to the last digit). Returns the block
 * unchanged when it states TPOT or the rule does not apply.
 */
export function withDerivedTpot(t: TruthBlock, outputTokens: number | null, ignoreEos: boolean): TruthBlock {
  if (t.tpotMeanMs !== undefined || !ignoreEos || outputTokens === null || outputTokens < 2) return t;
  const e2e = t.e2eMs?.mean;
  const ttft = t.ttftMs?.mean;
  if (e2e === undefined || ttft === undefined || !(e2e > ttft)) return t;
  return { ...t, tpotMeanMs: (e2e - ttft) / (outputTokens - 1) };
}

/** The report entry for TPOTs derived by withDerivedTpot (block name → ms), if any. */
export function derivedTpotNote(derived: ReadonlyMap<string, number>, outputTokens: number | null): Assumption | undefined {
  if (derived.size === 0 || outputTokens === null) return undefined;
  return {
    field: 'ground_truth.*.tpot_from_means.configured_output_len',
    value: Object.fromEntries([...derived].map(([k, v]) => [k, Math.round(v * 1e4) / 1e4])),
    kind: 'derived',
    why: `(mean E2E − mean TTFT)/(output_tokens_generated − 1), per block: under ignore_eos every request decodes ${outputTokens} tokens`,
  };
}
