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
});

