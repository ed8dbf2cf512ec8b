import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HashIndex } from '../../src/engine/hash-index.js';

describe('HashIndex', () => {
  it('behaves like a Map under random set/delete/get (colliding keys included)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3 })), { maxLength: 400, size: 'max' }), (ops) => {
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

  it('keeps the contents of a Map in a 16-slot table where every key collides and runs wrap around (set, delete, sweep, forEach, clear)', () => {
    // Homes 12..15 and 0..3 only, up to the 70 % load limit (11 keys): long runs that cross the
    // table's end, so backward-shift deletion has to respect cyclic homes.
    const key = fc.tuple(fc.constantFrom(12, 13, 14, 15, 0, 1, 2, 3), fc.integer({ min: 0, max: 5 })).map(([lo, hi]) => hi * 4294967296 + lo);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), key, fc.integer({ min: 0, max: 9 })), { maxLength: 200, size: 'max' }), (ops) => {
        const idx = new HashIndex(8, 2);
        const ref = new Map<number, number>();
        for (const [op, k, v] of ops) {
          if (op <= 1 && (ref.has(k) || ref.size < 11)) { idx.set(k, v); ref.set(k, v); }
          else if (op === 2) expect(idx.delete(k)).toBe(ref.delete(k));
          else if (op === 4 && ref.size < 11) expect(idx.setIfAbsent(k, v)).toBe(ref.has(k) ? false : (ref.set(k, v), true));
          else if (op === 3) {
            // Entries whose value is odd are stale for this holder.
            const holder = new Float64Array(10).fill(-2);
            for (const [rk, rv] of ref) if (rv % 2 === 0) holder[rv] = rk;
            idx.sweep(holder);
            for (const [rk, rv] of [...ref]) if (holder[rv] !== rk) ref.delete(rk);
          }
          expect(idx.has(k)).toBe(ref.has(k));
          expect(idx.size).toBe(ref.size);
        }
        const seen = new Map<number, number>();
        idx.forEach((k, v) => seen.set(k, v));
        expect(seen).toEqual(ref);
        for (const [k, v] of ref) expect(idx.get(k)).toBe(v);
        idx.clear();
        expect(idx.size).toBe(0);
        for (const k of ref.keys()) expect(idx.has(k)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('sizes its table to the next power of two of entries × slack (at least 16) and refuses a key past 70 % of it', () => {
    expect(new HashIndex(1).tableSize).toBe(16);
    expect(new HashIndex(8, 2).tableSize).toBe(16);
    expect(new HashIndex(9, 2).tableSize).toBe(32);
    expect(new HashIndex(32).tableSize).toBe(64);
    const idx = new HashIndex(8, 2);
    for (let k = 0; k < 11; k++) idx.set(k * 16, k);
    expect(idx.size).toBe(11);
    idx.set(0, 99); // overwriting a present key (slot 0) is not an insert
    expect(idx.get(0)).toBe(99);
    expect(idx.size).toBe(11);
    expect(() => idx.set(11 * 16, 11)).toThrow('HashIndex over capacity');
  });

  it('backward-shift deletion moves an entry into the hole only when the hole lies between its home and its slot, across the table end too', () => {
    const T = 4294967296; // same low bits (home), different keys
    const table = () => new HashIndex(8, 2); // 16 slots
    // Home 15: slots 15, 0, 1. Deleting slot 0's key must pull slot 1's entry into slot 0.
    let idx = table();
    idx.set(15, 1); idx.set(T + 15, 2); idx.set(2 * T + 15, 3);
    idx.delete(T + 15);
    expect([idx.get(15), idx.get(T + 15), idx.get(2 * T + 15), idx.size]).toEqual([1, -1, 3, 2]);
    // Home 14: slots 14, 15, 0. Deleting slot 15's key pulls slot 0's entry back across the end.
    idx = table();
    idx.set(14, 1); idx.set(T + 14, 2); idx.set(2 * T + 14, 3);
    idx.delete(T + 14);
    expect([idx.get(14), idx.get(2 * T + 14), idx.size]).toEqual([1, 3, 2]);
    // Slot 0 holds a key at its own home: the hole at 15 is not on its way, it stays.
    idx = table();
    idx.set(14, 1); idx.set(T + 14, 2); idx.set(0, 3);
    idx.delete(T + 14);
    expect([idx.get(14), idx.get(0), idx.size]).toEqual([1, 3, 2]);
    // A key already present at slot 0 is not inserted twice.
    idx = table();
    idx.set(0, 1);
    expect(idx.setIfAbsent(0, 2)).toBe(false);
    expect([idx.get(0), idx.size]).toEqual([1, 1]);
  });
});

