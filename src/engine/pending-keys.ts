/**
 * Private registration that waits for a reader, for keys several requests carry (a session's
 * context group, PrefixRef.exclusive: the turns of one session). Deferred private registration
 * (kv-cache-manager.ts registerFullBlocks, docs/engine.md) covers keys only one request will ever
 * read; a session's earlier turns register their blocks as they fill, because the next turn may
 * look them up. In the native chatbot preset's seed hour that is 4.17 M blocks registered, and
 * evicted again one by one, to serve 0.55 M hits: a next turn lands on the same instance about
 * once in eight, and by then most of the blocks have been reused.
 *
 * Here such a request defers its key's blocks too while it is the only request of its key on
 * the instance, and when it leaves, what it deferred stays pending (its block ids in a log, its
 * arrival, from which the hashes are computed if they are ever registered, and the pool's
 * allocation count then). Its blocks go back to the free queue unhashed. Before
 * anything can read the key's list on this instance (the next request of the key arriving here,
 * a router asking what this instance holds of it), the pending blocks that no allocation has
 * taken since are registered, in block order: exactly the blocks eager registration would still
 * hold, in its order (only this request registered the key here since the last such reader;
 * eviction happens only on reallocation, which the allocation stamps tell). A second request of
 * the key arriving while the first still runs ends the wait for both: the first registers what
 * it deferred and from then on registers as blocks fill, as the second does, so their copies
 * enter the list in time order.
 *
 * A pending request is forgotten once the pool has made `totalBlocks` allocations since it left:
 * each of its blocks was then at most that many places from the free queue's head, and nothing
 * could take one out of the middle (an unhashed block is never a hit), so every one has been
 * reallocated. Memory is bounded by the requests that left within that many allocations: their
 * blocks, each freed and not reallocated before it left or reallocated since, number at most
 * twice the pool. Everything lives in typed arrays (per-key objects in a Map cost more in
 * collection than the registrations they saved).
 */
import type { EngineRequest } from './engine-request.js';
import type { ArrivalRequest } from '../workload/request.js';
import type { KvBlockPool } from './kv-cache.js';
import { LazyIndex } from './lazy-index.js';
import { grown } from '../kernel/arrays.js';

const NONE = -1;

export class PendingKeys {
  /**
   * One slot per key with requests here or blocks pending, in typed arrays (a Map of objects
   * cost more in collection than the registrations it saved): the key it holds (NONE: free),
   * requests of it enqueued and not gone (`live`), the request deferring it while it runs
   * (`holder`), and when such a request has left (`gone` 1), its blocks [from, to) pending from log
   * position `at` as of allocation count `stamp`, under record number `rec`.
   */
  private slotKey: Float64Array = new Float64Array(0);
  private index = new LazyIndex(this.slotKey);
  private live: Int32Array = new Int32Array(0);
  private holder: (EngineRequest | null)[] = [];
  private gone: Uint8Array = new Uint8Array(0);
  private from: Int32Array = new Int32Array(0);
  private to: Int32Array = new Int32Array(0);
  private at: Float64Array = new Float64Array(0);
  private stamp: Float64Array = new Float64Array(0);
  private rec: Float64Array = new Float64Array(0);
  private freeSlots: Int32Array = new Int32Array(0);
  private freeCount = 0;
  private records = 0;
  /** Pending records in the order they left (slot, record number, allocation count), from `leftHead` to `leftEnd`. */
  private leftSlot: Int32Array = new Int32Array(0);
  private leftRec: Float64Array = new Float64Array(0);
  private leftStamp: Float64Array = new Float64Array(0);
  private leftAt: Float64Array = new Float64Array(0);
  private leftHead = 0;
  private leftEnd = 0;
  /**
   * The pending requests' block ids, in the order they left: log position p (absolute, growing) is
   * log[p − base]. The part before the oldest pending request's is dropped when the log fills.
   * (Copies: keeping the requests instead kept them and their hash slabs alive for minutes.)
   */
  private log: Int32Array = new Int32Array(0);
  private base = 0;
  private end = 0;
  /**
   * Per slot, the arrival of the request whose blocks are pending: their hashes are computed from
   * it when they are registered (most pending blocks are reallocated first, and most requests'
   * private hashes are never computed: EngineRequest.sharedHashes).
   */
  private source: (ArrivalRequest | null)[] = [];

