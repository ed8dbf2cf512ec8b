/**
 * Distribution summaries, the one kind the project has: mean and percentiles by linear
 * interpolation over sorted samples (DESIGN §4; numpy's default, which inference-perf uses).
 * `statistics` is exact (the comparator scores with it); `summarize` rounds it for the metrics
 * JSON. Token-weighted ITL and very long runs use the bounded DurationHistogram
 * (duration-histogram.ts).
 */

/**
 * `count` samples (token-weighted gaps for ITL) and their statistics. With no sample every
 * statistic is null, never 0: a run where nothing completed has no TTFT, and 0 ms would read as
 * an instant one (the summary table prints `–`).
 */
export interface DistributionSummary {
  readonly count: number;
  readonly mean: number | null;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly min: number | null;
  readonly max: number | null;
}

export const EMPTY_SUMMARY: DistributionSummary = Object.freeze({ count: 0, mean: null, p50: null, p90: null, p95: null, p99: null, min: null, max: null });

/** Percentile q in [0, 1] of ascending `sorted` (first n entries), linear interpolation between ranks. */
export function percentileSorted(sorted: ArrayLike<number>, q: number, n = sorted.length): number {
  if (n === 0) return 0;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const frac = pos - lo;
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * frac;
}

/** Exact statistics of the first `n` samples (sorts a copy), scaled by `scale` (e.g. MS_PER_US). */
export function statistics(samples: ArrayLike<number>, n = samples.length, scale = 1): DistributionSummary {
  if (n === 0) return EMPTY_SUMMARY;
  const a = Float64Array.from({ length: n }, (_, i) => samples[i]!);
  a.sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i]!;
  return {
    count: n,
    mean: (sum / n) * scale,
    p50: percentileSorted(a, 0.5) * scale,
    p90: percentileSorted(a, 0.9) * scale,
    p95: percentileSorted(a, 0.95) * scale,
    p99: percentileSorted(a, 0.99) * scale,
    min: a[0]! * scale,
    max: a[n - 1]! * scale,
  };
}

/** `statistics` rounded for the metrics JSON (6 decimals: stable and readable). */
export function summarize(samples: ArrayLike<number>, n = samples.length, scale = 1): DistributionSummary {
  const s = statistics(samples, n, scale);
  if (s.count === 0) return s;
  return { count: s.count, mean: round(s.mean!), p50: round(s.p50!), p90: round(s.p90!), p95: round(s.p95!), p99: round(s.p99!), min: round(s.min!), max: round(s.max!) };
}

/** Rounds to 6 significant decimals so JSON output is stable and readable. */
export function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
