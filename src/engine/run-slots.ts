/**
 * The slots of a decode run (decode-run.ts): for each request in the run, in running order, its
 * counters when it joined as a baseline against the run's formation and commit counters (f, c),
 * and the calendars of its block boundaries, with the work a formation and a commit do at them
 * (a new block, a full block registered). A request joins at the end (its slot the highest) and
 * leaves from anywhere (the slots after it move down, order kept), so both calendars (slots by
 * phase, then slot) are kept sorted by appending and by renumbering in place, never re-sorted.
 */
import type { InstanceConfig } from './config.js';
import type { EngineRequest } from './engine-request.js';
import type { Scheduler } from './scheduler.js';
import type { StepBatch } from './step-batch.js';
import { NEVER, RunStops } from './run-stops.js';

export { NEVER };

export class RunSlots {
  /** Formations and commits since the run started. */
  protected f = 0;
  protected c = 0;
  protected n = 0;
  /** The run's requests in slot order (running order without the leaving ones). */
  protected readonly reqs: EngineRequest[];
  /** Per slot, as of formation 0 and commit 0 of the run: computed tokens, placeholders, output tokens, known tokens. */
  protected readonly c0: Int32Array;
  protected readonly p0: Int32Array;
  protected readonly o0: Int32Array;
  /** Per slot: the commit that samples its last token (output tokens − o0), and its epoch. */
  protected readonly cLast: Int32Array;
  protected readonly ep: Int32Array;
  protected readonly n0: Int32Array;
  /** Per slot: the formation that needs its next block; the commit after which its next full block registers. */
  protected readonly allocAtF: Int32Array;
  protected readonly registerAtC: Int32Array;
  /** Slots marked to leave (and how many), dropped by compactSlots. */
  protected readonly gone: Uint8Array;
  protected goneCount = 0;
  /** Per slot: 1 when it is in the registration calendar (its phase is −known tokens mod blockSize). */
  protected readonly inRegCalendar: Uint8Array;
  protected sumC0 = 0;
  /** At formation fStop + 1 some request has its last token in flight (it leaves the slots). */
  protected fStop = 0;
  /** The commit that samples some request's last token (it finishes). */
  protected cFinish = 0;
  /** Each slot's (cLast − p0) and cLast, whose least are fStop and cFinish; entries carry the slot's join stamp. */
  private readonly stops: RunStops;
  private readonly finishes: RunStops;
  /** Join stamps (EngineRequest.runStamp), never reused. */
  private stamp = 0;
  /** Calendars: slots ordered by (phase, slot); phase k's slots are order[start[k] .. start[k+1]). */
  protected readonly allocOrder: Int32Array;
  protected readonly allocStart: Int32Array;
  protected readonly regOrder: Int32Array;
  protected readonly regStart: Int32Array;
  /** Slots whose next block filled at the last commits, ascending: registered at the next formation. */
  protected readonly regDue: Int32Array;
  protected regDueCount = 0;
  /** Bumped when a run starts; a batch whose runVersion differs is rewritten before the run forms into it. */
  protected version = 0;
  /** The instance's two batch buffers (the one on the GPU and the one formed behind it). */
  protected batches: StepBatch[] = [];
  protected readonly bs: number;
  protected readonly caching: boolean;
  /**
   * Private registration is deferred on this instance (KvCacheManager.defersPrivate): a slot whose
   * request defers it and has no shared block left to register is kept out of the registration
   * calendar, and its registered count is brought up to date when it is materialised (catchUp).
   */
  protected deferring = false;
  /** The commit count at the latest formation (the known tokens a formation registers up to: n0 + cAtF). */
  protected cAtF = 0;

