/**
 * Batch formation for one step, after vLLM 0.15 v1/core/sched/scheduler.py `schedule()`:
 * 1. running requests in order: a request gets numTokens + pendingTokens − computedTokens new
 *    tokens (1 for a decode, the rest of the prompt for a prefill), capped by
 *    long_prefill_token_threshold and the budget; a request whose last token is already being
 *    sampled by a step in flight is skipped (async scheduling); when its blocks cannot be
 *    allocated, preempt (fcfs: the last running request; priority: the highest (priority,
 *    arrival)) and retry;
 * 2. only if nothing was preempted: waiting requests in queue order while the token budget and
 *    max_num_seqs allow, with a prefix-cache lookup (GPU, then the CPU tier) when a request has no
 *    blocks yet; the first request whose blocks cannot be allocated stops admission. A CPU-tier
 *    hit allocates blocks and leaves the request loading at its queue place (no work this step);
 *    a loading request, or one whose CPU hit another request is loading, is passed over
 *    (cpu-load-manager.ts).
 * computedTokens advances when a request is scheduled, as vLLM's _update_after_schedule does, so
 * the next step can be scheduled before this one ends. Full blocks of known tokens are
 * registered in the prefix cache at allocation, as allocate_slots does; the CPU tier's store
 * pass closes the formation (KvCacheManager.flushStores, vLLM's build_connector_meta).
 * The blocks themselves (lookups, allocation, caching, freeing) are kv-cache-manager.ts's, which
 * this class extends as vLLM's Scheduler holds a KVCacheManager.
 */
import { emptyList } from '../kernel/arrays.js';
import type { InstanceConfig } from './config.js';
import { DecodeRun } from './decode-run.js';
import { EngineRequest, RequestState, removeFrom } from './engine-request.js';
import { CpuLoadManager } from './cpu-load-manager.js';
import type { StepBatch } from './step-batch.js';
import { FcfsQueue, PriorityQueue, type WaitingQueue } from './waiting-queue.js';

export class Scheduler extends CpuLoadManager {
  readonly waiting: WaitingQueue;
  /** Running requests in scheduling order (vLLM's self.running). */
  readonly running: EngineRequest[] = [];
  /** Requests a commit set Finished that are still in `running` (finished.ts drops them). */
  readonly justFinished: EngineRequest[] = [];
  /** Scratch: waiting requests the loop passed over (loading, or their CPU hit being loaded by another). */
  private readonly skipped: EngineRequest[] = [];
  /** Event leaping over decode-only stretches; null when off (`leap: false`) or the model cannot cost a batch from aggregates. */
  readonly run: DecodeRun | null;
  preemptionsTotal = 0;
  /** P/D prefill side: prefill-only requests done, their blocks held until a step reports the decode side's read (pd-hooks.ts). */
  heldForTransfer = 0;
  /** Sum over first schedulings of prompt tokens and of those served from the GPU prefix cache. */
  promptTokensScheduled = 0;
  cachedTokensScheduled = 0;
  /** max_num_batched_tokens: the token budget of one step. */
  readonly budgetTokens: number;
  private readonly maxNumSeqs: number;
  private readonly threshold: number;
  /** vLLM --enable-chunked-prefill (InstanceConfig.enableChunkedPrefill). */
  private readonly chunkedPrefill: boolean;
  private readonly priorityPolicy: boolean;

  constructor(cfg: InstanceConfig) {
    super(cfg);
    this.priorityPolicy = cfg.scheduler === 'priority';
    this.waiting = this.priorityPolicy ? new PriorityQueue() : new FcfsQueue();
    this.budgetTokens = cfg.maxNumBatchedTokens;
    this.maxNumSeqs = cfg.maxNumSeqs;
    this.threshold = cfg.longPrefillTokenThreshold;
    this.chunkedPrefill = cfg.enableChunkedPrefill;
    const m = cfg.stepTime;
    const aggregate = m.decode !== undefined && (m.split === undefined || m.decode.decodeCostUs !== undefined);
    // A decode run's block calendars know one table per request: sliding-window groups are stepped.
    this.run = cfg.leap && aggregate && this.hybrid === null ? new DecodeRun(this, cfg, m.decode!) : null;
  }

