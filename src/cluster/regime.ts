/**
 * The regime of a run, from signs measured while it ran (the metrics JSON's `regime` block):
 *
 * - queue-wait growth: the least-squares slope of each request's queue wait (arrival to first
 *   scheduled) against its arrival time. A served system has a stationary wait (slope ≈ 0);
 *   past capacity the waiting queue grows by λ − μ requests a second and each arrival waits
 *   (1 − μ/λ) s longer per second of the run (Little's law), so the slope is the excess load.
 * - queue wait in steps: the mean queue wait over the mean step duration. A request that gets
 *   into the first step it can waits for the running one to end, half a step on average,
 *   somewhat more because long steps catch more arrivals (size-biased), plus the scheduling
 *   lag (with async scheduling the next step is formed before the running one ends: one more
 *   step). Most of a step beyond that, some requests miss the step that should take them
 *   (token budget, max_num_seqs or KV blocks turn them away): the knee.
 * - prefill/decode disaggregation, where the prefill's queue wait stays short while a decode pool
 *   or the KV-transfer link past capacity makes TTFTs grow without bound (reported only when
 *   requests were disaggregated):
 *   - hand-off growth: the same slope for the wait from a prefill's answer to its decode
 *     instance starting the pull (the decode scheduler's waiting loop, first come first served);
 *   - link load: the transfers' time alone on the link (bytes / bandwidth) against the time their
 *     bytes took to drain (the base latency, added after the drain and never shared, left out of
 *     both), 1 − Σalone / Σtaken. The link is shared by processor sharing
 *     (kv-transfer.ts), where a transfer takes its time alone / (1 − ρ) on average at load ρ
 *     (M/G/1-PS; Kleinrock, Queueing Systems vol. 2, 1976, §4.4), so the share lost to sharing
 *     estimates ρ, and past capacity it tends to 1 as the backlog grows. A slope would not show
 *     that: under sharing, an overloaded link finishes its flows together, so the earliest wait
 *     the longest.
 * - lost share: requests rejected, timed out or unfinished, but not those no load could serve:
 *   dropped for their shape (longer than max_model_len or the whole KV cache, no tokens) or
 *   naming a model the fleet lacks (a trace of zero-token rows is not an overloaded server).
 * - utilisation: the share of instance time spent in engine steps. Reported, not decisive: a
 *   continuously batching engine steps whenever it holds any request, long before the knee.
 * - waiting share: the share of step time that ended with requests waiting (grows with the
 *   arrival rate times the step time even when every request gets into the next step).
 * - time at the limits: step time with the batch at `max_num_seqs`, or with the KV cache
 *   nearly full while requests wait (vLLM's scheduler stops admitting there), and preemptions.
 *
 * Overloaded: the queue or the hand-off grows (slope ≥ 1%: a hundredth of the offered load is
 * left waiting; the queue's slope only once its fitted wait grew by four mean steps), the link's load is 0.99 or more (transfers take 100 times their time alone), or
 * at least 1% of requests are lost. Near the knee: not overloaded, but the queue or the hand-off
 * creeps (slope ≥ 0.1%), the link's load is 0.8 or more (five times), requests wait 0.8 steps or more beyond the scheduling lag, a batch limit binds a fifth of the step time,
 * or one request in a hundred is preempted. Stable otherwise. docs/capacity.md shows the signs
 * over a rate sweep.
 */
import type { RequestCounts } from './metrics.js';
import type { RequestRecord } from './record.js';
import { round } from './summary.js';
import { US_PER_S, sToMs, usToMs, usToS } from '../kernel/units.js';

export const REGIMES = ['stable', 'near-knee', 'overloaded'] as const;
export type Regime = (typeof REGIMES)[number];

export const REGIME_THRESHOLDS = Object.freeze({
  /** Queue-wait slope (s of extra wait per s of arrivals) at which the queue is growing. */
  overloadSlope: 0.01,
  /** Share of requests lost at which the run is overloaded whatever the queue does. */
  overloadLostShare: 0.01,
  /** A creeping queue: the slope is no longer noise. */
  kneeSlope: 0.001,
  /**
   * Mean steps the fitted queue wait must grow by over the run's arrivals before its slope counts.
   * The first arrival into an idle engine waits for nothing; the next ones wait for the running
   * step, the scheduling lag's step and the prefills of the arrivals just before them, so a short
   * run's waits rise by a few steps whatever the load (five requests read "overloaded").
   */
  minGrowthSteps: 4,
  /**
   * Mean queue wait, in mean steps beyond the scheduling lag, at which requests start missing
   * the step that should take them (the lag: one step with async scheduling, none without).
   */
  kneeWaitSteps: 0.8,
  /** A batch limit (max_num_seqs or KV) binds this share of step time. */
  kneeLimitShare: 0.2,
  /** Preemptions per request. */
  kneePreemptions: 0.01,
  /** KV utilisation counted as "at the KV limit" while requests wait. */
  kvLimitUtilization: 0.95,
  /** KV-transfer link load (share of transfer time lost to sharing) past which the link is overloaded. */
  overloadLinkLoad: 0.99,
  /** ... and near its knee. */
  kneeLinkLoad: 0.8,
});