  constructor(cfg: InstanceConfig) {
    const cap = cfg.maxNumSeqs;
    this.bs = cfg.blockSize;
    this.c0 = new Int32Array(cap);
    this.p0 = new Int32Array(cap);
    this.o0 = new Int32Array(cap);
    this.cLast = new Int32Array(cap);
    this.ep = new Int32Array(cap);
    this.n0 = new Int32Array(cap);
    this.allocAtF = new Int32Array(cap);
    this.registerAtC = new Int32Array(cap);
    this.gone = new Uint8Array(cap);
    this.inRegCalendar = new Uint8Array(cap);
    // Fixed-size (never shrunk or grown: n says how many entries count).
    this.reqs = new Array<EngineRequest>(cap);
    this.allocOrder = new Int32Array(cap);
    this.regOrder = new Int32Array(cap);
    this.regDue = new Int32Array(cap);
    this.allocStart = new Int32Array(this.bs + 1);
    this.regStart = new Int32Array(this.bs + 1);
    this.caching = cfg.enablePrefixCaching;
    this.stops = new RunStops(cap);
    this.finishes = new RunStops(cap);
  }

  /** No slots, no formations or commits. */
  protected resetSlots(): void {
    this.n = 0;
    this.f = 0;
    this.c = 0;
    this.regDueCount = 0;
    this.sumC0 = 0;
    this.fStop = NEVER;
    this.cFinish = NEVER;
    this.stops.clear();
    this.finishes.clear();
    this.cAtF = 0;
    this.allocStart.fill(0);
    this.regStart.fill(0);
  }

  /** Appends r (after every slot in running order) with its counters as of now as the slot's baseline. */
  protected addSlot(r: EngineRequest): void {
    const f = this.f;
    const c = this.c;
    const bs = this.bs;
    const k = this.n++;
    this.reqs[k] = r;
    const c0 = r.computedTokens - f;
    const p0 = r.pendingTokens - f + c;
    const o0 = r.outputDone - c;
    const last = r.outputTokens - o0;
    this.c0[k] = c0;
    this.p0[k] = p0;
    this.o0[k] = o0;
    this.n0[k] = r.numTokens - c;
    this.cLast[k] = last;
    this.ep[k] = r.epoch;
    this.sumC0 += c0;
    const stamp = ++this.stamp;
    r.runStamp = stamp;
    this.stops.push(last - p0, stamp, r);
    this.finishes.push(last, stamp, r);
    if (last < this.cFinish) this.cFinish = last;
    if (last - p0 < this.fStop) this.fStop = last - p0;
    // The formation whose token passes its blocks; the commit after which its next block is full of known tokens.
    const alloc = r.numBlocks * bs - c0 + 1;
    this.allocAtF[k] = alloc;
    const reg = this.nextRegistration(r, k);
    this.registerAtC[k] = reg;
    if (reg <= c) this.pushDue(k);
    // The highest slot: last in its phase's bucket.
    appendToCalendar(this.allocOrder, this.allocStart, bs, k, mod(alloc, bs));
    this.inRegCalendar[k] = reg !== NEVER ? 1 : 0;
    if (reg !== NEVER) appendToCalendar(this.regOrder, this.regStart, bs, k, mod(reg, bs));
  }

  /** Marks slot k to be dropped by the next compactSlots. */
  protected markGone(k: number): void {
    this.gone[k] = 1;
    this.goneCount++;
  }

  /**
   * Drops the slots marked gone (order kept), highest first: each removal moves only the slots
   * above it, and the calendars keep their order with the slots renumbered.
   */
  protected compactSlots(): void {
    const gone = this.gone;
    for (let k = this.n - 1; k >= 0 && this.goneCount > 0; k--) if (gone[k] === 1) this.removeSlot(k);
  }

