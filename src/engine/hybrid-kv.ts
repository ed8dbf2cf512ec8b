/**
 * The blocks of a model with sliding-window layers, after vLLM 0.15's hybrid KV cache manager
 * (v1/core/kv_cache_coordinator.py HybridKVCacheCoordinator, v1/core/single_type_kv_cache_manager.py
 * FullAttentionManager and SlidingWindowManager; docs/design/hybrid_kv_cache_manager.md). The
 * model's layers form KV cache groups (model/kv-groups.ts) sharing one block pool: a request holds
 * a block table per group ("lane"), every table `numBlocks` long. A full-attention table holds a
 * block for every block of tokens; a sliding-window table gives back the blocks no query will read
 * again (they become vLLM's null block; `slidingStart` counts them):
 * - freeing: when a request's slots are allocated, blocks wholly before the window of its next
 *   token (computed − window + 1 tokens) are released, last first, group by group
 *   (remove_skipped_blocks, called first thing in allocate_slots);
 * - growing: every table grows to cdiv(tokens, block) entries, so a step needs
 *   groups × (new table entries) free blocks (get_num_blocks_to_allocate of a running request);
 * - prefix hits: the full-attention groups need every block of the hit cached (left to right), the
 *   sliding groups only the cdiv(window − 1, block) blocks ending at it (right to left within the
 *   full hit); the hit is where both hold, and the sliding tables take only its last window
 *   (find_longest_cache_hit, allocate_new_computed_blocks). A group's blocks are cached under
 *   (hash, group) (block-hash.ts laneHash), evicted through the one LRU free queue.
 * Group order is vLLM's: the type of the model's first layer first. Every hybrid model we know
 * (gpt-oss, Gemma 2 and 3, Cohere 2) starts with a sliding layer, so sliding groups come first.
 * The first table (lane 0) holds the first full-attention group (the router's KV events name its
 * hashes; the others are quiet) or, with no full-attention layer, the sliding group.
 */
import type { InstanceConfig } from './config.js';
import type { EngineRequest } from './engine-request.js';
import { laneHash } from './block-hash.js';
import type { KvBlockPool } from './kv-cache.js';

const NONE = -1;

export class HybridKv {
  /** Block tables per request (KV cache groups). */
  readonly lanes: number;
  /** Lanes 0 .. full − 1 are full-attention groups, the rest sliding-window groups. */
  private readonly full: number;
  private readonly window: number;
  private readonly bs: number;
  /** Cached blocks in a row a sliding-window hit needs: cdiv(window − 1, block) (the token itself is in its window). */
  private readonly hitRun: number;
  /** Lanes in vLLM's group order (sliding groups first). */
  private readonly order: Int32Array;
  /** The last lookup's blocks, lane-major with `hitStride` entries per lane. */
  private hitBuf = new Int32Array(64);
  private hitStride = 0;
  /** Scratch for private lookups: one group's hashes and blocks by chain position. */
  private laneHashes = new Float64Array(64);
  private laneBlocks = new Int32Array(64);
  /** Of the blocks the last lookup's hit would take, those in the free queue (they consume free capacity). */
  hitsFree = 0;

  constructor(private readonly pool: KvBlockPool, cfg: InstanceConfig) {
    const g = cfg.kvGroups!;
    this.full = g.fullGroups;
    this.lanes = g.fullGroups + g.slidingGroups;
    this.window = g.slidingWindow;
    this.bs = cfg.blockSize;
    this.hitRun = Math.ceil((g.slidingWindow - 1) / cfg.blockSize);
    this.order = new Int32Array(this.lanes);
    let i = 0;
    for (let lane = this.full; lane < this.lanes; lane++) this.order[i++] = lane;
    for (let lane = 0; lane < this.full; lane++) this.order[i++] = lane;
  }

