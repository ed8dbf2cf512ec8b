/**
 * The slots of a decode run (decode-run.ts): for each request in the run, in running order, its
 * counters when it joined as a baseline against the run's formation and commit counters (f, c),
 * and the calendars of its block boundaries, with the work a formation and a commit do at them
 * (a new block, a full block registered).
 *
 * A slot's figures live in a cell that does not move while the request holds it; the running
 * order is a list of cells. Requests join at the end, so the order is join order (the join stamp,
 * EngineRequest.runStamp, ascending), and the calendars (cells by phase, then join order) stay
 * sorted by appending. A request leaving from anywhere costs one pass over the order list from
 * its position and the removal of its calendar entries: no per-slot figure moves and no calendar
 * is renumbered (at ~1,000 running requests, H100's default max_num_seqs of 1,024, moving nine
 * per-slot arrays and renumbering both calendars at every departure was the largest cost of a run).
 */
import type { InstanceConfig } from './config.js';
import type { EngineRequest } from './engine-request.js';
import type { Scheduler } from './scheduler.js';
import type { StepBatch } from './step-batch.js';
import { NEVER, RunStops } from './run-stops.js';
import { appendToCalendar, dropFromBucket, mod } from './run-calendar.js';

export { NEVER };

export class RunSlots {
  /** Formations and commits since the run started. */
  protected f = 0;
  protected c = 0;
  /** Slots (requests in the run). */
  protected n = 0;
  /** Slot k's cell, k < n: the running order. */
  protected readonly order: Int32Array;
  /** Per cell: its request, and the join stamp it holds the cell under (EngineRequest.runStamp). */
  protected readonly cellReq: EngineRequest[];
  private readonly cellStamp: Int32Array;
  /** Per cell, as of formation 0 and commit 0 of the run: computed tokens, placeholders, output tokens, known tokens. */
  protected readonly c0: Int32Array;
  protected readonly p0: Int32Array;
  protected readonly o0: Int32Array;
  /** Per cell: the commit that samples its last token (output tokens − o0), and its epoch. */
  protected readonly cLast: Int32Array;
  protected readonly ep: Int32Array;
  protected readonly n0: Int32Array;
  /** Per cell: the formation that needs its next block; the commit after which its next full block registers. */
  protected readonly allocAtF: Int32Array;
  protected readonly registerAtC: Int32Array;
  /** Per cell: 1 when in the registration calendar (its phase is −known tokens mod blockSize). */
  protected readonly inRegCalendar: Uint8Array;
  /** Cells marked to leave (flag per cell, and the list), dropped by compactSlots. */
  private readonly gone: Uint8Array;
  private readonly goneCells: Int32Array;
  protected goneCount = 0;
  /** Cells given back by requests that left (reused first), and the first never used. */
  private readonly freeCells: Int32Array;
  private freeCount = 0;
  private fresh = 0;
  protected sumC0 = 0;
  /** At formation fStop + 1 some request has its last token in flight (it leaves the slots). */
  protected fStop = 0;
  /** The commit that samples some request's last token (it finishes). */
  protected cFinish = 0;
  /** Each slot's (cLast − p0) and cLast, whose least are fStop and cFinish; entries carry the slot's join stamp. */
  protected readonly stops: RunStops;
  protected readonly finishes: RunStops;
  /** Join stamps (EngineRequest.runStamp), never reused. */
  private stamp = 0;
  /** Calendars: cells ordered by (phase, join order); phase k's cells are order[start[k] .. start[k+1]). */
  protected readonly allocOrder: Int32Array;
  protected readonly allocStart: Int32Array;
  protected readonly regOrder: Int32Array;
  protected readonly regStart: Int32Array;
  /** Cells whose next block filled at the last commits, in join order: registered at the next formation. */
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
    this.order = new Int32Array(cap);
    this.cellStamp = new Int32Array(cap);
    this.c0 = new Int32Array(cap);
    this.p0 = new Int32Array(cap);
    this.o0 = new Int32Array(cap);
    this.cLast = new Int32Array(cap);
    this.ep = new Int32Array(cap);
    this.n0 = new Int32Array(cap);
    this.allocAtF = new Int32Array(cap);
    this.registerAtC = new Int32Array(cap);
    this.inRegCalendar = new Uint8Array(cap);
    this.gone = new Uint8Array(cap);
    this.goneCells = new Int32Array(cap);
    this.freeCells = new Int32Array(cap);
    // Fixed-size (never shrunk or grown).
    this.cellReq = new Array<EngineRequest>(cap);
    this.allocOrder = new Int32Array(cap);
    this.regOrder = new Int32Array(cap);
    this.regDue = new Int32Array(cap);
    this.allocStart = new Int32Array(this.bs + 1);
    this.regStart = new Int32Array(this.bs + 1);
    this.caching = cfg.enablePrefixCaching;
    this.stops = new RunStops(cap);
    this.finishes = new RunStops(cap);
  }

  /** No slots, no formations or commits (every cell free). */
  protected resetSlots(): void {
    this.n = 0;
    this.f = 0;
    this.c = 0;
    this.freeCount = 0;
    this.fresh = 0;
    this.goneCount = 0;
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
    const cell = this.freeCount > 0 ? this.freeCells[--this.freeCount]! : this.fresh++;
    this.order[this.n++] = cell;
    this.cellReq[cell] = r;
    const c0 = r.computedTokens - f;
    const p0 = r.pendingTokens - f + c;
    const o0 = r.outputDone - c;
    const last = r.outputTokens - o0;
    this.c0[cell] = c0;
    this.p0[cell] = p0;
    this.o0[cell] = o0;
    this.n0[cell] = r.numTokens - c;
    this.cLast[cell] = last;
    this.ep[cell] = r.epoch;
    this.sumC0 += c0;
    const stamp = ++this.stamp;
    r.runStamp = stamp;
    r.runCell = cell;
    this.cellStamp[cell] = stamp;
    this.stops.push(last - p0, stamp, r);
    this.finishes.push(last, stamp, r);
    if (last < this.cFinish) this.cFinish = last;
    if (last - p0 < this.fStop) this.fStop = last - p0;
    // The formation whose token passes its blocks; the commit after which its next block is full of known tokens.
    const alloc = r.numBlocks * bs - c0 + 1;
    this.allocAtF[cell] = alloc;
    const reg = this.nextRegistration(r, cell);
    this.registerAtC[cell] = reg;
    if (reg <= c) this.pushDue(cell);
    // The latest to join: last in its phase's bucket.
    appendToCalendar(this.allocOrder, this.allocStart, bs, cell, mod(alloc, bs));
    this.inRegCalendar[cell] = reg !== NEVER ? 1 : 0;
    if (reg !== NEVER) appendToCalendar(this.regOrder, this.regStart, bs, cell, mod(reg, bs));
  }

  /** Marks cell's slot to be dropped by the next compactSlots. */
  protected markGone(cell: number): void {
    this.gone[cell] = 1;
    this.goneCells[this.goneCount++] = cell;
  }

  /**
   * Drops the slots marked gone (order kept): one pass over the order list from the first of
   * them, their calendar entries and due registrations removed, their cells freed.
   */
  protected compactSlots(): void {
    const g = this.goneCount;
    if (g === 0) return;
    const gone = this.gone;
    const order = this.order;
    const n = this.n;
    let first = n;
    for (let i = 0; i < g; i++) {
      const cell = this.goneCells[i]!;
      const at = this.slotOf(cell);
      if (at < first) first = at;
      // Its index in the running list too while nothing else changed it (finished.ts checks before trusting it).
      this.cellReq[cell]!.runningHint = at;
    }
    let w = first;
    for (let p = first; p < n; p++) {
      const cell = order[p]!;
      if (gone[cell] === 0) order[w++] = cell;
    }
    this.n = w;
    const due = this.regDue;
    let d = 0;
    for (let j = 0; j < this.regDueCount; j++) if (gone[due[j]!] === 0) due[d++] = due[j]!;
    this.regDueCount = d;
    for (let i = 0; i < g; i++) this.dropCell(this.goneCells[i]!);
    this.goneCount = 0;
    // The run's next stops, among the slots that remain.
    this.fStop = this.stops.min();
    this.cFinish = this.finishes.min();
    this.keepWrittenBelow(first);
  }

  /** Slot position of a cell in the run (the order list is in join-stamp order: a binary search). */
  private slotOf(cell: number): number {
    const order = this.order;
    const stamps = this.cellStamp;
    const s = stamps[cell]!;
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (stamps[order[mid]!]! < s) lo = mid + 1;
      else hi = mid;
    }
    if (order[lo] !== cell) throw new Error(`decode run: cell ${cell} is not in the running order`);
    return lo;
  }

  /** A cell's request leaves: out of both calendars, its cell free for the next to join. */
  private dropCell(cell: number): void {
    const bs = this.bs;
    const r = this.cellReq[cell]!;
    r.runStamp = -1;
    r.runCell = -1;
    this.sumC0 -= this.c0[cell]!;
    dropFromBucket(this.allocOrder, this.allocStart, bs, cell, mod(this.allocAtF[cell]!, bs));
    // In the registration calendar from its joining on, even once it has no block left to register (NEVER).
    if (this.inRegCalendar[cell] === 1) dropFromBucket(this.regOrder, this.regStart, bs, cell, mod(-this.n0[cell]!, bs));
    this.gone[cell] = 0;
    this.freeCells[this.freeCount++] = cell;
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
    const order = this.order;
    const reqs = this.cellReq;
    const ep = this.ep;
    for (let k = out.runWritten; k < n; k++) {
      const cell = order[k]!;
      out.reqs[k] = reqs[cell]!;
      out.epochs[k] = ep[cell]!;
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
    const order = this.order;
    const d = b.leapF - 1;
    for (let k = 0; k < b.runSlots; k++) ctx[k] = this.c0[order[k]!]! + d;
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
   * Both lists are in join order, merged by join stamp.
   */
  protected crossBoundaries(f: number, s: Scheduler): void {
    const bs = this.bs;
    const ph = f % bs;
    const a1 = this.allocStart[ph + 1]!;
    const due = this.regDue;
    const nd = this.regDueCount;
    const stamps = this.cellStamp;
    let i = this.allocStart[ph]!;
    let j = 0;
    for (;;) {
      while (i < a1 && this.allocAtF[this.allocOrder[i]!] !== f) i++;
      const ka = i < a1 ? this.allocOrder[i]! : -1;
      const kr = j < nd ? due[j]! : -1;
      if (ka < 0 && kr < 0) break;
      const sa = ka < 0 ? NEVER : stamps[ka]!;
      const sr = kr < 0 ? NEVER : stamps[kr]!;
      if (sa <= sr) {
        const r = this.cellReq[ka]!;
        r.blocks[r.numBlocks++] = s.pool.allocate();
        this.allocAtF[ka] = f + bs;
        i++;
      }
      if (sr <= sa) {
        const r = this.cellReq[kr]!;
        r.numTokens = this.n0[kr]! + this.c;
        s.cacheFullBlocks(r, this.c0[kr]! + f);
        // The phase is fixed (−known tokens mod blockSize), so the cell stays in its calendar bucket.
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
      const cell = this.regOrder[i]!;
      if (at[cell] === c) this.pushDue(cell);
    }
  }

  /** The commit number after which the request in `cell` has its next block full of known tokens, or NEVER (also when catchUp counts them instead). */
  protected nextRegistration(r: EngineRequest, cell: number): number {
    if (!this.caching || (this.deferring && r.deferPrivate && r.numHashedBlocks >= r.sharedBlocks)) return NEVER;
    const next = r.numHashedBlocks + 1;
    if (next > r.numHashBlocks) return NEVER;
    return next * this.bs - this.n0[cell]!;
  }

  /**
   * The registered count of the request in `cell` as the calendar would have left it (every
   * formation registers the blocks full of known tokens, n0 + commits so far: cacheFullBlocks), for
   * a request whose private registration is deferred and so touches nothing in the pool
   * (registerFullBlocks): what the count decides is only which blocks registerDeferred puts in the
   * pool if it is preempted.
   */
  protected catchUp(r: EngineRequest, cell: number): void {
    if (!this.deferring || !r.deferPrivate) return;
    const full = Math.min(r.numHashBlocks, Math.floor((this.n0[cell]! + this.cAtF) / this.bs));
    if (full > r.numHashedBlocks) r.numHashedBlocks = full;
  }

  /** Marks a cell due for registration at the next formation (the due list stays in join order). */
  protected pushDue(cell: number): void {
    const due = this.regDue;
    const stamps = this.cellStamp;
    const s = stamps[cell]!;
    let i = this.regDueCount++;
    while (i > 0 && stamps[due[i - 1]!]! > s) {
      due[i] = due[i - 1]!;
      i--;
    }
    due[i] = cell;
  }
}
