/**
 * A decode run's stops (run-stops.ts) must equal the minimum over the slots still held, as the
 * O(batch) scan they replace computed it, through joins, departures in any order, stamps of
 * slots that left and entries that outnumber the capacity.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NEVER, RunStops } from '../../src/engine/run-stops.js';
import type { EngineRequest } from '../../src/engine/engine-request.js';

/** Just the field RunStops reads. */
const slotHolder = (): EngineRequest => ({ runStamp: -1 }) as EngineRequest;

describe('RunStops', () => {
  it('is the least key of the slots still held, whatever joins and leaves', () => {
    // ops: [kind, key, pick]: kind 0-1 joins a slot with `key`, kind 2 removes the pick-th held slot.
    const op = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 12 }), fc.nat());
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 300, size: 'max' }), (capacity, ops) => {
        const stops = new RunStops(capacity);
        const held: { r: EngineRequest; key: number }[] = [];
        let stamp = 0;
        for (const [kind, key, pick] of ops) {
          if (kind < 2) {
            const r = slotHolder();
            r.runStamp = ++stamp;
            stops.push(key, r.runStamp, r);
            held.push({ r, key });
          } else if (held.length > 0) {
            const [gone] = held.splice(pick % held.length, 1);
            gone!.r.runStamp = -1;
          }
          const brute = held.reduce((m, s) => Math.min(m, s.key), NEVER);
          expect(stops.min()).toBe(brute);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a slot that leaves and joins again counts under its new stamp only', () => {
    const stops = new RunStops(2);
    const r = slotHolder();
    r.runStamp = 1;
    stops.push(5, 1, r);
    r.runStamp = -1;
    expect(stops.min()).toBe(NEVER);
    r.runStamp = 7;
    stops.push(9, 7, r);
    const other = slotHolder();
    other.runStamp = 8;
    stops.push(3, 8, other);
    // The stale entry (5, stamp 1) is not r's slot any more.
    expect(stops.min()).toBe(3);
    other.runStamp = -1;
    expect(stops.min()).toBe(9);
    stops.clear();
    expect(stops.min()).toBe(NEVER);
  });
});
