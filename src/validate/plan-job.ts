/**
 * One unit of simulation work for `blis validate` / `blis calibrate`: a plan plus the step-time
 * model to run it with, as plain structured-clone data so that it can cross a worker boundary.
 * Coefficients travel as the raw blis.step-coefficients/v1 JSON (validated by the fitted model's
 * factory on the other side). Results come back as latency rows, not engine records: smaller to
 * clone and all the comparator needs.
 */
import { rowsFromRecords } from './requests.js';
import { simulatePlan } from './simulate-plan.js';
import type { ExperimentPlan } from './plan.js';
import type { SimulationResult } from './validate.js';

export interface LatencySelection {
  /** Registry name of the step-time model (roofline, fitted, linear). */
  readonly latencyModel: string;
  /** Raw coefficients file JSON for `fitted` (default: the embedded file). */
  readonly coefficients?: unknown;
}

export interface PlanJob extends LatencySelection {
  readonly plan: ExperimentPlan;
}

export async function runPlanJob(job: PlanJob): Promise<SimulationResult> {
  const r = await simulatePlan(job.plan, {
    latencyModel: job.latencyModel,
    ...(job.coefficients !== undefined ? { latencyOptions: { coefficients: job.coefficients } } : {}),
  });
  return { rows: rowsFromRecords(r.records ?? []), ...(r.derived ? { derived: r.derived } : {}) };
}
