import { describe, expect, it } from 'vitest';
import { KvBlockPool } from '../../src/engine/kv-cache.js';
import { PendingKeys } from '../../src/engine/pending-keys.js';
import type { EngineRequest } from '../../src/engine/engine-request.js';

const KEY = 77;

/** The fields PendingKeys reads of a request of key KEY holding `blocks` (chain positions 0..), its first `shared` shared. */
function req(blocks: number[], shared: number, hashes: number[]): EngineRequest {
  return {
    idKey: KEY,
    blocks: Int32Array.from(blocks),
    src: { hashes: Float64Array.from(hashes) },
    sharedBlocks: shared,
    numHashedBlocks: blocks.length,
    keyJoined: false,
    keyDefers: false,
    keyLast: false,
    keySlot: -1,
  } as unknown as EngineRequest;
}

/** The chain PendingKeys computes for a pending request when it registers it: the fake arrival's. */
const chainOf = (src: unknown): Float64Array => (src as { hashes: Float64Array }).hashes;

/** Which private block of KEY the pool finds at each of positions [from, n) of `hashes` (-1: none). */
function found(pool: KvBlockPool, hashes: number[], from: number): number[] {
  const out = new Int32Array(hashes.length).fill(-9);
  pool.privateBlocksAt(KEY, Float64Array.from(hashes), from, hashes.length, out);
  return [...out.subarray(from)];
}

describe('PendingKeys: private registration that waits for a reader', () => {
  it('registers, when the next request of the key arrives, exactly the blocks no allocation took since the first left', () => {
    const pool = new KvBlockPool(8);
    const keys = new PendingKeys(pool, chainOf);
    const blocks = [0, 1, 2, 3].map(() => pool.allocate());
    expect(blocks).toEqual([0, 1, 2, 3]);
    const hashes = [100, 101, 102, 103];
    const d = req(blocks, 1, hashes);
    expect(keys.join(d)).toBeNull();
    expect(d.keyDefers).toBe(true);
    // d leaves: positions 1-3 pending, nothing registered; its blocks are freed last first.
    keys.leave(d);
    for (let k = 3; k >= 0; k--) pool.release(blocks[k]!);
    expect(found(pool, hashes, 1)).toEqual([-1, -1, -1]);
    // Free queue 4 5 6 7 3 2 1 0: five allocations take block 3 (position 3) back.
    const taken = [0, 1, 2, 3, 4].map(() => pool.allocate());
    expect(taken).toEqual([4, 5, 6, 7, 3]);
    const r = req([], 1, hashes);
    expect(keys.join(r)).toBeNull();
    // Eager registration would hold blocks 1 and 2 still (block 3 was evicted when reallocated).
    expect(found(pool, hashes, 1)).toEqual([1, 2, -1]);
    expect(r.keyDefers).toBe(true);
    pool.checkInvariants();
  });

  it('hands back a running request of the key when a second arrives; neither defers from then on', () => {
    const pool = new KvBlockPool(8);
    const keys = new PendingKeys(pool, chainOf);
    const d = req([pool.allocate(), pool.allocate()], 0, [1, 2]);
    expect(keys.join(d)).toBeNull();
    const r = req([], 0, [1, 2]);
    expect(keys.join(r)).toBe(d);
    expect(r.keyDefers).toBe(false);
    // d stopped deferring (the caller registers what it deferred): it leaves nothing pending.
    d.keyDefers = false;
    keys.leave(d);
    keys.leave(r);
    const r3 = req([], 0, [1, 2]);
    expect(keys.join(r3)).toBeNull();
    expect(r3.keyDefers).toBe(true);
    expect(found(pool, [1, 2], 0)).toEqual([-1, -1]);
  });

  it('leaves nothing pending for a request no later one of its key follows (keyLast)', () => {
    const pool = new KvBlockPool(4);
    const keys = new PendingKeys(pool, chainOf);
    const d = req([pool.allocate(), pool.allocate()], 0, [5, 6]);
    d.keyLast = true;
    keys.join(d);
    keys.leave(d);
    pool.release(1);
    pool.release(0);
    expect(keys.read(KEY)).toBeNull();
    expect(found(pool, [5, 6], 0)).toEqual([-1, -1]);
  });

  it("a router's read registers the pending blocks once and names a running deferrer", () => {
    const pool = new KvBlockPool(4);
    const keys = new PendingKeys(pool, chainOf);
    const d = req([pool.allocate(), pool.allocate()], 0, [5, 6]);
    keys.join(d);
    expect(keys.read(KEY)).toBe(d);
    keys.leave(d);
    pool.release(1);
    pool.release(0);
    expect(keys.read(KEY)).toBeNull();
    expect(found(pool, [5, 6], 0)).toEqual([0, 1]);
    // Nothing is pending any more: a second read registers nothing new.
    expect(keys.read(KEY)).toBeNull();
    pool.checkInvariants();
  });

  it('forgets what it keeps once the pool has reallocated every block (memory stays bounded)', () => {
    const pool = new KvBlockPool(16);
    const keys = new PendingKeys(pool, chainOf);
    for (let i = 0; i < 20_000; i++) {
      const blocks = [pool.allocate(), pool.allocate(), pool.allocate()];
      const d = { ...req(blocks, 0, [3 * i, 3 * i + 1, 3 * i + 2]), idKey: 1000 + i } as EngineRequest;
      keys.join(d);
      keys.leave(d);
      for (const b of blocks.reverse()) pool.release(b);
    }
    const internals = keys as unknown as { log: Int32Array; slotKey: Float64Array; leftEnd: number; leftHead: number };
    // 16 blocks: a record is forgotten after 16 allocations (about 6 requests), so a handful are kept.
    expect(internals.leftEnd - internals.leftHead).toBeLessThanOrEqual(6);
    expect(internals.log.length).toBeLessThanOrEqual(1024);
    expect(internals.slotKey.length).toBeLessThanOrEqual(64);
  });
});
