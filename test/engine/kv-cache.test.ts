import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KvBlockPool } from '../../src/engine/kv-cache.js';

describe('KvBlockPool', () => {
  it('keeps hashes on freed blocks and evicts least-recently-freed first', () => {
    const pool = new KvBlockPool(3);
    const a = pool.allocate(), b = pool.allocate();
    pool.cache(a, 100);
    pool.cache(b, 200);
    pool.release(b);
    pool.release(a);
    expect(pool.numFree).toBe(3);
    expect(pool.lookup(new Float64Array([100]), 1, null)).toBe(1);
    // Free queue: [2, b, a]: the untouched block goes first, then b (freed before a).
    expect(pool.allocate()).toBe(2);
    expect(pool.allocate()).toBe(b);
    expect(pool.lookup(new Float64Array([200]), 1, null)).toBe(0);
    expect(pool.lookup(new Float64Array([100]), 1, null)).toBe(1);
  });

  it('a hit on a free cached block takes it out of the free queue', () => {
    const pool = new KvBlockPool(2);
    const a = pool.allocate();
    pool.cache(a, 5);
    pool.release(a);
    const out = new Int32Array(1);
    expect(pool.lookup(new Float64Array([5]), 1, out)).toBe(1);
    pool.touch(out[0]!);
    expect(pool.numFree).toBe(1);
    expect(pool.allocate()).not.toBe(a);
    expect(pool.allocate()).toBe(-1);
    pool.checkInvariants();
  });

  it('refuses to release below zero', () => {
    const pool = new KvBlockPool(1);
    expect(() => pool.release(0)).toThrow();
  });

  it('conserves blocks under random operations', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 9 })), { maxLength: 300, size: 'max' }), (ops) => {
        const pool = new KvBlockPool(10);
        const held: number[] = [];
        for (const [op, x] of ops) {
          if (op === 0) { const b = pool.allocate(); if (b >= 0) held.push(b); else expect(pool.numFree).toBe(0); }
          else if (op === 1 && held.length > 0) pool.release(held.splice(x % held.length, 1)[0]!);
          else if (op === 2 && held.length > 0) pool.cache(held[x % held.length]!, x);
          else if (op === 3) { const out = new Int32Array(1); if (pool.lookup(new Float64Array([x]), 1, out) === 1) { pool.touch(out[0]!); held.push(out[0]!); } }
          pool.checkInvariants();
          expect(pool.numUsed).toBe(new Set(held).size);
        }
      }),
    );
  });

  it('needs a positive whole number of blocks', () => {
    expect(() => new KvBlockPool(0)).toThrow('totalBlocks must be a positive integer, got 0');
    expect(() => new KvBlockPool(2.5)).toThrow('totalBlocks must be a positive integer');
    expect(new KvBlockPool(1).numFree).toBe(1);
  });

  it('reports references and hashes per block, and counts the free ones among hits', () => {
    const pool = new KvBlockPool(4);
    const a = pool.allocate(), b = pool.allocate();
    pool.cache(a, 11);
    pool.cache(b, 22);
    expect([pool.refCountOf(a), pool.hashOf(a), pool.hashOf(b)]).toEqual([1, 11, 22]);
    pool.touch(a);
    expect(pool.refCountOf(a)).toBe(2);
    pool.release(b);
    expect(pool.countFreeAmong(new Int32Array([a, b]), 2)).toBe(1);
    expect(pool.countFreeAmong(new Int32Array([a, b]), 1)).toBe(0);
    pool.release(a);
    pool.release(a);
    expect(() => pool.release(a)).toThrow(`block ${a} released with refcount 0`);
    // Two never-used blocks go first, then b (freed first) loses its hash.
    pool.allocate();
    pool.allocate();
    expect(pool.allocate()).toBe(b);
    expect(pool.hashOf(b)).toBe(-1);
    pool.checkInvariants();
  });

  it('finds at most maxBlocks leading hits', () => {
    const pool = new KvBlockPool(4);
    const hashes = new Float64Array([1, 2, 3]);
    for (let k = 0; k < 3; k++) pool.cache(pool.allocate(), hashes[k]!);
    const out = new Int32Array(3);
    expect(pool.lookup(hashes, 2, out)).toBe(2);
    expect(pool.lookup(hashes, 3, out)).toBe(3);
    expect(pool.lookup(hashes, 0, out)).toBe(0);
  });

  it('keeps private hashes out of the index until a KV event listener is attached, which must come first', () => {
    const events: string[] = [];
    const sink = { onStored: (h: number) => events.push(`+${h}`), onEvicted: (h: number) => events.push(`-${h}`) };
    // With a listener every hash goes through the shared index and is announced.
    const listened = new KvBlockPool(2);
    listened.sink = sink;
    const a = listened.allocate();
    listened.cache(a, 7, 42, 0);
    expect(events).toEqual(['+7']);
    expect(listened.lookup(new Float64Array([7]), 1, null, 42, 0)).toBe(1);
    // Without one, a private hash lives in its id's list: found for that id only.
    const quiet = new KvBlockPool(2);
    quiet.cache(quiet.allocate(), 7, 42, 0);
    expect(quiet.lookup(new Float64Array([7]), 1, null, 42, 0)).toBe(1);
    expect(quiet.lookup(new Float64Array([7]), 1, null, 43, 0)).toBe(0);
    expect(() => (quiet.sink = sink)).toThrow('a KV event listener must be attached before the first block is cached');
    quiet.sink = null;
    expect(quiet.sink).toBe(null);
  });

  it('checkInvariants, the oracle of the property tests, rejects each kind of corrupted state', () => {
    type Internals = { refCount: Int32Array; freeQueue: { ring: Int32Array; count: number }; cached: number; dupPrev: Int32Array; blockHash: Float64Array; hashed: Uint8Array };
    const corrupt = (f: (p: Internals, blocks: number[]) => void): (() => void) => {
      const pool = new KvBlockPool(4);
      const blocks = [pool.allocate(), pool.allocate()];
      pool.cache(blocks[0]!, 5);
      pool.cache(blocks[1]!, 6);
      pool.checkInvariants();
      f(pool as unknown as Internals, blocks);
      return () => pool.checkInvariants();
    };
    expect(corrupt((p) => { p.refCount[3] = 1; })).toThrow('free block 3 has refcount 1');
    // The queue's ring after two allocations: slots 2 and 3 hold free blocks 2 and 3.
    expect(corrupt((p) => { p.freeQueue.ring[2] = 3; })).toThrow('free block 3 is queued twice');
    expect(corrupt((p) => { p.freeQueue.count = 3; })).toThrow('free queue has 2 blocks, counter says 3');
    expect(corrupt((p, b) => { p.refCount[b[0]!] = -1; })).toThrow(`negative refcount on block 0`);
    expect(corrupt((p, b) => { p.refCount[b[0]!] = 0; })).toThrow('refcount-0 blocks 3 != free 2');
    expect(corrupt((p) => { p.cached = 3; })).toThrow('2 hash chains but 3 counted');
    expect(corrupt((p, b) => { p.blockHash[b[1]!] = 5; })).toThrow('block 1 heads hash 5 but the index says 0');
    expect(corrupt((p, b) => { p.dupPrev[b[1]!] = b[0]!; })).toThrow('block 1 is chained to a block of another hash');
    expect(corrupt((p, b) => { p.hashed[b[1]!] = 0; })).toThrow("block 1's hashed flag disagrees with its hash 6");
    expect(corrupt((p) => { p.hashed[2] = 1; })).toThrow("block 2's hashed flag disagrees with its hash -1");
  });
});

