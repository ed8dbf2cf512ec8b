/**
 * A run's memo of prefix-level hash chains, so a prefix is hashed once rather than by every
 * request that carries it (a system prompt by each of its requests, a long session's context by
 * each of its turns, which made a session's hashing quadratic in its turns).
 *
 * Why it is exact: in requestBlockHashes a block inside a prefix level (or a continuing session
 * turn's answer block) has content (level's two string lanes, block index b), the level being
 * the first outer level that covers the block, else the innermost. Whether an outer level covers
 * block b is whether its full blocks, clipped to the prompt, number more than b: clipping changes
 * nothing for a block inside the prompt, and puts every continuing answer's block (past the
 * prompt) in the innermost level, as requestBlockHashes has it. So the chain over those blocks is
 * a function of the levels' lanes and the outer levels' clipped full blocks, whatever the block
 * size: that is a chain's key (its "shape"), compared in full, so a request gets from the memo
 * exactly what it would compute. The first n levels of a request have a shape of their own, whose
 * chain is the request's over the blocks those levels cover (requestBlockHashes keys a short
 * session context by the levels outside it). Whether a level is `exclusive` is read from each request.
 *
 * All of it lives in typed arrays, so the memo costs the collector nothing (chains as objects in
 * a Map cost more in allocation, collection and lookups than the hashing they saved):
 *  - a log of memoised blocks (lane A after the block, and the joined hash, whose low 32 bits are
 *    lane B), written in order and reused from its start when full. A chain is one run of the
 *    log; a chain that grows and is not at the log's end moves there (a copy, far cheaper than
 *    hashing). A chain whose run the log has written over is gone: its next request hashes it
 *    afresh. Positions are absolute (the slot is the position modulo the log's length), so
 *    "written over" is "starts more than one log length before the write position".
 *  - a 4-way set-associative table of chains, a set chosen by a hash of the key; a new chain
 *    takes a set's empty way, else the way whose run is oldest.
 * Bounds: `maxBlocks` logged blocks (12 bytes each: the default 2^20 is 12 MiB, a thousand
 * sessions' contexts of 1,000 blocks) and `maxBlocks / 16` chains (64 bytes each, 4 MiB); one
 * chain holds at most `maxBlocks / 4` blocks; prefixes more than MAX_LEVELS deep are not
 * memoised. Both are allocated when first needed (a run without prefixes never does).
 */
/** A prefix level as the memo reads it: its string lanes and its tokens clipped to the prompt. */
export interface ShapeLevel {
  readonly tokens: number;
  readonly a: number;
  readonly b: number;
}

/** Deepest prefix memoised (the workload generator makes two: a session under a system prompt). */
const MAX_LEVELS = 4;
const WAYS = 4;
/** A chain's row (16 int32s, one 64-byte cache line): levels (0: an empty way), blocks, first log position, then its key: each level's two lanes and each outer level's clipped full blocks. */
const ROW = 16;
const DEPTH = 0;
const BLOCKS = 1;
const START = 2;
const LANES = 3;
const CUTS = LANES + 2 * MAX_LEVELS;

export class PrefixHashMemo {
  /** Per log slot: lane A after the block (as int32: the chain's mix reads it so), and the joined hash. */
  private laneA = new Int32Array(0);
  private hashes = new Float64Array(0);
  private readonly maxBlocks: number;
  private readonly sets: number;
  /** Positions are moved back by whole log lengths before they reach this (they are int32s). */
  private readonly rebaseAt: number;
  /** The chains' rows, WAYS to a set; a chain is named by its row's offset. */
  private rows = new Int32Array(0);
  /** The next log position written (its slot: modulo the log's length). */
  private write = 0;
  /** The set the last `find` looked in (where `add` puts a chain). */
  private set = 0;

  constructor(maxBlocks = 1 << 20, rebaseAt = 1 << 30) {
    this.maxBlocks = Math.max(64, maxBlocks);
    // A power of two, so a set is a mask of the key's hash.
    this.sets = 2 ** Math.floor(Math.log2(this.maxBlocks >> 6));
    this.rebaseAt = rebaseAt;
  }

  /** The chain of the shape of `levels`' first `n` (outermost first, tokens clipped to the prompt), or -1. */
  find(levels: readonly ShapeLevel[], n: number, blockSize: number): number {
    if (n > MAX_LEVELS) return -1;
    if (this.rows.length === 0) this.rows = new Int32Array(this.sets * WAYS * ROW);
    let h = 0x3c6ef372;
    for (let k = 0; k < n; k++) {
      const lv = levels[k]!;
      h = Math.imul(h ^ lv.a, 0x9e3779b1) ^ lv.b;
      if (k < n - 1) h = Math.imul(h ^ Math.floor(lv.tokens / blockSize), 0x85ebca6b);
    }
    h = Math.imul(h ^ (h >>> 15), 0xc2b2ae35);
    this.set = (h ^ (h >>> 16)) & (this.sets - 1);
    const rows = this.rows;
    const oldest = this.write - this.laneA.length;
    for (let r = this.set * WAYS * ROW, end = r + WAYS * ROW; r < end; r += ROW) {
      if (rows[r + DEPTH] !== n || rows[r + START]! < oldest) continue;
      let k = 0;
      for (; k < n; k++) {
        const lv = levels[k]!;
        if (rows[r + LANES + 2 * k] !== (lv.a | 0) || rows[r + LANES + 2 * k + 1] !== (lv.b | 0)) break;
        if (k < n - 1 && rows[r + CUTS + k] !== Math.floor(lv.tokens / blockSize)) break;
      }
      if (k === n) return r;
    }
    return -1;
  }

