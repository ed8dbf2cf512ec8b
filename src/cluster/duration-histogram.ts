/**
 * A weighted histogram of durations in µs: O(1) per sample, memory independent of run length.
 * Used for inter-token latencies (step durations weighted by the tokens they emitted) and for
 * per-request latencies once a run outgrows exact samples (see LatencySamples). Durations below 16,384 µs get one bin per microsecond (exact:
 * step durations are integer µs); above, bins grow geometrically by 0.05%, so a percentile there
 * is within 0.05% of the sorted-sample value. The mean is exact.
 */
import { EMPTY_SUMMARY, percentileSorted, round, summarize, type DistributionSummary } from './summary.js';

const LINEAR_US = 16_384;
/** The percentiles a summary reports, ascending (p50, p90, p95, p99). */
const SUMMARY_QUANTILES = [0.5, 0.9, 0.95, 0.99] as const;
const GROWTH = Math.log1p(0.0005);

function binOf(us: number): number {
  if (us < LINEAR_US) return us < 0 ? 0 : Math.floor(us);
  return LINEAR_US + Math.floor(Math.log(us / LINEAR_US) / GROWTH);
}

function lowerEdge(bin: number): number {
  return bin < LINEAR_US ? bin : LINEAR_US * Math.exp((bin - LINEAR_US) * GROWTH);
}

export class DurationHistogram {
  private counts = new Float64Array(LINEAR_US + 1024);
  private total = 0;
  private sum = 0;
  private minUs = Infinity;
  private maxUs = -Infinity;

  /** `tokens` tokens each waited `durationUs` since their predecessor. */
  add(durationUs: number, tokens: number): void {
    if (tokens <= 0) return;
    const b = binOf(durationUs);
    if (b >= this.counts.length) {
      const next = new Float64Array(Math.max(b + 1, this.counts.length * 2));
      next.set(this.counts);
      this.counts = next;
    }
    this.counts[b]! += tokens;
    this.total += tokens;
    this.sum += durationUs * tokens;
    if (durationUs < this.minUs) this.minUs = durationUs;
    if (durationUs > this.maxUs) this.maxUs = durationUs;
  }

  /**
   * Adds every sample of `other`. For integer durations and token counts (ITL: steps last whole
   * µs) the counts and sums are integers below 2^53, so this equals adding the samples one by one.
   */
  addAll(other: DurationHistogram): void {
    if (other.total === 0) return;
    if (other.counts.length > this.counts.length) {
      const next = new Float64Array(other.counts.length);
      next.set(this.counts);
      this.counts = next;
    }
    const c = this.counts;
    const o = other.counts;
    for (let b = 0; b < o.length; b++) if (o[b] !== 0) c[b]! += o[b]!;
    this.total += other.total;
    this.sum += other.sum;
    if (other.minUs < this.minUs) this.minUs = other.minUs;
    if (other.maxUs > this.maxUs) this.maxUs = other.maxUs;
  }

  get count(): number {
    return this.total;
  }

  /** Becomes a copy of `other` (the same samples). */
  copyFrom(other: DurationHistogram): void {
    this.counts = other.counts.slice();
    this.total = other.total;
    this.sum = other.sum;
    this.minUs = other.minUs;
    this.maxUs = other.maxUs;
  }

  /** Value at 0-based rank in the expanded (token-weighted) sample. */
  private valueAtRank(rank: number): number {
    let acc = 0;
    for (let b = 0; b < this.counts.length; b++) {
      acc += this.counts[b]!;
      if (acc > rank) return Math.min(this.maxUs, Math.max(this.minUs, lowerEdge(b)));
    }
    return this.maxUs;
  }

  /** Quantile q in [0, 1] by linear interpolation between ranks (NaN when empty). */
  quantile(q: number): number {
    if (this.total === 0) return NaN;
    const pos = q * (this.total - 1);
    const lo = Math.floor(pos);
    const a = this.valueAtRank(lo);
    const b = this.valueAtRank(Math.min(this.total - 1, lo + 1));
    return a + (b - a) * (pos - lo);
  }