export interface RegimeBlock {
  state: Regime;
  /** The signs that decided it, in words (empty when stable). */
  reasons: string[];
  signs: {
    queue_wait_slope: number;
    queue_wait_start_ms: number;
    queue_wait_end_ms: number;
    /** Mean queue wait in mean step durations: about one while a request only waits for the next step to start. */
    queue_wait_steps: number;
    lost_share: number;
    utilization: number;
    waiting_share: number;
    max_num_seqs_share: number;
    kv_limit_share: number;
    preemptions_per_request: number;
    /** Growth of the wait from a prefill's answer to its decode starting the pull (s per s of arrivals); only with disaggregated requests. */
    handoff_wait_slope?: number;
    /** 1 − Σ drain time alone / Σ drain time taken (base latency excluded): the KV-transfer link's load under processor sharing; only with disaggregated requests. */
    transfer_link_load?: number;
  };
}

/** The KV-transfer link (cluster/kv-transfer.ts): a transfer alone drains in bytes / bytesPerS and lands latencyUs later. */
export interface RegimeLink {
  readonly bytesPerS: number;
  readonly latencyUs: number;
}

/** A running least-squares line of y on x (means and co-moments, Welford). */
class Trend {
  n = 0;
  meanX = 0;
  meanY = 0;
  private cXY = 0;
  private m2X = 0;
  minX = Infinity;
  maxX = -Infinity;

  add(x: number, y: number): void {
    this.n++;
    const dx = x - this.meanX;
    this.meanX += dx / this.n;
    this.meanY += (y - this.meanY) / this.n;
    this.cXY += dx * (y - this.meanY);
    this.m2X += dx * (x - this.meanX);
    if (x < this.minX) this.minX = x;
    if (x > this.maxX) this.maxX = x;
  }

  get slope(): number {
    return this.n >= 2 && this.m2X > 0 ? this.cXY / this.m2X : 0;
  }
}

export class RegimeMonitor {
  /**
   * `schedulingLagSteps`: steps between a request's arrival at an idle-enough engine and the step
   * that can take it, beyond the running one. vLLM's async scheduling (≥ 0.14 default) forms step
   * N+1 while step N runs, so an arrival waits out the running step and the one already formed: 1.
   */
  constructor(private readonly schedulingLagSteps = 0, private readonly link?: RegimeLink) {}

  /** Queue wait (s) on arrival (s). */
  private readonly wait = new Trend();
  /** Wait from a prefill's answer to its decode starting the pull (s) on arrival (s), disaggregated requests only. */
  private readonly handoff = new Trend();
  /** Landed transfers' µs alone on the link, and µs taken. */
  private transferAloneUs = 0;
  private transferTakenUs = 0;
  private preemptions = 0;
  private steps = 0;
  private stepUs = 0;
  private waitingUs = 0;
  private seqsLimitUs = 0;
  private kvLimitUs = 0;
  /** Requests refused for what they are, not for the load (see the lost share above). */
  private unservable = 0;

  addRecord(r: RequestRecord): void {
    this.preemptions += r.preemptions;
    if (r.status === 'dropped' || (r.status === 'rejected' && r.reason === 'unknown-model')) this.unservable++;
    if (r.firstScheduledUs < 0) return;
    const x = usToS(r.arrivalUs);
    this.wait.add(x, usToS(r.firstScheduledUs - r.arrivalUs));
    const d = r.disagg;
    if (d === undefined) return;
    if (d.prefillDoneUs >= 0 && d.transferStartUs >= 0) this.handoff.add(x, usToS(d.transferStartUs - d.prefillDoneUs));
    if (this.link !== undefined && d.transferEndUs >= 0) {
      // The shared part only: a flow lands the base latency after its bytes drain (kv-transfer.ts),
      // unshared, so counting it on both sides would read a latency-bound link as lightly loaded.
      this.transferAloneUs += (d.transferBytes / this.link.bytesPerS) * US_PER_S;
      this.transferTakenUs += Math.max(0, d.transferEndUs - d.transferStartUs - this.link.latencyUs);
    }
  }

  /** One engine step, with the instance's queue and batch as it ended. */
  addStep(durationUs: number, waiting: number, running: number, maxNumSeqs: number, kvUtilization: number): void {
    this.steps++;
    this.stepUs += durationUs;
    if (waiting > 0) this.waitingUs += durationUs;
    if (running >= maxNumSeqs) this.seqsLimitUs += durationUs;
    if (waiting > 0 && kvUtilization >= REGIME_THRESHOLDS.kvLimitUtilization) this.kvLimitUs += durationUs;
  }

