/**
 * The CPU KV offload tier, after vLLM 0.15's OffloadingConnector with its CPU backend
 * (distributed/kv_transfer/kv_connector/v1/offloading_connector.py, v1/kv_offload/lru_manager.py):
 * - the full GPU blocks of a scheduled request that the tier lacks are stored to CPU memory
 *   (prepare_store skips a hash already stored); when the tier is full the least recently used
 *   blocks are evicted; a store that wrote any block then touches every full block of the request
 *   (kv-cache-manager.ts storeToCpu);
 * - a prefix lookup that runs past the GPU cache's hits continues in the CPU tier
 *   (get_num_new_matched_tokens); before it, every full block of the request that the tier
 *   holds is touched, last block first, so a prefix's first block is the most recently used and
 *   eviction takes a chain from its tail (LRUOffloadingManager.touch walks reversed(block_hashes));
 * - a hit is loaded asynchronously over PCIe (the request waits, WAITING_FOR_REMOTE_KVS); the
 *   engine owns that timing (instance.ts), this class only the membership.
 * - a stored block is not ready until the request that stored it reports its store jobs done,
 *   which the connector's worker does only once that request has finished (get_finished adds a
 *   request to finished_sending only from finished_req_ids), or at its preemption
 *   (build_connector_meta completes a preempted request's stores): until then a lookup stops at
 *   it (LRUOffloadingManager.lookup: `not block.is_ready`) and eviction skips it (prepare_store
 *   evicts only blocks with ref_cnt 0; a stored block starts at ref_cnt −1, backend.py
 *   BlockStatus). A store that needs more evictions than there are ready blocks stores nothing.
 *   The tier's ready blocks are therefore what finished requests left; the unready ones of the
 *   running requests take capacity from them.
 * - a block being loaded is pinned until the load is reported (prepare_load raises its ref_cnt,
 *   complete_load lowers it): still a lookup hit, but not evictable.
 * Capacity is in blocks: the configured CPU bytes per GPU over one block's bytes per GPU.
 * Hash → slot is a typed-array table; the LRU order an intrusive list over slots (O(1) each).
 * Under saturation most of the tier is unready (the running requests' own stores), so two costs
 * that grew with it are bounded: eviction searches for the least recently used evictable slot
 * from a cursor before which every slot is known unevictable (back at the LRU end only when some
 * block becomes evictable: a request's stores complete once, when it leaves), not from the LRU
 * end every time; and a store that cannot make room fails as soon as it has counted more absent
 * blocks than there is room for, newest first, instead of after listing them all (a failed store
 * is retried at every formation, as vLLM's `_get_reqs_to_store` walks the blocks again each step).
 * As in the GPU pool (kv-cache.ts), an evicted hash's index entry is left stale (valid only
 * while its slot still holds the hash), and one pass over the table sweeps stale entries out when
 * they fill it.
 */
import { LazyIndex } from './lazy-index.js';

export class CpuKvTier {
  readonly capacityBlocks: number;
  private readonly index: LazyIndex;
  private readonly slotHash: Float64Array;
  /** Per slot: the request (its per-instance seq) whose store made it, until that request's stores complete; −1 when ready. */
  private readonly owner: Int32Array;
  /** Slots in use that are ready (visible to lookups; evictable unless pinned). */
  private ready = 0;
  /** Per slot: loads in flight reading it (vLLM's ref_cnt above 0); `pinned` counts the ready slots with any. */
  private readonly pins: Int32Array;
  private pinned = 0;
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  /** Sentinel (= capacity) of the circular LRU list: next[head] is the least recently used. */
  private readonly head: number;
  /** Every slot before this one in LRU order is unevictable (unready or pinned); `head`: every slot is. */
  private cursor: number;
  private used = 0;
  /** Scratch for prepareStore: indices of the hashes the tier lacked. */
  private missing = new Int32Array(64);
  /** Blocks written to the tier / dropped from it, over the run. */
  stores = 0;
  evictions = 0;
  /**
   * Over the run, what vLLM's Python bookkeeping would have walked (connector-cpu.ts): entries
   * prepare_store's eviction search passes (every entry when a store fails; up to the last block
   * evicted when it succeeds, counted from the cursor, so not the unevictable blocks before it
   * that vLLM walks again from the LRU end: a lower bound, where the saturated runs' cost is in
   * the failures), hashes its filter looks up, block hashes touch walks.
   */
  scanned = 0;
  filtered = 0;
  touched = 0;
  /** Stores prepare_store refused (returned None), each logged as a warning by vLLM's connector. */
  refused = 0;

