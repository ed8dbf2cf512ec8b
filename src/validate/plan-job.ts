/**
 * One unit of simulation work for `blis validate` / `blis calibrate`: a plan plus the step-time
 * model to run it with, as plain structured-clone data so that it can cross a worker boundary.
 * Coefficients travel as the raw blis.step-coefficients/v1 JSON (resolved by the model registry
 * on the other side). Results come back as latency rows, not engine records: smaller to
 * clone and all the comparator needs.
 */
import type { StepTimeOptions } from '../model/registry.js';
import { rowsFromRecords } from './requests.js';
import { simulatePlan } from './simulate-plan.js';
import type { ExperimentPlan } from './plan.js';
import type { SimulationResult } from './validate.js';

export interface PlanJob {
  readonly plan: ExperimentPlan;
  /** The step-time model (name, raw coefficients document); the model registry resolves it in the worker. */
  readonly stepTime: StepTimeOptions;
}

export async function runPlanJob(job: PlanJob): Promise<SimulationResult> {
  const r = await simulatePlan(job.plan, { stepTime: job.stepTime });
  return { rows: rowsFromRecords(r.records ?? []), ...(r.derived ? { derived: r.derived } : {}), ...(r.notes ? { notes: r.notes } : {}) };
}
