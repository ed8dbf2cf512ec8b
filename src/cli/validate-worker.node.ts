/** Worker-thread entry for `blis validate` / `blis calibrate`: simulates one PlanJob per message. */
import { isMainThread } from 'node:worker_threads';
import { runPlanJob, type PlanJob } from '../validate/plan-job.js';
import { serveWorker } from '../validate/validate-workers.node.js';

if (!isMainThread) serveWorker((job: PlanJob) => runPlanJob(job));
