/**
 * Accuracy baselines that CI gates on (`baselines/calibration.json`, schema blis.baseline/v1).
 *
 * A baseline holds limits, not wishes: for each metric the largest summary MAPE (mean over the
 * counted experiments of |error %|) and, optionally, per experiment the largest |error %| of its
 * summary row. `updateBaseline` writes limits = measured × (1 + relative) + absolute_pct, so a
 * run equal to the one that wrote the baseline passes with room for seed noise, and a real
 * regression fails. An experiment that errored always fails the gate.
 */
import { InputError } from '../kernel/errors.js';
import type { GateFailure, GateResult, ValidationDocument } from './validation.js';
import { countsTowardsSummary, sortMetricKeys, summaryMetric, type SummaryOptions } from './validation.js';
import { roundPct } from './compare.js';
import { checkLimits, knownFailures, parseLimits, type BaselineLimits } from './baseline-limits.js';

export const BASELINE_SCHEMA = 'blis.baseline/v1';

export interface Slack {
  /** Fraction added to the measured value (0.1 = 10% of it). */
  readonly relative: number;
  /** Percentage points added on top. */
  readonly absolute_pct: number;
}

export interface Baseline {
  readonly schema: typeof BASELINE_SCHEMA;
  readonly note?: string;
  readonly slack: Slack;
  /** Absolute limits set by hand and kept by updateBaseline (baseline-limits.ts). */
  readonly limits?: BaselineLimits;
  /** Metric → limit on the summary MAPE (mean of |error %| over counted experiments). */
  readonly summary: Readonly<Record<string, { readonly max_mape: number; readonly measured?: number }>>;
  /** Experiment id → metric → limit on |error %| of its summary row. */
  readonly experiments?: Readonly<Record<string, Readonly<Record<string, { readonly max_abs_error_pct: number; readonly measured?: number }>>>>;
}

export const DEFAULT_SLACK: Slack = { relative: 0.1, absolute_pct: 2 };

export function limitFor(measured: number, slack: Slack): number {
  return roundPct(measured * (1 + slack.relative) + slack.absolute_pct);
}

type ValidationLike = Pick<ValidationDocument, 'experiments' | 'summary'>;

/**
 * Checks a validation run against the baseline. `summaryOptions`: which experiments the summary
 * MAPE counted (validation.ts countsTowardsSummary; `blis compare` counts its one experiment).
 */
export function checkGate(validation: ValidationLike, baseline: Baseline, summaryOptions: SummaryOptions = {}): GateResult {
  const failures: GateFailure[] = [];
  const failed = experimentFailures(validation.experiments);
  failures.push(...failed);
  const reported = new Set(failed.map((f) => f.experiment));
  for (const metric of sortMetricKeys(Object.keys(baseline.summary))) {
    const limit = baseline.summary[metric]!.max_mape;
    const v = validation.summary[metric];
    if (!v) failures.push({ metric, value: null, limit, reason: 'metric missing from the summary' });
    else if (v.mape_mean > limit) failures.push({ metric, value: v.mape_mean, limit });
    // The MAPE leaves out a row without a prediction: a counted experiment the truth scores on this
    // metric but the simulation did not predict would otherwise pass unseen (the per-experiment
    // limits below catch it only for experiments the baseline lists).
    for (const e of v ? validation.experiments : []) {
      if (!countsTowardsSummary(e, summaryOptions) || reported.has(e.id) || baseline.experiments?.[e.id]?.[metric] !== undefined) continue;
      if (summaryMetric(e, metric)?.predicted === null) failures.push({ metric, experiment: e.id, value: null, limit, reason: 'no prediction for a metric the truth has' });
    }
  }
  for (const [id, limits] of Object.entries(baseline.experiments ?? {})) {
    const e = validation.experiments.find((x) => x.id === id);
    if (!e || e.status === 'error') continue; // not run in this selection, or already failed above
    for (const metric of sortMetricKeys(Object.keys(limits))) {
      const limit = limits[metric]!.max_abs_error_pct;
      const m = summaryMetric(e, metric);
      if (!m || m.error_pct === null) failures.push({ metric, experiment: id, value: null, limit, reason: 'metric missing' });
      else if (Math.abs(m.error_pct) > limit) failures.push({ metric, experiment: id, value: Math.abs(m.error_pct), limit });
    }
  }
  if (baseline.limits) failures.push(...checkLimits(validation, baseline.limits));
  const known = baseline.limits ? knownFailures(validation, baseline.limits, Object.keys(baseline.summary)) : [];
  return { passed: failures.length === 0, failures, ...(known.length > 0 ? { known_failures: known } : {}) };
}

/**
 * Failures no baseline can excuse: an experiment that errored, and one whose simulation gave no
 * latency at all (every summary metric's prediction missing, e.g. no request completed).
 */
