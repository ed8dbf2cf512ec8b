/**
 * One vLLM V1 instance on the shared clock. A step is two events: StepStart forms the batch
 * (Scheduler) and asks the step-time model for its duration; StepEnd, at start + duration,
 * commits progress: prefill chunks advance, a request whose known tokens are all computed
 * samples one token (its first token = TTFT), requests reaching their output length finish and
 * release their blocks (full blocks stay cached). The next step starts at once while there is
 * work (work conservation), after same-instant dispatches so they can join it.
 *
 * Per-request overheads (RequestOverheads): preScheduleUs delays entry into the waiting queue;
 * firstTokenUs shifts every emitted token time; token k (1-based) is reported at
 * stepEnd + firstTokenUs + (k − 1)·perOutputTokenUs (a streaming pipeline that lags steadily).
 */
import { EventPriority, type EventHandler, type SimEvent } from '../kernel/events.js';
import type { Simulator } from '../kernel/sim.js';
import { BacklogTracker } from './backlog.js';
import { dropReason, type InstanceConfig } from './config.js';
import { EngineRequest, RequestState, type DropReason } from './engine-request.js';
import type { KvPoolSink } from './kv-cache.js';
import { Scheduler } from './scheduler.js';
import type { InstanceListener, InstanceView, KvEventListener, StepListener } from './instance-listener.js';

export type { InstanceListener, InstanceView, KvEventListener, StepListener } from './instance-listener.js';

const EV_STEP_END = 0;
const EV_STEP_START = 1;
const EV_ADMIT = 2;

/** What may follow a committed step. */
const NEXT_NONE = 0;
const NEXT_SCHEDULE = 1;
/** Decode-only batch, nothing finished, nothing waiting: the same batch again (decode fast path). */
const NEXT_SAME_DECODES = 2;

export class Instance implements EventHandler, InstanceView, KvPoolSink {
  readonly id: number;
  readonly config: InstanceConfig;
  readonly scheduler: Scheduler;
  private readonly sim: Simulator;
  private readonly listener: InstanceListener;
  private stepListener: StepListener | null = null;
  private kvListener: KvEventListener | null = null;

  /** A step is in flight (StepEnd pending). */
  private busy = false;
  /** A StepStart is pending. */
  private startPending = false;
  private stepStartUs = 0;
  private stepEndUs = 0;
  private nextSeq = 0;
  /** Enqueued requests still inside their pre-schedule overhead. */
  private admitting = 0;
  /** Prefix-hit blocks found for a P/D reservation (reused). */
  private hitScratch = new Int32Array(64);

  enqueuedCount = 0;
  finishedCount = 0;
  droppedCount = 0;
  abortedCount = 0;
  heldCount = 0;
  reservedCount = 0;
  steps = 0;
  /** Steps committed inline, without a StepEnd event. */
  inlineSteps = 0;
  busyUs = 0;
  peakKvUsedBlocks = 0;
  /** Standing-queue slowdown state; null when the step-time model has none. */
  private readonly backlog: BacklogTracker | null;

  constructor(sim: Simulator, config: InstanceConfig, listener: InstanceListener) {
    this.sim = sim;
    this.config = config;
    this.id = config.id;
    this.listener = listener;
    this.scheduler = new Scheduler(config);
    const b = config.stepTime.backlog;
    this.backlog = b !== undefined && b.slowdown !== 0 ? new BacklogTracker(b) : null;
  }

  setStepListener(l: StepListener | null): void {
    this.stepListener = l;
  }

  setKvEventListener(l: KvEventListener | null): void {
    this.kvListener = l;
    this.scheduler.pool.sink = l === null ? null : this;
  }

  // ---- router view ----
  get waitingCount(): number {
    return this.scheduler.waiting.length + this.admitting;
  }
  get runningCount(): number {
    return this.scheduler.running.length;
  }
  get kvUsedBlocks(): number {
    return this.scheduler.pool.numUsed;
  }
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
  /** Of those, tokens served from the prefix cache. */
  get cachedTokensScheduled(): number {
    return this.scheduler.cachedTokensScheduled;
  }
  get kvFreeBlocks(): number {
    return this.scheduler.pool.numFree;
  }
  /** Leading blocks of `hashes` present in this instance's KV cache right now. */
  cachedPrefixBlocks(hashes: Float64Array): number {
    return this.scheduler.pool.lookup(hashes, hashes.length, null);
  }
  /** A step is in flight or about to start (work conservation: true whenever work is schedulable). */
  get stepScheduled(): boolean {
    return this.busy || this.startPending;
  }
  /** True when no request is queued, running, held or reserved here. */
  get idle(): boolean {
    return !this.busy && this.waitingCount === 0 && this.runningCount === 0 && this.heldCount === 0 && this.reservedCount === 0;
  }

