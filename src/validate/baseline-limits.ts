/**
 * The absolute half of a baseline (`limits` in blis.baseline/v1), next to the ratchet of
 * baseline.ts. A ratchet only says "no worse than last time"; it would pass a model that was
 * always far off (Llama-2-7B general's TTFT p99 ran at +870% under a ratchet limit of +1092%).
 * These limits are set by hand, kept when `--update-baseline` rewrites the ratchet, and
 * tightened deliberately:
 *
 * - `median_mape`: per metric, the largest allowed median (over counted experiments) of |error %|;
 * - `known_failure_abs_error_pct`: every counted experiment × gated metric whose |error %| is
 *   beyond it is listed as a known failure (in validation.json and the reports; it does not fail
 *   the gate, the ratchet keeps it from getting worse);
 * - `overload_failure_ratio`: a run where real vLLM failed more than 10% of its requests (the
 *   300 s client timeout) must fail between 1/ratio and ratio times as many in simulation;
 * - `overload_known_gaps`: overloaded runs (experiment id → why) the model is known not to
 *   reproduce; their overload check is listed as a known failure instead of failing the gate, so
 *   a removed fudge (the backlog slowdown) shows as a named gap, not as a looser ratio for all;
 * - `served_failed_fraction`, `served_ttft_p99_ratio`: a run real vLLM served without failures
 *   (its counts say 0, or it states none and is `active`) must not be predicted overloaded: at
 *   most this fraction of its simulated requests may fail the client timeout, and its simulated
 *   TTFT p99 may be at most this multiple of the real one (a queue that keeps growing shows
 *   there first, long before requests time out).
 */
import { InputError } from '../kernel/errors.js';
import { roundPct } from './compare.js';
import type { GateFailure, ValidationDocument, ValidationExperiment } from './validation.js';
import { countsTowardsSummary, sortMetricKeys } from './validation.js';

export interface BaselineLimits {
  readonly median_mape?: Readonly<Record<string, number>>;
  readonly known_failure_abs_error_pct?: number;
  readonly overload_failure_ratio?: number;
  readonly overload_known_gaps?: Readonly<Record<string, string>>;
  readonly served_failed_fraction?: number;
  readonly served_ttft_p99_ratio?: number;
}

export interface KnownFailure {
  readonly experiment: string;
  readonly metric: string;
  readonly error_pct: number;
  readonly limit: number;
}

/** A run whose real server failed more than this share of requests is overloaded (calibration README). */
export const OVERLOADED_FAILED_FRACTION = 0.1;

type ValidationLike = Pick<ValidationDocument, 'experiments' | 'summary'>;

interface Counts {
  readonly ok: number;
  readonly failed: number;
}

function summaryCounts(e: ValidationExperiment): { predicted?: Counts; actual?: Counts } {
  return e.stages.find((s) => s.index === 'summary')?.requests ?? {};
}

/** Absolute checks: median MAPE per metric, overload reproduced, served runs not predicted overloaded. */
export function checkLimits(validation: ValidationLike, limits: BaselineLimits): GateFailure[] {
  const failures: GateFailure[] = [];
  for (const metric of sortMetricKeys(Object.keys(limits.median_mape ?? {}))) {
    const limit = limits.median_mape![metric]!;
    const v = validation.summary[metric];
    if (!v) failures.push({ metric, check: 'median_mape', value: null, limit, reason: 'metric missing from the summary' });
    else if (v.mape_median > limit) failures.push({ metric, check: 'median_mape', value: v.mape_median, limit });
  }
  for (const e of validation.experiments) {
    if (e.status !== 'ok') continue;
    const { predicted, actual } = summaryCounts(e);
    if (!predicted) continue;
    const sent = predicted.ok + predicted.failed;
    const actualSent = actual ? actual.ok + actual.failed : 0;
    if (actual && actualSent > 0 && actual.failed > OVERLOADED_FAILED_FRACTION * actualSent) {
      const r = limits.overload_failure_ratio;
      if (r === undefined) continue;
      const lo = actual.failed / r;
      const hi = actual.failed * r;
      if ((predicted.failed < lo || predicted.failed > hi) && limits.overload_known_gaps?.[e.id] === undefined) {
        failures.push({ metric: 'failed_requests', check: 'overload', experiment: e.id, value: predicted.failed, limit: predicted.failed < lo ? lo : hi, reason: `overloaded run: ${predicted.failed} predicted failures against ${actual.failed} real, outside ×/÷ ${r}` });
      }
    } else if (actual ? actual.failed === 0 : e.truth_status === 'active') {
      const served = actual ? 'all of them' : 'the run (no failures recorded)';
      const allowed = limits.served_failed_fraction !== undefined ? limits.served_failed_fraction * sent : Infinity;
      if (predicted.failed > allowed) {
        failures.push({ metric: 'failed_requests', check: 'served', experiment: e.id, value: predicted.failed, limit: allowed, reason: `predicted overloaded: ${predicted.failed} of ${sent} requests fail the client timeout; real vLLM served ${served}` });
      }
      const ratio = limits.served_ttft_p99_ratio;
      const p99 = e.stages.find((x) => x.index === 'summary')?.metrics['ttft_p99'];
      if (ratio !== undefined && p99 && p99.predicted !== null && p99.predicted > ratio * p99.actual) {
        failures.push({ metric: 'ttft_p99', check: 'served', experiment: e.id, value: p99.predicted, limit: ratio * p99.actual, reason: `predicted overloaded: TTFT p99 ${p99.predicted.toFixed(0)} ms is more than ${ratio}× the real ${p99.actual.toFixed(0)} ms; real vLLM served ${served}` });
      }
    }
  }
  return failures;
}

