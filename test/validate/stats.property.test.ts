import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/kernel/rng.js';
import { rescaledExponentialArrivals } from '../../src/validate/plan.js';
import { ksStatistic, percentile, sortedCopy, wasserstein1 } from '../../src/validate/stats.js';

const sample = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60, size: 'max' });

describe('distance and percentile invariants', () => {
  it('KS lies in [0, 1], is symmetric and 0 on identical samples', () => {
    fc.assert(fc.property(sample, sample, (a, b) => {
      const d = ksStatistic(a, b);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(1);
      expect(ksStatistic(b, a)).toBeCloseTo(d, 12);
      expect(ksStatistic(a, [...a].reverse())).toBe(0);
    }));
  });

  it('W1 is symmetric, non-negative, and a shift by c costs |c|', () => {
    fc.assert(fc.property(sample, sample, fc.double({ min: -1000, max: 1000, noNaN: true }), (a, b, c) => {
      const d = wasserstein1(a, b);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(wasserstein1(b, a)).toBeCloseTo(d, 6);
      expect(wasserstein1(a, a.map((x) => x + c))).toBeCloseTo(Math.abs(c), 5);
    }));
  });

  it('percentiles are non-decreasing in q and bounded by min and max', () => {
    fc.assert(fc.property(sample, (a) => {
      const s = sortedCopy(a);
      let prev = -Infinity;
      for (const q of [0, 10, 50, 90, 95, 99, 100]) {
        const v = percentile(s, q);
        expect(v).toBeGreaterThanOrEqual(prev);
        prev = v;
      }
      expect(percentile(s, 0) === s[0]).toBe(true);
      expect(percentile(s, 100) === s[s.length - 1]).toBe(true);
    }));
  });

  it('rescaled exponential arrivals: exactly n, inside the window, non-decreasing', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 1, max: 1e10 }), fc.integer(), (n, start, dur, seed) => {
      const t = rescaledExponentialArrivals(n, start, dur, new Rng(seed));
      expect(t).toHaveLength(n);
      expect(t[0]).toBe(start);
      for (let i = 0; i < n; i++) {
        expect(t[i]!).toBeLessThan(start + dur);
        if (i > 0) expect(t[i]!).toBeGreaterThanOrEqual(t[i - 1]!);
      }
    }));
  });
});