  /** Forms the next batch into `out` (already cleared); returns whether anything was preempted. */
  schedule(nowUs: number, out: StepBatch): boolean {
    const running = this.running;
    const pool = this.pool;
    let budget = this.budgetTokens;
    let preempted = false;

    let i = 0;
    while (i < running.length && budget > 0) {
      const r = running[i]!;
      // vLLM: "Async scheduling: Avoid scheduling an extra step when we are sure that the
      // previous step has reached request.max_tokens" (its last token is being sampled).
      if (r.outputDone + r.pendingTokens >= lastToken(r)) {
        i++;
        continue;
      }
      let numNew = r.numTokens + r.pendingTokens - r.computedTokens;
      if (this.threshold > 0 && numNew > this.threshold) numNew = this.threshold;
      if (numNew > budget) numNew = budget;
      // vLLM's allocate_slots first frees what left a sliding window (remove_skipped_blocks).
      if (this.hybrid !== null) this.hybrid.removeSkipped(r);
      const need = this.blocksFor(r.computedTokens + numNew) - r.numBlocks;
      let selfPreempted = false;
      while (need * this.lanes > pool.numFree) {
        const v = this.pickVictim();
        // From the end: the fcfs victim is the last entry.
        const vi = running.lastIndexOf(v);
        const slot = out.slotOf(v);
        if (slot >= 0) {
          // Its token from this formation is not in flight: only the step already launched keeps a placeholder.
          if (out.sampled[slot] === 1) v.pendingTokens--;
          budget += out.removeSlot(slot);
        }
        running.splice(vi, 1);
        this.preempt(v, nowUs);
        preempted = true;
        if (v === r) {
          selfPreempted = true;
          break;
        }
        // vLLM steps req_index back only for a victim already scheduled in this step
        // (`if preempted_req in scheduled_running_reqs`); a victim before the request that was
        // skipped (its last token in flight) is not, so the request after this one waits a step.
        if (slot >= 0) i--;
      }
      // vLLM: when the request itself was the victim, no running request after it is scheduled.
      if (selfPreempted) break;
      this.allocateBlocks(r, need);
      this.addToBatch(out, r, numNew);
      budget -= numNew;
      i++;
    }

    out.admittedFrom = out.size;
    if (preempted) return true;
    this.admitWaiting(nowUs, out, budget);
    return false;
  }

  /**
   * The second half of `schedule()`: waiting requests in queue order join `out` (appended) while
   * the token `budget` and max_num_seqs allow. A decode run calls it after forming its decodes,
   * the first half's work when every running request gets one token.
   */
  admitWaiting(nowUs: number, out: StepBatch, budget: number): void {
    const running = this.running;
    const pool = this.pool;
    const waiting = this.waiting;
    const bs = this.blockSize;
    const skipped = this.skipped;
    while (waiting.length > 0 && budget > 0 && running.length < this.maxNumSeqs) {
      const r = waiting.peek()!;
      // A promoted request's GPU hits were claimed when its load started (its first blocks).
      let gpuCached = -1;
      if (r.state === RequestState.LoadingKv) {
        // vLLM keeps a request loading from the CPU tier at its queue place (WAITING_FOR_REMOTE_KVS):
        // passed over until its load is reported, then promoted where it stands and scheduled.
        if (!r.loadReported) {
          skipped.push(waiting.pop()!);
          continue;
        }
        this.promoteLoaded(r);
        gpuCached = r.loadFromBlock * bs;
      }
      if (r.remotePrefill) {
        // P/D decode side: like a CPU-tier load it takes no budget or seat and waits at its queue
        // place; blocks short stop the loop.
        if (!this.allocateRemote(r, out.seq)) break;
        skipped.push(waiting.pop()!);
        continue;
      }
      let hits = 0;
      let cpuHits = 0;
      let computed = r.computedTokens;
      let evictableHits = 0;
      if (r.numBlocks === 0 && this.prefixCaching) {
        // vLLM never serves the whole prompt from the GPU cache: the last token is always recomputed.
        hits = this.lookupHits(r, Math.floor((r.numTokens - 1) / bs));
        evictableHits = this.hitsFree;
        computed = hits * bs;
        if (this.cpu !== null) {
          // The connector matches whole blocks of known tokens past the GPU hits (offloading_connector get_num_new_matched_tokens).
          const known = Math.min(r.numHashBlocks, Math.floor(r.numTokens / bs));
          this.cpu.touch(r.seqBlockHashes, known);
          cpuHits = this.cpu.lookup(r.seqBlockHashes, hits, known - hits);
        }
      }
      if (cpuHits > 0) {
        // A block of the hit that another request is loading: the connector answers "not yet"
        // (None) and the request is passed over this time (get_num_new_matched_tokens).
        if (this.loads.anyBeingLoaded(r.seqBlockHashes, hits, cpuHits)) {
          skipped.push(waiting.pop()!);
          continue;
        }
        // vLLM: a request whose KV loads asynchronously gets blocks for the hit and loaded tokens
        // only (num_new_tokens = 0), waits as WAITING_FOR_REMOTE_KVS at its queue place, and takes no budget or seat.
        if (cpuHits + evictableHits > pool.numFree) break;
        skipped.push(waiting.pop()!);
        this.claimHits(r, hits);
        this.allocateBlocks(r, cpuHits);
        this.startLoad(r, hits, cpuHits, nowUs, out.seq);
        continue;
      }
      let numNew = r.numTokens - computed;
      if (this.threshold > 0 && numNew > this.threshold) numNew = this.threshold;
      // Without chunked prefill a prompt goes whole or waits, and so does everyone behind it.
      if (!this.chunkedPrefill && numNew > budget) break;
      if (numNew > budget) numNew = budget;
      const need = this.blocksFor(computed + numNew) - r.numBlocks - hits;
      if (need * this.lanes + evictableHits > pool.numFree) break;
      waiting.pop();
      if (hits > 0) this.claimHits(r, hits);
      // vLLM's num_cached_tokens is set when a request is first scheduled (loaded tokens count apart).
      if (gpuCached >= 0) this.noteFirstLookup(r, gpuCached, computed - gpuCached);
      else this.noteFirstLookup(r, computed, 0);
      r.state = RequestState.Running;
      r.admittedSeq = out.seq;
      running.push(r);
      this.allocateBlocks(r, need);
      this.addToBatch(out, r, numNew);
      budget -= numNew;
    }
    // Passed-over requests go back to the queue's front in their order (prepend_requests).
    for (let k = skipped.length - 1; k >= 0; k--) waiting.pushPreempted(skipped[k]!);
    emptyList(skipped);
  }