  constructor(capacityBlocks: number) {
    if (!Number.isInteger(capacityBlocks) || capacityBlocks < 1) throw new Error(`CPU tier capacity must be a positive integer of blocks, got ${capacityBlocks}`);
    this.capacityBlocks = capacityBlocks;
    this.slotHash = new Float64Array(capacityBlocks).fill(-1);
    this.index = new LazyIndex(this.slotHash);
    this.owner = new Int32Array(capacityBlocks).fill(-1);
    this.pins = new Int32Array(capacityBlocks);
    this.prev = new Int32Array(capacityBlocks + 1);
    this.next = new Int32Array(capacityBlocks + 1);
    this.head = capacityBlocks;
    this.prev[this.head] = this.head;
    this.next[this.head] = this.head;
    this.cursor = this.head;
  }

  get numStored(): number {
    return this.used;
  }

  /** Blocks a store could take now: free slots plus ready, unpinned blocks (a store of more absent blocks fails). */
  get room(): number {
    return this.capacityBlocks - this.used + this.ready - this.pinned;
  }

  has(hash: number): boolean {
    return this.slotOf(hash) >= 0;
  }

  /** Consecutive ready hits among hashes[from..from + maxBlocks) (a lookup moves nothing: touch does). */
  lookup(hashes: Float64Array, from: number, maxBlocks: number): number {
    const n = Math.min(maxBlocks, hashes.length - from);
    let i = 0;
    for (; i < n; i++) {
      const s = this.slotOf(hashes[from + i]!);
      if (s < 0 || this.owner[s] !== -1) break;
    }
    return i;
  }

  /**
   * The stores of request `owner` are reported done (it finished, was aborted or preempted): the
   * blocks among hashes[0..count) that it stored become ready (complete_store).
   */
  completeStores(hashes: Float64Array, count: number, owner: number): void {
    const n = Math.min(count, hashes.length);
    for (let i = 0; i < n; i++) {
      const s = this.slotOf(hashes[i]!);
      if (s < 0 || this.owner[s] !== owner) continue;
      this.owner[s] = -1;
      this.ready++;
      if (this.pins[s] === 0) this.becameEvictable(s);
    }
  }

  /** A load of hashes[from..from + n) starts (prepare_load): each block is pinned until `unpin`. */
  pin(hashes: Float64Array, from: number, n: number): void {
    for (let i = from; i < from + n; i++) {
      const s = this.slotOf(hashes[i]!);
      if (s < 0) throw new Error(`CPU tier: block ${i} to load is not in the tier`);
      if (this.pins[s]++ === 0) this.pinned++;
    }
  }

  /** The load of hashes[from..from + n) is reported (complete_load): its pins go. */
  unpin(hashes: Float64Array, from: number, n: number): void {
    for (let i = from; i < from + n; i++) {
      const s = this.slotOf(hashes[i]!);
      if (s < 0 || this.pins[s] === 0) throw new Error(`CPU tier: block ${i} was not pinned by a load`);
      if (--this.pins[s] === 0) {
        this.pinned--;
        if (this.owner[s] === -1) this.becameEvictable(s);
      }
    }
  }

  /**
   * Moves every held hash among hashes[0..count) to the MRU end, the last first, so hashes[0]
   * ends most recently used (vLLM v1/kv_offload/lru_manager.py touch; the connector touches all
   * of a request's full blocks at each get_num_new_matched_tokens, hit or not).
   */
  touch(hashes: Float64Array, count: number): void {
    const n = Math.min(count, hashes.length);
    this.touched += n;
    for (let i = n - 1; i >= 0; i--) {
      const s = this.slotOf(hashes[i]!);
      if (s < 0) continue;
      this.unlink(s);
      this.append(s);
    }
  }

