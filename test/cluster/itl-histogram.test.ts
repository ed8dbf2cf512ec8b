import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ItlHistogram } from '../../src/cluster/itl-histogram.js';
import { summarizeWeighted } from '../../src/cluster/summary.js';

describe('ITL histogram', () => {
  it('is exact for step durations below 16.4 ms (integer µs)', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 16_000 }), fc.integer({ min: 1, max: 64 })), { minLength: 1, maxLength: 60 }),
      (pairs) => {
        const h = new ItlHistogram();
        for (const [d, w] of pairs) h.add(d, w);
        const exact = summarizeWeighted(pairs.map((p) => p[0]), pairs.map((p) => p[1]), pairs.length);
        expect(h.summary()).toEqual(exact);
      }));
  });
  it('is within 0.05% above that (geometric bins)', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 16_384, max: 5_000_000 }), fc.integer({ min: 1, max: 64 })), { minLength: 1, maxLength: 60 }),
      (pairs) => {
        const h = new ItlHistogram();
        for (const [d, w] of pairs) h.add(d, w);
        const exact = summarizeWeighted(pairs.map((p) => p[0]), pairs.map((p) => p[1]), pairs.length);
        const got = h.summary();
        expect(got.mean).toBeCloseTo(exact.mean, 3);
        for (const k of ['p50', 'p90', 'p95', 'p99', 'min', 'max'] as const) expect(Math.abs(got[k] - exact[k]) / exact[k]).toBeLessThanOrEqual(0.0006);
      }));
  });
});
