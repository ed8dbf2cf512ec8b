import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DurationHistogram } from '../../src/cluster/duration-histogram.js';
import { summarizeWeighted } from './weighted-reference.js';
import { EMPTY_SUMMARY, round } from '../../src/cluster/summary.js';

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

describe('ITL histogram: merging, copying and the edges', () => {
  const pair = fc.tuple(fc.integer({ min: 0, max: 60_000 }), fc.integer({ min: 1, max: 9 }));

  it('addAll equals adding the other histogram\'s samples one by one (also when the other spans more bins)', () => {
    fc.assert(fc.property(fc.array(pair, { maxLength: 40, size: 'max' }), fc.array(pair, { maxLength: 40, size: 'max' }), (a, b) => {
      const merged = histogramOf(a);
      merged.addAll(histogramOf(b));
      const direct = histogramOf([...a, ...b]);
      expect(merged.count).toBe(direct.count);
      expect(merged.summary()).toEqual(direct.summary());
      for (const q of [0, 0.25, 0.5, 0.75, 1]) expect(merged.quantile(q)).toBe(direct.quantile(q));
    }));
    // Beyond the first allocation (16,384 linear bins + 1,024 geometric ones: ~27 ms) both ways grow the bins.
    const small = histogramOf([[100, 1]]);
    small.addAll(histogramOf([[5_000_000, 2]]));
    expect(small.summary()).toEqual(histogramOf([[100, 1], [5_000_000, 2]]).summary());
    const big = histogramOf([[5_000_000, 2]]);
    big.addAll(histogramOf([[100, 1]]));
    expect(big.summary()).toEqual(small.summary());
  });

  it('an empty histogram adds nothing and summarises as empty; its quantile is NaN', () => {
    const h = histogramOf([[500, 3]]);
    const before = h.summary();
    h.addAll(new DurationHistogram());
    expect(h.summary()).toEqual(before);
    const empty = new DurationHistogram();
    expect(empty.count).toBe(0);
    expect(empty.summary()).toEqual(EMPTY_SUMMARY);
    expect(empty.quantile(0.5)).toBeNaN();
    empty.add(700, 0);
    empty.add(800, -2);
    expect(empty.count).toBe(0);
  });

  it('a zero-weight sample leaves no trace, not even in min and max', () => {
    const h = new DurationHistogram();
    h.add(5, 0);
    h.add(9_000_000, 0);
    h.add(100, 1);
    h.add(300, 1);
    expect(h.summary()).toMatchObject({ count: 2, min: 100, max: 300, p50: 200 });
  });

  it('grows its bins for a sample in the first bin past them (bin 17,408 = 16,384 + 1,024: 27,336 to 27,348 µs)', () => {
    // 16,384 µs x 1.0005^1024 = 27,335.3 µs starts bin 17,408, the first one the initial array lacks.
    const h = histogramOf([[100, 1], [27_340, 1], [30_000, 1]]);
    expect(Math.abs(h.quantile(0.5) - 27_340) / 27_340).toBeLessThanOrEqual(0.0005);
    expect(h.quantile(0)).toBe(100);
    expect(Math.abs(h.quantile(1) - 30_000) / 30_000).toBeLessThanOrEqual(0.0005);
    // and keeps every later sample too (the array grew to at least twice the first).
    const more = Array.from({ length: 50 }, (_, k) => 27_340 + k * 500);
    for (const v of more) h.add(v, 1);
    const all = [100, 27_340, 30_000, ...more];
    const exact = summarizeWeighted(all, all.map(() => 1), all.length);
    const got = h.summary();
    expect(got.count).toBe(53);
    for (const k of ['p50', 'p90', 'p99'] as const) expect(Math.abs(got[k]! - exact[k]!) / exact[k]!).toBeLessThanOrEqual(0.0006);
  });

  it('copyFrom takes the samples and then stands apart', () => {
    const src = histogramOf([[1_000, 2], [40_000, 1]]);
    const before = src.summary();
    const copy = histogramOf([[9, 9]]);
    copy.copyFrom(src);
    expect(copy.summary()).toEqual(before);
    // Into bins both already have (a shared array would show it in src) and past them.
    copy.add(2_000, 5);
    copy.add(3_000_000, 1);
    expect(src.summary()).toEqual(before);
    expect(src.quantile(0.5)).toBe(1_000);
    expect(copy.summary()).toMatchObject({ count: 9, max: 3_000_000, p50: 2_000 });
  });

  it('quantiles interpolate between neighbouring ranks and stay within the observed range', () => {
    // Ranks 0..3 hold 10, 10, 20, 40: q = 0.5 sits halfway between ranks 1 and 2.
    const h = histogramOf([[10, 2], [20, 1], [40, 1]]);
    expect(h.quantile(0)).toBe(10);
    expect(h.quantile(0.5)).toBe(15);
    expect(h.quantile(1)).toBe(40);
    expect(h.quantile(2 / 3)).toBeCloseTo(20, 12);
    // Geometric bins report their lower edge, clamped to the observed min and max.
    const wide = histogramOf([[100_000, 1]]);
    expect(wide.quantile(0.5)).toBe(100_000);
    expect(wide.summary()).toMatchObject({ min: 100_000, max: 100_000, p50: 100_000, p99: 100_000 });
  });
});

describe('LatencySamples: copies, quantiles and growth', () => {
  it('keeps more than its first 1,024 samples exact and copies in both modes', async () => {
    const { LatencySamples } = await import('../../src/cluster/duration-histogram.js');
    const { summarize, percentileSorted } = await import('../../src/cluster/summary.js');
    const values = Array.from({ length: 3000 }, (_, i) => (i * 104_729) % 50_000);
    const s = new LatencySamples(100_000);
    for (const v of values) s.push(v);
    expect(s.length).toBe(3000);
    expect(s.summary(1)).toEqual(summarize(values, values.length, 1));
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0, 0.37, 0.5, 0.99, 1]) expect(s.quantile(q)).toBe(percentileSorted(sorted, q));
    const copy = new LatencySamples(100_000);
    copy.copyFrom(s);
    copy.push(1e9);
    expect(s.length).toBe(3000);
    expect(copy.length).toBe(3001);
    expect(s.summary(1)).toEqual(summarize(values, values.length, 1));
    // Both grow past the copy: neither overwrites the other's next sample.
    s.push(0);
    expect(copy.summary(1).max).toBe(1e9);
    expect(s.summary(1).min).toBe(0);
    expect(s.summary(1).max).toBe(Math.max(...values));

    // Past the cap: the histogram answers, and a copy carries it (then stands apart).
    const capped = new LatencySamples(1000);
    for (const v of values) capped.push(v);
    expect(round(capped.quantile(0.5))).toBe(capped.summary(1).p50);
    const c2 = new LatencySamples(1000);
    c2.push(5);
    c2.copyFrom(capped);
    expect(c2.summary(1)).toEqual(capped.summary(1));
    c2.push(49_999);
    expect(c2.length).toBe(3001);
    expect(capped.length).toBe(3000);
    // And a copy of an exact one drops a histogram it had.
    c2.copyFrom(s);
    expect(c2.summary(1)).toEqual(s.summary(1));
    expect(new LatencySamples().quantile(0.5)).toBeNaN();
  });
});
