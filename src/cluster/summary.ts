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

/** The percentiles a summary reports, in its field order (p50, p90, p95, p99). */
const QUANTILES = [0.5, 0.9, 0.95, 0.99] as const;

/** Exact statistics of the first `n` samples (of a copy: whole numbers by counting or selection, others sorted), scaled by `scale` (e.g. MS_PER_US). */
export function statistics(samples: ArrayLike<number>, n = samples.length, scale = 1): DistributionSummary {
  if (n === 0) return EMPTY_SUMMARY;
  let integers = true;
  let lo = Infinity;
  let hi = -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = samples[i]!;
    if (!Number.isInteger(v)) {
      integers = false;
      break;
    }
    sum += v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  let a: Float64Array;
  if (integers && hi - lo <= COUNTING_SPAN * n) {
    // Whole µs over a span of a few times the sample count (TTFT, queue times): the ranks the
    // percentiles read come from one counting pass, written where a sorted copy has them.
    a = new Float64Array(n);
    countRanks(samples, n, lo, hi, a);
  } else {
    a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = samples[i]!;
    if (integers) {
      // Whole µs over a wide span (E2E): the sum is exact in any order, and the statistics need
      // only the ranks the percentiles read, each put in place by selection instead of a full sort.
      selectRanks(a, n, lo, hi);
    } else {
      sortAscending(a);
      // Summed in ascending order, as the statistics have always been (fractional values: the order rounds).
      sum = 0;
      for (let i = 0; i < n; i++) sum += a[i]!;
    }
  }
  // The percentiles read exactly the ranks selectRanks and countRanks put in place (one list, QUANTILES).
  const [p50, p90, p95, p99] = QUANTILES.map((q) => percentileSorted(a, q) * scale) as [number, number, number, number];
  return {
    count: n,
    mean: (sum / n) * scale,
    p50,
    p90,
    p95,
    p99,
    min: a[0]! * scale,
    max: a[n - 1]! * scale,
  };
}

/** Whole-number samples whose span is at most this many times their count are ranked by counting. */
const COUNTING_SPAN = 4;

/** `statistics` rounded for the metrics JSON (6 decimals: stable and readable). */
export function summarize(samples: ArrayLike<number>, n = samples.length, scale = 1): DistributionSummary {
  const s = statistics(samples, n, scale);
  if (s.count === 0) return s;
  return { count: s.count, mean: round(s.mean!), p50: round(s.p50!), p90: round(s.p90!), p95: round(s.p95!), p99: round(s.p99!), min: round(s.min!), max: round(s.max!) };
}

/** The order statistics summarize reads (min, max, each percentile's two ranks), ascending. */
function readRanks(n: number): number[] {
  const ranks = [0];
  for (const q of QUANTILES) {
    const lo = Math.floor(q * (n - 1));
    ranks.push(lo, Math.min(n - 1, lo + 1));
  }
  ranks.push(n - 1);
  return ranks.sort((x, y) => x - y);
}

/** Writes into `out` at each rank summarize reads the value a sorted copy has there: whole numbers in [lo, hi], counted once. */
function countRanks(samples: ArrayLike<number>, n: number, lo: number, hi: number, out: Float64Array): void {
  const counts = new Int32Array(hi - lo + 1);
  for (let i = 0; i < n; i++) counts[samples[i]! - lo]!++;
  const ranks = readRanks(n);
  let r = 0;
  let below = 0;
  for (let v = 0; v < counts.length && r < ranks.length; v++) {
    below += counts[v]!;
    while (r < ranks.length && ranks[r]! < below) out[ranks[r++]!] = lo + v;
  }
}

/**
 * Puts the order statistics summarize reads at their sorted positions. The least and the greatest
 * (`lo`, `hi`) are known from the pass that found them and written last; a rank just past the
 * one before it is the least of what lies beyond that one, found by a scan.
 */
function selectRanks(a: Float64Array, n: number, lo: number, hi: number): void {
  const ranks = readRanks(n);
  let from = 0;
  for (const k of ranks) {
    if (k < from || k === 0 || k === n - 1) continue;
    if (k === from && from > 0) leastTo(a, from, n - 1);
    else select(a, from, n - 1, k);
    from = k + 1;
  }
  a[0] = lo;
  a[n - 1] = hi;
}