  /** `chainOf`: a request's block hashes from its arrival (requestBlockHashes at the instance's block size). */
  constructor(private readonly pool: KvBlockPool, private readonly chainOf: (src: ArrivalRequest) => Float64Array) {
    pool.stampAllocations();
  }

  /**
   * Request `r` of a shared key arrives: the key's pending blocks are registered, and the request
   * deferring the key here, if another runs, is returned (the caller makes it register what it
   * deferred and stop deferring). `r` itself may defer (true in `r.keyDefers`) when no other
   * request of its key is here.
   */
  join(r: EngineRequest): EngineRequest | null {
    const key = r.idKey;
    let s = this.index.get(key);
    if (s < 0) s = this.open(key);
    if (this.gone[s] === 1) this.flush(s, key);
    const running = this.holder[s]!;
    this.holder[s] = null;
    r.keyJoined = true;
    r.keySlot = s;
    r.keyDefers = this.live[s] === 0;
    if (r.keyDefers) this.holder[s] = r;
    this.live[s]!++;
    return running;
  }

  /**
   * A reader other than an arriving request (a router's lookup) is about to read `key`'s list:
   * its pending blocks are registered; returns the request deferring it that still runs here, if
   * any (the caller registers what that one deferred so far; it goes on deferring).
   */
  read(key: number): EngineRequest | null {
    const s = this.index.get(key);
    if (s < 0) return null;
    if (this.gone[s] === 0) return this.holder[s]!;
    this.flush(s, key);
    if (this.live[s] === 0) this.close(s);
    return null;
  }

  /**
   * Request `r` (joined) leaves for good, before its blocks are freed: when it deferred, what it
   * deferred ([sharedBlocks, numHashedBlocks) of its chain) becomes pending, unless no later
   * request carries its key (EngineRequest.keyLast: nothing will read them).
   */
  leave(r: EngineRequest): void {
    r.keyJoined = false;
    this.forget();
    const s = r.keySlot;
    this.live[s]!--;
    if (this.holder[s] === r) {
      this.holder[s] = null;
      if (r.keyDefers && !r.keyLast && r.numHashedBlocks > r.sharedBlocks) {
        const at = this.append(r.blocks, r.sharedBlocks, r.numHashedBlocks);
        this.source[s] = r.src;
        const rec = ++this.records;
        this.gone[s] = 1;
        this.from[s] = r.sharedBlocks;
        this.to[s] = r.numHashedBlocks;
        this.at[s] = at;
        this.stamp[s] = this.pool.allocations;
        this.rec[s] = rec;
        this.pushLeft(s, rec, this.pool.allocations, at);
      }
    }
    if (this.live[s] === 0 && this.gone[s] === 0) this.close(s);
  }

  /**
   * Registers the pending blocks in slot s that no allocation has taken since they were freed, in
   * block order, with the hashes their request's chain gives them (computed again from its arrival:
   * the same function of the same content, block-hash.ts).
   */
  private flush(s: number, key: number): void {
    const pool = this.pool;
    const log = this.log;
    const stamp = this.stamp[s]!;
    const shift = this.at[s]! - this.base - this.from[s]!;
    let hashes: Float64Array | null = null;
    for (let k = this.from[s]!, to = this.to[s]!; k < to; k++) {
      const b = log[k + shift]!;
      if (pool.allocatedAt(b) > stamp) continue;
      hashes ??= this.chainOf(this.source[s]!);
      pool.cache(b, hashes[k]!, key, k);
    }
    this.gone[s] = 0;
    this.source[s] = null;
  }

  /** Forgets the pending records whose blocks have all been reallocated (see the file's comment). */
  private forget(): void {
    const now = this.pool.allocations;
    const total = this.pool.totalBlocks;
    while (this.leftHead < this.leftEnd && now - this.leftStamp[this.leftHead]! >= total) {
      const s = this.leftSlot[this.leftHead]!;
      if (this.gone[s] === 1 && this.rec[s] === this.leftRec[this.leftHead]) {
        this.gone[s] = 0;
        this.source[s] = null;
        if (this.live[s] === 0) this.close(s);
      }
      this.leftHead++;
    }
  }

