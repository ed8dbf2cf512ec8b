/**
 * Distribution summaries for the metrics JSON: mean and percentiles by linear interpolation
 * over sorted samples (DESIGN §4), optionally weighted (ITL: one sample per step, weighted by
 * the number of tokens that step emitted).
 */

export interface DistributionSummary {
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly min: number;
  readonly max: number;
}

export const EMPTY_SUMMARY: DistributionSummary = Object.freeze({ mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, min: 0, max: 0 });

/** Percentile q in [0, 1] of ascending `sorted` (first n entries), linear interpolation between ranks. */
export function percentileSorted(sorted: ArrayLike<number>, q: number, n = sorted.length): number {
  if (n === 0) return 0;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const frac = pos - lo;
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * frac;
}

/** Summarises `n` samples (sorts a copy), scaled by `scale` (e.g. 1e-3 for µs → ms). */
export function summarize(samples: ArrayLike<number>, n = samples.length, scale = 1): DistributionSummary {
  if (n === 0) return EMPTY_SUMMARY;
  const a = Float64Array.from({ length: n }, (_, i) => samples[i]!);
  a.sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i]!;
  return {
    mean: round((sum / n) * scale),
    p50: round(percentileSorted(a, 0.5) * scale),
    p90: round(percentileSorted(a, 0.9) * scale),
    p95: round(percentileSorted(a, 0.95) * scale),
    p99: round(percentileSorted(a, 0.99) * scale),
    min: round(a[0]! * scale),
    max: round(a[n - 1]! * scale),
  };
}

/**
 * Weighted summary: sample i has weight w[i] (a positive integer count). Percentiles treat the
 * data as if each value were repeated w[i] times, with the same linear interpolation.
 * Values that are non-negative integers below 2^36 with weights below 2^16 (step durations in µs
 * and tokens per step) are packed into one double and sorted natively, without a comparator.
 */
export function summarizeWeighted(values: ArrayLike<number>, weights: ArrayLike<number>, n: number, scale = 1): DistributionSummary {
  let total = 0;
  let packable = true;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    const w = weights[i]!;
    total += w;
    if (!(Number.isInteger(v) && v >= 0 && v < 2 ** 36 && Number.isInteger(w) && w >= 0 && w < 65536)) packable = false;
  }
  if (total === 0) return EMPTY_SUMMARY;
  const sortedValues = new Float64Array(n);
  const sortedWeights = new Float64Array(n);
  if (packable) {
    const packed = new Float64Array(n);
    for (let i = 0; i < n; i++) packed[i] = values[i]! * 65536 + weights[i]!;
    packed.sort();
    for (let k = 0; k < n; k++) {
      const w = packed[k]! % 65536;
      sortedWeights[k] = w;
      sortedValues[k] = (packed[k]! - w) / 65536;
    }
  } else {
    const order = Uint32Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => values[a]! - values[b]!);
    for (let k = 0; k < n; k++) {
      sortedValues[k] = values[order[k]!]!;
      sortedWeights[k] = weights[order[k]!]!;
    }
  }
  const cum = new Float64Array(n);
  let acc = 0;
  let sum = 0;
  let first = -1;
  let last = -1;
  for (let k = 0; k < n; k++) {
    acc += sortedWeights[k]!;
    cum[k] = acc;
    sum += sortedValues[k]! * sortedWeights[k]!;
    if (sortedWeights[k]! > 0) {
      if (first < 0) first = k;
      last = k;
    }
  }
  const at = (rank: number): number => {
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! > rank) hi = mid;
      else lo = mid + 1;
    }
    return sortedValues[lo]!;
  };
  const pct = (q: number): number => {
    const pos = q * (total - 1);
    const lo = Math.floor(pos);
    const frac = pos - lo;
    const a = at(lo);
    const b = at(Math.min(total - 1, lo + 1));
    return a + (b - a) * frac;
  };
  return {
    mean: round((sum / total) * scale),
    p50: round(pct(0.5) * scale),
    p90: round(pct(0.9) * scale),
    p95: round(pct(0.95) * scale),
    p99: round(pct(0.99) * scale),
    min: round(sortedValues[first]! * scale),
    max: round(sortedValues[last]! * scale),
  };
}

/** Rounds to 6 significant decimals so JSON output is stable and readable. */
export function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** A growable Float64Array for samples (amortised O(1) push, no per-push allocation). */
export class SampleBuffer {
  private data = new Float64Array(1024);
  length = 0;

  push(x: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = x;
  }

  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}
