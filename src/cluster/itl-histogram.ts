/**
 * Inter-token latencies as a token-weighted histogram of step durations: O(1) per step, memory
 * independent of run length. Durations below 16,384 µs get one bin per microsecond (exact:
 * step durations are integer µs); above, bins grow geometrically by 0.05%, so a percentile there
 * is within 0.05% of the sorted-sample value. The mean is exact.
 */
import { EMPTY_SUMMARY, round, type DistributionSummary } from './summary.js';

const LINEAR_US = 16_384;
const GROWTH = Math.log1p(0.0005);

function binOf(us: number): number {
  if (us < LINEAR_US) return us < 0 ? 0 : Math.floor(us);
  return LINEAR_US + Math.floor(Math.log(us / LINEAR_US) / GROWTH);
}

function lowerEdge(bin: number): number {
  return bin < LINEAR_US ? bin : LINEAR_US * Math.exp((bin - LINEAR_US) * GROWTH);
}

export class ItlHistogram {
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

  get count(): number {
    return this.total;
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

  summary(scale = 1): DistributionSummary {
    if (this.total === 0) return EMPTY_SUMMARY;
    const pct = (q: number): number => {
      const pos = q * (this.total - 1);
      const lo = Math.floor(pos);
      const a = this.valueAtRank(lo);
      const b = this.valueAtRank(Math.min(this.total - 1, lo + 1));
      return a + (b - a) * (pos - lo);
    };
    return {
      mean: round((this.sum / this.total) * scale),
      p50: round(pct(0.5) * scale),
      p90: round(pct(0.9) * scale),
      p95: round(pct(0.95) * scale),
      p99: round(pct(0.99) * scale),
      min: round(this.minUs * scale),
      max: round(this.maxUs * scale),
    };
  }
}
