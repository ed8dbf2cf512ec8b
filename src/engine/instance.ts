/**
 * One vLLM V1 instance on the shared clock. A step is formed (Scheduler), runs for the duration
 * the step-time model gives, and at its end (StepEnd) commits: a request whose step sampled a
 * token emits it (its first token = TTFT), requests reaching their output length finish and
 * release their blocks (full blocks stay cached). The next step starts at once while there is
 * work (work conservation), after same-instant dispatches so they can join it.
 * The synchronous and asynchronous engine loops (vLLM 0.15 v1/engine/core.py `step` and
 * `step_with_batch_queue`) differ in which batches are formed when and what a step costs
 * (batch-queue.ts). With async scheduling, a request arriving while a step runs is scheduled two
 * steps on (one later than synchronously) and a finished request's slot and blocks serve the
 * step after next; an idle engine has no lag.
 * CPU-tier loads (scheduler.ts) are reported at the end of the first step that ends after their
 * data landed and was formed no earlier than the load; with no step running, a timer ends the wait.
 * The data-parallel ranks of an MoE server start and end their steps together (lockstep.ts).
 * Per-request overheads (RequestOverheads): preScheduleUs delays entry into the waiting queue;
 * token k (1-based) is reported at stepEnd + firstTokenUs + (k − 1)·perOutputTokenUs.
 */
import { EventPriority, type EventHandler, type SimEvent } from '../kernel/events.js';
import type { Simulator } from '../kernel/sim.js';
import { dropReason, type InstanceConfig } from './config.js';
import { EngineRequest, RequestState, removeFrom, type DropReason } from './engine-request.js';
import type { KvPoolSink } from './kv-cache.js';
import { Scheduler } from './scheduler.js';
import type { StepBatch } from './step-batch.js';
import { BatchQueue } from './batch-queue.js';
import { LivelockNet } from './livelock-net.js';
import { tokenTimeUs } from './run-token-times.js';
import { dropFinished } from './finished.js';
import type { InstanceListener, InstanceView, KvEventListener, StepListener } from './instance-listener.js';
import { InstanceGauges } from './instance-gauges.js';
export type { InstanceListener, InstanceView, KvEventListener, StepListener } from './instance-listener.js';

const EV_STEP_END = 0;
const EV_STEP_START = 1;
const EV_ADMIT = 2;
const EV_LOAD_POLL = 3;

export class Instance extends InstanceGauges implements EventHandler, InstanceView, KvPoolSink {
  readonly id: number;
  readonly config: InstanceConfig;
  readonly scheduler: Scheduler;
  protected readonly sim: Simulator;
  protected readonly listener: InstanceListener;
  private stepListener: StepListener | null = null;
  private kvListener: KvEventListener | null = null;
  /** The step on the GPU and, async, the one formed behind it; the net that stops a stuck one. */
  private readonly batches: BatchQueue;
  private readonly livelock: LivelockNet;
  private stepStartUs = 0;
  /** The step in flight lasts this long (its end is passed on as a duration: see Simulator.scheduleAfter). */
  private stepDurUs = 0;
  private nextSeq = 0;

  enqueuedCount = 0;
  finishedCount = 0;
  droppedCount = 0;
  abortedCount = 0;
  steps = 0;
  /** Steps committed inline, without a StepEnd event. */
  inlineSteps = 0;
  /** Steps committed by a decode run (event leaping: O(1), no per-request work). */
  leapSteps = 0;
  busyUs = 0;
  peakKvUsedBlocks = 0;

  constructor(sim: Simulator, config: InstanceConfig, listener: InstanceListener) {
    super();
    this.sim = sim;
    this.config = config;
    this.id = config.id;
    this.listener = listener;
    this.scheduler = new Scheduler(config);
    this.batches = new BatchQueue(config, this.scheduler, sim);
    this.livelock = new LivelockNet(config.livelockUs);
  }

  setStepListener(l: StepListener | null): void {
    this.stepListener = l;
  }