  /** Drops slot k: the arrays above it move down with memmoves, one pass renumbers the calendars. */
  private removeSlot(k: number): void {
    const n = this.n;
    const bs = this.bs;
    this.gone[k] = 0;
    this.goneCount--;
    const alloc = this.allocAtF[k]!;
    // In the registration calendar from its joining on, even once it has no block left to register (NEVER).
    const regPhase = this.inRegCalendar[k] === 1 ? mod(-this.n0[k]!, bs) : -1;
    this.sumC0 -= this.c0[k]!;
    this.reqs[k]!.runStamp = -1;
    if (k + 1 < n) {
      // A plain loop: copyWithin on a JS array is the generic (per-element property) path.
      const reqs = this.reqs;
      for (let j = k + 1; j < n; j++) reqs[j - 1] = reqs[j]!;
      this.c0.copyWithin(k, k + 1, n);
      this.p0.copyWithin(k, k + 1, n);
      this.o0.copyWithin(k, k + 1, n);
      this.cLast.copyWithin(k, k + 1, n);
      this.ep.copyWithin(k, k + 1, n);
      this.n0.copyWithin(k, k + 1, n);
      this.allocAtF.copyWithin(k, k + 1, n);
      this.registerAtC.copyWithin(k, k + 1, n);
      this.inRegCalendar.copyWithin(k, k + 1, n);
    }
    const m = n - 1;
    this.n = m;
    const due = this.regDue;
    let d = 0;
    for (let j = 0; j < this.regDueCount; j++) {
      const v = due[j]!;
      if (v !== k) due[d++] = v > k ? v - 1 : v;
    }
    this.regDueCount = d;
    dropFromBucket(this.allocOrder, this.allocStart, bs, k, mod(alloc, bs));
    if (regPhase >= 0) dropFromBucket(this.regOrder, this.regStart, bs, k, regPhase);
    // Both calendars' slots above k move down one (the allocation calendar holds every slot, the
    // registration one at most as many), without a branch: whether an entry lies above k is a coin
    // toss, which a branch mispredicts half the time. (k − x) >>> 31 is 1 when x > k.
    const allocOrder = this.allocOrder;
    const regOrder = this.regOrder;
    const regTotal = this.regStart[bs]!;
    for (let w = 0; w < m; w++) allocOrder[w] = allocOrder[w]! - ((k - allocOrder[w]!) >>> 31);
    for (let w = 0; w < regTotal; w++) regOrder[w] = regOrder[w]! - ((k - regOrder[w]!) >>> 31);
    // The run's next stops, among the slots that remain.
    this.fStop = this.stops.min();
    this.cFinish = this.finishes.min();
    this.keepWrittenBelow(k);
  }

  /**
   * Slots from k on moved (a removal): the batches keep their slots below k as written (reqs and
   * epochs; the one-token decode fields are the same in every run slot, so they stay written up
   * to the run's new size) and the run rewrites the rest when it forms into them.
   */
  private keepWrittenBelow(k: number): void {
    for (let i = 0; i < this.batches.length; i++) {
      const b = this.batches[i]!;
      if (b.runWritten > k) b.runWritten = k;
      if (b.runDecodesWritten > this.n) b.runDecodesWritten = this.n;
    }
  }

  /** Writes the run's slots into `out` as one-token decodes that all sample, with their epochs, where it does not hold them yet. */
  protected writeSlots(out: StepBatch): void {
    const n = this.n;
    if (out.runVersion !== this.version) {
      out.runVersion = this.version;
      out.runWritten = 0;
      out.runDecodesWritten = 0;
    }
    const reqs = this.reqs;
    const ep = this.ep;
    for (let k = out.runWritten; k < n; k++) {
      out.reqs[k] = reqs[k]!;
      out.epochs[k] = ep[k]!;
    }
    // Usually a slot or two (the requests that joined): a plain loop costs less than three builtin fill calls.
    const newTokens = out.newTokens;
    const isPrefill = out.isPrefill;
    const sampled = out.sampled;
    for (let k = out.runDecodesWritten; k < n; k++) {
      newTokens[k] = 1;
      isPrefill[k] = 0;
      sampled[k] = 1;
    }
    out.runWritten = n;
    out.runDecodesWritten = n;
  }

  /** Writes a run batch's per-slot contexts (what the step-by-step path would have written). */
  fillContexts(b: StepBatch): void {
    if (b.leapF <= 0) return;
    const ctx = b.contextTokens;
    const d = b.leapF - 1;
    for (let k = 0; k < b.runSlots; k++) ctx[k] = this.c0[k]! + d;
  }

  /** Slots whose computed tokens pass their blocks at formation f (each needs one new block). */
  protected blocksNeededAt(f: number): number {
    const ph = f % this.bs;
    let need = 0;
    for (let i = this.allocStart[ph]!, e = this.allocStart[ph + 1]!; i < e; i++) if (this.allocAtF[this.allocOrder[i]!] === f) need++;
    return need;
  }

