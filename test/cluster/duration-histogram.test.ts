import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DurationHistogram } from '../../src/cluster/duration-histogram.js';
import { summarizeWeighted } from './weighted-reference.js';
import { round } from '../../src/cluster/summary.js';

/** A histogram of (duration µs, tokens) samples. */
function histogramOf(pairs: ReadonlyArray<readonly [number, number]>): DurationHistogram {
  const h = new DurationHistogram();
  for (const [d, w] of pairs) h.add(d, w);
  return h;
}

describe('ITL histogram', () => {
  it('is exact for step durations below 16.4 ms (integer µs)', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 16_000 }), fc.integer({ min: 1, max: 64 })), { minLength: 1, maxLength: 60, size: 'max' }),
      (pairs) => {
        const h = histogramOf(pairs);
        const exact = summarizeWeighted(pairs.map((p) => p[0]), pairs.map((p) => p[1]), pairs.length);
        expect(h.summary()).toEqual(exact);
      }));
  });
  it("reports each percentile exactly as quantile() computes it alone (one pass over the bins for all of them)", () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 400_000 }), fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 40, size: 'max' }),
      (pairs) => {
        const h = histogramOf(pairs);
        const s = h.summary();
        const alone = [0.5, 0.9, 0.95, 0.99].map((q) => round(h.quantile(q)));
        expect([s.p50, s.p90, s.p95, s.p99]).toEqual(alone);
      }));
  });
  it('is within 0.05% above that (geometric bins)', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 16_384, max: 5_000_000 }), fc.integer({ min: 1, max: 64 })), { minLength: 1, maxLength: 60, size: 'max' }),
      (pairs) => {
        const h = histogramOf(pairs);
        const exact = summarizeWeighted(pairs.map((p) => p[0]), pairs.map((p) => p[1]), pairs.length);
        const got = h.summary();
        expect(got.count).toBe(exact.count);
        expect(got.mean!).toBeCloseTo(exact.mean!, 3);
        for (const k of ['p50', 'p90', 'p95', 'p99', 'min', 'max'] as const) expect(Math.abs(got[k]! - exact[k]!) / exact[k]!).toBeLessThanOrEqual(0.0006);
      }));
  });
});

describe('LatencySamples', () => {
  it('is exact up to its cap, then within 0.05% from the histogram', async () => {
    const { LatencySamples } = await import('../../src/cluster/duration-histogram.js');
    const { summarize } = await import('../../src/cluster/summary.js');
    const values = Array.from({ length: 5000 }, (_, i) => 20_000 + ((i * 7919) % 100_000));
    const exact = new LatencySamples(10_000);
    const capped = new LatencySamples(1000);
    for (const v of values) { exact.push(v); capped.push(v); }
    const truth = summarize(values, values.length, 1e-3);
    expect(exact.summary(1e-3)).toEqual(truth);
    expect(capped.length).toBe(5000);
    const got = capped.summary(1e-3);
    expect(got.count).toBe(5000);
    for (const k of ['mean', 'p50', 'p90', 'p99', 'min', 'max'] as const) expect(Math.abs(got[k]! - truth[k]!) / truth[k]!).toBeLessThan(0.0006);
  });
});
