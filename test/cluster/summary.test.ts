import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { percentileSorted, sortAscending, summarize } from '../../src/cluster/summary.js';

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

  it('sorts large arrays into exactly the builtin order (radix over the bits when no sign bit is set, else the builtin)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 4096, max: 12_000 }), fc.integer({ min: 1, max: 2 ** 31 - 2 }), fc.constantFrom('ratios', 'band', 'few', 'specials', 'negative'), (n, seed, kind) => {
        let s = seed;
        const next = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
        const a = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const u = next();
          // ratios: TPOT-like quotients; band: values sharing their high bits; few: many repeats.
          if (kind === 'ratios') a[i] = Math.round(2e6 * u) / Math.round(1 + next() * 400);
          else if (kind === 'band') a[i] = 7000 + u;
          else if (kind === 'few') a[i] = Math.floor(u * 5) / 3;
          else if (kind === 'specials') a[i] = u < 0.01 ? 0 : u < 0.02 ? Infinity : u < 0.03 ? NaN : u * 1e-300;
          else a[i] = u < 0.001 ? -0 : u < 0.002 ? -u : u * 100;
        }
        const expected = a.slice().sort();
        sortAscending(a);
        // Bit for bit (−0 before 0, NaN last): the first differing word, or -1.
        const got = new Uint32Array(a.buffer);
        const want = new Uint32Array(expected.buffer);
        let differs = -1;
        for (let i = 0; i < want.length && differs < 0; i++) if (got[i] !== want[i]) differs = i;
        expect(differs).toBe(-1);
      }),
      { numRuns: 40 },
    );
  });

  it('gives the summary of a full sort for large fractional and wide whole-number samples (the radix and selection paths)', () => {
    const n = 20_000;
    let s = 7;
    const next = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
    const fractions = Array.from({ length: n }, () => Math.round(2e6 * next()) / Math.round(1 + next() * 400));
    const whole = Array.from({ length: n }, () => Math.round(23_000 + next() * 4e6));
    for (const xs of [fractions, whole]) {
      const a = Float64Array.from(xs).sort();
      let sum = 0;
      for (const v of a) sum += v;
      const s1 = summarize(xs, n, 1e-3);
      expect(s1.mean).toBe(Math.round((sum / n) * 1e-3 * 1e6) / 1e6);
      expect([s1.min, s1.p50, s1.p90, s1.p95, s1.p99, s1.max]).toEqual([a[0]!, percentileSorted(a, 0.5), percentileSorted(a, 0.9), percentileSorted(a, 0.95), percentileSorted(a, 0.99), a[n - 1]!].map((x) => Math.round(x * 1e-3 * 1e6) / 1e6));
    }
  });
});