  summary(scale = 1): DistributionSummary {
    if (this.total === 0) return EMPTY_SUMMARY;
    const [p50, p90, p95, p99] = this.quantiles(SUMMARY_QUANTILES);
    return {
      count: this.total,
      mean: round((this.sum / this.total) * scale),
      p50: round(p50! * scale),
      p90: round(p90! * scale),
      p95: round(p95! * scale),
      p99: round(p99! * scale),
      min: round(this.minUs * scale),
      max: round(this.maxUs * scale),
    };
  }

  /**
   * `quantile` of each of the ascending `qs` (total > 0), with the ranks they read found in one
   * pass over the bins instead of two per quantile: the same running sums, so the same values.
   */
  private quantiles(qs: readonly number[]): number[] {
    const ranks: number[] = [];
    for (const q of qs) {
      const lo = Math.floor(q * (this.total - 1));
      ranks.push(lo, Math.min(this.total - 1, lo + 1));
    }
    // Visited in ascending rank (two quantiles may share a rank pair, so the list itself need not be sorted).
    const order = ranks.map((_, i) => i).sort((x, y) => ranks[x]! - ranks[y]!);
    const values = ranks.map(() => this.maxUs);
    let r = 0;
    let acc = 0;
    for (let b = 0; b < this.counts.length && r < order.length; b++) {
      acc += this.counts[b]!;
      while (r < order.length && acc > ranks[order[r]!]!) values[order[r++]!] = Math.min(this.maxUs, Math.max(this.minUs, lowerEdge(b)));
    }
    return qs.map((q, i) => {
      const pos = q * (this.total - 1);
      const a = values[2 * i]!;
      return a + (values[2 * i + 1]! - a) * (pos - Math.floor(pos));
    });
  }
}

/** Samples a whole-run group keeps exact (every group of a one-hour 8-instance seed run stays exact). */
export const GROUP_EXACT_SAMPLES = 250_000;

/**
 * Per-request latency samples: exact (sorted-sample percentiles) up to `exactCap` samples, then
 * folded into a DurationHistogram (created then: most groups never need one) so a
 * 10-million-request replay runs in bounded memory.
 */
export class LatencySamples {
  private exact: Float64Array | null = new Float64Array(1024);
  private n = 0;
  private hist: DurationHistogram | null = null;

  constructor(private readonly exactCap = GROUP_EXACT_SAMPLES) {}

  get length(): number {
    return this.exact !== null ? this.n : this.hist!.count;
  }

  /** Becomes a copy of `other` (the same samples, in the same order). */
  copyFrom(other: LatencySamples): void {
    this.exact = other.exact !== null ? other.exact.slice() : null;
    this.n = other.n;
    if (other.hist === null) this.hist = null;
    else (this.hist ??= new DurationHistogram()).copyFrom(other.hist);
  }

  push(us: number): void {
    if (this.exact === null) {
      this.hist!.add(us, 1);
      return;
    }
    if (this.n === this.exact.length) {
      if (this.n >= this.exactCap) {
        const hist = (this.hist = new DurationHistogram());
        for (let i = 0; i < this.n; i++) hist.add(this.exact[i]!, 1);
        this.exact = null;
        hist.add(us, 1);
        return;
      }
      const next = new Float64Array(Math.min(this.exactCap, this.exact.length * 2));
      next.set(this.exact);
      this.exact = next;
    }
    this.exact[this.n++] = us;
  }

  summary(scale: number): DistributionSummary {
    return this.exact !== null ? summarize(this.exact, this.n, scale) : this.hist!.summary(scale);
  }

  /** Quantile q in [0, 1] of the samples, as `summary` computes its percentiles (NaN when empty). */
  quantile(q: number): number {
    if (this.exact === null) return this.hist!.quantile(q);
    if (this.n === 0) return NaN;
    const a = this.exact.slice(0, this.n).sort();
    return percentileSorted(a, q);
  }
}
