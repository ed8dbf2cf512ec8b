/**
 * The steps an instance has formed: the one on the GPU (or the last one committed) and, with
 * asynchronous scheduling, the one formed behind it from the state before the first one's
 * outputs. vLLM 0.15 v1/engine/core.py runs the synchronous loop as `step` (schedule, run,
 * update: a step lasts CPU + GPU time) and the asynchronous one as `step_with_batch_queue` with a
 * batch queue of 2 (a step lasts max(its GPU time, the CPU time of scheduling and preparing the
 * next) plus a synchronisation cost; after an idle spell the first step also pays its own CPU
 * time). This class forms the batches (decode run, decode fast path or a full schedule) and
 * prices each launched step; the instance owns the clock, the events and the commit.
 */
import type { Clock } from '../kernel/sim.js';
import type { InstanceConfig } from './config.js';
import { KernelJit } from './kernel-jit.js';
import type { Scheduler } from './scheduler.js';
import { StepBatch } from './step-batch.js';
import { StepCost } from './step-cost.js';

export class BatchQueue {
  /** The step on the GPU (or the last one committed). */
  cur: StepBatch;
  /** Async: the step scheduled to run after `cur` (valid while nextReady). */
  private nxt: StepBatch;
  /** `nxt` holds the step formed behind `cur` (async scheduling only). */
  private nextReady = false;
  /** When `nxt` was formed: an empty one runs then (no forward), and its output reports what the connector had finished by then. */
  private nxtFormedUs = 0;
  private formSeq = 0;
  private readonly stepCost: StepCost;
  private readonly scheduler: Scheduler;
  private readonly asyncScheduling: boolean;
  /** The simulated clock: formations read the time from it (see Clock). */
  private readonly clock: Clock;
  /** Fused-MoE kernel variants this instance has compiled; null when none compiles on first use. */
  private readonly jit: KernelJit | null;

  constructor(config: InstanceConfig, scheduler: Scheduler, clock: Clock) {
    this.scheduler = scheduler;
    this.clock = clock;
    this.asyncScheduling = config.asyncScheduling;
    this.cur = new StepBatch(config.maxNumSeqs);
    this.nxt = new StepBatch(config.maxNumSeqs);
    this.stepCost = new StepCost(config.stepTime);
    const facts = config.stepTime.kernelJit;
    this.jit = facts === undefined || config.warmKernelCache ? null : new KernelJit(facts, config);
    scheduler.run?.bind(this.cur, this.nxt);
  }

  /** The sequence number the next formation gets (a request leaving now rides on it: kv-stores.ts). */
  get nextFormSeq(): number {
    return this.formSeq;
  }

  /** Fused-MoE kernel variants compiled on first use, and the µs steps waited for them (0 and 0 when none compiles: model/moe-jit.ts). */
  get kernelCompiles(): number {
    return this.jit === null ? 0 : this.jit.compiles;
  }

  get kernelStalledUs(): number {
    return this.jit === null ? 0 : this.jit.stalledUs;
  }

  /** Size of the step formed behind `cur` (0 when none is). */
  get nextSize(): number {
    return this.nextReady ? this.nxt.size : 0;
  }

  /**
   * Makes the next step `cur` (the one formed ahead, async, or a freshly formed one) and returns
   * its duration as the step-time model gives it, rounded to integer µs (at least 1; NaN stays
   * NaN for the caller to reject). Nothing can run when `cur` is then empty (0 is returned).
   * The step starts at the clock's time.
   */
  launch(): number {
    const cost = this.stepCost;
    const parts = cost.out;
    let us: number;
    // nextReady is only ever set by the asynchronous loop.
    if (this.nextReady && this.nxt.size > 0) {
      const b = this.nxt;
      this.nxt = this.cur;
      this.cur = b;
      cost.fill(b);
      const gpuUs = parts[0]! + this.compileStallUs(b);
      this.formAhead(b);
      this.costNext();
      us = Math.max(gpuUs, parts[1]!) + cost.syncUs;
    } else {
      // An empty step formed ahead (asynchronous loop): vLLM runs it without a forward when it is
      // scheduled and handles its output (finished_recving, finished_sending) after scheduling the
      // step launched now, before the next one.
      let pendingEmpty = this.nextReady ? this.nxt.seq : -1;
      let pendingUs = this.nxtFormedUs;
      const now = this.clock.nowUs;
      this.nextReady = false;
      this.formInto(this.cur, this.cur, false, pendingEmpty >= 0);
      // Empty again with an empty batch still pending: vLLM's batch queue now processes the pending
      // one (its finished_sending frees blocks, its finished_recving readies loaded requests) and
      // schedules again, the batch just formed pending in its turn (test/engine/vllm-diff.test.ts,
      // CPU-tier scenarios). Once a batch formed now reports nothing, nothing more can this instant.
      while (this.cur.size === 0 && pendingEmpty >= 0 && (this.scheduler.stores.any || this.scheduler.loads.any)) {
        if (!this.processEmpty(pendingEmpty, pendingUs) && pendingUs === now) break;
        pendingEmpty = this.cur.seq;
        pendingUs = now;
        this.formInto(this.cur, this.cur, false, true);
      }
      const skippedSeq = pendingEmpty;
      const b = this.cur;
      if (b.size === 0) return 0;
      if (!this.asyncScheduling) {
        us = cost.stepUs(b) + this.compileStallUs(b);
      } else {
        cost.fill(b);
        const gpuUs = parts[0]! + this.compileStallUs(b);
        const cpuUs = parts[1]!;
        if (skippedSeq >= 0) this.processEmpty(skippedSeq, pendingUs);
        this.formAhead(b);
        this.costNext();
        us = cpuUs + Math.max(gpuUs, parts[1]!) + cost.syncUs;
      }
    }
    return Math.max(1, Math.round(us));
  }

