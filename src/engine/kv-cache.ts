/**
 * The KV block pool with prefix caching, after vLLM 0.15 v1/core/block_pool.py:
 * - every block has a reference count; a block with refcount 0 sits in the free queue;
 * - freed blocks keep their hash (still a prefix-cache hit) until they are reused;
 * - allocation takes the free queue's head (least recently freed) and evicts its hash;
 * - a prefix hit on a free cached block takes it out of the middle of the free queue;
 * - several blocks may hold the same hash (vLLM's cached_block_hash_to_block keeps a dict of
 *   blocks per hash: a request whose last prompt block is recomputed under the `num_tokens − 1`
 *   hit cap caches a second copy). A lookup returns the oldest registered copy, as vLLM's
 *   get_one_block does; evicting one copy leaves the others registered and still hitting.
 * The pool holds the blocks the scheduler may use: vLLM's `num_gpu_blocks − 1`, since BlockPool
 * takes one null block out of the free queue at start (the caller subtracts it).
 * The free queue is a ring of block ids in queue order (free-queue.ts: O(1) everything, and
 * allocation reads it in memory order); copies of one hash form an intrusive list
 * (dupPrev/dupNext), headed by the index entry.
 * Lazy invalidation: evicting the only copy of a hash (what almost every allocation does while the
 * pool is mostly free) leaves its index entry in place; an entry counts only while its block still
 * holds that hash (checked on every read), and one pass over the index sweeps the stale entries out
 * when they fill it. An allocation then costs no hash-table delete (a backward shift over a
 * table far larger than the CPU cache), and results are exactly those of eager deletion.
 * Invariant: numFree + numUsed == totalBlocks; refcounts never go negative.
 */

/** Receives cache membership changes (for a router's delayed view of an instance's cache). */
export interface KvPoolSink {
  /** A hash became present in this pool (its first copy was registered). */
  onStored(hash: number): void;
  /** A hash left this pool (its last copy was evicted). */
  onEvicted(hash: number): void;
}

import { FreeQueue } from './free-queue.js';
import { LazyIndex } from './lazy-index.js';
import { PrivateBlocks } from './private-blocks.js';

const NONE = -1;

export class KvBlockPool {
  readonly totalBlocks: number;
  private readonly refCount: Int32Array;
  /** Hash held by each block, NONE when not cached. */
  private readonly blockHash: Float64Array;
  /**
   * 1 where blockHash is not NONE. What allocation and registration read first: a byte per block
   * stays in the CPU cache where the hashes (8 bytes, read as the free queue hands out scattered
   * ids) did not, and most blocks come back unhashed (deferred registration).
   */
  private readonly hashed: Uint8Array;
  /** Hash → the oldest block registered with it; entries whose block no longer holds the hash are stale. */
  private readonly hashToBlock: LazyIndex;
  /** Distinct shared hashes held by some block (the index's live entries). */
  private cached = 0;
  /** Copies of one hash, oldest first. */
  private readonly dupPrev: Int32Array;
  private readonly dupNext: Int32Array;
  /** Blocks with refcount 0, least recently freed first. */
  private readonly freeQueue: FreeQueue;
  /** Hashes only one request id can produce, kept per id instead of in the index (private-blocks.ts). */
  private readonly priv: PrivateBlocks;
  private privateUsed = false;
  /** Per block: the allocation count when it was last allocated, once something reads it (pending-keys.ts: stampAllocations), else null. */
  private allocStamp: Float64Array | null = null;
  /** Allocations made since stampAllocations. */
  allocations = 0;
  private sinkValue: KvPoolSink | null = null;
  /** 1 where a block's hash is not reported to the sink (a hybrid model's other KV cache groups); null until one is. */
  private quietBlocks: Uint8Array | null = null;

  constructor(totalBlocks: number) {
    if (!Number.isInteger(totalBlocks) || totalBlocks < 1) throw new Error(`totalBlocks must be a positive integer, got ${totalBlocks}`);
    this.totalBlocks = totalBlocks;
    this.refCount = new Int32Array(totalBlocks);
    this.blockHash = new Float64Array(totalBlocks).fill(NONE);
    this.hashed = new Uint8Array(totalBlocks);
    this.hashToBlock = new LazyIndex(this.blockHash);
    this.dupPrev = new Int32Array(totalBlocks).fill(NONE);
    this.dupNext = new Int32Array(totalBlocks).fill(NONE);
    // Initially every block is free, in index order.
    this.freeQueue = new FreeQueue(totalBlocks);
    this.priv = new PrivateBlocks(totalBlocks, this.blockHash);
  }