  /**
   * Stores a block's hash, ready at once, unless it is there already; evicts the least recently
   * used ready block when full. True when it stored.
   */
  store(hash: number): boolean {
    if (this.slotOf(hash) >= 0) return false;
    if (this.used >= this.capacityBlocks && this.ready - this.pinned === 0) return false;
    this.insert(hash, -1);
    return true;
  }

  /**
   * The connector's store of hashes[from..to) by request `owner` (vLLM 0.15 v1/kv_offload/lru_manager.py
   * prepare_store): the hashes the tier lacks are listed first, then as many ready least recently
   * used blocks as they need are evicted, then they are appended in order, not ready until the
   * owner's stores complete (owner −1: ready at once). Returns the blocks stored (0: no store
   * job), or -1 when the ready blocks cannot make room (prepare_store returns None, nothing changes).
   */
  prepareStore(hashes: Float64Array, from: number, to: number, owner = -1): number {
    if (this.missing.length < to - from) this.missing = new Int32Array((to - from) * 2);
    const missing = this.missing;
    // Free slots and evictable ready blocks: the store fails when more blocks are absent. Counted
    // newest first, where a request's own blocks are (a retried store fails within a few probes).
    const room = this.room;
    let n = 0;
    this.filtered += to - from;
    for (let i = to - 1; i >= from; i--) {
      if (this.slotOf(hashes[i]!) >= 0) continue;
      if (n === room) {
        this.scanned += this.used;
        this.refused++;
        return -1;
      }
      missing[n++] = i;
    }
    // In block order (missing holds them newest first): free slots first, then the ready blocks
    // nearest the LRU head. A block appended here is never evicted by this call: it is unready,
    // or (owner −1) behind every block evicted before it.
    for (let k = n - 1; k >= 0; k--) this.insert(hashes[missing[k]!]!, owner);
    return n;
  }

  /** Puts an absent hash at the MRU end, in a free slot or the least recently used evictable one (the caller checked there is one). */
  private insert(hash: number, owner: number): void {
    let s: number;
    if (this.used < this.capacityBlocks) {
      s = this.used++;
    } else {
      // The least recently used ready, unpinned slot is reused; its old hash's index entry goes
      // stale. None comes before the cursor; those passed here are unevictable too.
      s = this.cursor;
      this.scanned++;
      while (this.owner[s] !== -1 || this.pins[s] !== 0) {
        s = this.next[s]!;
        this.scanned++;
      }
      this.cursor = s;
      this.unlink(s);
      this.ready--;
      this.evictions++;
    }
    this.slotHash[s] = hash;
    this.owner[s] = owner;
    if (owner === -1) this.ready++;
    this.index.set(hash, s);
    this.append(s);
    this.stores++;
  }

  /** The slot holding `hash`, or -1 (a stale entry reads as absent). */
  private slotOf(hash: number): number {
    return this.index.get(hash);
  }

  /** Puts `s` at the MRU end (after every other slot, so after the cursor unless the cursor is past the end). */
  private append(s: number): void {
    const tail = this.prev[this.head]!;
    this.next[tail] = s;
    this.prev[s] = tail;
    this.next[s] = this.head;
    this.prev[this.head] = s;
    if (this.cursor === this.head && this.owner[s] === -1 && this.pins[s] === 0) this.cursor = s;
  }

  private unlink(s: number): void {
    const p = this.prev[s]!;
    const nx = this.next[s]!;
    this.next[p] = nx;
    this.prev[nx] = p;
    // What followed the cursor's slot is still preceded only by unevictable slots.
    if (s === this.cursor) this.cursor = nx;
  }

  /**
   * Slot `s`, in the list, just became ready and unpinned. The cursor cannot tell cheaply whether
   * `s` is before it: the next eviction searches from the LRU end again (a request's stores
   * complete once, when it leaves, while its blocks are evicted one store at a time).
   */
  private becameEvictable(s: number): void {
    if (this.cursor !== this.next[this.head]) this.cursor = this.cursor === this.head ? s : this.next[this.head]!;
  }
}