  /** Keeps a new, empty chain for the shape of `levels`' first `n`, in the set the last `find` (of the same) looked in. */
  add(levels: readonly ShapeLevel[], n: number, blockSize: number): number {
    if (n > MAX_LEVELS) return -1;
    const rows = this.rows;
    // An empty way, else the one whose run is oldest (a gone chain's is older than any kept one's).
    let r = this.set * WAYS * ROW;
    for (let w = r, end = r + WAYS * ROW; w < end; w += ROW) {
      if (rows[w + DEPTH] === 0) {
        r = w;
        break;
      }
      if (rows[w + START]! < rows[r + START]!) r = w;
    }
    rows[r + DEPTH] = n;
    rows[r + BLOCKS] = 0;
    rows[r + START] = this.write;
    for (let k = 0; k < n; k++) {
      rows[r + LANES + 2 * k] = levels[k]!.a;
      rows[r + LANES + 2 * k + 1] = levels[k]!.b;
      if (k < n - 1) rows[r + CUTS + k] = Math.floor(levels[k]!.tokens / blockSize);
    }
    return r;
  }

  /** Blocks chain `c` holds. */
  length(c: number): number {
    return this.rows[c + BLOCKS]!;
  }

  /** Copies chain `c`'s first `n` hashes to `out`; lane A after the last of them. */
  copy(c: number, n: number, out: Float64Array): number {
    const at = this.rows[c + START]! % this.laneA.length;
    const h = this.hashes;
    // A long run is one memcpy through a view (the view costs about what copying 50 blocks by hand does).
    if (n >= 64) out.set(h.subarray(at, at + n));
    else for (let b = 0; b < n; b++) out[b] = h[at + b]!;
    return this.laneA[at + n - 1]!;
  }

  /**
   * Log slots for up to `n` blocks after chain `c`'s last (fewer at its cap): the slot of the
   * first; `length(c)` then counts them. -1 at its cap. The chain moves to the log's end first
   * unless it is there.
   */
  reserve(c: number, n: number): number {
    const rows = this.rows;
    const had = rows[c + BLOCKS]!;
    n = Math.min(n, (this.maxBlocks >> 2) - had);
    if (n <= 0) return -1;
    const from = rows[c + START]!;
    const len = this.laneA.length;
    let at: number;
    if (len > 0 && from + had === this.write && (from % len) + had + n <= len) {
      at = from % len;
      this.write += n;
    } else {
      at = this.claim(had + n);
      if (had > 0) {
        const src = from % this.laneA.length;
        this.laneA.copyWithin(at, src, src + had);
        this.hashes.copyWithin(at, src, src + had);
      }
      rows[c + START] = this.write - had - n;
    }
    rows[c + BLOCKS] = had + n;
    if (this.write >= this.rebaseAt) this.rebase();
    return at + had;
  }

  /** Writes a reserved slot: lane A after the block, and its hash. */
  log(slot: number, laneA: number, hash: number): void {
    this.laneA[slot] = laneA;
    this.hashes[slot] = hash;
  }

  /** Chains kept, the blocks they hold, and the log's slots (for tests and the bound). */
  get size(): { chains: number; blocks: number; slots: number } {
    let chains = 0;
    let blocks = 0;
    const oldest = this.write - this.laneA.length;
    for (let r = 0; r < this.rows.length; r += ROW) {
      if (this.rows[r + DEPTH] === 0 || this.rows[r + START]! < oldest) continue;
      chains++;
      blocks += this.rows[r + BLOCKS]!;
    }
    return { chains, blocks, slots: this.laneA.length };
  }

  /** `n` consecutive slots at the log's end (growing it, or going on from its start when it is full): the first. */
  private claim(n: number): number {
    let len = this.laneA.length;
    if (this.write + n > len && len < this.maxBlocks) {
      // Still growing: positions are slots until the log is full.
      while (len < this.write + n) len = Math.max(4096, 2 * len);
      this.grow(Math.min(len, this.maxBlocks));
      len = this.laneA.length;
    }
    let slot = this.write % len;
    if (slot + n > len) {
      this.write += len - slot;
      slot = 0;
    }
    this.write += n;
    return slot;
  }

  private grow(len: number): void {
    const a = new Int32Array(len);
    const h = new Float64Array(len);
    a.set(this.laneA);
    h.set(this.hashes);
    this.laneA = a;
    this.hashes = h;
  }

  /** Moves every position back by whole log lengths (slots unchanged), forgetting gone chains. */
  private rebase(): void {
    const len = this.laneA.length;
    const oldest = this.write - len;
    const by = oldest - (oldest % len);
    const rows = this.rows;
    for (let r = 0; r < rows.length; r += ROW) {
      if (rows[r + START]! < oldest) rows[r + DEPTH] = 0;
      else rows[r + START] -= by;
    }
    this.write -= by;
  }
}
