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
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 9 })), { maxLength: 300 }), (ops) => {
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
});
