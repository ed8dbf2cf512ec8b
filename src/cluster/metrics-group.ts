/**
 * One group's figures in the metrics document (the whole run, a stage, an instance, a pool, a
 * role or a model): request counts, latency samples, token sums and KV figures, added record by
 * record and step by step, summarised as a MetricsBlock.
 */
import type { RequestRecord, RequestStatus } from './record.js';
import { DurationHistogram, GROUP_EXACT_SAMPLES, LatencySamples } from './duration-histogram.js';
import { round, type DistributionSummary } from './summary.js';
import { MS_PER_US, usToS } from '../kernel/units.js';

export interface RequestCounts {
  injected: number;
  completed: number;
  rejected: number;
  timed_out: number;
  dropped: number;
  unfinished: number;
}

export interface MetricsBlock {
  requests: RequestCounts;
  ttft_ms: DistributionSummary;
  tpot_ms: DistributionSummary;
  itl_ms: DistributionSummary;
  e2e_ms: DistributionSummary;
  queue_ms: DistributionSummary;
  throughput: { requests_per_s: number; input_tokens_per_s: number; output_tokens_per_s: number };
  /** prefix_hit_rate is null when no prompt was scheduled (nothing to hit or miss); cpu_hit_rate: share of scheduled prompt tokens loaded from the CPU KV tier (null likewise). */
  kv: { prefix_hit_rate: number | null; cpu_hit_rate: number | null; preemptions: number; peak_utilization: number };
  /** Rejection / drop / timeout counts by reason code. */
  reasons?: Record<string, number>;
}

/**
 * Accumulates one group's samples (the whole run, a stage or an instance). `exactSamples`: how
 * many latencies each metric keeps exact before folding them into a histogram (LatencySamples).
 */
export class Group {
  readonly counts: RequestCounts = { injected: 0, completed: 0, rejected: 0, timed_out: 0, dropped: 0, unfinished: 0 };
  readonly ttft: LatencySamples;
  readonly tpot: LatencySamples;
  readonly e2e: LatencySamples;
  readonly queue: LatencySamples;
  readonly itl = new DurationHistogram();
  readonly reasons = new Map<string, number>();
  inputTokens = 0;
  cachedTokens = 0;
  cpuCachedTokens = 0;
  promptTokensScheduled = 0;
  outputTokens = 0;
  preemptions = 0;
  peakKvUtilization = 0;
  firstArrivalUs = Infinity;
  lastFinishUs = 0;

  constructor(readonly exactSamples = GROUP_EXACT_SAMPLES) {
    this.ttft = new LatencySamples(exactSamples);
    this.tpot = new LatencySamples(exactSamples);
    this.e2e = new LatencySamples(exactSamples);
    this.queue = new LatencySamples(exactSamples);
  }

  add(r: RequestRecord): void {
    this.counts.injected++;
    this.counts[statusKey(r.status)]++;
    if (r.reason !== undefined && r.status !== 'completed') this.reasons.set(r.reason, (this.reasons.get(r.reason) ?? 0) + 1);
    this.preemptions += r.preemptions;
    if (r.arrivalUs < this.firstArrivalUs) this.firstArrivalUs = r.arrivalUs;
    if (r.firstScheduledUs >= 0) {
      this.promptTokensScheduled += r.inputTokens;
      this.cachedTokens += r.cachedTokens;
      this.cpuCachedTokens += r.cpuCachedTokens ?? 0;
    }
    if (r.enqueuedUs >= 0 && r.firstScheduledUs >= 0) this.queue.push(r.firstScheduledUs - r.arrivalUs);
    if (r.status !== 'completed') return;
    this.inputTokens += r.inputTokens;
    this.outputTokens += r.producedTokens;
    if (r.finishedUs > this.lastFinishUs) this.lastFinishUs = r.finishedUs;
    this.ttft.push(r.firstTokenUs - r.arrivalUs);
    this.e2e.push(r.finishedUs - r.arrivalUs);
    if (r.producedTokens >= 2) this.tpot.push((r.finishedUs - r.firstTokenUs) / (r.producedTokens - 1));
  }

  addStep(durationUs: number, tokens: number): void {
    if (tokens <= 0) return;
    this.itl.add(durationUs, tokens);
  }

  block(windowUs: number): MetricsBlock {
    const ms = MS_PER_US;
    const seconds = windowUs > 0 ? usToS(windowUs) : 0;
    const rate = (x: number): number => (seconds > 0 ? round(x / seconds) : 0);
    const out: MetricsBlock = {
      requests: { ...this.counts },
      ttft_ms: this.ttft.summary(ms),
      tpot_ms: this.tpot.summary(ms),
      itl_ms: this.itl.summary(ms),
      e2e_ms: this.e2e.summary(ms),
      queue_ms: this.queue.summary(ms),
      throughput: {
        requests_per_s: rate(this.counts.completed),
        input_tokens_per_s: rate(this.inputTokens),
        output_tokens_per_s: rate(this.outputTokens),
      },
      kv: {
        prefix_hit_rate: this.promptTokensScheduled > 0 ? round(this.cachedTokens / this.promptTokensScheduled) : null,
        cpu_hit_rate: this.promptTokensScheduled > 0 ? round(this.cpuCachedTokens / this.promptTokensScheduled) : null,
        preemptions: this.preemptions,
        peak_utilization: round(this.peakKvUtilization),
      },
    };
    if (this.reasons.size > 0) out.reasons = Object.fromEntries([...this.reasons.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    return out;
  }

  windowUs(): number {
    return this.lastFinishUs > this.firstArrivalUs ? this.lastFinishUs - this.firstArrivalUs : 0;
  }

  /** A group holding the same samples and sums. */
  clone(): Group {
    const g = new Group(this.exactSamples);
    Object.assign(g.counts, this.counts);
    for (const [reason, n] of this.reasons) g.reasons.set(reason, n);
    g.ttft.copyFrom(this.ttft);
    g.tpot.copyFrom(this.tpot);
    g.e2e.copyFrom(this.e2e);
    g.queue.copyFrom(this.queue);
    g.itl.copyFrom(this.itl);
    g.inputTokens = this.inputTokens;
    g.cachedTokens = this.cachedTokens;
    g.cpuCachedTokens = this.cpuCachedTokens;
    g.promptTokensScheduled = this.promptTokensScheduled;
    g.outputTokens = this.outputTokens;
    g.preemptions = this.preemptions;
    g.peakKvUtilization = this.peakKvUtilization;
    g.firstArrivalUs = this.firstArrivalUs;
    g.lastFinishUs = this.lastFinishUs;
    return g;
  }
}

function statusKey(s: RequestStatus): keyof RequestCounts {
  return s;
}
