/**
 * Event leaping over decode-only stretches. Between two batch changes (a request joining or
 * leaving, a prefill chunk, a preemption, a CPU-tier load) every running request is in the batch
 * and computes one token per step, so each step is `schedule()` giving everybody one more token
 * and each step end is everybody sampling one. A run replaces that per-request work with two
 * counters: F formations and C commits since the run started. A request's vLLM counters are then
 * its values at the start plus the counters (computed + F, placeholders + F − C, output + C), and
 * are written back (materialised) only when the run ends or someone asks (syncRequests).
 *
 * Per-request work remains only where something happens to one request, and it happens at the
 * same step, in the same slot order, as the step-by-step path (Scheduler.extendDecodeBatch) does it:
 * - a block boundary: a request needs a new block at the formation where its computed tokens pass
 *   its blocks (every blockSize formations, a fixed phase per request);
 * - a block filling with known tokens: registered in the prefix cache (and stored to the CPU tier)
 *   at the first formation after the commit that filled it (every blockSize commits).
 * Both are calendars keyed by phase, so a step costs O(1) plus the requests crossing a boundary.
 * Step times come from the model's DecodeAggregateCost capability (requests, summed context).
 *
 * A request joining or leaving does not end the run: that request alone is written out or read
 * in (its slot added at the end or removed, run-slots.ts) and the others stay implicit. It leaves
 * at the commit that samples its last token, or (asynchronous loop) at the formation that would
 * schedule that token in flight; it joins through schedule()'s admission half run after the
 * decodes (Scheduler.admitWaiting), its prefill committed step by step (docs/engine.md).
 *
 * The run ends (materialise, then the step-by-step path takes over for that step) when:
 * a formation cannot extend the batch (an admitted request needs another prompt chunk, the pool
 * cannot give the boundary blocks, every request is leaving),
 * or the instance is touched from outside in a way that concerns a running request (abort).
 * Results are identical to stepping: same pool operations in the same order, same step times,
 * same listener calls (test/engine/instance.leap.test.ts, test/engine/decode-run.membership.test.ts,
 * test/cluster/leap.test.ts).
 */
import type { Clock } from '../kernel/sim.js';
import type { DecodeAggregateCost } from '../model/step-time.js';
import type { InstanceConfig } from './config.js';
import { RequestState, type EngineRequest } from './engine-request.js';
import type { Scheduler } from './scheduler.js';
import type { StepBatch } from './step-batch.js';
import { RunSlots } from './run-slots.js';
import { RunTokenTimes } from './run-token-times.js';

export class DecodeRun extends RunSlots {
  /** A run is in progress: running requests' counters are stale until materialised. */
  active = false;
  /** Runs started so far (a run outlives requests joining and leaving). */
  started = 0;
  /** Left out of formations with their last token in flight: the next commit finishes them. */
  private readonly leaving: EngineRequest[];
  private leavingCount = 0;
  /** Scratch: the cells leaving at a formation or finishing at a commit. */
  private readonly leavers: Int32Array;
  /** Admitted by the run's formations: they join the slots at the next formation (once their prompt is done). */
  private readonly joining: EngineRequest[];
  private joiningCount = 0;
  /** Joined at the latest formation: the batch in flight still has their prefill (its commit samples their first token). */
  private readonly joined: EngineRequest[];
  private joinedCount = 0;
  /** The commit in progress counted the first tokens of `joined` (who have not been through the instance's commit loop yet). */
  private countedJoined = false;
  /** The batch in flight at the run's start whose commit goes step by step (it emits first tokens), or null. */
  private stepwiseBatch: StepBatch | null = null;
  /** Detail recording: the run's commit times, written to requests when they are materialised. */
  private readonly tokenTimes: RunTokenTimes;

  constructor(private readonly s: Scheduler, cfg: InstanceConfig, readonly cost: DecodeAggregateCost) {
    super(cfg);
    const cap = cfg.maxNumSeqs;
    // Fixed-size (never shrunk or grown: the counts say how many entries count).
    this.leaving = new Array<EngineRequest>(cap);
    this.leavers = new Int32Array(cap);
    this.joining = new Array<EngineRequest>(cap);
    this.joined = new Array<EngineRequest>(cap);
    this.tokenTimes = new RunTokenTimes(cfg);
  }

  /** The batch buffers the run forms into (their per-slot contexts are written out when the slots change). */
  bind(a: StepBatch, b: StepBatch): void {
    this.batches = [a, b];
  }

