/**
 * Batch formation for one step, after vLLM 0.15 v1/core/sched/scheduler.py `schedule()`:
 * 1. running requests in order: a decode takes 1 token, an unfinished prefill a chunk
 *    min(remaining, budget, long_prefill_token_threshold); when its blocks cannot be allocated,
 *    preempt (fcfs: the last running request; priority: the highest (priority, arrival)) and retry;
 * 2. only if nothing was preempted: waiting requests in queue order while the token budget and
 *    max_num_seqs allow, with a prefix-cache lookup when a request has no blocks yet; the first
 *    request whose blocks cannot be allocated stops admission (no preemption for waiting ones).
 * Blocks are registered in the prefix cache at allocation, as vLLM's allocate_slots does.
 */
import type { BatchShape } from '../model/step-time.js';
import type { InstanceConfig } from './config.js';
import { EngineRequest, RequestState } from './engine-request.js';
import { KvBlockPool } from './kv-cache.js';
import { FcfsQueue, PriorityQueue, type WaitingQueue } from './waiting-queue.js';

export class Scheduler {
  readonly pool: KvBlockPool;
  readonly waiting: WaitingQueue;
  /** Running requests in scheduling order (vLLM's self.running). */
  readonly running: EngineRequest[] = [];
  /** The batch of the step in flight; arrays reused across steps. */
  readonly batch: BatchShape;
  /** Request in each batch slot. */
  readonly batchReqs: EngineRequest[];
  preemptionsTotal = 0;
  /** Sum over first schedulings of prompt tokens and of those served from the prefix cache. */
  promptTokensScheduled = 0;
  cachedTokensScheduled = 0;

  private readonly blockSize: number;
  private readonly budgetTokens: number;
  private readonly maxNumSeqs: number;
  private readonly threshold: number;
  private readonly prefixCaching: boolean;
  private readonly priorityPolicy: boolean;
  private readonly recordPreemptions: boolean;
  private hitBuf = new Int32Array(64);

  constructor(cfg: InstanceConfig) {
    this.pool = new KvBlockPool(cfg.totalKvBlocks);
    this.priorityPolicy = cfg.scheduler === 'priority';
    this.waiting = this.priorityPolicy ? new PriorityQueue() : new FcfsQueue();
    this.blockSize = cfg.blockSize;
    this.budgetTokens = cfg.maxNumBatchedTokens;
    this.maxNumSeqs = cfg.maxNumSeqs;
    this.threshold = cfg.longPrefillTokenThreshold;
    this.prefixCaching = cfg.enablePrefixCaching;
    this.recordPreemptions = cfg.detail.enabled;
    const n = cfg.maxNumSeqs;
    this.batch = {
      size: 0,
      newTokens: new Int32Array(n),
      contextTokens: new Int32Array(n),
      isPrefill: new Uint8Array(n),
      totalNewTokens: 0,
      numPrefill: 0,
    };
    this.batchReqs = new Array<EngineRequest>(n);
  }