export function experimentFailures(experiments: ValidationLike['experiments']): GateFailure[] {
  const out: GateFailure[] = [];
  for (const e of experiments) {
    if (e.status === 'error') {
      out.push({ metric: 'status', experiment: e.id, value: null, limit: 0, reason: e.error ?? 'experiment failed' });
      continue;
    }
    const s = e.stages.find((x) => x.index === 'summary');
    const ms = s ? Object.values(s.metrics) : [];
    if (ms.length > 0 && ms.every((m) => m.predicted === null)) {
      out.push({ metric: 'prediction', experiment: e.id, value: null, limit: 0, reason: 'the simulation produced no latency (no completed request?)' });
    }
  }
  return out;
}

export interface UpdateBaselineOptions {
  /** Also write per-experiment limits (default true). */
  readonly perExperiment?: boolean;
  readonly note?: string;
  /** The absolute limits to keep (the previous baseline's): they are set by hand, not measured. */
  readonly limits?: BaselineLimits;
}

/** A new baseline whose limits are this run's values plus slack. */
export function updateBaseline(validation: ValidationLike, slack: Slack = DEFAULT_SLACK, opts: UpdateBaselineOptions = {}): Baseline {
  const summary: Record<string, { max_mape: number; measured: number }> = {};
  for (const metric of sortMetricKeys(Object.keys(validation.summary))) {
    const measured = validation.summary[metric]!.mape_mean;
    summary[metric] = { max_mape: limitFor(measured, slack), measured };
  }
  const experiments: Record<string, Record<string, { max_abs_error_pct: number; measured: number }>> = {};
  if (opts.perExperiment !== false) {
    for (const e of validation.experiments) {
      if (e.status !== 'ok') continue;
      const s = e.stages.find((x) => x.index === 'summary');
      if (!s) continue;
      const row: Record<string, { max_abs_error_pct: number; measured: number }> = {};
      for (const metric of sortMetricKeys(Object.keys(s.metrics))) {
        const ep = s.metrics[metric]!.error_pct;
        if (ep === null) continue;
        row[metric] = { max_abs_error_pct: limitFor(Math.abs(ep), slack), measured: Math.abs(ep) };
      }
      experiments[e.id] = row;
    }
  }
  return {
    schema: BASELINE_SCHEMA,
    ...(opts.note ? { note: opts.note } : {}),
    slack,
    ...(opts.limits ? { limits: opts.limits } : {}),
    summary,
    ...(opts.perExperiment !== false ? { experiments } : {}),
  };
}

/** Validates a baseline file's JSON. */
export function parseBaseline(json: unknown, fileName: string): Baseline {
  const fail = (field: string, msg: string): never => {
    throw new InputError('BASELINE_BAD_FIELD', `${fileName}: ${field}`, msg);
  };
  if (typeof json !== 'object' || json === null) return fail('(top level)', 'expected a JSON object');
  const b = json as Record<string, unknown>;
  if (b['schema'] !== BASELINE_SCHEMA) fail('schema', `expected "${BASELINE_SCHEMA}", found ${JSON.stringify(b['schema'])}`);
  const slack = b['slack'] as Record<string, unknown> | undefined;
  if (!slack || typeof slack['relative'] !== 'number' || typeof slack['absolute_pct'] !== 'number') fail('slack', 'expected {relative, absolute_pct} numbers');
  for (const k of ['relative', 'absolute_pct']) if ((slack![k] as number) < 0) fail(`slack.${k}`, `found ${slack![k] as number}; expected a number >= 0`);
  parseLimits(b['limits'], fileName);
  const summary = b['summary'];
  if (typeof summary !== 'object' || summary === null) return fail('summary', 'expected an object of metric → {max_mape}');
  for (const [k, v] of Object.entries(summary)) {
    const limit = (v as Record<string, unknown>)?.['max_mape'];
    if (typeof limit !== 'number' || limit < 0) fail(`summary.${k}.max_mape`, `found ${JSON.stringify(limit)}; expected a number >= 0 (an |error %|)`);
  }
  const ex = b['experiments'];
  if (ex !== undefined) {
    if (typeof ex !== 'object' || ex === null) fail('experiments', 'expected an object');
    for (const [id, row] of Object.entries(ex as object)) {
      for (const [k, v] of Object.entries(row as object)) {
        const limit = (v as Record<string, unknown>)?.['max_abs_error_pct'];
        if (typeof limit !== 'number' || limit < 0) fail(`experiments.${id}.${k}.max_abs_error_pct`, `found ${JSON.stringify(limit)}; expected a number >= 0 (an |error %|)`);
      }
    }
  }
  return json as Baseline;
}