  /**
   * Starts a run from `prev` (the last batch formed) and forms its first batch into `out`, when
   * every running request is in `prev` and `schedule()` would now give each exactly one token:
   * nothing waits or loads, no last token is in flight, the pool has the boundary blocks. `prev`
   * may still be in flight with prefills that sample first tokens (a request that just joined):
   * then its commit stays step by step (listeners, first tokens) and counts as the run's first
   * commit. False: nothing changed.
   */
  start(prev: StepBatch, out: StepBatch, seq: number, clock: Clock): boolean {
    const s = this.s;
    const n = prev.size;
    const inFlight = prev !== out;
    if (n === 0 || n !== s.running.length || s.waiting.length !== 0 || s.loading.length !== 0) return false;
    const reqs = prev.reqs;
    const bs = this.bs;
    // An in-flight prev's commit is a run commit only if it is decodes of requests past their first token.
    let explicit = inFlight && (prev.numPrefill !== 0 || prev.totalNewTokens !== n);
    let need = 0;
    for (let k = 0; k < n; k++) {
      const r = reqs[k]!;
      if (r !== s.running[k] || r.epoch !== prev.epochs[k] || r.inPrefill || r.prefillOnly) return false;
      if (r.numTokens + r.pendingTokens - r.computedTokens !== 1 || r.outputDone + r.pendingTokens >= r.outputTokens) return false;
      if (r.outputDone < 1) {
        // Its first token is sampled by prev: only a step-by-step commit of prev in flight may emit it.
        if (!inFlight || prev.sampled[k] !== 1) return false;
        explicit = true;
      }
      if (r.computedTokens + 1 > r.numBlocks * bs) need++;
    }
    if (need > s.pool.numFree) return false;

    this.active = true;
    this.started++;
    this.resetSlots();
    this.deferring = s.defersPrivate();
    this.tokenTimes.synced = 0;
    this.leavingCount = 0;
    this.joiningCount = 0;
    this.joinedCount = 0;
    this.countedJoined = false;
    for (let k = 0; k < n; k++) this.addSlot(reqs[k]!);

    // The run's batches are its slots as one-token decodes that all sample (epochs unchanged: no
    // schedule runs during a run); in flight, prev keeps its own until it commits.
    this.version++;
    if (inFlight) {
      // prev is in flight: its commit gives every request a token, as a run commit (O(1)) or,
      // when it emits first tokens, step by step with the run counting it (commitStepwise).
      if (explicit) this.stepwiseBatch = prev;
      else {
        prev.leapCommit = true;
        prev.runSlots = n;
      }
    }
    if (this.extend(out, seq, clock)) return true;
    // Unreachable (extend's conditions are the ones checked above), kept so a failed start leaves nothing behind.
    prev.leapCommit = false;
    this.stepwiseBatch = null;
    this.active = false;
    return false;
  }

  /**
   * `b` was just committed step by step; when it is the batch in flight at the run's start, its
   * commit was the run's first (every request sampled a token): count it, and make its buffer
   * the run's (one-token decodes) for the formations to come.
   */
  afterStepwiseCommit(b: StepBatch): boolean {
    if (b !== this.stepwiseBatch) return false;
    this.stepwiseBatch = null;
    // Its token times were recorded by the step-by-step commit (none to write for this commit).
    this.tokenTimes.synced = this.c + 1;
    const finished = this.commit(0);
    this.tokenTimes.synced = this.c;
    return finished;
  }

  /**
   * Forms the run's next batch into `out`; false when the batch cannot be extended (the run is
   * then ended; requests left out for their last token stay materialised). The time is read from
   * `clock` only when requests are admitted.
   */
  extend(out: StepBatch, seq: number, clock: Clock): boolean {
    const s = this.s;
    this.joinedCount = 0;
    this.countedJoined = false;
    if (this.joiningCount !== 0 && !this.join()) return false;
    // schedule() gives every running request one token before it admits anyone (budget permitting).
    const admit = s.waiting.length !== 0;
    if (admit && this.n >= s.budgetTokens) return false;
    if (this.f >= this.fStop && !this.leaveLastInFlight(out)) return false;
    const f = this.f + 1;
    if (this.blocksNeededAt(f) > s.pool.numFree) return false;
    this.f = f;
    this.cAtF = this.c;
    this.crossBoundaries(f, s);

    const n = this.n;
    // Slots change by removal (rewritten from the first removed slot on) or by requests joining at the end (appended).
    this.writeSlots(out);
    out.size = n;
    out.totalNewTokens = n;
    out.numPrefill = 0;
    out.admittedFrom = n;
    out.seq = seq;
    out.leapF = f;
    out.leapCommit = true;
    out.runSlots = n;
    out.decodePrefix = n;
    out.decodePrefixContext = this.sumC0 + n * (f - 1);
    if (admit) this.admit(out, clock.nowUs);
    return true;
  }