  /**
   * `instanceUs`: instance time available (Σ over instances of the time each existed).
   * `compiles`: first-use fused-MoE kernel compiles and the µs steps waited for them (a fresh
   * server, model/moe-jit.ts): they lengthen queue waits as load would, so a regime that is not
   * stable names them last among its reasons.
   */
  block(counts: RequestCounts, instanceUs: number, compiles: KernelCompiles = NO_COMPILES): RegimeBlock {
    const T = REGIME_THRESHOLDS;
    const w = this.wait;
    const slope = w.slope;
    const at = (x: number): number => (w.n === 0 ? 0 : sToMs(Math.max(0, w.meanY + slope * (x - w.meanX))));
    const share = (x: number, of: number): number => (of > 0 ? x / of : 0);
    const lost = counts.injected - counts.completed - this.unservable;
    const signs = {
      queue_wait_slope: round(slope),
      queue_wait_start_ms: round(at(w.minX)),
      queue_wait_end_ms: round(at(w.maxX)),
      queue_wait_steps: round(this.steps > 0 && w.n > 0 ? (w.meanY * US_PER_S) / (this.stepUs / this.steps) : 0),
      lost_share: round(share(lost, counts.injected)),
      utilization: round(Math.min(1, share(this.stepUs, instanceUs))),
      waiting_share: round(share(this.waitingUs, this.stepUs)),
      max_num_seqs_share: round(share(this.seqsLimitUs, this.stepUs)),
      kv_limit_share: round(share(this.kvLimitUs, this.stepUs)),
      preemptions_per_request: round(share(this.preemptions, counts.injected)),
      ...(this.handoff.n > 0 ? { handoff_wait_slope: round(this.handoff.slope) } : {}),
      ...(this.transferTakenUs > 0 ? { transfer_link_load: round(Math.max(0, 1 - this.transferAloneUs / this.transferTakenUs)) } : {}),
    };
    const handoffSlope = signs.handoff_wait_slope ?? 0;
    const handoffText = (verb: string): string => `the wait from a prefill's answer to its decode instance pulling the KV ${verb} ${handoffSlope.toFixed(3)} s per s of arrivals`;
    const linkLoad = signs.transfer_link_load ?? 0;
    const linkText = `KV transfers take ${linkLoad < 0.999 ? `${(1 / (1 - linkLoad)).toFixed(1)} times` : 'over 1000 times'} their time alone on the link (load ${linkLoad.toFixed(3)})`;
    const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
    const overload: string[] = [];
    // The queue's slope counts once its fitted growth is past a start-up's (minGrowthSteps).
    const meanStepMs = this.steps > 0 ? usToMs(this.stepUs / this.steps) : 0;
    const queueSlope = signs.queue_wait_end_ms - signs.queue_wait_start_ms >= T.minGrowthSteps * meanStepMs ? signs.queue_wait_slope : 0;
    if (queueSlope >= T.overloadSlope) overload.push(`queue wait grows ${signs.queue_wait_slope.toFixed(3)} s per s of arrivals (${signs.queue_wait_start_ms.toFixed(0)} → ${signs.queue_wait_end_ms.toFixed(0)} ms)`);
    if (handoffSlope >= T.overloadSlope) overload.push(handoffText('grows'));
    if (linkLoad >= T.overloadLinkLoad) overload.push(linkText);
    if (signs.lost_share >= T.overloadLostShare) overload.push(`${pct(signs.lost_share)} of requests not completed`);
    if (overload.length > 0) return { state: 'overloaded', reasons: withCompiles(overload, compiles), signs };
    const knee: string[] = [];
    if (queueSlope >= T.kneeSlope) knee.push(`queue wait creeps up ${signs.queue_wait_slope.toFixed(3)} s per s of arrivals`);
    if (handoffSlope >= T.kneeSlope) knee.push(handoffText('creeps up'));
    if (linkLoad >= T.kneeLinkLoad) knee.push(linkText);
    if (signs.queue_wait_steps >= this.schedulingLagSteps + T.kneeWaitSteps) {
      knee.push(`requests wait ${signs.queue_wait_steps.toFixed(2)} steps on average before their first${this.schedulingLagSteps > 0 ? ` (${this.schedulingLagSteps} of them the scheduling lag)` : ''}`);
    }
    if (signs.max_num_seqs_share >= T.kneeLimitShare) knee.push(`batch at max_num_seqs ${pct(signs.max_num_seqs_share)} of step time`);
    if (signs.kv_limit_share >= T.kneeLimitShare) knee.push(`KV cache full with requests waiting ${pct(signs.kv_limit_share)} of step time`);
    if (signs.preemptions_per_request >= T.kneePreemptions) knee.push(`${this.preemptions} preemptions (${signs.preemptions_per_request.toFixed(3)} per request)`);
    return { state: knee.length > 0 ? 'near-knee' : 'stable', reasons: knee.length > 0 ? withCompiles(knee, compiles) : knee, signs };
  }
}

/** First-use kernel compiles over a run's instances (Instance.kernelCompiles summed). */
export interface KernelCompiles {
  readonly count: number;
  readonly stalledUs: number;
}

const NO_COMPILES: KernelCompiles = Object.freeze({ count: 0, stalledUs: 0 });

function withCompiles(reasons: string[], c: KernelCompiles): string[] {
  if (c.count > 0) reasons.push(`${c.count} first-use fused-MoE kernel compile${c.count === 1 ? '' : 's'} stalled steps for ${round(usToS(c.stalledUs))} s (a fresh server; --warm-kernel-cache for one whose Triton cache is filled)`);
  return reasons;
}
