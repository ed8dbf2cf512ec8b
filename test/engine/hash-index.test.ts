import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HashIndex } from '../../src/engine/hash-index.js';

describe('HashIndex', () => {
  it('behaves like a Map under random set/delete/get (colliding keys included)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3 })), { maxLength: 400 }), (ops) => {
        const idx = new HashIndex(32);
        const ref = new Map<number, number>();
        for (const [op, k, hi] of ops) {
          // Same low bits, different high bits: forces probe runs.
          const key = hi * 4294967296 + k * 16;
          if (op === 0 && (ref.has(key) || ref.size < 32)) { idx.set(key, k); ref.set(key, k); }
          else if (op === 2 && ref.size < 32) expect(idx.setIfAbsent(key, k + 1)).toBe(ref.has(key) ? false : (ref.set(key, k + 1), true));
          else if (op === 1) expect(idx.delete(key)).toBe(ref.delete(key));
          expect(idx.get(key)).toBe(ref.get(key) ?? -1);
          expect(idx.size).toBe(ref.size);
        }
        for (const [key, v] of ref) expect(idx.get(key)).toBe(v);
      }),
      { numRuns: 300 },
    );
  });
});
