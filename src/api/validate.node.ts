/**
 * `validate(options)`: simulate ground-truth experiments (the 16 shipped calibration runs by
 * default), compare per percentile, gate on a baseline: `blis validate` as a library call. Runs
 * in process unless `jobs` > 1 and the compiled worker exists. Reports are rendered by the
 * caller (`renderValidationHtml`, `renderValidationMarkdown`, `renderJunit`).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError } from '../kernel/errors.js';
import { resolveStepTime, type StepTimeOptions } from '../model/registry.js';
import { parseBaseline } from '../validate/baseline.js';
import { competitorRuns, scoreCompetitors } from '../validate/competitors.js';
import { defaultExperimentsDir, loadExperimentPaths } from '../validate/load-experiments.node.js';
import type { ReportInput } from '../validate/report-md.js';
import type { ArrivalSource } from '../validate/plan.js';
import { prepareExperiment, validateExperiments, type ValidateProgress } from '../validate/validate.js';
import { planJobRunner } from '../validate/validate-workers.node.js';
import { renderJunit as junitOf } from '../validate/junit.js';
import { VALIDATION_OPTION_KINDS, checkOptions } from './check-options.js';
import type { ValidationDocument } from '../validate/validation.js';

export interface ValidationOptions {
  /** Experiment files or directories. Default: the shipped baselines/calibration-experiments. */
  readonly paths?: readonly string[];
  /** `synthetic` regenerates each stage's arrival process (default); `trace` replays recorded arrivals. */
  readonly arrivals?: ArrivalSource;
  readonly seed?: number;
  readonly latencyModel?: string;
  /** A parsed blis.step-coefficients/v1 document for the fitted model. */
  readonly latencyCoefficients?: unknown;
  /** A parsed blis.baseline/v1 document: the gate. */
  readonly baseline?: unknown;
  /** Worker threads (needs the compiled dist/); default 1 = in process. */
  readonly jobs?: number;
  /** The compiled worker entry (default: dist/cli/validate-worker.node.js next to this module). */
  readonly workerUrl?: URL;
  /** Called once the experiment files are read, before any simulation. */
  readonly onLoaded?: (experiments: number) => void;
  readonly onProgress?: (event: ValidateProgress) => void;
}

/** What the report renderers take (`renderValidationHtml(report)`), document included. */
export type ValidationReport = ReportInput;

/**
 * junit.xml for CI test reporters, from what `validate` returned, like the two other renderers
 * (`renderValidationHtml(report)`); a bare blis.validation/v1 document (a validation.json read
 * back) is taken as it is.
 */
export function renderJunit(report: ValidationReport | ValidationDocument, suiteName?: string): string {
  const doc = 'document' in report ? report.document : report;
  return suiteName === undefined ? junitOf(doc) : junitOf(doc, suiteName);
}

function workerUrl(): URL | undefined {
  const url = new URL('../cli/validate-worker.node.js', import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

export async function validate(options: ValidationOptions = {}): Promise<ValidationReport> {
  checkOptions('validate', options, VALIDATION_OPTION_KINDS);
  const paths = options.paths && options.paths.length > 0 ? [...options.paths] : [defaultExperimentsDir()];
  const { sources, competitors } = await loadExperimentPaths(paths);
  if (sources.length === 0) throw new InputError('NO_EXPERIMENTS', paths.join(', '), 'no experiment files found (expected *.json in the calibration schema)');
  options.onLoaded?.(sources.length);
  const stepTime: StepTimeOptions = {
    ...(options.latencyModel !== undefined ? { name: options.latencyModel } : {}),
    ...(options.latencyCoefficients !== undefined ? { coefficients: options.latencyCoefficients, coefficientsSource: 'latencyCoefficients' } : {}),
  };
  resolveStepTime(stepTime, { name: 'latencyModel', coefficients: 'latencyCoefficients' }); // a bad name or file fails here, not per experiment
  const baseline = options.baseline !== undefined ? parseBaseline(options.baseline, 'baseline') : undefined;
  const plan = { arrivals: options.arrivals ?? 'synthetic', ...(options.seed !== undefined ? { seed: options.seed } : {}) };
  const run = await validateExperiments(sources, {
    runPlans: planJobRunner((options.jobs ?? 1) > 1 ? options.workerUrl ?? workerUrl() : undefined, options.jobs ?? 1, stepTime),
    plan,
    ...(baseline ? { baseline } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  const experiments = sources.flatMap((s) => {
    try {
      return [prepareExperiment(s, { plan }).exp];
    } catch {
      return [];
    }
  });
  return {
    document: run.document,
    details: run.details,
    ...(baseline ? { baseline } : {}),
    ...(competitors !== undefined ? { competitors: scoreCompetitors(competitors, experiments) } : {}),
    ...(competitors !== undefined ? { competitorRuns: competitorRuns(competitors, experiments) } : {}),
  };
}
