import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { percentileSorted, summarize, summarizeWeighted } from '../../src/cluster/summary.js';

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
  });
  it('weighted summary equals the summary of the expanded sample', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 30 }),
      (pairs) => {
        const expanded: number[] = [];
        for (const [v, w] of pairs) for (let k = 0; k < w; k++) expanded.push(v);
        const a = summarize(expanded);
        const b = summarizeWeighted(pairs.map((p) => p[0]), pairs.map((p) => p[1]), pairs.length);
        for (const key of ['mean', 'p50', 'p90', 'p95', 'p99', 'min', 'max'] as const) expect(b[key]).toBeCloseTo(a[key], 6);
      }));
  });
});

describe('weighted summary on packable and non-packable data', () => {
  it('gives the same answer for integer µs durations as for the generic path', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 300 })), { minLength: 1, maxLength: 40 }),
      (pairs) => {
        const vals = pairs.map((p) => p[0]);
        const ws = pairs.map((p) => p[1]);
        const a = summarizeWeighted(vals, ws, pairs.length);
        const b = summarizeWeighted(vals.map((v) => v + 0.5), ws, pairs.length); // fractional: generic path
        for (const key of ['mean', 'p50', 'p90', 'p99', 'min', 'max'] as const) expect(b[key] - 0.5).toBeCloseTo(a[key], 4);
      }));
  });
});
