/**
 * dropFinished (finished.ts) must leave the running list and report the requests, in the order
 * and with the list length each report can observe (InstanceGauges.runningCount), exactly as the
 * full pass over every running request's state does.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dropFinished } from '../../src/engine/finished.js';
import { RequestState, type EngineRequest } from '../../src/engine/engine-request.js';

const req = (id: number, finished: boolean, runningHint = -1): EngineRequest => ({ id, state: finished ? RequestState.Finished : RequestState.Running, runningHint }) as unknown as EngineRequest;
const ids = (rs: readonly EngineRequest[]): number[] => rs.map((r) => (r as unknown as { id: number }).id);

/** The pass dropFinished replaces: every running request's state read, the list compacted in place. */
function reference(running: EngineRequest[], report: (r: EngineRequest) => void): void {
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

describe('dropFinished', () => {
  it('leaves the list, reports and what each report sees as the full pass does', () => {
    fc.assert(
      // hints: per request, its true index, none, or a wrong one (in range or past the end).
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: -1, max: 45 })), { minLength: 1, maxLength: 40, size: 'max' }), fc.nat(), fc.boolean(), (flags, seed, exact) => {
        const run = (fast: boolean): { left: number[]; seen: number[][] } => {
          const running = flags.map(([f, h], i) => req(i, f, exact ? i : h));
          const finished = running.filter((r) => r.state === RequestState.Finished);
          // The engine notes them in commit order, not running order.
          const noted = finished.map((r, i) => ({ r, k: (i * 7919 + seed) % 1009 })).sort((a, b) => a.k - b.k).map((x) => x.r);
          const seen: number[][] = [];
          const report = (r: EngineRequest): void => void seen.push([...ids([r]), running.length]);
          if (fast) dropFinished(running, noted, report, new Int32Array(4));
          else reference(running, report);
          if (fast) expect(noted).toHaveLength(0);
          return { left: ids(running), seen };
        };
        expect(run(true)).toEqual(run(false));
      }),
      { numRuns: 300 },
    );
  });

  it('a request noted twice is reported and removed once', () => {
    const running = [req(0, true), req(1, false), req(2, true)];
    const reported: number[] = [];
    dropFinished(running, [running[2]!, running[0]!, running[2]!], (r) => reported.push(ids([r])[0]!), new Int32Array(4));
    expect(reported).toEqual([0, 2]);
    expect(ids(running)).toEqual([1]);
  });

  it('finished requests noted out of order: reported in running order with the list unchanged, then cut out', () => {
    const running = [req(0, false), req(1, true), req(2, false), req(3, true), req(4, false)];
    const views: number[][] = [];
    dropFinished(running, [running[3]!, running[1]!], (r) => views.push([ids([r])[0]!, ...ids(running)]), new Int32Array(4));
    expect(views).toEqual([[1, 0, 1, 2, 3, 4], [3, 0, 1, 2, 3, 4]]);
    expect(ids(running)).toEqual([0, 2, 4]);
  });
});