/** Swaps the least of a[from..to] into a[from]. */
function leastTo(a: Float64Array, from: number, to: number): void {
  let at = from;
  for (let i = from + 1; i <= to; i++) if (a[i]! < a[at]!) at = i;
  swap(a, from, at);
}

/** Quickselect (Hoare partition, median-of-three pivot): a[k] becomes the value of rank k in a[lo..hi], smaller ones left of it, larger right. */
function select(a: Float64Array, lo: number, hi: number, k: number): void {
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three as the pivot.
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/** Whether typed arrays store a double's low 32 bits first (every platform Node runs on; checked, not assumed). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Fewer samples than this are sorted by the builtin (the radix sort's counters cost more than it saves). */
const RADIX_MIN = 4096;
/** The radix sort's digits: six of 11 bits (the last of each 32-bit half 10 bits). */
const DIGIT_BITS = 11;
const DIGIT_VALUES = 1 << DIGIT_BITS;
const DIGIT_MASK = DIGIT_VALUES - 1;

/**
 * Sorts `a` ascending into the order Float64Array.prototype.sort gives. Doubles whose sign bits
 * are all clear (non-negative, +∞, NaN) order as their IEEE-754 bit patterns read as unsigned
 * integers, so a least-significant-digit radix sort over six digits of the bits (skipping a digit
 * every sample shares) gives that order; the builtin took four to five times as long on the seed
 * hour's 180,000 TPOT samples. Any sign bit set (a negative value, −0) leaves it to the builtin.
 */
export function sortAscending(a: Float64Array): void {
  const n = a.length;
  if (!LITTLE_ENDIAN || n < RADIX_MIN) {
    a.sort();
    return;
  }
  const words = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  // Every digit's counts in one pass: digit d of half h (0 low, 1 high) at (3h + d) · DIGIT_VALUES.
  const counts = new Int32Array(6 * DIGIT_VALUES);
  for (let i = 0; i < n; i++) {
    const low = words[2 * i]!;
    const high = words[2 * i + 1]!;
    if (high >>> 31 !== 0) {
      a.sort();
      return;
    }
    counts[low & DIGIT_MASK]!++;
    counts[DIGIT_VALUES + ((low >>> DIGIT_BITS) & DIGIT_MASK)]!++;
    counts[2 * DIGIT_VALUES + (low >>> (2 * DIGIT_BITS))]!++;
    counts[3 * DIGIT_VALUES + (high & DIGIT_MASK)]!++;
    counts[4 * DIGIT_VALUES + ((high >>> DIGIT_BITS) & DIGIT_MASK)]!++;
    counts[5 * DIGIT_VALUES + (high >>> (2 * DIGIT_BITS))]!++;
  }
  const spare = new Float64Array(n);
  const spareWords = new Uint32Array(spare.buffer, 0, 2 * n);
  let src: Float64Array = a;
  let srcWords: Uint32Array = words;
  let dst: Float64Array = spare;
  let dstWords: Uint32Array = spareWords;
  for (let d = 0; d < 6; d++) {
    const base = d * DIGIT_VALUES;
    const half = d < 3 ? 0 : 1;
    const shift = (d % 3) * DIGIT_BITS;
    // Counts become each digit value's first position; a digit every sample shares moves nothing.
    let at = 0;
    let shared = false;
    for (let v = 0; v < DIGIT_VALUES; v++) {
      const c = counts[base + v]!;
      if (c === n) {
        shared = true;
        break;
      }
      counts[base + v] = at;
      at += c;
    }
    if (shared) continue;
    for (let i = 0; i < n; i++) dst[counts[base + ((srcWords[2 * i + half]! >>> shift) & DIGIT_MASK)]!++] = src[i]!;
    const t = src;
    src = dst;
    dst = t;
    const tw = srcWords;
    srcWords = dstWords;
    dstWords = tw;
  }
  if (src !== a) a.set(src);
}

/** Rounds to 6 significant decimals so JSON output is stable and readable. */
export function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