  /** A slot for `key` (none has one), with nobody in it. */
  private open(key: number): number {
    if (this.freeCount === 0) this.grow();
    const s = this.freeSlots[--this.freeCount]!;
    this.slotKey[s] = key;
    this.index.set(key, s);
    this.live[s] = 0;
    this.holder[s] = null;
    this.gone[s] = 0;
    return s;
  }

  /** Frees slot s (its index entry goes stale). */
  private close(s: number): void {
    this.slotKey[s] = NONE;
    this.freeSlots[this.freeCount++] = s;
  }

  /** Twice the slots (the index rebuilt over the new key array). */
  private grow(): void {
    const n = this.slotKey.length;
    const m = Math.max(64, 2 * n);
    this.slotKey = grown(this.slotKey, m);
    this.slotKey.fill(NONE, n);
    this.index = new LazyIndex(this.slotKey, 2 * m);
    for (let s = 0; s < n; s++) if (this.slotKey[s] !== NONE) this.index.set(this.slotKey[s]!, s);
    this.live = grown(this.live, m);
    this.holder.length = m;
    this.holder.fill(null, n);
    this.source.length = m;
    this.source.fill(null, n);
    this.gone = grown(this.gone, m);
    this.from = grown(this.from, m);
    this.to = grown(this.to, m);
    this.at = grown(this.at, m);
    this.stamp = grown(this.stamp, m);
    this.rec = grown(this.rec, m);
    this.freeSlots = new Int32Array(m);
    // Every old slot is in use (grow runs only when none is free): the new ones are free.
    this.freeCount = 0;
    for (let s = m - 1; s >= n; s--) this.freeSlots[this.freeCount++] = s;
  }

  /** Appends a pending record to the left list (compacted or grown when full). */
  private pushLeft(s: number, rec: number, stamp: number, at: number): void {
    if (this.leftEnd === this.leftSlot.length) {
      const live = this.leftEnd - this.leftHead;
      if (live * 2 > this.leftSlot.length || live === this.leftSlot.length) {
        const m = Math.max(256, 2 * this.leftSlot.length);
        this.leftSlot = grown(this.leftSlot.subarray(this.leftHead, this.leftEnd), m);
        this.leftRec = grown(this.leftRec.subarray(this.leftHead, this.leftEnd), m);
        this.leftStamp = grown(this.leftStamp.subarray(this.leftHead, this.leftEnd), m);
        this.leftAt = grown(this.leftAt.subarray(this.leftHead, this.leftEnd), m);
      } else {
        this.leftSlot.copyWithin(0, this.leftHead, this.leftEnd);
        this.leftRec.copyWithin(0, this.leftHead, this.leftEnd);
        this.leftStamp.copyWithin(0, this.leftHead, this.leftEnd);
        this.leftAt.copyWithin(0, this.leftHead, this.leftEnd);
      }
      this.leftHead = 0;
      this.leftEnd = live;
    }
    this.leftSlot[this.leftEnd] = s;
    this.leftRec[this.leftEnd] = rec;
    this.leftStamp[this.leftEnd] = stamp;
    this.leftAt[this.leftEnd] = at;
    this.leftEnd++;
  }

  /** Appends table[from, to) to the block log; its log position. */
  private append(table: Int32Array, from: number, to: number): number {
    const n = to - from;
    if (this.end + n - this.base > this.log.length) {
      // Drop what precedes the oldest pending record's blocks; grow if that is not room enough.
      const keep = this.leftHead < this.leftEnd ? this.leftAt[this.leftHead]! : this.end;
      const live = this.end - keep;
      const from0 = keep - this.base;
      const to0 = this.end - this.base;
      if (live + n > this.log.length) {
        const m = Math.max(1024, 2 * (live + n));
        this.log = grown(this.log.subarray(from0, to0), m);
      } else {
        this.log.copyWithin(0, from0, to0);
      }
      this.base = keep;
    }
    const at = this.end;
    const log = this.log;
    // By hand: a subarray view per request is an allocation.
    for (let k = from, w = at - this.base; k < to; k++, w++) log[w] = table[k]!;
    this.end += n;
    return at;
  }
}