  /**
   * schedule()'s admissions after the run's decodes. Requests admitted join `out` as slots that
   * commit step by step; the batch is then costed slot by slot, the run's decodes by their sums
   * (BatchShape.decodePrefix) where the model reads them, else with their contexts written.
   */
  private admit(out: StepBatch, nowUs: number): void {
    const s = this.s;
    const n = this.n;
    s.admitWaiting(nowUs, out, s.budgetTokens - n);
    if (out.size === n) return;
    if (this.cost.decodePrefix !== true) {
      this.fillContexts(out);
      out.leapF = 0;
      out.decodePrefix = 0;
    }
    for (let k = n; k < out.size; k++) this.joining[this.joiningCount++] = out.reqs[k]!;
  }

  /**
   * Requests admitted at the last formation join the slots (after the run's, in running order)
   * when schedule() would now give them one decode token; false (the run ends) when one needs
   * another prompt chunk or holds its blocks after a prefill (P/D).
   */
  private join(): boolean {
    for (let i = 0; i < this.joiningCount; i++) {
      const r = this.joining[i]!;
      // Aborted, or already finished (its only token sampled).
      if (r.state !== RequestState.Running) continue;
      if (r.inPrefill || r.prefillOnly || r.numTokens + r.pendingTokens - r.computedTokens !== 1) return false;
    }
    for (let i = 0; i < this.joiningCount; i++) {
      const r = this.joining[i]!;
      // Its last token is in flight: schedule() skips it, and that commit finishes it step by step.
      if (r.state !== RequestState.Running || r.outputDone + r.pendingTokens >= r.outputTokens) continue;
      this.addSlot(r);
      // Its prefill is still in flight (asynchronous loop): that commit counts its first token as the run's.
      if (r.outputDone === 0) this.joined[this.joinedCount++] = r;
    }
    this.joiningCount = 0;
    return true;
  }

  /**
   * A request in a committed run batch's step-by-step slots whose counters the run keeps (it
   * joined since that batch was formed): its counters are written as of this commit, which the
   * run counted, instead of being advanced by the caller.
   */
  counts(r: EngineRequest): boolean {
    if (!this.countedJoined) return false;
    for (let i = 0; i < this.joinedCount; i++) {
      if (this.joined[i] !== r) continue;
      this.joined[i] = this.joined[--this.joinedCount]!;
      // It holds its slot (it joined at the formation before this commit and nothing left since).
      if (r.runStamp < 0) return false;
      this.materialise(r.runCell);
      return true;
    }
    return false;
  }

  /**
   * Commits a run batch ending at `nowUs`: every request in it samples one token. True when that
   * finished some (their state is Finished: the instance reports and frees them in running order).
   */
  commit(nowUs: number): boolean {
    const c = ++this.c;
    // Requests that joined at the last formation have their first token in this commit.
    this.countedJoined = this.joinedCount !== 0;
    if (this.tokenTimes.enabled) this.tokenTimes.noteCommit(c, nowUs);
    this.noteFilledBlocks(c);
    let finished = false;
    if (this.leavingCount !== 0) {
      // Left out at the last formation, their last token is this commit's (as the step-by-step commit samples it).
      for (let i = 0; i < this.leavingCount; i++) this.commitLast(this.leaving[i]!, nowUs);
      this.leavingCount = 0;
      finished = true;
    }
    if (c >= this.cFinish) {
      // The synchronous loop: requests whose last token this commit sampled finish (their finish
      // stops come off the heap in any order: each is written out on its own, and the instance
      // reports them in running order, finished.ts).
      const cells = this.leavers;
      let count = 0;
      while (this.finishes.min() <= c) cells[count++] = this.finishes.popMin().runCell;
      for (let i = 0; i < count; i++) {
        const cell = cells[i]!;
        const r = this.cellReq[cell]!;
        this.materialise(cell);
        r.state = RequestState.Finished;
        this.s.justFinished.push(r);
        this.markGone(cell);
      }
      this.removeSlots(null);
      finished = true;
    }
    return finished;
  }

