/**
 * What an instance shows the router, the metrics and the tests (waiting and running counts, KV
 * use, prefix and CPU-tier counters, whether a step is in flight), read from the scheduler and
 * the engine loop's flags. Instance extends this class and owns the loop that sets the flags.
 */
import type { InstanceConfig } from './config.js';
import type { EngineRequest } from './engine-request.js';
import { PdHooks } from './pd-hooks.js';
import type { Lockstep } from './lockstep.js';

export abstract class InstanceGauges extends PdHooks {
  abstract readonly config: InstanceConfig;
  /** The data-parallel MoE group whose ranks step together (lockstep.ts), or null: this engine steps alone. */
  lockstep: Lockstep | null = null;
  /** A StepStart is pending. */
  protected startPending = false;
  /** A load-poll timer is pending. */
  protected pollPending = false;
  /** Enqueued requests still inside their pre-schedule overhead. */
  protected admitting = 0;
  /** The step just committed: the gaps (µs) before tokens of requests resumed after a preemption, which its duration does not measure (StepListener). */
  readonly stallGapsUs: number[] = [];

  /** `r` samples a token at `nowUs`, its first since it stalled: vLLM's inter-token latency is the time since the request's last token (v1/metrics/stats.py IterationStats), the recompute included. */
  protected noteStalledToken(r: EngineRequest, nowUs: number): void {
    this.stallGapsUs.push(nowUs - r.stalledSinceUs);
    r.stalledSinceUs = -1;
  }

  get waitingCount(): number {
    // Requests loading from the CPU tier are in the waiting queue, as in vLLM's num_requests_waiting.
    return this.scheduler.waiting.length + this.admitting;
  }
  get runningCount(): number {
    return this.scheduler.running.length;
  }
  get kvUsedBlocks(): number {
    return this.scheduler.pool.numUsed;
  }
  /** Blocks the scheduler can use (vLLM's num_gpu_blocks − 1). */
  get kvTotalBlocks(): number {
    return this.scheduler.pool.totalBlocks;
  }
  get preemptions(): number {
    return this.scheduler.preemptionsTotal;
  }
  /** Prompt tokens at first scheduling, summed over requests (prefix hit rate denominator). */
  get promptTokensScheduled(): number {
    return this.scheduler.promptTokensScheduled;
  }
  /** Of those, tokens served from the GPU prefix cache. */
  get cachedTokensScheduled(): number {
    return this.scheduler.cachedTokensScheduled;
  }
  get kvFreeBlocks(): number {
    return this.scheduler.pool.numFree;
  }
  /** CPU tier: tokens loaded instead of recomputed, loads, and bytes moved over PCIe each way. */
  get cpuHitTokens(): number {
    return this.scheduler.cpuHitTokens;
  }
  get cpuLoads(): number {
    return this.scheduler.cpuLoads;
  }
  get cpuLoadBytes(): number {
    return Math.round(this.scheduler.cpuHitTokens / this.config.blockSize) * (this.config.cpuTier?.bytesPerBlock ?? 0);
  }
  get cpuStoreBytes(): number {
    return (this.scheduler.cpu?.stores ?? 0) * (this.config.cpuTier?.bytesPerBlock ?? 0);
  }
  /**
   * Leading full prompt blocks of `req` present in this instance's KV cache right now (a request
   * not yet here, as a router asks; a generated request already here counts its own blocks only
   * once it has been preempted: EngineRequest.deferPrivate).
   */
  cachedPrefixBlocks(req: EngineRequest): number {
    this.scheduler.readKey(req);
    return this.scheduler.pool.lookup(req.seqBlockHashes, req.promptBlocks, null, req.idKey, req.sharedBlocks);
  }
  /** A step is in flight or about to start (work conservation: true whenever work is schedulable). */
  get stepScheduled(): boolean {
    return this.busy || this.startPending;
  }
  /** A timer waits for a CPU-tier load to land while no step runs. */
  get loadPollPending(): boolean {
    return this.pollPending;
  }
  /**
   * True when no request is queued, loading (it waits in the queue), running or held here for a
   * transfer still to come (held blocks the decode side has read only wait for a step's report).
   */
  get idle(): boolean {
    return !this.busy && this.waitingCount === 0 && this.runningCount === 0 && this.heldCount === this.sent.length;
  }
}
