/**
 * Sample statistics for the comparator beyond a distribution's summary (which is
 * cluster/summary.ts's, the metrics JSON's own): percentiles of sorted samples, and two exact
 * two-sample distances: Kolmogorov–Smirnov (largest gap between the empirical CDFs) and
 * 1-Wasserstein (area between them, in the samples' unit).
 */
import { percentileSorted } from '../cluster/summary.js';

export function sortedCopy(xs: ArrayLike<number>): Float64Array {
  const a = Float64Array.from(xs as ArrayLike<number>);
  a.sort();
  return a;
}

/** q in [0, 100]; `sorted` ascending (NaN when empty). Same interpolation as the metrics JSON. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  return sorted.length === 0 ? NaN : percentileSorted(sorted, q / 100);
}

/** Two-sample KS statistic sup |F_a(x) − F_b(x)| over the empirical CDFs (exact, ties handled). */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = sortedCopy(a);
  const y = sortedCopy(b);
  if (x.length === 0 || y.length === 0) return NaN;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/** 1-Wasserstein distance ∫ |F_a(x) − F_b(x)| dx between the empirical distributions (exact). */
export function wasserstein1(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = sortedCopy(a);
  const y = sortedCopy(b);
  if (x.length === 0 || y.length === 0) return NaN;
  let i = 0;
  let j = 0;
  let prev = Math.min(x[0]!, y[0]!);
  let area = 0;
  while (i < x.length || j < y.length) {
    const v = Math.min(i < x.length ? x[i]! : Infinity, j < y.length ? y[j]! : Infinity);
    area += Math.abs(i / x.length - j / y.length) * (v - prev);
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    prev = v;
  }
  return area;
}

/** Empirical CDF points (value, cumulative fraction), thinned to at most `maxPoints` for plots. */
export function cdfPoints(xs: ArrayLike<number>, maxPoints = 200): Array<[number, number]> {
  const s = sortedCopy(xs);
  const n = s.length;
  if (n === 0) return [];
  const step = Math.max(1, Math.floor(n / maxPoints));
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i += step) out.push([s[i]!, (i + 1) / n]);
  if (out[out.length - 1]![1] !== 1) out.push([s[n - 1]!, 1]);
  return out;
}

export function median(xs: readonly number[]): number {
  return percentile(sortedCopy(xs), 50);
}
