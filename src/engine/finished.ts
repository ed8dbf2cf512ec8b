/**
 * Dropping the requests a step finished from the running list (order kept). A pass that reads
 * every running request's state costs a cache miss per request, per step that finishes any: at a
 * thousand running requests that was most of a departure. The engine notes each request it
 * finishes (Scheduler.justFinished); they are few, so each is found by identity (at the index
 * a decode run noted as it left, EngineRequest.runningHint, when the request stands there, else by
 * a scan of references; no request read), they are reported in running order, and one pass from the first
 * of them closes the gaps. What a report can observe of the list is its length
 * (InstanceGauges.runningCount), which the full pass also leaves unchanged until it ends; no
 * report changes the list (listeners schedule events, they do not abort a running request
 * synchronously; if one did, each would be found again). More finished at once than `at` has
 * room for take the full pass.
 */
import { emptyList } from '../kernel/arrays.js';
import { RequestState, removeFrom, type EngineRequest } from './engine-request.js';

/**
 * Removes the finished requests of `running` and passes each to `report`, in running order.
 * `justFinished` lists them (it is emptied); `at` is scratch for their indices.
 */
export function dropFinished(running: EngineRequest[], justFinished: EngineRequest[], report: (r: EngineRequest) => void, at: Int32Array): void {
  const k = justFinished.length;
  let found = k > 0 && k <= at.length;
  for (let j = 0; found && j < k; j++) {
    const r = justFinished[j]!;
    const i = r.state === RequestState.Finished ? indexIn(running, r) : -1;
    if (i < 0) found = false;
    // Insertion by index: the requests in running order (few, so a few moves).
    let p = j;
    while (p > 0 && at[p - 1]! > i) {
      at[p] = at[p - 1]!;
      justFinished[p] = justFinished[p - 1]!;
      p--;
    }
    at[p] = i;
    justFinished[p] = r;
    // Noted twice (no commit does that): the full pass reports it once.
    if (p > 0 && at[p - 1] === i) found = false;
  }
  if (found) {
    const n = running.length;
    for (let j = 0; j < k; j++) report(justFinished[j]!);
    if (running.length === n) {
      // One pass from the first of them, the others' references moving down over the gaps.
      let w = at[0]!;
      let j = 0;
      for (let p = w; p < n; p++) {
        if (j < k && p === at[j]) j++;
        else running[w++] = running[p]!;
      }
      running.length = w;
    } else {
      // A report changed the list (none does today): find each again.
      for (let j = k - 1; j >= 0; j--) removeFrom(running, justFinished[j]!);
    }
    emptyList(justFinished);
    return;
  }
  emptyList(justFinished);
  let w = 0;
  for (let p = 0; p < running.length; p++) {
    const r = running[p]!;
    if (r.state !== RequestState.Finished) {
      running[w++] = r;
      continue;
    }
    report(r);
  }
  running.length = w;
}

/** r's index in `running`: where its hint says when it stands there, else a search (-1: absent). */
function indexIn(running: EngineRequest[], r: EngineRequest): number {
  const h = r.runningHint;
  return h >= 0 && h < running.length && running[h] === r ? h : running.indexOf(r);
}