  /**
   * Decode fast path: when the previous batch was one-token decodes only, every running request is in it
   * (same order), nothing waits, `schedule()` would give each request one more token
   * unless a request has its last token in flight or a block allocation fails. This forms that
   * batch from `prev` into `out` (they may be the same object) and returns true, or returns false
   * (nothing changed) so the caller runs `schedule()`.
   */
  extendDecodeBatch(prev: StepBatch, out: StepBatch, seq: number): boolean {
    if (!this.decodeExtendable(prev)) return false;
    const size = prev.size;
    const reqs = prev.reqs;
    const bs = this.blockSize;
    // Same requests, one token each, every slot sampling; epochs are unchanged (no schedule ran since).
    if (out !== prev) out.copyDecodeSlots(prev, size);
    out.size = size;
    out.totalNewTokens = size;
    out.numPrefill = 0;
    out.admittedFrom = size;
    out.seq = seq;
    out.leapF = 0;
    out.leapCommit = false;
    out.decodePrefix = 0;
    const ctx = out.contextTokens;
    for (let k = 0; k < size; k++) {
      const r = reqs[k]!;
      const c = r.computedTokens;
      ctx[k] = c;
      if (c + 1 > r.numBlocks * bs) r.blocks[r.numBlocks++] = this.pool.allocate();
      r.computedTokens = c + 1;
      r.pendingTokens++;
      // A block became full of known tokens: register it (cacheFullBlocks' work, only when it can have any).
      if (r.numHashedBlocks * bs + bs <= (c + 1 < r.numTokens ? c + 1 : r.numTokens)) this.cacheFullBlocks(r, c + 1);
    }
    return true;
  }

  /**
   * `prev` holds every running request as a one-token decode and `schedule()` would give each one
   * more token (nothing waits, no last token is in flight, the pool has the boundary blocks).
   */
  decodeExtendable(prev: StepBatch): boolean {
    const size = prev.size;
    // Every slot a one-token decode (a slot computing several tokens is a prefill or a recomputation).
    // Loads in flight do not matter: with nothing waiting, schedule() would form the same batch.
    if (size === 0 || prev.numPrefill !== 0 || prev.totalNewTokens !== size || size !== this.running.length || this.waiting.length !== 0) return false;
    // Sliding-window groups free and grow tables on their own phases: schedule() does their work.
    if (this.hybrid !== null) return false;
    const reqs = prev.reqs;
    const bs = this.blockSize;
    let need = 0;
    for (let k = 0; k < size; k++) {
      const r = reqs[k]!;
      if (r.outputDone + r.pendingTokens >= lastToken(r)) return false;
      if (r.computedTokens + 1 > r.numBlocks * bs) need++;
    }
    return need <= this.pool.numFree;
  }

  /**
   * An abort reaches a request loading its KV: it leaves the waiting queue. True when its blocks can
   * be freed now (its load was reported, or it is a P/D transfer); a CPU-tier load's wait for the
   * report (the OffloadingConnector's request_finished delays the free: the load is still writing
   * them; kv-loads.ts).
   */
  abortLoading(r: EngineRequest): boolean {
    this.waiting.remove(r);
    if (r.loadReported) return true;
    if (r.remoteBlocks > 0) {
      // A P/D transfer: NixlConnector's request_finished does not delay the free (the request's
      // do_remote_prefill was cleared at allocation), so its blocks go now, read in flight or not.
      removeFrom(this.remoteStarts, r);
      removeFrom(this.loading, r);
      r.loadDoneUs = -1;
      return true;
    }
    this.loads.abort(r);
    return false;
  }

