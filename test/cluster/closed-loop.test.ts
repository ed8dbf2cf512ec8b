import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ZERO_OVERHEADS } from '../../src/engine/config.js';
import { resolveClusterConfig, type ClusterOptions } from '../../src/cluster/config.js';
import type { ConcurrencyLimit } from '../../src/cluster/closed-loop.js';
import type { RequestRecord } from '../../src/cluster/record.js';
import { CollectingSink } from '../../src/cluster/sink.js';
import { simulate } from '../../src/cluster/simulate.js';
import type { ArrivalRequest } from '../../src/workload/request.js';
import { arrival, linearStep, options } from './helpers.js';

async function runLimited(o: ClusterOptions, arrivals: ArrivalRequest[], concurrency: ConcurrencyLimit): Promise<RequestRecord[]> {
  const sink = new CollectingSink();
  await simulate({ config: resolveClusterConfig(options(o)), arrivals, stepTime: linearStep(), overheads: ZERO_OVERHEADS, sinks: [sink], concurrency });
  return [...sink.records].sort((a, b) => a.index - b.index);
}

/** Most requests open at once: [arrival, finish) intervals, a finish before an arrival at the same instant. */
function peakOpen(records: readonly RequestRecord[]): number {
  const ev: Array<[number, number]> = [];
  for (const r of records) {
    ev.push([r.arrivalUs, 1]);
    ev.push([Math.ceil(r.finishedUs), -1]);
  }
  ev.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let peak = 0;
  for (const [, d] of ev) {
    open += d;
    if (open > peak) peak = open;
  }
  return peak;
}

describe('clients with a concurrency limit (vllm bench serve --max-concurrency)', () => {
  it('one client in a closed loop sends each request when the previous answer ends (hand-computed)', async () => {
    // Synchronous engine, step = 1000 + 10 us per token: a 10-token prompt's step ends at 1,100
    // (first token), then two one-token decodes of 1,010 us: the answer ends at 3,120. Alone on the
    // engine every request takes the same, so the three are back to back.
    const reqs = [arrival('a', 0, 10, 3), arrival('b', 5, 10, 3), arrival('c', 7, 10, 3)];
    const records = await runLimited({ asyncScheduling: false }, reqs, { maxConcurrency: 1, closedLoop: true });
    expect(records.map((r) => [r.id, r.arrivalUs, r.finishedUs])).toEqual([['a', 0, 3120], ['b', 3120, 6240], ['c', 6240, 9360]]);
  });

  it('with a rate, a request goes at its due time unless the limit holds it until an answer ends', async () => {
    // Two slots: a and b go when due; c is due at 100 but both are open until a ends; d is due
    // after every answer ended and goes on time.
    const reqs = [arrival('a', 0, 10, 3), arrival('b', 50, 10, 3), arrival('c', 100, 10, 3), arrival('d', 50_000, 10, 3)];
    const limited = await runLimited({ asyncScheduling: false }, reqs, { maxConcurrency: 2, closedLoop: false });
    const byId = new Map(limited.map((r) => [r.id, r]));
    expect(byId.get('a')!.arrivalUs).toBe(0);
    expect(byId.get('b')!.arrivalUs).toBe(50);
    const firstEnd = Math.min(byId.get('a')!.finishedUs, byId.get('b')!.finishedUs);
    expect(byId.get('c')!.arrivalUs).toBe(Math.ceil(firstEnd));
    expect(byId.get('d')!.arrivalUs).toBe(50_000);
    // No limit in effect (limit >= requests): the stream is sent as given.
    const free = await runLimited({ asyncScheduling: false }, reqs, { maxConcurrency: 4, closedLoop: false });
    expect(free.map((r) => r.arrivalUs)).toEqual([0, 50, 100, 50_000]);
  });

  it('never holds more than the limit open, keeps the order, and sends no request before it is due', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 5 }),
      fc.boolean(),
      fc.integer({ min: 1, max: 3 }),
      fc.array(fc.record({ gap: fc.integer({ min: 0, max: 20_000 }), input: fc.integer({ min: 1, max: 300 }), output: fc.integer({ min: 1, max: 40 }) }), { minLength: 1, maxLength: 25, size: 'max' }),
      async (limit, closedLoop, instances, shapes) => {
        let t = 0;
        const reqs = shapes.map((s, i) => {
          t += s.gap;
          return arrival(`r${i}`, t, s.input, s.output);
        });
        const records = await runLimited({ numInstances: instances, totalKvBlocks: 200 }, reqs, { maxConcurrency: limit, closedLoop });
        expect(records.length).toBe(reqs.length);
        expect(records.every((r) => r.status === 'completed')).toBe(true);
        expect(peakOpen(records)).toBeLessThanOrEqual(limit);
        const ends = new Set(records.map((r) => Math.ceil(r.finishedUs)));
        for (let i = 0; i < records.length; i++) {
          const r = records[i]!;
          expect(r.id).toBe(`r${i}`);
          const due = closedLoop ? 0 : reqs[i]!.arrivalUs;
          expect(r.arrivalUs).toBeGreaterThanOrEqual(due);
          if (i > 0) expect(r.arrivalUs).toBeGreaterThanOrEqual(records[i - 1]!.arrivalUs);
          // Late only because the limit held it: it went when an answer ended (or right behind the one before it).
          if (r.arrivalUs > due && !(i > 0 && r.arrivalUs === records[i - 1]!.arrivalUs)) expect(ends.has(r.arrivalUs)).toBe(true);
        }
      },
    ), { numRuns: 60 });
  });
});