  /** Leading blocks no query after `computed` tokens reads in a sliding group (vLLM get_num_skipped_tokens / block). */
  skippedBlocks(computed: number): number {
    const skipped = computed - this.window + 1;
    return skipped > 0 ? Math.floor(skipped / this.bs) : 0;
  }

  /** Blocks r holds now, over every group. */
  heldBlocks(r: EngineRequest): number {
    return this.lanes * r.numBlocks - (this.lanes - this.full) * r.slidingStart;
  }

  /** remove_skipped_blocks: sliding tables release the blocks before the window of r's next token, last first. */
  removeSkipped(r: EngineRequest): void {
    let to = this.skippedBlocks(r.computedTokens);
    if (to > r.numBlocks) to = r.numBlocks;
    const from = r.slidingStart;
    if (to <= from) return;
    const blocks = r.blocks;
    const st = r.laneStride;
    for (let i = 0; i < this.lanes; i++) {
      const lane = this.order[i]!;
      if (lane < this.full) continue;
      const base = lane * st;
      for (let k = to - 1; k >= from; k--) {
        this.pool.release(blocks[base + k]!);
        blocks[base + k] = NONE;
      }
    }
    r.slidingStart = to;
  }

  /** Grows every table of r by `n` fresh blocks, group by group (allocate_new_blocks). */
  allocate(r: EngineRequest, n: number): void {
    if (n * this.lanes > this.pool.numFree) throw new Error(`KV invariant: ${n * this.lanes} blocks for request ${r.src.id} were checked free but ${this.pool.numFree} are`);
    const base = r.numBlocks;
    const st = r.laneStride;
    for (let i = 0; i < this.lanes; i++) {
      const at = this.order[i]! * st + base;
      for (let k = 0; k < n; k++) r.blocks[at + k] = this.pool.allocate();
    }
    r.numBlocks = base + n;
  }

  /** Frees every block r holds, group by group, each table last block first (coordinator free). */
  release(r: EngineRequest): void {
    const st = r.laneStride;
    for (let i = 0; i < this.lanes; i++) {
      const lane = this.order[i]!;
      const base = lane * st;
      const first = lane < this.full ? 0 : r.slidingStart;
      for (let k = r.numBlocks - 1; k >= first; k--) this.pool.release(r.blocks[base + k]!);
    }
    r.numBlocks = 0;
    r.numHashedBlocks = 0;
    r.slidingStart = 0;
  }

  /** Registers r's blocks full of known tokens up to `full` blocks in every group (cache_blocks; a null block is skipped). */
  cache(r: EngineRequest, full: number): void {
    const from = r.numHashedBlocks;
    const st = r.laneStride;
    const hashes = r.seqBlockHashes;
    for (let i = 0; i < this.lanes; i++) {
      const lane = this.order[i]!;
      const base = lane * st;
      const start = lane < this.full || from >= r.slidingStart ? from : r.slidingStart;
      // Past the shared prefix a block is private to the id in each group (private-blocks.ts), keyed per group.
      const key = laneHash(r.idKey, lane);
      for (let k = start; k < full; k++) {
        this.pool.cache(r.blocks[base + k]!, laneHash(hashes[k]!, lane), k >= r.sharedBlocks ? key : NONE, k, lane !== 0);
      }
    }
    r.numHashedBlocks = full;
  }

