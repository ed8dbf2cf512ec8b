/**
 * A request's KV blocks as the scheduler asks for them, after vLLM 0.15
 * v1/core/kv_cache_manager.py: prefix-cache hits among its leading blocks
 * (`get_computed_blocks`), fresh blocks for new tokens (`allocate_slots`), registration of full
 * blocks in the prefix cache as they fill (`cache_blocks`; a scheduled request's full blocks are
 * also offered to the CPU tier, as the connector's build_connector_meta does), and
 * freeing (`free`, last block first). The block pool (kv-cache.ts) holds the blocks and their
 * hashes; the scheduler, which extends this class, decides who gets them. A model with
 * sliding-window KV cache groups keeps a table per group (hybrid-kv.ts) and every method here
 * hands its work to that class; others take the same path as a model without them.
 */
import { emptyList } from '../kernel/arrays.js';
import type { InstanceConfig } from './config.js';
import { usableKvBlocks } from './config.js';
import { CpuKvTier } from './cpu-tier.js';
import { connectorCpuUs } from './connector-cpu.js';
import { BlockTables } from './block-tables.js';
import { RequestState, type EngineRequest } from './engine-request.js';
import { KvBlockPool } from './kv-cache.js';
import { HybridKv } from './hybrid-kv.js';
import { KvStoreHolds } from './kv-stores.js';
import { PendingKeys } from './pending-keys.js';
import { requestBlockHashes } from './block-hash.js';
import type { StepBatch } from './step-batch.js';

export class KvCacheManager {
  readonly pool: KvBlockPool;
  /** The CPU offload tier, or null. */
  readonly cpu: CpuKvTier | null;
  /** Block tables handed to requests at enqueue and taken back when they leave. */
  readonly tables = new BlockTables(4096);
  readonly blockSize: number;
  readonly prefixCaching: boolean;
  /** vLLM's hybrid KV cache groups (hybrid-kv.ts), or null: one table of every layer's blocks. */
  readonly hybrid: HybridKv | null;
  /** Block tables per request: the KV cache groups (1 without hybrid groups); a step's new table entries cost this many blocks each. */
  readonly lanes: number;
  private hitBuf = new Int32Array(64);
  /** Of the hits the last lookupHits found, those in the free queue. */
  hitsFree = 0;
  /** Requests gone whose blocks the CPU tier's connector holds until their stores are reported (kv-stores.ts). */
  readonly stores = new KvStoreHolds();
  /** Scheduled requests with full blocks for the store pass at the end of this formation (flushStores). */
  private readonly pendingStores: EngineRequest[] = [];
  /** Requests preempted in this formation whose stores complete after its store pass. */
  private readonly pendingCompletes: EngineRequest[] = [];
  /** Requests whose last store the tier could not take: the pass retries them at every schedule that includes them. */
  private readonly storeRetries: EngineRequest[] = [];

  constructor(cfg: InstanceConfig) {
    this.pool = new KvBlockPool(usableKvBlocks(cfg));
    this.cpu = cfg.cpuTier !== null && cfg.enablePrefixCaching ? new CpuKvTier(cfg.cpuTier.blocks) : null;
    this.blockSize = cfg.blockSize;
    this.prefixCaching = cfg.enablePrefixCaching;
    this.hybrid = cfg.kvGroups !== null ? new HybridKv(this.pool, cfg) : null;
    this.lanes = this.hybrid !== null ? this.hybrid.lanes : 1;
  }

