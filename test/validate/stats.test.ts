import { describe, expect, it } from 'vitest';
import { statistics } from '../../src/cluster/summary.js';
import { cdfPoints, ksStatistic, percentile, wasserstein1 } from '../../src/validate/stats.js';

describe('percentiles by linear interpolation over sorted samples', () => {
  it('matches numpy on 1..10', () => {
    const s = statistics([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]);
    expect(s.mean).toBe(5.5);
    expect(s.p50).toBeCloseTo(5.5, 12); // pos 4.5 between 5 and 6
    expect(s.p90).toBeCloseTo(9.1, 12); // pos 8.1 between 9 and 10
    expect(s.p95).toBeCloseTo(9.55, 12);
    expect(s.p99).toBeCloseTo(9.91, 12);
    expect([s.min, s.max, s.count]).toEqual([1, 10, 10]);
  });
  it('a single sample is every percentile', () => {
    expect(percentile([7], 99)).toBe(7);
  });
  it('no samples: count 0 and null statistics (not zeros)', () => {
    expect(statistics([])).toEqual({ count: 0, mean: null, p50: null, p90: null, p95: null, p99: null, min: null, max: null });
  });
});

describe('two-sample distances', () => {
  it('KS: {1,2,3} vs {2,3,4} differ by 1/3 at x=1', () => {
    expect(ksStatistic([1, 2, 3], [2, 3, 4])).toBeCloseTo(1 / 3, 12);
  });
  it('KS: disjoint samples give 1, identical give 0', () => {
    expect(ksStatistic([1, 2], [5, 6])).toBe(1);
    expect(ksStatistic([3, 1, 2], [1, 2, 3])).toBe(0);
  });
  it('KS handles ties across samples', () => {
    // F_a jumps to 1 at 1; F_b reaches 0.5 at 1 and 1 at 2
    expect(ksStatistic([1, 1], [1, 2])).toBeCloseTo(0.5, 12);
  });
  it('W1 of a shift is the shift', () => {
    expect(wasserstein1([1, 2, 3], [2, 3, 4])).toBeCloseTo(1, 12);
  });
  it('W1 with unequal sizes: {0} vs {0, 2} is 1', () => {
    // |F_a − F_b| = 0.5 on [0, 2) → area 1
    expect(wasserstein1([0], [0, 2])).toBeCloseTo(1, 12);
  });
  it('W1 {0,1} vs {0,0,3} is 5/6 (hand-computed)', () => {
    // on [0,1): F_a = 0.5, F_b = 2/3 → 1/6; on [1,3): F_a = 1, F_b = 2/3 → 2/3 → total 1/6 + 2/3 = 5/6
    expect(wasserstein1([0, 1], [0, 0, 3])).toBeCloseTo(5 / 6, 12);
  });
  it('W1 equals mean difference when one sample dominates the other', () => {
    const a = [1, 4, 9, 16];
    const b = a.map((x) => x + 2.5);
    expect(wasserstein1(a, b)).toBeCloseTo(2.5, 12);
  });
  it('CDF points end at 1', () => {
    const pts = cdfPoints([3, 1, 2]);
    expect(pts).toEqual([[1, 1 / 3], [2, 2 / 3], [3, 1]]);
  });
});
