/**
 * The concurrency-limited client (ClosedLoopFeed) alone, around a stand-in cluster that only
 * records what it is sent: hand-computed send times with a rate (due times) and without one (a
 * closed loop), a session's next turn held until its answer, the horizon, stop(), the read-ahead
 * bound, and the limit's checks.
 */
import { describe, expect, it } from 'vitest';
import { ClosedLoopFeed, concurrencyLimit } from '../../src/cluster/closed-loop.js';
import type { Cluster } from '../../src/cluster/cluster.js';
import type { RequestRecord } from '../../src/cluster/record.js';
import type { ArrivalRequest } from '../../src/workload/request.js';
import type { ResolvedWorkload } from '../../src/workload/types.js';
import { arrival } from './helpers.js';

const req = (id: string, arrivalUs: number, sessionId?: string): ArrivalRequest => arrival(id, arrivalUs, 16, 4, sessionId !== undefined ? { sessionId } : {});

function feed(requests: ArrivalRequest[], maxConcurrency: number, closedLoop: boolean, horizonUs = Infinity) {
  const sent: string[] = [];
  let reads = 0;
  const cluster = { sim: { nowUs: 0 }, addArrival: (r: ArrivalRequest) => sent.push(`${r.id}@${r.arrivalUs}`) };
  const source = requests[Symbol.iterator]();
  const it: Iterator<ArrivalRequest> = { next: () => (reads++, source.next()) };
  const f = new ClosedLoopFeed(cluster as unknown as Cluster, it, { maxConcurrency, closedLoop }, horizonUs);
  /** A record reaches the feed at `nowUs`. */
  const end = (id: string, nowUs: number, status: RequestRecord['status'], finishedUs = nowUs, sessionId?: string): void => {
    cluster.sim.nowUs = nowUs;
    f.add({ id, status, finishedUs, ...(sessionId !== undefined ? { sessionId } : {}) } as RequestRecord);
  };
  return { f, sent, end, reads: () => reads };
}

describe('ClosedLoopFeed', () => {
  it('with a rate: each request at its due time, or when a slot frees if later', () => {
    const x = feed([req('r0', 0), req('r1', 10), req('r2', 20), req('r3', 30)], 2, false);
    x.f.start();
    expect(x.sent).toEqual(['r0@0', 'r1@10']);
    x.end('r0', 15, 'completed');
    expect(x.sent.at(-1)).toBe('r2@20'); // due 20, after the slot freed at 15
    x.end('r1', 40, 'timed_out');
    expect(x.sent.at(-1)).toBe('r3@40'); // due 30, sent when the timeout freed the slot
  });

  it('without a rate (closed loop): everything is due at once; a slot frees when the client has the whole streamed answer', () => {
    const x = feed([req('a', 500), req('b', 900), req('c', 1_300)], 1, true);
    x.f.start();
    expect(x.sent).toEqual(['a@0']);
    x.end('a', 100, 'completed', 130.2); // the last streamed token lands at 130.2 µs
    expect(x.sent.at(-1)).toBe('b@131');
    x.end('b', 200, 'rejected', 0);
    expect(x.sent).toEqual(['a@0', 'b@131', 'c@200']);
  });

  it("holds a session's next turn until its answer, letting later requests go ahead", () => {
    const x = feed([req('a1', 0, 'A'), req('a2', 0, 'A'), req('b1', 0, 'B'), req('c1', 0)], 2, true);
    x.f.start();
    expect(x.sent).toEqual(['a1@0', 'b1@0']);
    x.end('b1', 50, 'completed', 50, 'B');
    expect(x.sent.at(-1)).toBe('c1@50'); // a2 still waits for a1
    x.end('a1', 80, 'completed', 80, 'A');
    expect(x.sent.at(-1)).toBe('a2@80');
  });

  it('keeps send times in order, stops at the horizon and after stop()', () => {
    const x = feed([req('r0', 0), req('r1', 0), req('r2', 0), req('r3', 0)], 2, false, 100);
    x.f.start();
    x.end('r1', 60, 'completed');
    x.end('r0', 50, 'completed'); // a record arriving with an earlier clock: never sent before the last send
    expect(x.sent).toEqual(['r0@0', 'r1@0', 'r2@60', 'r3@60']);
    const y = feed([req('s0', 0), req('s1', 150), req('s2', 160)], 1, false, 100);
    y.f.start();
    y.end('s0', 10, 'completed');
    expect(y.sent).toEqual(['s0@0']); // s1 is due after the horizon: nothing more is sent
    y.end('s1', 20, 'completed');
    expect(y.sent).toEqual(['s0@0']);
    const z = feed([req('t0', 0), req('t1', 0)], 1, true);
    z.f.start();
    z.f.stop();
    z.end('t0', 10, 'completed');
    expect(z.sent).toEqual(['t0@0']);
  });

  it('reads ahead at most 64 held-back turns per allowed open request', () => {
    const turns = Array.from({ length: 200 }, (_, i) => req(`a${i}`, 0, 'A'));
    const x = feed(turns, 2, true);
    x.f.start();
    // a0 is sent; its session's later turns are held back, 64 × 2 of them, then the feed stops reading.
    expect(x.sent).toEqual(['a0@0']);
    expect(x.reads()).toBe(1 + 128);
    x.end('a0', 10, 'completed', 10, 'A');
    expect(x.sent).toEqual(['a0@0', 'a1@10']);
  });

  it('the limit: a positive integer; a closed loop needs a request count; the feed refuses a bad one', () => {
    const closed = { sources: { rateRps: 'default' }, numRequests: null } as unknown as ResolvedWorkload;
    const counted = { sources: { rateRps: 'default' }, numRequests: 10 } as unknown as ResolvedWorkload;
    const rated = { sources: { rateRps: 'flag' }, numRequests: null } as unknown as ResolvedWorkload;
    for (const bad of [0, 1.5, '2', -1]) {
      expect(() => concurrencyLimit(bad, rated)).toThrowError(expect.objectContaining({ code: 'FLAG_OUT_OF_RANGE', where: '--max-concurrency' }));
    }
    expect(() => concurrencyLimit(4, closed)).toThrowError(expect.objectContaining({ code: 'FLAG_CONFLICT', where: '--max-concurrency' }));
    expect(concurrencyLimit(4, counted)).toEqual({ maxConcurrency: 4, closedLoop: true });
    expect(concurrencyLimit(4, rated)).toEqual({ maxConcurrency: 4, closedLoop: false });
    expect(concurrencyLimit(3, undefined, 'max_concurrency')).toEqual({ maxConcurrency: 3, closedLoop: false });
    expect(() => feed([], 0, true)).toThrowError(/maxConcurrency must be a positive integer, got 0/);
  });
});