  /**
   * Frees the blocks of requests that hold some without running (CPU loads in flight, loaded
   * and waiting); they recompute or reload when admitted again. True if any were freed.
   */
  reclaimParked(): boolean {
    let any = false;
    this.waiting.forEach((r) => {
      if (r.numBlocks === 0) return;
      // A load still in flight is dropped with its pins; a reported one is released like any parked request.
      if (r.state === RequestState.LoadingKv && !r.loadReported) this.loads.end(r, this.cpu!);
      this.releaseToWait(r);
      r.computedTokens = 0;
      r.loadDoneUs = -1;
      r.loadReported = false;
      r.state = RequestState.Waiting;
      any = true;
    });
    emptyList(this.loading);
    return any;
  }

  /**
   * A running request that sampled its last token leaves: vLLM's AsyncScheduler caches its blocks
   * up to num_computed − placeholders when the token arrives (_update_request_with_output), then
   * frees them, so the block its final step filled is cached too (a formation registers only the
   * tokens known then, one short of that in the asynchronous loop). Freeing waits for the
   * formation `carrySeq` when it had CPU store jobs (`leave`); nothing is offered to the CPU tier
   * here (vLLM's connector stores only what it sees scheduled, build_connector_meta).
   */
  retireFinished(r: EngineRequest, carrySeq: number): void {
    this.registerFullBlocks(r, r.computedTokens - r.pendingTokens);
    this.leave(r, carrySeq);
  }

  /** A preempted request whose last token was in flight finishes from the waiting queue (update_from_output's stopped_preempted_reqs); its blocks are already free. */
  finishWaiting(r: EngineRequest): void {
    this.waiting.remove(r);
    this.retire(r);
    r.state = RequestState.Finished;
  }

  protected override syncCounters(): void {
    this.run?.syncRequests();
  }

  /** The request's first scheduling: prompt tokens it found on the GPU and loaded from the CPU tier (vLLM's num_cached_tokens is their sum). */
  protected noteFirstLookup(r: EngineRequest, gpuCachedTokens: number, cpuCachedTokens: number): void {
    if (r.cachedTokens >= 0) return;
    r.cachedTokens = gpuCachedTokens;
    r.cpuCachedTokens = cpuCachedTokens;
    this.cachedTokensScheduled += gpuCachedTokens;
    this.promptTokensScheduled += r.inputTokens;
  }

  /** Schedules numNew tokens of r in `out`: computed advances now, the step samples when it reaches every known token. */
  private addToBatch(out: StepBatch, r: EngineRequest, numNew: number): void {
    const context = r.computedTokens;
    const computed = context + numNew;
    const samples = computed === r.numTokens + r.pendingTokens;
    out.add(r, context, numNew, r.inPrefill, samples);
    r.computedTokens = computed;
    if (samples) {
      r.pendingTokens++;
      r.inPrefill = false;
    }
    this.cacheFullBlocks(r, computed);
  }

  /** fcfs: the newest running request; priority: the largest (priority, arrival). */
  private pickVictim(): EngineRequest {
    const running = this.running;
    let v = running[running.length - 1]!;
    if (!this.priorityPolicy) return v;
    for (let k = running.length - 2; k >= 0; k--) {
      const c = running[k]!;
      if (c.priority > v.priority || (c.priority === v.priority && c.seq > v.seq)) v = c;
    }
    return v;
  }

  /**
   * Recompute preemption: free the blocks, forget computed tokens, requeue with the output so far
   * as prompt. A token the step in flight samples for it is kept (asynchronous loop): vLLM's
   * `_preempt_request` leaves `num_output_placeholders`, and update_from_output appends that
   * token to the preempted request (v1/core/sched/async_scheduler.py skips only caching its
   * blocks); the instance commits it. A P/D prefill-only request's first token would need the
   * blocks it just lost for its transfer, so it is sampled again.
   */
  private preempt(r: EngineRequest, nowUs: number): void {
    this.releaseToWait(r, true);
    r.computedTokens = 0;
    if (r.prefillOnly) r.pendingTokens = 0;
    r.epoch++;
    r.inPrefill = true;
    r.preemptions++;
    if (r.outputDone > 0 && r.stalledSinceUs < 0 && r.pendingTokens === 0) r.stalledSinceUs = nowUs; // else the token in flight sets it
    this.preemptionsTotal++;
    r.state = RequestState.Waiting;
    if (r.preemptionTimesUs !== null) r.preemptionTimesUs.push(nowUs); // detail arrays exist only with detail recording
    this.waiting.pushPreempted(r);
  }
}

/** The output count at which a request is done (a P/D prefill-only request stops after its first token). */
function lastToken(r: EngineRequest): number {
  return r.prefillOnly ? 1 : r.outputTokens;
}