  /** Accepts a request at the current time, or drops it (listener.onDropped) if it can never fit. */
  enqueue(req: EngineRequest): void {
    const now = this.sim.nowUs;
    if (req.state !== RequestState.New) throw new Error(`request ${req.src.id} enqueued twice`);
    req.enqueuedUs = now;
    this.enqueuedCount++;
    const reason = this.checkFits(req);
    if (reason !== null) {
      req.state = RequestState.Dropped;
      this.droppedCount++;
      this.listener.onDropped(req, reason, now);
      return;
    }
    this.prepare(req);
    const pre = this.config.overheads.preScheduleUs;
    if (pre > 0) {
      this.admitting++;
      this.sim.schedule(now + pre, EventPriority.Dispatch, this, EV_ADMIT, req);
    } else {
      this.admit(req);
    }
  }

  /** Prefill side of P/D: frees the KV blocks a finished prefillOnly request was holding. */
  releaseHeld(req: EngineRequest): void {
    if (req.state !== RequestState.Held) throw new Error(`request ${req.src.id} is not held`);
    this.scheduler.releaseBlocks(req);
    req.state = RequestState.Finished;
    this.heldCount--;
    this.kick();
  }

  /**
   * Decode side of P/D: allocates the prompt's blocks before its KV transfer, as vLLM's scheduler
   * does for a remote prefill (vLLM 0.15 v1/core/sched/scheduler.py: local prefix-cache hits
   * first, then `get_num_new_matched_tokens` asks the connector to load the rest asynchronously
   * into fresh blocks). Returns how many blocks the transfer must fill (the prompt's blocks
   * minus this instance's own cached prefix), or -1 (nothing allocated) when the request can
   * never fit or the blocks are not free now.
   */
  reserveForTransfer(req: EngineRequest): number {
    if (req.state !== RequestState.New || this.checkFits(req) !== null) return -1;
    const s = this.scheduler;
    const bs = this.config.blockSize;
    let hits = 0;
    if (this.config.enablePrefixCaching && req.blockHashes.length > 0) {
      if (this.hitScratch.length < req.blockHashes.length) this.hitScratch = new Int32Array(req.blockHashes.length * 2);
      hits = s.pool.lookup(req.blockHashes, Math.floor((req.inputTokens - 1) / bs), this.hitScratch);
    }
    const need = s.blocksFor(req.inputTokens) - hits;
    const evictableHits = hits > 0 ? s.pool.countFreeAmong(this.hitScratch, hits) : 0;
    if (need + evictableHits > s.pool.numFree) return -1;
    this.prepare(req);
    req.enqueuedUs = this.sim.nowUs;
    for (let k = 0; k < hits; k++) {
      const b = this.hitScratch[k]!;
      s.pool.touch(b);
      req.blocks[k] = b;
    }
    req.numBlocks = hits;
    req.numHashedBlocks = hits;
    req.cachedTokens = hits * bs;
    s.allocateBlocks(req, need);
    req.state = RequestState.Reserved;
    this.reservedCount++;
    return need;
  }

  /** Decode side of P/D: gives back a reservation whose transfer will not land (its blocks are freed). */
  cancelReservation(req: EngineRequest): void {
    if (req.state !== RequestState.Reserved) throw new Error(`request ${req.src.id} has no reservation`);
    this.scheduler.releaseBlocks(req);
    req.state = RequestState.Dropped;
    this.reservedCount--;
    this.kick();
  }

  /**
   * Decode side of P/D: the transfer landed. As in vLLM 0.15 `_update_waiting_for_remote_kv`,
   * the loaded blocks enter the prefix cache and the prompt counts as computed except its last
   * token, which this instance recomputes: its first step samples the first output token, the
   * one the client receives (the prefill instance's token is not returned).
   */
  startDecode(req: EngineRequest): void {
    if (req.state !== RequestState.Reserved) throw new Error(`request ${req.src.id} has no reservation`);
    this.reservedCount--;
    this.enqueuedCount++;
    req.computedTokens = req.inputTokens - 1;
    req.numTokens = req.inputTokens;
    req.outputDone = 0;
    req.inPrefill = true;
    this.scheduler.cacheFullBlocks(req, req.computedTokens);
    // Its queue place dates from the reservation (seq), as vLLM keeps a request waiting for
    // remote KVs at its position: appending it would let a later prompt block it while it holds blocks.
    req.state = RequestState.Waiting;
    this.scheduler.waiting.pushInOrder(req);
    this.kick();
  }