  /** Receives cache membership changes; every hash then goes through the shared index (events name first and last copies). */
  get sink(): KvPoolSink | null {
    return this.sinkValue;
  }
  set sink(s: KvPoolSink | null) {
    if (s !== null && this.privateUsed) throw new Error('a KV event listener must be attached before the first block is cached');
    this.sinkValue = s;
  }

  get numFree(): number {
    return this.freeQueue.size;
  }

  get numUsed(): number {
    return this.totalBlocks - this.freeQueue.size;
  }

  /** Number of distinct shared hashes currently cached (in use or free); private ones are not counted. */
  get numCached(): number {
    return this.cached;
  }

  refCountOf(block: number): number {
    return this.refCount[block]!;
  }

  /** The hash a block is registered with, or -1. */
  hashOf(block: number): number {
    return this.blockHash[block]!;
  }

  /**
   * Leading entries of `hashes` (up to `maxBlocks` of them) that are cached; fills `out` from index
   * 0 with their blocks. Entries from `shared` on are private to id `privateKey` (private-blocks.ts).
   */
  lookup(hashes: Float64Array, maxBlocks: number, out: Int32Array | null, privateKey = NONE, shared = hashes.length): number {
    const n = Math.max(0, Math.min(hashes.length, maxBlocks));
    const m = privateKey === NONE || this.sinkValue !== null || shared > n ? n : shared;
    for (let i = 0; i < m; i++) {
      const b = this.headOf(hashes[i]!);
      if (b < 0) return i;
      if (out !== null) out[i] = b;
    }
    return m === n ? n : this.priv.lookup(privateKey, hashes, m, n, out);
  }

  /**
   * A lookup of id `privateKey`'s private hashes may find a block: some block holds one (its
   * list is not empty), or a KV-event sink has every hash read through the shared index.
   */
  mayHoldPrivate(privateKey: number): boolean {
    return this.sinkValue !== null || this.priv.listed(privateKey);
  }

  /** The oldest block holding `hash` in the shared index, or -1 (a private hash reads as absent). */
  cachedBlock(hash: number): number {
    return this.hashToBlock.get(hash);
  }

  /**
   * Private hashes of id `privateKey` at chain positions [from, n): out[p] is the oldest block
   * holding hashes[p], or -1 (PrivateBlocks.findAll); with a KV-event sink every hash is in the
   * shared index, which is read instead.
   */
  privateBlocksAt(privateKey: number, hashes: Float64Array, from: number, n: number, out: Int32Array): void {
    if (this.sinkValue === null) return this.priv.findAll(privateKey, hashes, from, n, out);
    for (let p = from; p < n; p++) out[p] = this.hashToBlock.get(hashes[p]!);
  }

  /** The oldest block holding `hash`, or -1 (a stale index entry reads as absent). */
  private headOf(hash: number): number {
    return this.hashToBlock.get(hash);
  }

  /** How many of the given blocks are currently free (a hit on them consumes free capacity). */
  countFreeAmong(blocks: Int32Array, n: number): number {
    let c = 0;
    for (let i = 0; i < n; i++) if (this.refCount[blocks[i]!] === 0) c++;
    return c;
  }

  /** Takes a reference on a cached block (removes it from the free queue if it was free). */
  touch(block: number): void {
    if (this.refCount[block] === 0) this.freeQueue.remove(block);
    this.refCount[block]!++;
  }

  /** Allocates a fresh block (refcount 1), evicting its old hash; -1 when none is free. */
  allocate(): number {
    const b = this.freeQueue.shift();
    if (b === NONE) return NONE;
    this.refCount[b] = 1;
    if (this.allocStamp !== null) this.allocStamp[b] = ++this.allocations;
    if (this.hashed[b] !== 0) this.evict(b);
    return b;
  }

  /** From now on every allocation is counted and stamped on its block (allocatedAt). */
  stampAllocations(): void {
    this.allocStamp ??= new Float64Array(this.totalBlocks);
  }

  /**
   * The allocation count when block b was last allocated since stampAllocations (0: not since): it
   * has not been allocated since a moment with count c (after stampAllocations) iff this is <= c.
   */
  allocatedAt(block: number): number {
    return this.allocStamp![block]!;
  }

  /** Drops one reference; at zero the block joins the free queue's tail (keeping its hash). */
  release(block: number): void {
    const rc = this.refCount[block]! - 1;
    if (rc < 0) throw new Error(`block ${block} released with refcount 0`);
    this.refCount[block] = rc;
    if (rc === 0) this.freeQueue.push(block);
  }

