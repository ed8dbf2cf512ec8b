/**
 * The provenance block a fitted coefficients file ships with (`provenance` of
 * blis.step-coefficients/v1): what was fitted on what, with which objective, how well it scores
 * in sample and, with cross-validation, on each held-out model family. The fields `status`,
 * `source`, `date`, `inputs` and `objective` are the ones the fitted model validates; the rest
 * is the record a reviewer of a new coefficient set needs.
 */
import { CALIBRATION_METRICS, caseLoss, experimentErrors, type CalibrateResult, type FitParameter } from './calibrate.js';
import { crossValidationSummary, familyScores, type FamilyFold } from './cross-validate.js';
import type { ValidationDocument, ValidationExperiment } from './validation.js';

/** Requests failed at the client timeout, predicted and real, for overloaded or failing runs. */
export function overloadCounts(exps: readonly ValidationExperiment[]): Record<string, { predicted_failed: number | null; actual_failed: number | null }> {
  const out: Record<string, { predicted_failed: number | null; actual_failed: number | null }> = {};
  for (const e of exps) {
    const r = e.stages.find((s) => s.index === 'summary')?.requests;
    if (e.truth_status === 'excluded_overload' || (r?.actual?.failed ?? 0) > 0) out[e.id] = { predicted_failed: r?.predicted?.failed ?? null, actual_failed: r?.actual?.failed ?? null };
  }
  return out;
}

/** Whole-run signed errors of every simulated experiment. */
export function perExperimentErrors(exps: readonly ValidationExperiment[], metrics: readonly string[] = CALIBRATION_METRICS): Record<string, Record<string, number | null>> {
  const out: Record<string, Record<string, number | null>> = {};
  for (const e of exps) if (e.status === 'ok') out[e.id] = experimentErrors(e, metrics);
  return out;
}

/** The `cross_validation` block: method, overall summary, per-family scores and every fold. */
export function crossValidationRecord(folds: readonly FamilyFold[], params: readonly FitParameter[], metrics: readonly string[] = CALIBRATION_METRICS): Record<string, unknown> {
  return {
    method: 'leave-one-model-family-out: fit on every other family\'s runs, score the held-out family on its full runs',
    summary: crossValidationSummary(folds),
    families: familyScores(folds),
    folds: folds.map((f) => ({
      held_out: f.family,
      trained_on: f.trainedOn,
      loss: f.loss,
      parameters: Object.fromEntries(params.map((p, i) => [p.name, f.x[i]])),
      experiments: perExperimentErrors(f.experiments, metrics),
    })),
  };
}

export interface ProvenanceInput {
  /** Where the runs came from (paths as the user gave them). */
  readonly inputs: readonly string[];
  /** Ids of the experiments fitted on. */
  readonly fittedOn: readonly string[];
  /** `trace where available`, `synthetic`, … */
  readonly arrivals: string;
  readonly fraction: number;
  /** Share of each stage of aggregate-only runs simulated during the search (1: whole runs). */
  readonly aggregateFraction: number;
  readonly params: readonly FitParameter[];
  /** The coefficients file the search started from and took its unfitted terms from (as the user named it); absent: the physics priors. */
  readonly start?: string;
  /** Whether runs marked excluded_overload were fitted on too. */
  readonly includeOverload?: boolean;
  /** Readings of the experiment files other than the defaults, as flags (`--prefix-aliases honoured`): blis validate needs the same to reproduce the scores. */
  readonly readings?: readonly string[];
  readonly result: Pick<CalibrateResult, 'x' | 'loss' | 'evaluations'>;
  /** The final coefficients scored on the full runs. */
  readonly scored: Pick<ValidationDocument, 'experiments' | 'summary'>;
  readonly folds?: readonly FamilyFold[];
  /** YYYY-MM-DD (the caller's clock: this module stays pure). */
  readonly date: string;
}

/**
 * The loss of the fitted coefficients on the full runs fitted on, from their scores: what the
 * objective gives for `blis validate` of the same files (trace arrivals where a per-request CSV
 * exists). The search's own loss is over its windows (`--fraction`), a different number.
 */
export function fullRunLoss(scored: Pick<ValidationDocument, 'experiments'>, fittedOn: readonly string[]): number {
  const ids = new Set(fittedOn);
  return caseLoss(scored.experiments.filter((e) => ids.has(e.id)));
}

/**
 * What the search simulated (searchCase): with synthetic arrivals no run is replayed request by
 * request, so every run is cut by the aggregate fraction and compared with its whole-stage
 * statistics, and `fraction` plays no part.
 */
export function searchWindows(arrivals: string, fraction: number, aggregateFraction: number): string {
  const part = (f: number, runs: string): string => (f >= 1 ? `whole ${runs}` : `${(f * 100).toFixed(0)}% of each stage of ${runs}`);
  if (arrivals === 'synthetic') return `${part(aggregateFraction, 'runs')} (synthetic arrivals: each against its whole-stage statistics)`;
  return `${(fraction * 100).toFixed(0)}% of each stage of runs with per-request data and ${part(aggregateFraction, 'aggregate-only runs')}`;
}

export function calibrationProvenance(p: ProvenanceInput): Record<string, unknown> {
  const metrics = [...CALIBRATION_METRICS];
  const whole = p.fraction >= 1 && p.aggregateFraction >= 1;
  const full = fullRunLoss(p.scored, p.fittedOn);
  const fitted = `${p.params.map((q) => q.name).join(', ')} from ${p.start ?? 'the physics priors'}`;
  return {
    status: 'fitted',
    source: `blis calibrate over ${p.inputs.join(', ')} (${p.arrivals} arrivals, search on ${searchWindows(p.arrivals, p.fraction, p.aggregateFraction)}, ${p.result.evaluations} evaluations; fitted ${fitted}${p.includeOverload ? '; overloaded runs included' : ''}${p.readings && p.readings.length > 0 ? `; experiments read with ${p.readings.join(' ')}` : ''})`,
    date: p.date,
    inputs: [...p.fittedOn],
    objective: `mean over runs of each run's mean |ln(predicted/actual)| over the statistics it has among ${metrics.join(', ')} (whole runs) + 0.5 × mean KS of per-request TTFT and E2E where per-request data exists; loss ${full.toFixed(4)} on the full runs${p.result.loss === full ? '' : ` (${p.result.loss.toFixed(4)} in the search, ${whole ? "with runs' statistics from their per-request rows, not the file's aggregates" : 'over its windows'})`}`,
    loss: { full_runs: full, search: p.result.loss },
    parameters: Object.fromEntries(p.params.map((q, i) => [q.name, p.result.x[i]])),
    in_sample: p.scored.summary,
    overload: overloadCounts(p.scored.experiments),
    per_experiment_error_pct: perExperimentErrors(p.scored.experiments, metrics),
    ...(p.folds ? { cross_validation: crossValidationRecord(p.folds, p.params, metrics) } : {}),
  };
}