  /**
   * Withdraws a request (client timeout or cancel): it leaves the queue or batch and its blocks
   * are freed now; no listener call follows (the caller records the outcome). A step in flight
   * still runs with it but commits nothing for it.
   */
  abort(req: EngineRequest, _tUs?: number): void {
    const s = this.scheduler;
    switch (req.state) {
      case RequestState.Waiting:
        s.waiting.remove(req);
        break;
      case RequestState.Running: {
        const i = s.running.indexOf(req);
        if (i >= 0) s.running.splice(i, 1);
        break;
      }
      case RequestState.Held:
        this.heldCount--;
        break;
      case RequestState.Reserved:
        this.reservedCount--;
        break;
      case RequestState.New:
        break; // still inside its pre-schedule delay: the admit event sees the state and skips it
      default:
        return; // finished, dropped or already aborted
    }
    s.releaseBlocks(req);
    req.state = RequestState.Aborted;
    this.abortedCount++;
    if (!this.busy) this.kick();
  }

  handle(ev: SimEvent): void {
    switch (ev.a) {
      case EV_STEP_END: {
        const next = this.commitStep();
        if (next !== NEXT_NONE) this.runSteps(next === NEXT_SAME_DECODES);
        break;
      }
      case EV_STEP_START:
        this.startPending = false;
        this.runSteps(false);
        break;
      case EV_ADMIT:
        this.admitting--;
        if ((ev.b as EngineRequest).state === RequestState.New) this.admit(ev.b as EngineRequest);
        break;
    }
  }

  private checkFits(req: EngineRequest): DropReason | null {
    return dropReason(this.config, req.inputTokens, req.outputTokens);
  }

  private prepare(req: EngineRequest): void {
    req.seq = this.nextSeq++;
    req.blocks = new Int32Array(this.scheduler.blocksFor(req.inputTokens + req.outputTokens) + 1);
    if (this.config.detail.enabled) {
      req.prefillChunks = [];
      req.preemptionTimesUs = [];
      req.tokenTimesUs = [];
    }
  }

  private admit(req: EngineRequest): void {
    req.state = RequestState.Waiting;
    this.scheduler.waiting.push(req);
    this.kick();
  }

  /** Starts a step at this instant (after same-time dispatches) unless one is in flight or pending. */
  private kick(): void {
    if (this.busy || this.startPending) return;
    this.startPending = true;
    this.sim.schedule(this.sim.nowUs, EventPriority.StepStart, this, EV_STEP_START);
  }

  /**
   * Runs steps back to back. A step whose end comes strictly before every pending event is
   * committed inline (the clock advances to its end; nothing else can happen in between), so
   * a busy instance costs no heap traffic per step; otherwise its StepEnd is scheduled.
   * Results are identical to scheduling every StepEnd (a test checks this).
   */
  private runSteps(reuseDecodeBatch: boolean): void {
    for (;;) {
      if (!this.formStep(reuseDecodeBatch)) return;
      if (!this.sim.advanceTo(this.stepEndUs)) {
        this.sim.schedule(this.stepEndUs, EventPriority.StepEnd, this, EV_STEP_END);
        return;
      }
      this.inlineSteps++;
      const next = this.commitStep();
      if (next === NEXT_NONE) return;
      reuseDecodeBatch = next === NEXT_SAME_DECODES;
    }
  }

  /** Forms the batch and its duration; false when nothing can run. */
  private formStep(reuseDecodeBatch: boolean): boolean {
    const s = this.scheduler;
    const now = this.sim.nowUs;
    // The decode fast path: the same decode-only batch again, one token further (see Scheduler.extendDecodeBatch).
    if (!(reuseDecodeBatch && s.extendDecodeBatch())) {
      // A self-preemption can leave an empty batch with a schedulable queue: form it again.
      if (s.schedule(now) && s.batch.size === 0) s.schedule(now);
    }
    const used = s.pool.numUsed;
    if (used > this.peakKvUsedBlocks) this.peakKvUsedBlocks = used;
    if (s.batch.size === 0) return false; // blocked on held or reserved blocks; releaseHeld/enqueue kick again
    let dur = this.config.stepTime.stepTimeUs(s.batch);
    if (this.backlog !== null) dur = this.backlog.stretch(now, dur, s.waiting.length > 0);
    if (!(dur >= 1) || !Number.isInteger(dur)) throw new Error(`step-time model returned ${dur}us (need an integer >= 1)`);
    this.busy = true;
    this.stepStartUs = now;
    this.stepEndUs = now + dur;
    return true;
  }

