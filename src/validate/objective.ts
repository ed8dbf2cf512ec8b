/**
 * A scalar loss over a validation run, for `blis calibrate` (simulation in the loop with
 * nelderMead): the mean over counted experiments × selected metrics of a per-value error.
 * `log` (default) uses |ln(predicted/actual)|: symmetric in over- and under-prediction and not
 * dominated by one wildly wrong tail the way |error %| is. Missing predictions cost `missingCost`.
 */
import type { ValidationDocument } from './validation.js';
import { countsTowardsSummary, type SummaryOptions } from './validation.js';

export interface LossOptions extends SummaryOptions {
  /** Metric keys to fit (default: ttft_mean, ttft_p90, e2e_mean, e2e_p90, tpot_mean). */
  readonly metrics?: readonly string[];
  /** Per-metric weights (default 1). */
  readonly weights?: Readonly<Record<string, number>>;
  readonly kind?: 'log' | 'ape';
  /** Also include per-stage rows (default: whole-run rows only). */
  readonly stages?: boolean;
  readonly missingCost?: number;
}

export const DEFAULT_FIT_METRICS = ['ttft_mean', 'ttft_p90', 'e2e_mean', 'e2e_p90', 'tpot_mean'] as const;

export function calibrationLoss(doc: Pick<ValidationDocument, 'experiments'>, opts: LossOptions = {}): number {
  const metrics = opts.metrics ?? DEFAULT_FIT_METRICS;
  const kind = opts.kind ?? 'log';
  const missing = opts.missingCost ?? (kind === 'log' ? 5 : 500);
  let sum = 0;
  let weight = 0;
  for (const e of doc.experiments) {
    if (!countsTowardsSummary(e, opts)) continue;
    for (const s of e.stages) {
      if (!opts.stages && s.index !== 'summary') continue;
      for (const m of metrics) {
        const c = s.metrics[m];
        if (!c) continue;
        const w = opts.weights?.[m] ?? 1;
        let v: number;
        if (c.predicted === null || !(c.predicted > 0) || !(c.actual > 0)) v = missing;
        else v = kind === 'log' ? Math.abs(Math.log(c.predicted / c.actual)) : Math.abs((c.predicted - c.actual) / c.actual) * 100;
        sum += w * v;
        weight += w;
      }
    }
  }
  return weight > 0 ? sum / weight : Infinity;
}
