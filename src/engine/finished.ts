/**
 * Dropping the requests a step finished from the running list (order kept). A pass that reads
 * every running request's state costs a cache miss per request, per step that finishes one: at a
 * thousand running requests that was most of a departure. The engine notes each request it
 * finishes (Scheduler.justFinished), and the usual case, one, is found by identity (its index,
 * near the front: requests finish roughly in the order they started) and cut out with the list
 * as the full pass leaves it at every point a report can observe (before the report, the list as
 * it was; after, without it). Several at once take the full pass.
 */
import { RequestState, type EngineRequest } from './engine-request.js';

/** Removes the finished requests of `running` and passes each to `report`, in running order. */
export function dropFinished(running: EngineRequest[], justFinished: EngineRequest[], report: (r: EngineRequest) => void): void {
  if (justFinished.length === 1) {
    const r = justFinished[0]!;
    justFinished.length = 0;
    if (r.state === RequestState.Finished && running.indexOf(r) >= 0) {
      report(r);
      // The report sees the list unchanged, as the full pass's report of its first finished request does.
      const n = running.length;
      for (let k = running.indexOf(r) + 1; k < n; k++) running[k - 1] = running[k]!;
      running.length = n - 1;
      return;
    }
  }
  justFinished.length = 0;
  let w = 0;
  for (let k = 0; k < running.length; k++) {
    const r = running[k]!;
    if (r.state !== RequestState.Finished) {
      running[w++] = r;
      continue;
    }
    report(r);
  }
  running.length = w;
}