  /** Writes every running request's counters (and recorded token times) as of now; the run goes on. */
  syncRequests(): void {
    if (!this.active) return;
    for (let k = 0; k < this.n; k++) this.materialise(this.order[k]!);
    this.tokenTimes.synced = this.c;
  }

  /** Writes the counters (and token times not yet recorded) of the request in `cell` as of now. */
  private materialise(cell: number): void {
    const f = this.f;
    const c = this.c;
    const r = this.cellReq[cell]!;
    r.computedTokens = this.c0[cell]! + f;
    r.pendingTokens = this.p0[cell]! + f - c;
    r.outputDone = this.o0[cell]! + c;
    r.numTokens = this.n0[cell]! + c;
    this.catchUp(r, cell);
    if (this.tokenTimes.enabled) this.tokenTimes.record(r, this.o0[cell]!, c);
  }

  /**
   * A formation while some requests' last token is in flight: they are materialised and leave the
   * slots (vLLM skips them); false when every request would (the step-by-step path forms that batch).
   */
  private leaveLastInFlight(out: StepBatch): boolean {
    const f = this.f;
    const leavers = this.leavers;
    let left = 0;
    // A slot's last token is in flight once formations reach cLast − p0 (outputs + placeholders =
    // output tokens): those stops come off the heap (usually one slot of many), in any order (the
    // next commit finishes them, and the instance reports them in running order, finished.ts).
    while (this.stops.min() <= f) leavers[left++] = this.stops.popMin().runCell;
    if (left === this.n) {
      // Every request would leave: the step-by-step path forms that batch (the stops go back).
      for (let i = 0; i < left; i++) {
        const cell = leavers[i]!;
        this.stops.push(this.cLast[cell]! - this.p0[cell]!, this.cellReq[cell]!.runStamp, this.cellReq[cell]!);
      }
      return false;
    }
    for (let i = 0; i < left; i++) {
      const cell = leavers[i]!;
      this.materialise(cell);
      this.leaving[this.leavingCount++] = this.cellReq[cell]!;
      this.markGone(cell);
    }
    this.removeSlots(out);
    return true;
  }

  /** The step-by-step commit of a request's last token (Instance.commitStep), for one that left the slots. */
  private commitLast(r: EngineRequest, nowUs: number): void {
    r.pendingTokens--;
    r.outputDone++;
    r.numTokens++;
    if (r.outputDone < r.outputTokens) throw new Error(`decode run: request ${r.src.id} left with ${r.outputTokens - r.outputDone} tokens to go`);
    if (this.tokenTimes.enabled) this.tokenTimes.recordOne(r, r.outputDone, nowUs);
    r.state = RequestState.Finished;
    this.s.justFinished.push(r);
  }

  /**
   * Drops the slots marked gone (order kept). The batches formed so far get their per-slot
   * contexts written (their slots no longer match the run's), except `reformed`, which the run
   * is about to form into; then the slots go (RunSlots.compactSlots).
   */
  private removeSlots(reformed: StepBatch | null): void {
    for (let i = 0; i < this.batches.length; i++) {
      const b = this.batches[i]!;
      if (b !== reformed) this.fillContexts(b);
      b.leapF = 0;
    }
    this.compactSlots();
  }

  /** Ends the run: counters materialised, in-flight run batches given their per-slot contexts. */
  end(a: StepBatch, b: StepBatch): void {
    if (!this.active) return;
    this.syncRequests();
    this.fillContexts(a);
    this.fillContexts(b);
    a.leapF = 0;
    b.leapF = 0;
    a.leapCommit = false;
    b.leapCommit = false;
    this.stepwiseBatch = null;
    // Requests left out for their last token are materialised; the batch in flight commits it step by step.
    this.leavingCount = 0;
    this.joiningCount = 0;
    if (this.countedJoined) {
      // A listener of the commit in progress ended the run (an abort): the first tokens it counted
      // for requests the instance has not reached yet go back, and that commit advances them step by step.
      for (let i = 0; i < this.joinedCount; i++) {
        const r = this.joined[i]!;
        r.outputDone--;
        r.numTokens--;
        r.pendingTokens++;
      }
    }
    this.joinedCount = 0;
    this.countedJoined = false;
    this.active = false;
  }

}