  /** Forms the step to run after `b` (asynchronous loop), from the state before b's outputs. */
  private formAhead(b: StepBatch): void {
    this.formInto(b, this.nxt, true);
    this.nextReady = true;
    this.nxtFormedUs = this.clock.nowUs;
  }

  /**
   * The output of an empty step formed at `seq`, run (without a forward) at `ranUs`: the connector's
   * get_finished ran then (gpu_model_runner.py execute_model → kv_connector_no_forward), so it
   * reports the loads started by then that had landed by then and the CPU stores of the ids it
   * carried; loads first, as update_from_output's _update_from_kv_xfer_finished. True if any.
   */
  private processEmpty(seq: number, ranUs: number): boolean {
    const s = this.scheduler;
    const loaded = s.loads.any && s.releaseLoads(seq, ranUs);
    const stored = s.stores.any && s.releaseStores(seq);
    return loaded || stored;
  }

  /** µs the step launched with batch `b` waits for fused-MoE kernels compiled on first use (0 almost always). */
  private compileStallUs(b: StepBatch): number {
    return this.jit === null ? 0 : this.jit.stallUs(b.totalNewTokens);
  }

  /**
   * Puts the CPU µs of the step formed behind `cur` in the step cost's out[1] (0 when none is or
   * the model has no split). Written, not returned: a fractional µs returned from a call the
   * compiler does not inline is boxed, once per step.
   */
  private costNext(): void {
    const cost = this.stepCost;
    if (this.nxt.size === 0 || !cost.split) cost.out[1] = 0;
    else cost.fill(this.nxt);
  }

  /**
   * Schedules into `out`: a decode run's next batch, else the decode fast path from `prev`, else a
   * full schedule. `ahead`: formed behind a step in flight (asynchronous loop).
   */
  private formInto(prev: StepBatch, out: StepBatch, ahead: boolean, emptyPending = false): void {
    const seq = this.formSeq++;
    this.formSchedule(prev, out, seq, ahead, emptyPending);
    // The connector's store pass closes every schedule (build_connector_meta).
    this.scheduler.flushStores(seq, out);
  }

  /** `emptyPending`: an earlier empty batch awaits processing (async), so this one's outputs come after the next schedule (launch). */
  private formSchedule(prev: StepBatch, out: StepBatch, seq: number, ahead: boolean, emptyPending: boolean): void {
    const s = this.scheduler;
    this.formOnce(prev, out, seq, ahead);
    if (out.size !== 0 || ahead) return;
    const nowUs = this.clock.nowUs;
    // An empty schedule is still a step in vLLM while requests that left wait to send their ids
    // (has_requests); its no-forward get_finished reports their CPU stores (finished_sending),
    // which frees their blocks for the next schedule (kv-stores.ts). A decode run whose slots all
    // left and whose admissions failed formed it: it ends, and the full schedule forms the next.
    if (!emptyPending && s.stores.any && s.releaseStores(seq)) {
      this.endRun();
      this.schedule(out, seq, nowUs, false);
    }
    // Nothing runs, loads or is about to free blocks (held stores, P/D blocks held for a read), yet
    // requests wait: the livelock guard (docs/engine.md).
    if (out.size === 0 && s.running.length === 0 && s.loading.length === 0 && !s.stores.any && s.heldForTransfer === 0 && s.waiting.length > 0 && !this.nextReady && s.reclaimParked()) {
      out.clear(seq);
      s.schedule(nowUs, out);
    }
  }

  /** One formation: the decode run's next batch, else the decode fast path from `prev`, else a full schedule. */
  private formOnce(prev: StepBatch, out: StepBatch, seq: number, ahead: boolean): void {
    const s = this.scheduler;
    const run = s.run;
    if (run !== null) {
      if (run.active) {
        if (run.extend(out, seq, this.clock)) return;
        this.endRun();
      } else if (run.start(prev, out, seq, this.clock)) {
        return;
      }
    }
    if (s.extendDecodeBatch(prev, out, seq)) return;
    this.schedule(out, seq, this.clock.nowUs, ahead);
  }

  /**
   * A full schedule into `out`. A self-preemption can leave an empty batch with a schedulable
   * queue: form it again. Not behind a step in flight: vLLM's step_with_batch_queue, given an
   * empty schedule, waits for that step's outputs and schedules after update_from_output
   * (launch() forms afresh then).
   */
  private schedule(out: StepBatch, seq: number, nowUs: number, ahead: boolean): void {
    const s = this.scheduler;
    out.clear(seq);
    // vLLM 0.15 scheduler.py schedule(): a running request that cannot get its blocks and is itself
    // the victim ends the running loop ("Cannot schedule this request"), and nothing waiting is
    // admitted after a preemption, so that schedule is empty; the engine core schedules again at
    // once (an empty SchedulerOutput runs no forward), the victim now waiting. Repeat until a
    // schedule is not empty or preempts nobody: each round takes one request out of the running
    // list, so it ends. (Retried once only, two such victims in a row left the engine idle.)
    // That empty schedule ends with its store pass (build_connector_meta: the preempted request's
    // stores complete) and is a step (no forward) whose connector output update_from_output takes
    // (finished_recving, finished_sending: a finished request's held blocks) before the next one.
    while (s.schedule(nowUs, out) && out.size === 0 && !ahead) {
      s.completePreemptedStores();
      this.processEmpty(seq, nowUs);
      out.clear(seq);
    }
  }

  /** Ends a decode run: running requests' counters and the in-flight batches are written out. */
  endRun(): void {
    this.scheduler.run?.end(this.cur, this.nxt);
  }
}