  /** Blocks needed to hold `tokens` tokens. */
  blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.blockSize);
  }

  /** Forms the next batch into `this.batch`; returns whether anything was preempted. */
  schedule(nowUs: number): boolean {
    const batch = this.batch;
    const running = this.running;
    const pool = this.pool;
    batch.size = 0;
    batch.totalNewTokens = 0;
    batch.numPrefill = 0;
    let budget = this.budgetTokens;
    let preempted = false;

    let i = 0;
    while (i < running.length && budget > 0) {
      const r = running[i]!;
      let numNew = r.numTokens - r.computedTokens;
      if (this.threshold > 0 && numNew > this.threshold) numNew = this.threshold;
      if (numNew > budget) numNew = budget;
      const need = this.blocksFor(r.computedTokens + numNew) - r.numBlocks;
      let selfPreempted = false;
      while (need > pool.numFree) {
        const v = this.pickVictim();
        const vi = running[running.length - 1] === v ? running.length - 1 : running.indexOf(v);
        const slot = this.batchSlotOf(v);
        if (slot >= 0) budget += this.removeFromBatch(slot);
        running.splice(vi, 1);
        this.preempt(v, nowUs);
        preempted = true;
        if (v === r) {
          selfPreempted = true;
          break;
        }
        if (vi < i) i--;
      }
      // vLLM: when the request itself was the victim, no running request after it is scheduled.
      if (selfPreempted) break;
      this.allocate(r, need, numNew);
      this.addToBatch(r, numNew);
      budget -= numNew;
      i++;
    }

    if (preempted) return true;
    const waiting = this.waiting;
    const bs = this.blockSize;
    while (waiting.length > 0 && budget > 0 && running.length < this.maxNumSeqs) {
      const r = waiting.peek()!;
      let hits = 0;
      let computed = r.computedTokens;
      if (r.numBlocks === 0 && this.prefixCaching && r.blockHashes.length > 0) {
        // vLLM never serves the whole prompt from cache: the last token is always recomputed.
        const maxHits = Math.floor((r.numTokens - 1) / bs);
        if (this.hitBuf.length < r.blockHashes.length) this.hitBuf = new Int32Array(r.blockHashes.length * 2);
        hits = pool.lookup(r.blockHashes, maxHits, this.hitBuf);
        computed = hits * bs;
      }
      let numNew = r.numTokens - computed;
      if (this.threshold > 0 && numNew > this.threshold) numNew = this.threshold;
      if (numNew > budget) numNew = budget;
      const need = this.blocksFor(computed + numNew) - r.numBlocks - hits;
      const evictableHits = hits > 0 ? pool.countFreeAmong(this.hitBuf, hits) : 0;
      if (need + evictableHits > pool.numFree) break;
      waiting.pop();
      if (hits > 0) {
        for (let k = 0; k < hits; k++) {
          const b = this.hitBuf[k]!;
          pool.touch(b);
          r.blocks[k] = b;
        }
        r.numBlocks = hits;
        r.numHashedBlocks = hits;
        r.computedTokens = computed;
      }
      if (r.cachedTokens < 0) {
        r.cachedTokens = computed;
        this.cachedTokensScheduled += computed;
        this.promptTokensScheduled += r.inputTokens;
      }
      if (r.firstScheduledUs < 0) r.firstScheduledUs = nowUs;
      r.state = RequestState.Running;
      running.push(r);
      this.allocate(r, need, numNew);
      this.addToBatch(r, numNew);
      budget -= numNew;
    }
    return false;
  }

  /**
   * Decode fast path: after a decode-only step in which nothing finished and nothing waits,
   * `schedule()` would rebuild the same batch (every running request, in order, one token each)
   * unless a block allocation fails. This re-forms it in place when every needed block is
   * free, and returns false (caller runs `schedule()`) otherwise.
   */
  extendDecodeBatch(): boolean {
    const b = this.batch;
    const reqs = this.batchReqs;
    const bs = this.blockSize;
    const size = b.size;
    let need = 0;
    for (let k = 0; k < size; k++) {
      const r = reqs[k]!;
      if (r.computedTokens + 1 > r.numBlocks * bs) need++;
    }
    if (need > this.pool.numFree) return false;
    for (let k = 0; k < size; k++) {
      const r = reqs[k]!;
      if (r.computedTokens + 1 > r.numBlocks * bs) r.blocks[r.numBlocks++] = this.pool.allocate();
      b.contextTokens[k] = r.computedTokens;
    }
    return true;
  }

  /** Frees a request's blocks, last block first (vLLM frees in reverse so tails are evicted first). */
  releaseBlocks(r: EngineRequest): void {
    for (let k = r.numBlocks - 1; k >= 0; k--) this.pool.release(r.blocks[k]!);
    r.numBlocks = 0;
    r.numHashedBlocks = 0;
  }

  /** Allocates `n` fresh blocks for `r` (caller checked capacity); false if the pool ran out. */
  allocateBlocks(r: EngineRequest, n: number): boolean {
    if (n > this.pool.numFree) return false;
    for (let k = 0; k < n; k++) r.blocks[r.numBlocks++] = this.pool.allocate();
    return true;
  }

  /** Registers the request's full prompt blocks up to `tokens` in the prefix cache. */
  cacheFullBlocks(r: EngineRequest, tokens: number): void {
    let full = Math.floor(tokens / this.blockSize);
    if (full > r.blockHashes.length) full = r.blockHashes.length;
    if (!this.prefixCaching) return;
    for (let k = r.numHashedBlocks; k < full; k++) this.pool.cache(r.blocks[k]!, r.blockHashes[k]!);
    if (full > r.numHashedBlocks) r.numHashedBlocks = full;
  }

  private allocate(r: EngineRequest, need: number, numNew: number): void {
    if (need > 0) this.allocateBlocks(r, need);
    this.cacheFullBlocks(r, r.computedTokens + numNew);
  }

  private addToBatch(r: EngineRequest, numNew: number): void {
    const batch = this.batch;
    const k = batch.size++;
    this.batchReqs[k] = r;
    batch.newTokens[k] = numNew;
    batch.contextTokens[k] = r.computedTokens;
    const p = r.inPrefill ? 1 : 0;
    batch.isPrefill[k] = p;
    batch.numPrefill += p;
    batch.totalNewTokens += numNew;
  }

  private batchSlotOf(r: EngineRequest): number {
    for (let k = 0; k < this.batch.size; k++) if (this.batchReqs[k] === r) return k;
    return -1;
  }

  /** Removes batch slot k (shifting the rest); returns its tokens to the budget. */
  private removeFromBatch(k: number): number {
    const b = this.batch;
    const tokens = b.newTokens[k]!;
    b.totalNewTokens -= tokens;
    b.numPrefill -= b.isPrefill[k]!;
    for (let j = k + 1; j < b.size; j++) {
      this.batchReqs[j - 1] = this.batchReqs[j]!;
      b.newTokens[j - 1] = b.newTokens[j]!;
      b.contextTokens[j - 1] = b.contextTokens[j]!;
      b.isPrefill[j - 1] = b.isPrefill[j]!;
    }
    b.size--;
    return tokens;
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

  /** Recompute preemption: free the blocks, forget computed tokens, requeue (output kept as prompt). */
  private preempt(r: EngineRequest, nowUs: number): void {
    this.releaseBlocks(r);
    r.computedTokens = 0;
    r.inPrefill = true;
    r.preemptions++;
    this.preemptionsTotal++;
    r.state = RequestState.Waiting;
    if (this.recordPreemptions && r.preemptionTimesUs !== null) r.preemptionTimesUs.push(nowUs);
    this.waiting.pushPreempted(r);
  }
}