  /** Commits the step ending now; says how the next step may start. */
  private commitStep(): number {
    const s = this.scheduler;
    const now = this.sim.nowUs;
    const batch = s.batch;
    const reqs = s.batchReqs;
    const detail = this.config.detail.enabled;
    const ov = this.config.overheads;
    let decodeEmitted = 0;
    let finishedAny = false;
    for (let k = 0; k < batch.size; k++) {
      const r = reqs[k]!;
      if (r.state === RequestState.Aborted) continue;
      const n = batch.newTokens[k]!;
      if (detail && batch.isPrefill[k] === 1) r.prefillChunks!.push({ startUs: this.stepStartUs, endUs: now, tokens: n });
      r.computedTokens += n;
      if (r.computedTokens !== r.numTokens) continue;
      // All known tokens are in the KV cache: the model sampled one more token.
      r.outputDone++;
      r.numTokens++;
      r.inPrefill = false;
      const tokenUs = now + ov.firstTokenUs + (r.outputDone - 1) * ov.perOutputTokenUs;
      if (r.outputDone === 1) {
        r.firstTokenUs = tokenUs;
        this.listener.onFirstToken(r, tokenUs);
        if ((r.state as RequestState) === RequestState.Aborted) continue; // the listener may abort it
      } else {
        decodeEmitted++;
      }
      if (detail && (r.outputDone - 1) % this.config.detail.tokenEvery === 0) r.tokenTimesUs!.push(tokenUs);
      if (r.outputDone >= r.outputTokens || r.prefillOnly) {
        finishedAny = true;
        r.state = RequestState.Finished;
      }
    }
    if (finishedAny) this.removeFinished(now);
    this.steps++;
    this.busyUs += now - this.stepStartUs;
    this.busy = false;
    if (this.stepListener !== null) this.stepListener.onStep(this, this.stepStartUs, now - this.stepStartUs, decodeEmitted);
    if (s.running.length === 0 && s.waiting.length === 0) return NEXT_NONE;
    if (this.startPending || this.sim.peekTimeUs() <= now) {
      // Something else happens at this instant (a dispatch may join the batch): start after it.
      this.kick();
      return NEXT_NONE;
    }
    const same = batch.numPrefill === 0 && !finishedAny && s.waiting.length === 0 && s.running.length === batch.size;
    return same ? NEXT_SAME_DECODES : NEXT_SCHEDULE;
  }

  /** Drops finished requests from the running list (order kept) and reports them. */
  private removeFinished(now: number): void {
    const running = this.scheduler.running;
    let w = 0;
    for (let k = 0; k < running.length; k++) {
      const r = running[k]!;
      if (r.state !== RequestState.Finished) {
        running[w++] = r;
        continue;
      }
      if (r.prefillOnly) {
        r.state = RequestState.Held;
        this.heldCount++;
      } else {
        this.scheduler.releaseBlocks(r);
      }
      this.finish(r, now);
    }
    running.length = w;
  }

  private finish(r: EngineRequest, now: number): void {
    const ov = this.config.overheads;
    r.finishedUs = now + ov.firstTokenUs + Math.max(0, r.outputDone - 1) * ov.perOutputTokenUs;
    if (r.state !== RequestState.Held) {
      r.state = RequestState.Finished;
      r.blocks = EMPTY_TABLE;
    }
    this.finishedCount++;
    this.listener.onFinished(r, r.finishedUs);
  }

  // KvPoolSink (set only while a KV event listener is attached)
  onStored(hash: number): void {
    this.kvListener!.onKvEvent(this, 'stored', hash, this.sim.nowUs);
  }
  onEvicted(hash: number): void {
    this.kvListener!.onKvEvent(this, 'evicted', hash, this.sim.nowUs);
  }
}

const EMPTY_TABLE = new Int32Array(0);
