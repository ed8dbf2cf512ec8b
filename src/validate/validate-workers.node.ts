/**
 * A small generic worker-thread pool for multi-experiment validation and sweeps (DESIGN §6).
 *
 * Protocol (plain structured-clone messages, so a worker entry may be any ES module):
 *   main → worker: `{ id: number, input: TIn }`
 *   worker → main: `{ id, ok: true, value: TOut }` or `{ id, ok: false, error: string }`
 * A worker handles one input at a time; `serveWorker(handler)` implements the worker side.
 * A worker that crashes fails only its current input and is replaced.
 */
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import type { RequestRecord } from '../cluster/record.js';
import type { ExperimentPlan } from './plan.js';
import type { StepTimeOptions } from '../model/registry.js';
import { runPlanJob, type PlanJob } from './plan-job.js';
import { runSettled, type PlanRunner, type Settled, type SimulationResult } from './validate.js';

interface Job<TIn> {
  readonly id: number;
  readonly input: TIn;
}

type Reply<TOut> = { id: number; ok: true; value: TOut } | { id: number; ok: false; error: string };

/**
 * Runs every input through a worker of `workerUrl`; one settled result per input, in order.
 * `onSettled` hears each as it finishes (a sweep writes and reports results as they come).
 */
export function runInWorkersSettled<TIn, TOut>(workerUrl: URL, inputs: readonly TIn[], concurrency: number, onSettled?: (index: number, result: Settled<TOut>) => void): Promise<Array<Settled<TOut>>> {
  const results = new Array<Settled<TOut>>(inputs.length);
  if (inputs.length === 0) return Promise.resolve(results);
  const lanes = Math.max(1, Math.min(Math.floor(concurrency) || 1, inputs.length));
  let next = 0;
  let done = 0;
  return new Promise((resolve) => {
    const finish = (id: number, r: Settled<TOut>): void => {
      if (results[id] !== undefined) return;
      results[id] = r;
      onSettled?.(id, r);
      done++;
      if (done === inputs.length) resolve(results);
    };
    const startWorker = (): void => {
      if (next >= inputs.length) return;
      const worker = new Worker(workerUrl);
      let current = -1;
      const feed = (): void => {
        if (next >= inputs.length) {
          current = -1;
          void worker.terminate();
          return;
        }
        current = next++;
        const job: Job<TIn> = { id: current, input: inputs[current]! };
        worker.postMessage(job);
      };
      worker.on('message', (m: Reply<TOut>) => {
        finish(m.id, m.ok ? { ok: true, value: m.value } : { ok: false, error: m.error });
        feed();
      });
      const crashed = (why: string): void => {
        if (current < 0) return;
        const failed = current;
        current = -1;
        finish(failed, { ok: false, error: `worker failed: ${why}` });
        startWorker();
      };
      worker.on('error', (e) => crashed(e.message));
      worker.on('exit', (code) => crashed(`exited with code ${code}`));
      feed();
    };
    for (let i = 0; i < lanes; i++) startWorker();
  });
}

/** Like `runInWorkersSettled` but rejects with the first error. */
export async function runInWorkers<TIn, TOut>(workerUrl: URL, inputs: readonly TIn[], concurrency: number): Promise<TOut[]> {
  const settled = await runInWorkersSettled<TIn, TOut>(workerUrl, inputs, concurrency);
  return settled.map((s, i) => {
    if (!s.ok) throw new Error(`input ${i}: ${s.error}`);
    return s.value;
  });
}

/** The worker side: call once in a worker entry module with the function to run per input. */
export function serveWorker<TIn, TOut>(handler: (input: TIn) => TOut | Promise<TOut>): void {
  if (isMainThread || !parentPort) throw new Error('serveWorker must be called inside a worker thread');
  const port = parentPort;
  port.on('message', async (job: Job<TIn>) => {
    try {
      const value = await handler(job.input);
      port.postMessage({ id: job.id, ok: true, value } satisfies Reply<TOut>);
    } catch (e) {
      port.postMessage({ id: job.id, ok: false, error: e instanceof Error ? e.message : String(e) } satisfies Reply<TOut>);
    }
  });
}

/** A `PlanRunner` for validateExperiments: each plan is simulated by a worker of `workerUrl`. */
export function workerPlanRunner(workerUrl: URL, concurrency: number): PlanRunner {
  return (plans: readonly ExperimentPlan[]) => runInWorkersSettled<ExperimentPlan, SimulationResult | readonly RequestRecord[]>(workerUrl, plans, concurrency);
}

/**
 * A `PlanRunner` that simulates each plan with the given step-time model: in `concurrency`
 * workers of `workerUrl` (an entry that serves `runPlanJob`), or in process when no worker
 * entry is available (tests running from source) or `concurrency` is 1.
 */
export function planJobRunner(workerUrl: URL | undefined, concurrency: number, stepTime: StepTimeOptions): PlanRunner {
  return (plans: readonly ExperimentPlan[]) => {
    const jobs: PlanJob[] = plans.map((plan) => ({ plan, stepTime }));
    if (!workerUrl || concurrency <= 1) return runSettled(jobs, 1, runPlanJob);
    return runInWorkersSettled<PlanJob, SimulationResult>(workerUrl, jobs, concurrency);
  };
}