  /**
   * Registers a full block's hash (vLLM cache_full_blocks). A block that already holds a hash
   * keeps it; a hash already held by other blocks gets this block as one more copy. A `quiet`
   * block's hash is never reported to the sink (kv-groups: the router hears of one group only).
   */
  cache(block: number, hash: number, privateKey = NONE, pos = 0, quiet = false): void {
    if (this.hashed[block] !== 0) return;
    if (this.quietBlocks !== null) this.quietBlocks[block] = quiet ? 1 : 0;
    else if (quiet) (this.quietBlocks = new Uint8Array(this.totalBlocks))[block] = 1;
    if (privateKey !== NONE && this.sinkValue === null) {
      // Only requests of this id can produce the hash: it goes to the id's list, not the index.
      this.blockHash[block] = hash;
      this.hashed[block] = 1;
      this.priv.add(block, privateKey, pos);
      this.privateUsed = true;
      return;
    }
    // Read before this block takes the hash: a stale entry may name this very block.
    const first = this.headOf(hash);
    this.blockHash[block] = hash;
    this.hashed[block] = 1;
    if (first === NONE) {
      this.hashToBlock.set(hash, block);
      this.cached++;
      if (this.sink !== null && !quiet) this.sink.onStored(hash);
      return;
    }
    let last = first;
    while (this.dupNext[last] !== NONE) last = this.dupNext[last]!;
    this.dupNext[last] = block;
    this.dupPrev[block] = last;
  }

  /** Checks the free queue against the refcounts and counters (tests only; O(total)). */
  checkInvariants(): void {
    let n = 0;
    const seen = new Uint8Array(this.totalBlocks);
    this.freeQueue.forEach((b) => {
      if (seen[b]++ !== 0) throw new Error(`free block ${b} is queued twice`);
      if (this.refCount[b] !== 0) throw new Error(`free block ${b} has refcount ${this.refCount[b]}`);
      n++;
    });
    const free = this.freeQueue.size;
    if (n !== free) throw new Error(`free queue has ${n} blocks, counter says ${free}`);
    let zero = 0;
    let heads = 0;
    for (let b = 0; b < this.totalBlocks; b++) {
      if (this.refCount[b]! < 0) throw new Error(`negative refcount on block ${b}`);
      if (this.refCount[b] === 0) zero++;
      const h = this.blockHash[b]!;
      if ((h !== NONE ? 1 : 0) !== this.hashed[b]) throw new Error(`block ${b}'s hashed flag disagrees with its hash ${h}`);
      if (h === NONE || this.priv.has(b)) continue;
      if (this.dupPrev[b] === NONE) {
        heads++;
        if (this.headOf(h) !== b) throw new Error(`block ${b} heads hash ${h} but the index says ${this.hashToBlock.get(h)}`);
      } else if (this.blockHash[this.dupPrev[b]!] !== h) throw new Error(`block ${b} is chained to a block of another hash`);
    }
    if (zero !== free) throw new Error(`refcount-0 blocks ${zero} != free ${free}`);
    if (heads !== this.cached) throw new Error(`${heads} hash chains but ${this.cached} counted`);
    if (this.hashToBlock.size < heads) throw new Error(`${heads} hash chains but only ${this.hashToBlock.size} index entries`);
    this.priv.checkInvariants();
  }

  /** Forgets block b's hash (vLLM _maybe_evict_cached_block); the hash stays cached while another copy holds it. */
  private evict(b: number): void {
    const h = this.blockHash[b]!;
    this.blockHash[b] = NONE;
    this.hashed[b] = 0;
    if (this.priv.has(b)) {
      this.priv.remove(b);
      return;
    }
    const p = this.dupPrev[b]!;
    const nx = this.dupNext[b]!;
    this.dupPrev[b] = NONE;
    this.dupNext[b] = NONE;
    if (p !== NONE) {
      this.dupNext[p] = nx;
      if (nx !== NONE) this.dupPrev[nx] = p;
      return;
    }
    if (nx !== NONE) {
      this.dupPrev[nx] = NONE;
      this.hashToBlock.set(h, nx);
      return;
    }
    // The last copy: its index entry goes stale (headOf sees blockHash[b] !== h) instead of being deleted.
    this.cached--;
    if (this.sink !== null && (this.quietBlocks === null || this.quietBlocks[b] === 0)) this.sink.onEvicted(h);
  }
}
