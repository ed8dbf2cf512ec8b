/**
 * Private hashes (kept per request id, private-blocks.ts) must look up exactly like hashes in the
 * shared index: the same hits, the same block for each (the oldest live copy), through evictions,
 * duplicates, re-registration of a block under the same hash and lazily invalidated index entries.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KvBlockPool } from '../../src/engine/kv-cache.js';
import { LazyIndex } from '../../src/engine/lazy-index.js';
import { PrivateBlocks } from '../../src/engine/private-blocks.js';

/** Request `id`'s chain: positions below `shared` are a common prefix, the rest are its own. */
function chain(id: number, shared: number, len: number): Float64Array {
  return Float64Array.from({ length: len }, (_, p) => (p < shared ? 1000 + p : 10_000 * (id + 1) + p));
}

describe('private blocks', () => {
  it('look up exactly as the shared index would, through evictions and duplicate copies', () => {
    const op = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 20 }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.array(op, { maxLength: 400, size: 'max' }), (shared, ops) => {
        const priv = new KvBlockPool(12);
        const plain = new KvBlockPool(12);
        const held: number[] = [];
        for (const [kind, id, pos, pick] of ops) {
          const hashes = chain(id, shared, 8);
          if (kind <= 1) {
            // A request of `id` computes positions 0..pos into fresh blocks (a prefill): the same
            // chain computed twice leaves duplicate copies. Both pools hand out the same blocks.
            for (let p = 0; p <= pos % 4; p++) {
              const a = priv.allocate();
              const b = plain.allocate();
              expect(a).toBe(b);
              if (a < 0) break;
              held.push(a);
              priv.cache(a, hashes[p]!, p >= shared ? id : -1, p);
              plain.cache(a, hashes[p]!);
            }
          } else if (kind === 2 && held.length > 0) {
            const b = held.splice(pick % held.length, 1)[0]!;
            priv.release(b);
            plain.release(b);
          } else {
            const outA = new Int32Array(8);
            const outB = new Int32Array(8);
            const max = 1 + (pick % 4);
            const hits = plain.lookup(hashes, max, outB);
            expect(priv.lookup(hashes, max, outA, id, shared)).toBe(hits);
            expect([...outA.subarray(0, hits)]).toEqual([...outB.subarray(0, hits)]);
            if (hits > 0 && pick % 2 === 0) {
              // Take the hits (as a scheduled request would).
              for (let k = 0; k < hits; k++) {
                priv.touch(outA[k]!);
                plain.touch(outB[k]!);
                held.push(outA[k]!);
              }
            }
          }
          priv.checkInvariants();
          expect(priv.numFree).toBe(plain.numFree);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a lazily invalidated index forgets an entry when its holder moves on, and grows as entries live', () => {
    const holder = new Float64Array(5000).fill(-1);
    const idx = new LazyIndex(holder, 16);
    for (let v = 0; v < 5000; v++) {
      holder[v] = 7 * v + 1;
      idx.set(7 * v + 1, v);
    }
    expect(idx.get(7 * 4321 + 1)).toBe(4321);
    holder[4321] = 99;
    expect(idx.get(7 * 4321 + 1)).toBe(-1);
    // Re-keying every holder leaves only stale entries: a later insert sweeps them instead of growing forever.
    for (let v = 0; v < 5000; v++) holder[v] = -1;
    for (let round = 0; round < 200; round++) {
      for (let v = 0; v < 100; v++) {
        const key = 1e6 * (round + 1) + v;
        holder[v] = key;
        idx.set(key, v);
      }
    }
    // 5000 + 20,000 entries were set; sweeps keep the table at a bounded size (100 live).
    expect(idx.size).toBeLessThan(12_000);
    expect(idx.get(1e6 * 200 + 5)).toBe(5);
    expect(idx.get(1e6 * 199 + 5)).toBe(-1);
  });
});

describe('PrivateBlocks.checkInvariants, the oracle of the property above', () => {
  type Internals = { keyOf: Float64Array; next: Int32Array; prev: Int32Array; headKey: Float64Array };
  /** Blocks 0, 1, 2 hold id 7's positions 0-2 (one list headed by block 0); block 3 is id 8's only one. */
  const corrupt = (f: (p: Internals, blockHash: Float64Array) => void): (() => void) => {
    const blockHash = new Float64Array(6).fill(-1);
    const priv = new PrivateBlocks(6, blockHash);
    [0, 1, 2].forEach((b) => { blockHash[b] = 100 + b; priv.add(b, 7, b); });
    blockHash[3] = 200;
    priv.add(3, 8, 0);
    priv.checkInvariants();
    expect(priv.lookup(7, Float64Array.of(100, 101, 102), 0, 3, null)).toBe(3);
    f(priv as unknown as Internals, blockHash);
    return () => priv.checkInvariants();
  };
  it('rejects a private block without a hash, a broken list, a list with two heads or none, and a stale index', () => {
    expect(corrupt((_, h) => { h[1] = -1; })).toThrow('private block 1 holds no hash');
    expect(corrupt((p) => { p.prev[2] = 0; })).toThrow('private list of block 0 is broken at 1');
    expect(corrupt((p) => { p.keyOf[2] = 8; })).toThrow('private list of block 0 is broken at 2');
    expect(corrupt((p) => { p.headKey[1] = 7; })).toThrow('private list of block 0 has 2 heads');
    expect(corrupt((p) => { p.headKey[0] = -1; })).toThrow('private list of block 0 has 0 heads');
    expect(corrupt((p) => { p.headKey[0] = -1; p.headKey[1] = 7; })).toThrow("block 1 heads its id's list but the index says");
  });
});
