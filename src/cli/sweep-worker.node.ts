/** Worker-thread entry for `blis sweep`: simulates one configuration (run flags) per message. */
import { isMainThread } from 'node:worker_threads';
import { serveWorker } from '../validate/validate-workers.node.js';
import { simulateSweepPoint, type SweepPoint } from './sweep-point.js';

if (!isMainThread) serveWorker((p: SweepPoint) => simulateSweepPoint(p));