  setKvEventListener(l: KvEventListener | null): void {
    this.kvListener = l;
    this.scheduler.pool.sink = l === null ? null : this;
  }

  /** First-use fused-MoE kernel compiles so far, and the µs this instance's steps waited for them. */
  get kernelCompiles(): { readonly count: number; readonly stalledUs: number } {
    return { count: this.batches.kernelCompiles, stalledUs: this.batches.kernelStalledUs };
  }

  /** When the step in flight (or the last one run) started, µs. */
  get stepStartedUs(): number {
    return this.stepStartUs;
  }

  /** The batch of the step in flight (or the last one run). */
  get batch(): StepBatch {
    const b = this.batches.cur;
    this.scheduler.run?.fillContexts(b);
    return b;
  }

  /**
   * Brings running requests' token counters (computed, placeholders, output, known tokens) and
   * recorded token times up to date. During a decode run (event leaping) they are kept as run
   * counters and written only when the run ends; an observer of a running request calls this first.
   */
  syncRequests(): void {
    this.scheduler.run?.syncRequests();
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

  /**
   * Withdraws a request (client timeout or cancel): it leaves the queue, load or batch and its blocks are
   * freed now, or when its CPU load in flight or its CPU stores are reported (vLLM's finish_requests,
   * kv-loads.ts, kv-stores.ts); no listener call follows (the caller records the outcome). A step in
   * flight still runs with it but commits nothing for it.
   */
  abort(req: EngineRequest, _tUs?: number): void {
    const s = this.scheduler;
    if (req.state === RequestState.Running) this.batches.endRun(); // a decode run's counters are written out
    this.livelock.idle(); // blocks may free: a stuck instance gets another hour
    let freeNow = true;
    switch (req.state) {
      case RequestState.Waiting:
        s.waiting.remove(req);
        break;
      case RequestState.Running:
        removeFrom(s.running, req);
        break;
      case RequestState.LoadingKv:
        freeNow = s.abortLoading(req);
        break;
      case RequestState.Held:
        this.dropHeld(req);
        break;
      case RequestState.New:
        break; // still inside its pre-schedule delay: the admit event sees the state and skips it
      default:
        return; // finished, dropped or already aborted
    }
    if (freeNow) s.leave(req, this.batches.nextFormSeq);
    req.state = RequestState.Aborted;
    req.epoch++;
    req.pendingTokens = 0;
    this.abortedCount++;
    if (!this.busy) this.kick();
  }

  handle(ev: SimEvent): void {
    switch (ev.a) {
      case EV_STEP_END:
        if (this.commitStep()) this.runSteps();
        break;
      case EV_STEP_START:
        this.startPending = false;
        this.runSteps();
        break;
      case EV_ADMIT:
        this.admitting--;
        if ((ev.b as EngineRequest).state === RequestState.New) this.admit(ev.b as EngineRequest);
        break;
      case EV_LOAD_POLL:
        this.pollPending = false;
        if (this.scheduler.releaseLoads(Number.MAX_SAFE_INTEGER, this.sim.nowUs) && !this.busy) this.kick();
        else if (!this.busy) this.armLoadPoll();
        break;
    }
  }

  protected checkFits(req: EngineRequest): DropReason | null {
    return dropReason(this.config, req.inputTokens, req.outputTokens);
  }

  protected prepare(req: EngineRequest): void {
    req.seq = this.nextSeq++;
    const s = this.scheduler;
    req.laneStride = s.blocksFor(req.inputTokens + req.outputTokens) + 1;
    req.blocks = s.tables.take(s.lanes * req.laneStride);
    if (s.joinKey(req)) this.batches.endRun();
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

  /** Starts a step at this instant (after same-time dispatches; a data-parallel rank at its group's next step) unless one is in flight or pending. */
  protected kick(): void {
    if (this.busy || this.startPending) return;
    this.startPending = true;
    const now = this.sim.nowUs;
    this.sim.schedule(this.lockstep === null ? now : this.lockstep.startAtUs(now), EventPriority.StepStart, this, EV_STEP_START);
  }

  /**
   * Runs steps back to back. A step whose end comes strictly before every pending event is
   * committed inline (the clock advances to its end; nothing else can happen in between), so
   * a busy instance costs no heap traffic per step; otherwise its StepEnd is scheduled.
   * Results are identical to scheduling every StepEnd (a test checks this).
   */
  private runSteps(): void {
    for (;;) {
      if (this.livelock.tripped(this.sim.nowUs, this.scheduler.preemptionsTotal) || !this.launch()) return;
      if (this.lockstep !== null) return this.lockstep.join(this, this.stepDurUs, EV_STEP_END);
      if (!this.sim.advanceBy(this.stepDurUs)) {
        this.sim.scheduleAfter(this.stepDurUs, EventPriority.StepEnd, this, EV_STEP_END);
        return;
      }
      this.inlineSteps++;
      if (!this.commitStep()) return;
    }
  }

  /** Starts the next step now: the one scheduled ahead (async) or a freshly formed one. False when nothing can run. */
  private launch(): boolean {
    const now = this.sim.nowUs;
    const q = this.batches;
    const dur = q.launch();
    const b = q.cur;
    if (this.scheduler.remoteStarts.length > 0) this.startTransfers(b.size === 0 ? Number.MAX_SAFE_INTEGER : b.seq);
    if (b.size === 0) {
      this.notePeakKv();
      // vLLM runs an empty schedule as a step without a forward: its output reports reads of held blocks (their release kicks again).
      if (this.sent.length > 0) this.reportSent();
      this.armLoadPoll();
      return false; // blocked on held or loading blocks; their release kicks again
    }
    if (!(dur >= 1) || !Number.isInteger(dur)) throw new Error(`step-time model returned ${dur}us (need an integer >= 1)`);
    for (let k = b.admittedFrom; k < b.size; k++) {
      const r = b.reqs[k]!;
      if (r.firstScheduledUs < 0) r.firstScheduledUs = now;
    }
    this.notePeakKv();
    this.livelock.busy(now, this.scheduler.preemptionsTotal);
    this.busy = true;
    this.stepStartUs = now;
    this.stepDurUs = dur;
    return true;
  }

  private notePeakKv(): void {
    const used = this.scheduler.pool.numUsed;
    if (used > this.peakKvUsedBlocks) this.peakKvUsedBlocks = used;
  }

  /** Commits the step ending now; true when the next step may start at once (inline). */
  private commitStep(): boolean {
    const s = this.scheduler;
    const now = this.sim.nowUs;
    const q = this.batches;
    const b = q.cur;
    const reqs = b.reqs;
    const detail = this.config.detail.enabled;
    const ov = this.config.overheads;
    let decodeEmitted = 0;
    let finishedAny = false;
    const run = s.run;
    const leap = b.leapCommit && run !== null;
    let sampled = leap;
    if (leap) {
      // A decode run's commit: every request samples a token, the last ones finish (the time is read only for token times).
      finishedAny = run.commit(detail ? now : 0);
      decodeEmitted = b.runSlots;
      this.leapSteps++;
    }
    // A run's batch: requests it admitted (slots from runSlots on) commit here, step by step.
    for (let k = leap ? b.runSlots : 0; k < b.size; k++) {
      const r = reqs[k]!;
      // Aborted since it was scheduled: vLLM discards the step's output for it. Preempted since
      // (waiting, its placeholder kept): vLLM appends the token (update_from_output), see preempt().
      const preempted = r.epoch !== b.epochs[k] || r.state !== RequestState.Running;
      if (preempted && (r.state !== RequestState.Waiting || r.pendingTokens === 0)) continue;
      if (detail && b.isPrefill[k] === 1) r.prefillChunks!.push({ startUs: this.stepStartUs, endUs: now, tokens: b.newTokens[k]! });
      if (b.sampled[k] === 0) continue;
      sampled = true;
      // One that joined the run since: the run counted this token (its counters are written as of now).
      if (!leap || !run.counts(r)) {
        r.pendingTokens--;
        r.outputDone++;
        r.numTokens++;
      }
      const tokenUs = tokenTimeUs(now, r.outputDone, ov);
      if (r.outputDone === 1) {
        r.firstTokenUs = tokenUs;
        this.listener.onFirstToken?.(r, tokenUs);
        if ((r.state as RequestState) === RequestState.Aborted) continue; // the listener may abort it
      } else if (r.stalledSinceUs >= 0) this.noteStalledToken(r, now);
      else decodeEmitted++;
      if (detail && (r.outputDone - 1) % this.config.detail.tokenEvery === 0) r.tokenTimesUs!.push(tokenUs);
      if (preempted) {
        r.stalledSinceUs = now; // the in-flight step's token is its last before the stall
        // Its last token: it stops from the waiting queue (update_from_output's stopped_preempted_reqs).
        if (r.outputDone >= r.outputTokens) {
          s.finishWaiting(r);
          this.finish(r, now);
        }
      } else if (r.outputDone >= r.outputTokens || r.prefillOnly) {
        finishedAny = true;
        r.state = RequestState.Finished;
        s.justFinished.push(r);
      }
    }
    if (!leap && run !== null && run.active && run.afterStepwiseCommit(b)) finishedAny = true;
    if (finishedAny) this.removeFinished();
    if (s.loads.any) s.releaseLoads(b.seq, now);
    if (s.stores.any) s.releaseStores(b.seq); // after the loads, as _update_from_kv_xfer_finished
    if (this.sent.length > 0) this.reportSent(); // P/D reads of held blocks: finished_sending too
    if (sampled) this.livelock.sampled(now, s.preemptionsTotal);
    this.steps++;
    this.busyUs += now - this.stepStartUs;
    this.busy = false;
    if (this.stepListener !== null) this.stepListener.onStep(this, now - this.stepStartUs, decodeEmitted);
    if (this.stallGapsUs.length > 0) this.stallGapsUs.length = 0;
    const more = q.nextSize > 0 || s.running.length > 0 || s.waiting.length > 0;
    if (!more) {
      this.livelock.idle();
      if (s.stores.any) s.releaseStores(Number.MAX_SAFE_INTEGER); // vLLM's empty step for their ids reports them
      this.armLoadPoll();
      this.listener.onIdle?.(this);
      return false;
    }
    // The clock has not moved since `now` was read (only a step handler advances it, never a listener).
    if (this.startPending || this.sim.eventDueNow) {
      // Something else happens at this instant (a dispatch may join the batch): start after it.
      this.kick();
      return false;
    }
    return true;
  }

  /** With no step running, a timer at the earliest load's landing ends the wait (vLLM polls finished loads each engine step). */
  private armLoadPoll(): void {
    const loads = this.scheduler.loads;
    if (this.pollPending || !loads.any) return;
    const t = loads.earliestDoneUs();
    // Only P/D transfers that have not landed: their landing reports them (remoteLanded).
    if (t === Number.MAX_SAFE_INTEGER) return;
    this.pollPending = true;
    this.sim.schedule(Math.max(t, this.sim.nowUs + 1), EventPriority.StepEnd, this, EV_LOAD_POLL);
  }

  /** Drops finished requests from the running list (order kept) and reports them. */
  private removeFinished(): void {
    dropFinished(this.scheduler.running, this.scheduler.justFinished, this.reportFinished, this.finishedAt);
  }

  /** Scratch: the running-list indices of the requests a step finished (finished.ts). */
  private readonly finishedAt = new Int32Array(16);

  private readonly reportFinished = (r: EngineRequest): void => {
    if (r.prefillOnly) this.hold(r);
    else this.scheduler.retireFinished(r, this.batches.nextFormSeq);
    // Read here rather than passed: a time past 2^31 µs passed to a call that is not inlined is boxed.
    this.finish(r, this.sim.nowUs);
  };

  protected finish(r: EngineRequest, now: number): void {
    // Its state is already Finished, or Held for a P/D transfer (removeFinished).
    r.finishedUs = tokenTimeUs(now, Math.max(1, r.outputDone), this.config.overheads);
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