  /**
   * Formation f's block work in slot order, each slot's allocation before its registration (as
   * Scheduler.extendDecodeBatch): slots passing their blocks get one from the pool, slots whose
   * next block filled at the last commits register it (cacheFullBlocks with their known tokens).
   */
  protected crossBoundaries(f: number, s: Scheduler): void {
    const bs = this.bs;
    const ph = f % bs;
    const a1 = this.allocStart[ph + 1]!;
    const due = this.regDue;
    const nd = this.regDueCount;
    let i = this.allocStart[ph]!;
    let j = 0;
    for (;;) {
      while (i < a1 && this.allocAtF[this.allocOrder[i]!] !== f) i++;
      const ka = i < a1 ? this.allocOrder[i]! : NEVER;
      const kr = j < nd ? due[j]! : NEVER;
      if (ka === NEVER && kr === NEVER) break;
      if (ka <= kr) {
        const r = this.reqs[ka]!;
        r.blocks[r.numBlocks++] = s.pool.allocate();
        this.allocAtF[ka] = f + bs;
        i++;
      }
      if (kr <= ka) {
        const r = this.reqs[kr]!;
        r.numTokens = this.n0[kr]! + this.c;
        s.cacheFullBlocks(r, this.c0[kr]! + f);
        // The phase is fixed (−known tokens mod blockSize), so the slot stays in its calendar bucket.
        this.registerAtC[kr] = this.nextRegistration(r, kr);
        j++;
      }
    }
    this.regDueCount = 0;
  }

  /** Commit c filled some slots' next blocks with known tokens: they register at the next formation. */
  protected noteFilledBlocks(c: number): void {
    const ph = c % this.bs;
    const at = this.registerAtC;
    for (let i = this.regStart[ph]!, e = this.regStart[ph + 1]!; i < e; i++) {
      const k = this.regOrder[i]!;
      if (at[k] === c) this.pushDue(k);
    }
  }

  /** The commit number after which request k's next block is full of known tokens, or NEVER (also when catchUp counts them instead). */
  protected nextRegistration(r: EngineRequest, k: number): number {
    if (!this.caching || (this.deferring && r.deferPrivate && r.numHashedBlocks >= r.sharedBlocks)) return NEVER;
    const next = r.numHashedBlocks + 1;
    if (next > r.numHashBlocks) return NEVER;
    return next * this.bs - this.n0[k]!;
  }

  /**
   * Slot k's registered count as the calendar would have left it (every formation registers the
   * blocks full of known tokens, n0 + commits so far: cacheFullBlocks), for a request whose private
   * registration is deferred and so touches nothing in the pool (registerFullBlocks): what the
   * count decides is only which blocks registerDeferred puts in the pool if it is preempted.
   */
  protected catchUp(r: EngineRequest, k: number): void {
    if (!this.deferring || !r.deferPrivate) return;
    const full = Math.min(r.numHashBlocks, Math.floor((this.n0[k]! + this.cAtF) / this.bs));
    if (full > r.numHashedBlocks) r.numHashedBlocks = full;
  }

  /** Marks slot k due for registration at the next formation (the due list stays ascending). */
  protected pushDue(k: number): void {
    const due = this.regDue;
    let i = this.regDueCount++;
    while (i > 0 && due[i - 1]! > k) {
      due[i] = due[i - 1]!;
      i--;
    }
    due[i] = k;
  }
}

export function mod(x: number, m: number): number {
  const r = x % m;
  return r < 0 ? r + m : r;
}

/** Appends slot k (higher than every slot in it) to phase p's bucket of a calendar. */
function appendToCalendar(order: Int32Array, start: Int32Array, bs: number, k: number, p: number): void {
  const at = start[p + 1]!;
  order.copyWithin(at + 1, at, start[bs]!);
  order[at] = k;
  for (let q = p + 1; q <= bs; q++) start[q]!++;
}

/** Drops slot k from phase p's bucket of a calendar (the caller renumbers the slots above it). */
function dropFromBucket(order: Int32Array, start: Int32Array, bs: number, k: number, p: number): void {
  const total = start[bs]!;
  let i = start[p]!;
  const end = start[p + 1]!;
  while (i < end && order[i] !== k) i++;
  if (i === end) throw new Error(`decode run: slot ${k} missing from its calendar bucket ${p}`);
  order.copyWithin(i, i + 1, total);
  for (let q = p + 1; q <= bs; q++) start[q]!--;
}
