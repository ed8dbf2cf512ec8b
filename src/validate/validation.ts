/**
 * The validation document (`blis.validation/v1`): one entry per experiment with per-stage and
 * summary comparisons, cross-experiment MAPE per metric, and the gate result. Times in ms.
 */
import type { Assumption } from './assumptions.js';
import type { KnownFailure } from './baseline-limits.js';
import type { MetricComparison, StageComparison } from './compare.js';
import { roundPct } from './compare.js';
import { median } from './stats.js';

export const VALIDATION_SCHEMA = 'blis.validation/v1';

export interface ValidationExperiment {
  readonly id: string;
  readonly file?: string;
  readonly status: 'ok' | 'error';
  readonly error?: string;
  /** The InputError code when the experiment file itself was bad (the CLI exits 2). */
  readonly error_code?: string;
  /** The experiment's own status in the ground truth set (`active`, `excluded_overload`). */
  readonly truth_status?: string;
  /** Knobs that were null in the experiment and the values used (vLLM's rules, or the simulator's derivation). */
  readonly derived?: Readonly<Record<string, unknown>>;
  /** Every value derived or assumed, with the reason (assumptions.ts). */
  readonly assumptions?: readonly Assumption[];
  readonly stages: readonly StageComparison[];
}

export interface MapeEntry {
  readonly mape_mean: number;
  readonly mape_median: number;
  readonly n: number;
}

export interface GateFailure {
  readonly metric: string;
  /**
   * Which limit: absent or `mape` (ratchet on the mean MAPE), `abs_error` (ratchet per experiment),
   * `median_mape`, `overload`, `served` (absolute limits, baseline-limits.ts), `status`/`prediction`.
   */
  readonly check?: 'mape' | 'abs_error' | 'median_mape' | 'overload' | 'served';
  readonly experiment?: string;
  /** The measured value (MAPE or |error %|); null when the value is missing. */
  readonly value: number | null;
  readonly limit: number;
  readonly reason?: string;
}

export interface GateResult {
  readonly passed: boolean;
  /** False when no baseline was given: nothing but errored experiments can fail ("not gated"). */
  readonly gated?: boolean;
  readonly failures: readonly GateFailure[];
  /** Experiments beyond the baseline's stated error: listed, not failing (baseline-limits.ts). */
  readonly known_failures?: readonly KnownFailure[];
}

export interface ValidationDocument {
  readonly schema: typeof VALIDATION_SCHEMA;
  readonly experiments: readonly ValidationExperiment[];
  readonly summary: Readonly<Record<string, MapeEntry>>;
  readonly gate: GateResult;
}

export interface SummaryOptions {
  /** Truth statuses counted in the summary MAPE; default only `active`. */
  readonly includeTruthStatus?: readonly string[];
}

/** Whether an experiment counts towards the summary MAPE and the summary-level gate. */
export function countsTowardsSummary(e: ValidationExperiment, opts: SummaryOptions = {}): boolean {
  const allowed = opts.includeTruthStatus ?? ['active'];
  return e.status === 'ok' && allowed.includes(e.truth_status ?? 'active');
}

/** Per metric: mean and median of |error %| of each counted experiment's summary row. */
export function summarizeMape(experiments: readonly ValidationExperiment[], opts: SummaryOptions = {}): Record<string, MapeEntry> {
  const byMetric = new Map<string, number[]>();
  for (const e of experiments) {
    if (!countsTowardsSummary(e, opts)) continue;
    const s = e.stages.find((x) => x.index === 'summary');
    if (!s) continue;
    for (const [k, v] of Object.entries(s.metrics)) {
      if (v.error_pct === null) continue;
      let list = byMetric.get(k);
      if (!list) byMetric.set(k, (list = []));
      list.push(Math.abs(v.error_pct));
    }
  }
  const out: Record<string, MapeEntry> = {};
  for (const k of sortMetricKeys([...byMetric.keys()])) {
    const xs = byMetric.get(k)!;
    out[k] = { mape_mean: roundPct(xs.reduce((a, b) => a + b, 0) / xs.length), mape_median: roundPct(median(xs)), n: xs.length };
  }
  return out;
}

const METRIC_ORDER = ['ttft', 'e2e', 'tpot', 'itl'];
const STAT_ORDER = ['mean', 'p50', 'p90', 'p95', 'p99'];

/** Metric keys in reading order: ttft, e2e, tpot, itl; mean, p50 … p99. */
export function sortMetricKeys(keys: readonly string[]): string[] {
  const rank = (k: string): number => {
    const [m, s] = k.split('_');
    const mi = METRIC_ORDER.indexOf(m ?? '');
    const si = STAT_ORDER.indexOf(s ?? '');
    return (mi < 0 ? 99 : mi) * 100 + (si < 0 ? 99 : si);
  };
  return [...keys].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Assembles the document; the gate is computed by the caller (baseline.ts) or passes vacuously. */
export function buildValidationDocument(experiments: readonly ValidationExperiment[], gate: GateResult = { passed: true, failures: [] }, opts: SummaryOptions = {}): ValidationDocument {
  return { schema: VALIDATION_SCHEMA, experiments, summary: summarizeMape(experiments, opts), gate };
}

/** The summary row's metric, if the experiment has it. */
export function summaryMetric(e: ValidationExperiment, key: string): MetricComparison | undefined {
  return e.stages.find((s) => s.index === 'summary')?.metrics[key];
}
