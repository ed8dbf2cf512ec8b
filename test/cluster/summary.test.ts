import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { percentileSorted, summarize } from '../../src/cluster/summary.js';

describe('summaries', () => {
  it('interpolates percentiles linearly between ranks (hand-computed)', () => {
    const s = summarize([10, 20, 30, 40, 50]);
    expect(s.mean).toBe(30);
    expect(s.p50).toBe(30);
    expect(s.p90).toBe(46); // rank 3.6 → 40 + 0.6 × 10
    expect(s.p99).toBeCloseTo(49.6, 9);
    expect(s.min).toBe(10);
    expect(s.max).toBe(50);
    expect(percentileSorted([1, 3], 0.25)).toBe(1.5);
    expect(s.count).toBe(5);
  });

  it('has no statistics without samples: null with a count of 0, never 0', () => {
    expect(summarize([])).toEqual({ count: 0, mean: null, p50: null, p90: null, p95: null, p99: null, min: null, max: null });
  });

  it('gives the statistics of a full sort whether values are whole (counting over a narrow span, else selection) or fractional (sort)', () => {
    const sorted = (xs: number[], scale: number) => {
      const a = Float64Array.from(xs).sort();
      let sum = 0;
      for (const v of a) sum += v;
      const r = (x: number) => Math.round(x * 1e6) / 1e6;
      return { count: a.length, mean: r((sum / a.length) * scale), p50: r(percentileSorted(a, 0.5) * scale), p90: r(percentileSorted(a, 0.9) * scale), p95: r(percentileSorted(a, 0.95) * scale), p99: r(percentileSorted(a, 0.99) * scale), min: r(a[0]! * scale), max: r(a[a.length - 1]! * scale) };
    };
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 5_000_000 })), { minLength: 1, maxLength: 3000, size: 'max' }), fc.constantFrom('whole', 'fraction', 'narrow'), fc.integer({ min: -2e9, max: 2e9 }), (xs, kind, base) => {
        // narrow: whole numbers around an offset whose span is a few times their count (the counting path) or just past it.
        const vals = kind === 'fraction' ? xs.map((x) => x / 7) : kind === 'narrow' ? xs.map((x) => base + (x % (4 * xs.length + 2))) : xs;
        expect(summarize(vals, vals.length, 1e-3)).toEqual(sorted(vals, 1e-3));
      }),
      { numRuns: 300 },
    );
  });
});