  /** Blocks needed to hold `tokens` tokens. */
  blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.blockSize);
  }

  /**
   * Frees a request's blocks, last block first (vLLM frees in reverse so tails are evicted first).
   * Its stores are reported done as it gives its blocks up: at the step that reports a finished or
   * aborted request's stores (kv-stores.ts), or, for a preemption (`preempted`), after the
   * formation's store pass (build_connector_meta completes the preempted requests' stores after
   * `_get_reqs_to_store`: flushStores).
   */
  releaseBlocks(r: EngineRequest, preempted = false): void {
    if (r.cpuStored) {
      if (preempted) this.pendingCompletes.push(r);
      else this.cpu!.completeStores(r.seqBlockHashes, r.nextStoreBlock, r.seq);
    }
    if (this.hybrid !== null) return this.hybrid.release(r);
    for (let k = r.numBlocks - 1; k >= 0; k--) this.pool.release(r.blocks[k]!);
    r.numBlocks = 0;
    r.numHashedBlocks = 0;
  }

  /**
   * r loses its blocks but will be admitted again (a preemption, a parked request reclaimed): the
   * private blocks whose registration waited go into the pool first (registerDeferred), so its own
   * lookup finds them as it would have; then the blocks are freed.
   */
  releaseToWait(r: EngineRequest, preempted = false): void {
    this.registerDeferred(r);
    this.releaseBlocks(r, preempted);
  }

  /** A request leaves the instance for good: its blocks are freed (what its key deferred left pending: pending-keys.ts) and its block table is reused. */
  retire(r: EngineRequest): void {
    if (r.keyJoined) this.keys!.leave(r);
    this.releaseBlocks(r);
    this.tables.give(r.blocks);
    r.blocks = BlockTables.empty;
  }

  /** Requests of shared keys (pending-keys.ts), made when the first arrives where private registration can wait. */
  private keys: PendingKeys | null = null;

  /**
   * Request r arrives: one of a shared key (EngineRequest.keyShared) defers its private blocks
   * while no other request of its key is here (pending-keys.ts). True when a running request of
   * its key stopped deferring (it registered what it had deferred): the caller ends its decode
   * run, whose registration calendar left that request out.
   */
  joinKey(r: EngineRequest): boolean {
    if (!r.keyShared || !this.defersPrivate()) return false;
    const other = (this.keys ??= new PendingKeys(this.pool, (src) => requestBlockHashes(src, this.blockSize).hashes)).join(r);
    if (r.keyDefers) {
      r.deferPrivate = true;
      r.privateInPool = true;
    } else r.deferPrivate = false;
    if (other === null) return false;
    this.syncCounters();
    this.registerDeferred(other);
    other.deferPrivate = false;
    other.keyDefers = false;
    return other.state === RequestState.Running;
  }

  /** A router is about to read r's blocks here: its key's pending blocks, and those a running request of it deferred so far, are registered first. */
  readKey(r: EngineRequest): void {
    if (this.keys === null || !r.keyShared) return;
    const running = this.keys.read(r.idKey);
    if (running === null) return;
    this.syncCounters();
    this.registerDeferred(running);
  }

  /**
   * A request that finished or was aborted leaves: its blocks are freed now, or, when it had a CPU
   * store job, held until the step of formation `carrySeq` (the next one formed) reports its stores
   * (vLLM's request_finished → delay_free_blocks; kv-stores.ts).
   */
  leave(r: EngineRequest, carrySeq: number): void {
    if (r.cpuStored && r.numBlocks > 0 && !r.prefillOnly) this.stores.hold(r, carrySeq);
    else this.retire(r);
  }

  /** Frees the held requests whose stores a step formed at `seq` reports (finished_sending); true if any. */
  releaseStores(seq: number): boolean {
    return this.stores.release(seq, this.retireFn);
  }

  private readonly retireFn = (r: EngineRequest): void => this.retire(r);

  /**
   * Allocates `n` fresh blocks for `r` (with hybrid groups, `n` in each of its tables). Every caller has checked that they are free first, so a
   * shortfall is a broken invariant and throws rather than leaving the request short of blocks.
   */
  allocateBlocks(r: EngineRequest, n: number): void {
    if (this.hybrid !== null) return this.hybrid.allocate(r, n);
    if (n > this.pool.numFree) throw new Error(`KV invariant: ${n} blocks for request ${r.src.id} were checked free but ${this.pool.numFree} are`);
    for (let k = 0; k < n; k++) r.blocks[r.numBlocks++] = this.pool.allocate();
  }

  /**
   * A scheduled request's blocks: its full blocks of known tokens up to `tokens` are registered in
   * the prefix cache (vLLM cache_blocks with min(num_computed + num_new, num_tokens)) and offered
   * to the CPU tier (storeToCpu).
   */
  cacheFullBlocks(r: EngineRequest, tokens: number): void {
    const full = this.registerFullBlocks(r, tokens);
    if (this.cpu === null || full <= r.storeSeenBlocks) return;
    r.storeFull = full;
    if (r.storePending) return;
    r.storePending = true;
    this.pendingStores.push(r);
  }

  /**
   * The connector's store pass at the end of a formation (vLLM's build_connector_meta, at the end
   * of `schedule()`): after every lookup and allocation of the formation, the scheduled requests
   * with new full blocks are offered to the CPU tier in vLLM's order (yield_req_data): new
   * requests, then running ones, then resumed ones (preempted before); a request preempted since
   * it was scheduled is not among them. Then the stores of the requests the formation preempted
   * complete. Costs nothing when no block filled.
   */
  flushStores(seq: number, out: StepBatch): void {
    this.storePass(seq, out);
    // The connector's Python bookkeeping this formation did (its lookups' touches included), as
    // engine-core CPU of the batch formed (connector-cpu.ts).
    const cpu = this.cpu;
    if (cpu === null) return;
    const seen = this.connectorSeen;
    out.connectorUs = connectorCpuUs(cpu.scanned - seen[0]!, cpu.filtered - seen[1]!, cpu.touched - seen[2]!, cpu.refused - seen[3]!);
    seen[0] = cpu.scanned;
    seen[1] = cpu.filtered;
    seen[2] = cpu.touched;
    seen[3] = cpu.refused;
  }

  /** The tier's scanned, filtered, touched and refused counts at the end of the last formation. */
  private readonly connectorSeen = new Float64Array(4);

  private storePass(seq: number, out: StepBatch): void {
    // With no free slot and no evictable block in the tier, every offer either stores nothing or
    // fails without a change, so their order cannot matter: one pass in any order (under
    // saturation the tier is full of the running requests' unready blocks and every running
    // request retries at every formation).
    const ordered = this.cpu !== null && this.cpu.room > 0;
    if (this.storeRetries.length !== 0) this.addRetries(out, ordered);
    if (this.pendingStores.length !== 0) {
      const cpu = this.cpu!;
      const pending = this.pendingStores;
      // vLLM's three groups in turn; with no room, one pass takes them all.
      for (let pass = 0; pass < (ordered ? 3 : 1); pass++) {
        for (let k = 0; k < pending.length; k++) {
          const r = pending[k]!;
          if (ordered && storeGroup(r, seq) !== pass) continue;
          r.storePending = false;
          // Preempted since it was scheduled: it offers them when next scheduled.
          if (r.state === RequestState.Running) this.storeToCpu(cpu, r, r.storeFull);
        }
      }
      emptyList(pending);
    }
    this.completePreemptedStores();
  }

  /**
   * The stores of the requests preempted in this formation complete (build_connector_meta calls
   * complete_store for `preempted_req_ids` after `_get_reqs_to_store`): their blocks become tier
   * hits. Run by every schedule, an empty one that preempted its only request included.
   */
  completePreemptedStores(): void {
    const done = this.pendingCompletes;
    if (done.length === 0) return;
    for (let k = 0; k < done.length; k++) {
      const r = done[k]!;
      this.cpu!.completeStores(r.seqBlockHashes, r.nextStoreBlock, r.seq);
    }
    emptyList(done);
  }

  /**
   * Registers r's full blocks of known tokens up to `tokens` in the prefix cache; returns how many r has.
   * A request with deferPrivate counts its private blocks registered (numHashedBlocks) but leaves
   * them out of the pool until registerDeferred: only requests of its key can ever look them up,
   * and the only one is itself, after it lost its blocks. Until then nothing could tell: a block in
   * use cannot be evicted, and no lookup reads another key's list (private-blocks.ts). So a finished
   * request's blocks go back to the free queue unhashed, as if evicted already, and the pool does
   * per private block what no lookup needs: nothing (about a sixth of the token-matched seed hour's CPU).
   */
  registerFullBlocks(r: EngineRequest, tokens: number): number {
    if (!this.prefixCaching) return 0;
    let full = Math.floor(Math.min(tokens, r.numTokens) / this.blockSize);
    if (full > r.numHashBlocks) full = r.numHashBlocks;
    if (full <= r.numHashedBlocks) return full;
    if (this.hybrid !== null) {
      this.hybrid.cache(r, full);
      return full;
    }
    const end = r.deferPrivate && this.defersPrivate() && full > r.sharedBlocks ? r.sharedBlocks : full;
    // Hashes only if it registers any, the shared entries only if no private one (those not computed yet stay so).
    if (end > r.numHashedBlocks) {
      const hashes = end > r.sharedBlocks ? r.seqBlockHashes : r.sharedHashes;
      for (let k = r.numHashedBlocks; k < end; k++) this.pool.cache(r.blocks[k]!, hashes[k]!, k >= r.sharedBlocks ? r.idKey : -1, k);
    }
    r.numHashedBlocks = full;
    return full;
  }

  /**
   * Private registration can wait: prefix caching is on, no KV-event listener names every hash
   * (the shared index serves it), no CPU tier stores and loads by hash, no hybrid groups.
   */
  defersPrivate(): boolean {
    return this.prefixCaching && this.hybrid === null && this.pool.sink === null && this.cpu === null;
  }

  /**
   * r is about to lose its blocks and will be admitted again (preemption, a parked request
   * reclaimed): the private blocks registerFullBlocks counted but left out go into the pool now,
   * in block order, as they would have gone one by one (registering the same blocks in the same
   * order per key gives the same lists; hit blocks it claimed hold their hash and are skipped).
   */
  private registerDeferred(r: EngineRequest): void {
    if (!r.deferPrivate || !this.defersPrivate() || r.numHashedBlocks <= r.sharedBlocks) return;
    const hashes = r.seqBlockHashes;
    for (let k = r.sharedBlocks; k < r.numHashedBlocks; k++) this.pool.cache(r.blocks[k]!, hashes[k]!, r.idKey, k);
    r.privateInPool = true;
  }

  /**
   * The connector's store pass for a scheduled request with `full` full blocks, after vLLM 0.15
   * offloading_connector.py OffloadingConnectorScheduler._get_reqs_to_store (build_connector_meta):
   * it walks the blocks from `_next_stored_block_idx` (0, or past a CPU load), GPU hits included,
   * and `prepare_store` keeps those the tier lacks; when it kept any (a store job, which holds the
   * request's blocks when it leaves: kv-stores.ts), `touch` moves every full block of the request
   * the tier holds to the MRU end, the first block last (after prepare_store appended the new ones).
   * `full` counts blocks of known tokens: under asynchronous scheduling vLLM 0.15.1 counts the
   * placeholders too and skips the decode blocks it cannot hash yet for good; blis stores them, as
   * vllm-project/vllm#33881 does (docs/engine.md).
   */
  private storeToCpu(cpu: CpuKvTier, r: EngineRequest, full: number): void {
    // No block past the store index (a retry after a preemption): nothing to do (num_new_blocks <= 0).
    if (full <= r.nextStoreBlock) return;
    r.storeSeenBlocks = full;
    const stored = cpu.prepareStore(r.seqBlockHashes, r.nextStoreBlock, full, r.seq);
    if (stored < 0) {
      // The tier's ready blocks cannot make room: prepare_store returns None and the index stays,
      // so every later schedule of the request tries again (addRetries).
      if (!r.storeRetry) {
        r.storeRetry = true;
        this.storeRetries.push(r);
      }
      return;
    }
    r.storeRetry = false;
    r.nextStoreBlock = full;
    if (stored === 0) return;
    r.cpuStored = true;
    cpu.touch(r.seqBlockHashes, full);
  }

  /** Brings running requests' token counters up to date (the scheduler's decode run keeps them as run counters). */
  protected syncCounters(): void {}

  /**
   * Requests whose store failed join this formation's pass when the batch includes them, and the
   * pending list is put in batch order (the pass's order within each of its groups) when `ordered`.
   * O(batch), only while some store waits for room.
   */
  private addRetries(out: StepBatch, ordered: boolean): void {
    // A decode run keeps its requests' counters as run counters: written out first.
    this.syncCounters();
    const pending = this.pendingStores;
    for (let k = 0; k < out.size; k++) {
      const r = out.reqs[k]!;
      r.storeSlot = k;
      if (!r.storeRetry || r.storePending) continue;
      // Its full blocks as of this formation (after a preemption, fewer than at the failed attempt).
      r.storeFull = Math.min(Math.floor(Math.min(r.computedTokens, r.numTokens) / this.blockSize), r.numHashBlocks);
      r.storePending = true;
      pending.push(r);
    }
    // Stable: entries outside the batch (none scheduled) keep their place after it.
    if (ordered) pending.sort((a, b) => slotOf(a, out) - slotOf(b, out));
    const retries = this.storeRetries;
    let w = 0;
    for (let k = 0; k < retries.length; k++) {
      const r = retries[k]!;
      if (r.storeRetry && r.state !== RequestState.Finished && r.state !== RequestState.Aborted) retries[w++] = r;
      else r.storeRetry = false;
    }
    retries.length = w;
  }

  /**
   * GPU prefix-cache hits among r's leading blocks (at most maxHits), kept in a scan buffer for
   * claimHits; `hitsFree` then says how many of them sit in the free queue (claiming them takes
   * free capacity, as vLLM counts them).
   */
  lookupHits(r: EngineRequest, maxHits: number): number {
    if (this.hybrid !== null) {
      const hits = this.hybrid.lookup(r, maxHits);
      this.hitsFree = this.hybrid.hitsFree;
      return hits;
    }
    // Every block its own, none in the pool yet (registration deferred): no hit, and no hash to compute.
    if (r.sharedBlocks === 0 && r.deferPrivate && !r.privateInPool && this.defersPrivate()) {
      this.hitsFree = 0;
      return 0;
    }
    if (this.hitBuf.length < r.numHashBlocks) this.hitBuf = new Int32Array(r.numHashBlocks * 2);
    // Private hashes not computed yet are read only if the pool may hold some of the key's.
    const hashes = r.hashesPartial && !this.pool.mayHoldPrivate(r.idKey) ? r.sharedHashes : r.seqBlockHashes;
    const hits = this.pool.lookup(hashes, maxHits, this.hitBuf, r.idKey, r.sharedBlocks);
    this.hitsFree = this.pool.countFreeAmong(this.hitBuf, hits);
    return hits;
  }

  /** Takes references on the hits lookupHits found as r's leading blocks, computed up to them. */
  claimHits(r: EngineRequest, hits: number): void {
    if (this.hybrid !== null) return this.hybrid.claim(r, hits);
    for (let k = 0; k < hits; k++) {
      const b = this.hitBuf[k]!;
      this.pool.touch(b);
      r.blocks[k] = b;
    }
    r.numBlocks = hits;
    r.numHashedBlocks = hits;
    r.computedTokens = hits * this.blockSize;
  }
}

/** A pending store's group in vLLM's order (yield_req_data): 0 new, 1 running, 2 resumed after a preemption. */
function storeGroup(r: EngineRequest, seq: number): number {
  if (r.admittedSeq !== seq) return 1;
  return r.preemptions === 0 ? 0 : 2;
}

/** r's slot in `out` as addRetries noted it, or past the batch when r is not in it. */
function slotOf(r: EngineRequest, out: StepBatch): number {
  return r.storeSlot < out.size && out.reqs[r.storeSlot] === r ? r.storeSlot : out.size;
}
