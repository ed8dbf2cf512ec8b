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
import type { InstanceConfig } from './config.js';
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
  private formSeq = 0;
  private readonly stepCost: StepCost;
  private readonly scheduler: Scheduler;
  private readonly asyncScheduling: boolean;

  constructor(config: InstanceConfig, scheduler: Scheduler) {
    this.scheduler = scheduler;
    this.asyncScheduling = config.asyncScheduling;
    this.cur = new StepBatch(config.maxNumSeqs);
    this.nxt = new StepBatch(config.maxNumSeqs);
    this.stepCost = new StepCost(config.stepTime);
    scheduler.run?.bind(this.cur, this.nxt);
  }

  /** Size of the step formed behind `cur` (0 when none is). */
  get nextSize(): number {
    return this.nextReady ? this.nxt.size : 0;
  }

  /**
   * Makes the next step `cur` (the one formed ahead, async, or a freshly formed one) and returns
   * its duration in µs as the step-time model gives it (not yet rounded). Nothing can run when
   * `cur` is then empty.
   */
  launch(nowUs: number): number {
    const cost = this.stepCost;
    // nextReady is only ever set by the asynchronous loop.
    if (this.nextReady && this.nxt.size > 0) {
      const b = this.nxt;
      this.nxt = this.cur;
      this.cur = b;
      const gpuUs = cost.parts(b);
      this.formInto(b, this.nxt, nowUs);
      this.nextReady = true;
      return Math.max(gpuUs, this.nxt.size > 0 ? cost.cpuUs(this.nxt) : 0) + cost.syncUs;
    }
    this.nextReady = false;
    this.formInto(this.cur, this.cur, nowUs);
    const b = this.cur;
    if (b.size === 0) return 0;
    if (!this.asyncScheduling) return cost.stepUs(b);
    const gpuUs = cost.parts(b);
    const cpuUs = cost.out[1]!;
    this.formInto(b, this.nxt, nowUs);
    this.nextReady = true;
    return cpuUs + Math.max(gpuUs, this.nxt.size > 0 ? cost.cpuUs(this.nxt) : 0) + cost.syncUs;
  }

  /** Schedules into `out`: a decode run's next batch, else the decode fast path from `prev`, else a full schedule. */
  private formInto(prev: StepBatch, out: StepBatch, nowUs: number): void {
    const s = this.scheduler;
    const seq = this.formSeq++;
    const run = s.run;
    if (run !== null) {
      if (run.active) {
        if (run.extend(out, seq, nowUs)) return;
        this.endRun();
      } else if (run.start(prev, out, seq, nowUs)) {
        return;
      }
    }
    if (s.extendDecodeBatch(prev, out, seq)) return;
    out.clear(seq);
    // A self-preemption can leave an empty batch with a schedulable queue: form it again.
    if (s.schedule(nowUs, out) && out.size === 0) {
      out.clear(seq);
      s.schedule(nowUs, out);
    }
    if (out.size === 0 && s.running.length === 0 && s.loading.length === 0 && s.waiting.length > 0 && !this.nextReady && s.reclaimParked()) {
      out.clear(seq);
      s.schedule(nowUs, out);
    }
  }

  /** Ends a decode run: running requests' counters and the in-flight batches are written out. */
  endRun(): void {
    this.scheduler.run?.end(this.cur, this.nxt);
  }
}