  /**
   * The longest prefix hit of r up to `maxHits` blocks (HybridKVCacheCoordinator.find_longest_cache_hit
   * for full attention plus one other type): the full-attention groups' hit, left to right, then the
   * rightmost run of hitRun blocks cached in every sliding group within it (or the run from block 0
   * when none is that long). Sets hitsFree; claim() takes the blocks.
   */
  lookup(r: EngineRequest, maxHits: number): number {
    const lanes = this.lanes;
    const stride = Math.max(1, maxHits);
    if (this.hitBuf.length < lanes * stride) this.hitBuf = new Int32Array(lanes * stride * 2);
    this.hitStride = stride;
    const buf = this.hitBuf;
    const hashes = r.seqBlockHashes;
    let n = Math.max(0, Math.min(maxHits, hashes.length));
    if (this.full > 0) {
      n = this.pool.lookup(hashes, n, buf, r.idKey, r.sharedBlocks);
      for (let lane = 1; lane < this.full; lane++) {
        this.fillPrivate(r, lane, n);
        for (let k = 0; k < n; k++) {
          const b = k < r.sharedBlocks ? this.pool.cachedBlock(laneHash(hashes[k]!, lane)) : buf[lane * stride + k]!;
          if (b < 0) {
            n = k;
            break;
          }
          buf[lane * stride + k] = b;
        }
      }
    }
    let hits = n;
    if (lanes > this.full) {
      for (let lane = this.full; lane < lanes; lane++) this.fillPrivate(r, lane, n);
      let run = 0;
      let found = -1;
      for (let i = n - 1; i >= 0; i--) {
        if (!this.slidingCached(hashes[i]!, i, r.sharedBlocks)) {
          run = 0;
          continue;
        }
        if (++run >= this.hitRun) {
          found = i;
          break;
        }
      }
      hits = found >= 0 ? found + run : run;
    }
    const sk = this.skippedBlocks(hits * this.bs);
    let free = 0;
    for (let lane = 0; lane < lanes; lane++) {
      for (let k = lane < this.full ? 0 : sk; k < hits; k++) if (this.pool.refCountOf(buf[lane * stride + k]!) === 0) free++;
    }
    this.hitsFree = free;
    return hits;
  }

  /**
   * Block i (hash h) is cached in every sliding group (its blocks noted for claim); a private
   * position was read by fillPrivate, a shared one is looked up now.
   */
  private slidingCached(h: number, i: number, shared: number): boolean {
    const buf = this.hitBuf;
    const stride = this.hitStride;
    for (let lane = this.full; lane < this.lanes; lane++) {
      const b = i < shared ? this.pool.cachedBlock(laneHash(h, lane)) : buf[lane * stride + i]!;
      if (b < 0) return false;
      buf[lane * stride + i] = b;
    }
    return true;
  }

  /** The group's cached blocks at r's private chain positions below n, into hitBuf (one walk over the id's list). */
  private fillPrivate(r: EngineRequest, lane: number, n: number): void {
    const from = r.sharedBlocks;
    if (from >= n) return;
    if (this.laneHashes.length < n) {
      this.laneHashes = new Float64Array(n * 2);
      this.laneBlocks = new Int32Array(n * 2);
    }
    const hashes = r.seqBlockHashes;
    for (let p = from; p < n; p++) this.laneHashes[p] = laneHash(hashes[p]!, lane);
    this.pool.privateBlocksAt(laneHash(r.idKey, lane), this.laneHashes, from, n, this.laneBlocks);
    const at = lane * this.hitStride;
    for (let p = from; p < n; p++) this.hitBuf[at + p] = this.laneBlocks[p]!;
  }

  /**
   * Takes references on the last lookup's hit of `hits` blocks as r's leading blocks, computed up to
   * them; the sliding tables take only the blocks the window after them still reads (allocate_new_computed_blocks).
   */
  claim(r: EngineRequest, hits: number): void {
    const sk = this.skippedBlocks(hits * this.bs);
    const st = r.laneStride;
    const stride = this.hitStride;
    for (let i = 0; i < this.lanes; i++) {
      const lane = this.order[i]!;
      const base = lane * st;
      const first = lane < this.full ? 0 : sk;
      for (let k = 0; k < hits; k++) {
        if (k < first) {
          r.blocks[base + k] = NONE;
          continue;
        }
        const b = this.hitBuf[lane * stride + k]!;
        this.pool.touch(b);
        r.blocks[base + k] = b;
      }
    }
    r.numBlocks = hits;
    r.numHashedBlocks = hits;
    r.slidingStart = sk;
    r.computedTokens = hits * this.bs;
  }
}
