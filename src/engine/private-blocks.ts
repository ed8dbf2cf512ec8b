/**
 * Cached blocks whose hash only requests of one key can ever produce. A block's hash chains every
 * block before it (block-hash.ts), so once a request's content becomes its own (a prompt past any
 * shared prefix, an answer that no session continues) every later hash is private to requests
 * with that id: the request itself after a preemption, its P/D decode half, a trace's duplicate;
 * once it becomes a session's (its accumulated context), to that session's turns.
 * Registering those in the pool's hash index would cost a random write into a table far larger
 * than the CPU cache for every block of every request, to serve lookups that almost never come.
 *
 * Instead the pool keeps, per id, the list of its live private blocks in registration order (one
 * index entry per id, not per block). A lookup of a request's private blocks walks its id's list
 * once, so it finds exactly the blocks a hash index would (the oldest registered copy of each
 * hash, as vLLM's cached_block_hash_to_block returns); a hash is compared only with hashes of the
 * same id, so a 53-bit collision between unrelated contents can no longer read as a hit.
 * Used only while no KV-event listener watches the pool (events name the first and last copy of
 * every hash, which needs the shared index).
 */
import { LazyIndex } from './lazy-index.js';

const NONE = -1;

export class PrivateBlocks {
  /** The id a block's private hash belongs to, or NONE (shared or not cached). */
  private readonly keyOf: Float64Array;
  /** The block's position in its request's hash chain. */
  private readonly posOf: Int32Array;
  /** Circular list per id, in registration order. */
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  /** The id of the list a block heads (its first, oldest block: the one the id index points at), else NONE. */
  private readonly headKey: Float64Array;
  /** id → its list's head; an entry whose block no longer heads that id's list is stale. */
  private readonly heads: LazyIndex;
  private scratch = new Int32Array(64);
  /** The head of the list the last add() appended to (or started), NONE before any. */
  private lastHead = NONE;

  constructor(totalBlocks: number, private readonly blockHash: Float64Array) {
    this.keyOf = new Float64Array(totalBlocks).fill(NONE);
    this.posOf = new Int32Array(totalBlocks);
    this.next = new Int32Array(totalBlocks);
    this.prev = new Int32Array(totalBlocks);
    this.headKey = new Float64Array(totalBlocks).fill(NONE);
    this.heads = new LazyIndex(this.headKey);
  }

  /** Block b now holds the private hash at chain position `pos` of id `key` (b holds no hash yet). */
  add(b: number, key: number, pos: number): void {
    this.keyOf[b] = key;
    this.posOf[b] = pos;
    // A request registers its blocks one after another: the head found for its previous block is
    // still the head while it heads a list of this id (only the true head does), with no index probe.
    const last = this.lastHead;
    const head = last !== NONE && this.headKey[last] === key ? last : this.heads.get(key);
    this.lastHead = head === NONE ? b : head;
    if (head !== NONE) {
      const tail = this.prev[head]!;
      this.next[tail] = b;
      this.prev[b] = tail;
      this.next[b] = head;
      this.prev[head] = b;
      return;
    }
    this.next[b] = b;
    this.prev[b] = b;
    this.headKey[b] = key;
    this.heads.set(key, b);
  }

  /** Some block holds a private hash of id `key`. */
  listed(key: number): boolean {
    return this.heads.get(key) !== NONE;
  }

  /** True when block b holds a private hash. */
  has(b: number): boolean {
    return this.keyOf[b] !== NONE;
  }

  /** Block b's private hash is evicted (the pool clears blockHash[b]). */
  remove(b: number): void {
    const key = this.keyOf[b]!;
    this.keyOf[b] = NONE;
    const nx = this.next[b]!;
    if (this.headKey[b] !== NONE) {
      this.headKey[b] = NONE;
      // The id's oldest remaining copy heads its list now; an emptied list leaves a stale entry.
      if (nx !== b) {
        this.headKey[nx] = key;
        this.heads.set(key, nx);
      }
    }
    if (nx !== b) {
      const pv = this.prev[b]!;
      this.next[pv] = nx;
      this.prev[nx] = pv;
    }
  }

  /**
   * Leading hits among chain positions [from, n) of a request with id `key` and chain `hashes`,
   * continuing a run of hits that reached `from`: for each position the oldest registered live
   * block with that hash, written to out[from..) when `out` is given. One walk over the id's list.
   */
  lookup(key: number, hashes: Float64Array, from: number, n: number, out: Int32Array | null): number {
    if (n <= from) return n;
    if (this.scratch.length < n) this.scratch = new Int32Array(n * 2);
    const found = this.scratch;
    this.findAll(key, hashes, from, n, found);
    let i = from;
    for (; i < n && found[i] !== NONE; i++) if (out !== null) out[i] = found[i]!;
    return i;
  }

  /**
   * For each chain position in [from, n) of id `key`, the oldest registered live block holding
   * `hashes[p]`, or NONE, written to out[p] (hits need not be contiguous). One walk over the id's list.
   */
  findAll(key: number, hashes: Float64Array, from: number, n: number, out: Int32Array): void {
    out.fill(NONE, from, n);
    const head = this.heads.get(key);
    if (head === NONE) return;
    let b = head;
    do {
      const p = this.posOf[b]!;
      if (p >= from && p < n && out[p] === NONE && this.blockHash[b] === hashes[p]) out[p] = b;
      b = this.next[b]!;
    } while (b !== head);
  }

  /** Every private block sits in its id's list, whose one head the id index names (tests; O(total × list)). */
  checkInvariants(): void {
    for (let b = 0; b < this.keyOf.length; b++) {
      const key = this.keyOf[b]!;
      if (key === NONE) continue;
      if (this.blockHash[b] === NONE) throw new Error(`private block ${b} holds no hash`);
      let heads = 0;
      let x = b;
      do {
        if (this.keyOf[x] !== key || this.prev[this.next[x]!] !== x) throw new Error(`private list of block ${b} is broken at ${x}`);
        if (this.headKey[x] === key) heads++;
        x = this.next[x]!;
      } while (x !== b);
      if (heads !== 1) throw new Error(`private list of block ${b} has ${heads} heads`);
      if (this.headKey[b] === key && this.heads.get(key) !== b) throw new Error(`block ${b} heads its id's list but the index says ${this.heads.get(key)}`);
    }
  }
}