/** Counted experiments × metrics with |error %| beyond the stated limit (whole-run rows). */
export function knownFailures(validation: ValidationLike, limits: BaselineLimits, metrics: readonly string[]): KnownFailure[] {
  const limit = limits.known_failure_abs_error_pct;
  if (limit === undefined) return overloadGaps(validation, limits);
  const out: KnownFailure[] = [];
  for (const e of validation.experiments) {
    if (!countsTowardsSummary(e)) continue;
    const s = e.stages.find((x) => x.index === 'summary');
    for (const metric of sortMetricKeys(metrics)) {
      const ep = s?.metrics[metric]?.error_pct;
      if (ep !== undefined && ep !== null && Math.abs(ep) > limit) out.push({ experiment: e.id, metric, error_pct: roundPct(ep), limit });
    }
  }
  return [...out, ...overloadGaps(validation, limits)];
}

/** Listed overload gaps whose failure count is outside the ratio: failed_requests error against the real count. */
function overloadGaps(validation: ValidationLike, limits: BaselineLimits): KnownFailure[] {
  const gaps = limits.overload_known_gaps ?? {};
  const r = limits.overload_failure_ratio;
  const out: KnownFailure[] = [];
  for (const e of validation.experiments) {
    if (e.status !== 'ok' || gaps[e.id] === undefined || r === undefined) continue;
    const { predicted, actual } = summaryCounts(e);
    if (!predicted || !actual || actual.failed === 0) continue;
    if (predicted.failed >= actual.failed / r && predicted.failed <= actual.failed * r) continue;
    out.push({ experiment: e.id, metric: 'failed_requests', error_pct: roundPct(((predicted.failed - actual.failed) / actual.failed) * 100), limit: (r - 1) * 100 });
  }
  return out;
}

/** Validates `limits` of a baseline file. */
export function parseLimits(v: unknown, fileName: string): BaselineLimits | undefined {
  if (v === undefined) return undefined;
  const fail = (field: string, msg: string): never => {
    throw new InputError('BASELINE_BAD_FIELD', `${fileName}: limits${field}`, msg);
  };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('', 'expected an object');
  const o = v as Record<string, unknown>;
  const known = ['median_mape', 'known_failure_abs_error_pct', 'overload_failure_ratio', 'overload_known_gaps', 'served_failed_fraction', 'served_ttft_p99_ratio'];
  for (const k of Object.keys(o)) if (!known.includes(k)) fail(`.${k}`, `unknown limit; known: ${known.join(', ')}`);
  const pos = (k: string, min: number): void => {
    const x = o[k];
    if (x !== undefined && (typeof x !== 'number' || !Number.isFinite(x) || x < min)) fail(`.${k}`, `found ${JSON.stringify(x)}; expected a number >= ${min}`);
  };
  pos('known_failure_abs_error_pct', 0);
  pos('overload_failure_ratio', 1);
  pos('served_failed_fraction', 0);
  pos('served_ttft_p99_ratio', 1);
  const g = o['overload_known_gaps'];
  if (g !== undefined) {
    if (typeof g !== 'object' || g === null || Array.isArray(g)) fail('.overload_known_gaps', 'expected an object of experiment id → reason');
    for (const [k, x] of Object.entries(g as object)) if (typeof x !== 'string' || x.trim() === '') fail(`.overload_known_gaps.${k}`, `found ${JSON.stringify(x)}; expected the reason, a non-empty string`);
  }
  const m = o['median_mape'];
  if (m !== undefined) {
    if (typeof m !== 'object' || m === null) fail('.median_mape', 'expected an object of metric → limit (%)');
    for (const [k, x] of Object.entries(m as object)) if (typeof x !== 'number' || !(x >= 0)) fail(`.median_mape.${k}`, `found ${JSON.stringify(x)}; expected a limit in % >= 0`);
  }
  return o as BaselineLimits;
}
