import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IndexWindow } from '../../src/kernel/index-window.js';

/** Checks every read of the window against a Map kept in index order. */
function same(w: IndexWindow<number>, ref: Map<number, number>, probes: readonly number[]): void {
  expect(w.size).toBe(ref.size);
  expect([...w.values()]).toEqual([...ref.keys()].sort((a, b) => a - b).map((k) => ref.get(k)));
  for (const i of probes) expect(w.get(i)).toBe(ref.get(i));
}

describe('IndexWindow', () => {
  it('finds, removes and lists values in index order like a Map, whatever the order they leave in', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.nat(40)), { maxLength: 400, size: 'max' }), (ops) => {
        const w = new IndexWindow<number>();
        const ref = new Map<number, number>();
        let next = 0;
        for (const [op, x] of ops) {
          if (op <= 1) {
            // Indices increase, sometimes with gaps.
            next += op === 0 ? 1 : 1 + (x % 5);
            w.add(next, next * 10);
            ref.set(next, next * 10);
          } else {
            // Removes one of the recent indices, or one already gone (nothing happens).
            const i = Math.max(0, next - x);
            w.delete(i);
            ref.delete(i);
          }
        }
        same(w, ref, Array.from({ length: next + 3 }, (_, i) => i - 1));
      }),
    );
  });

  it('moves a long-held value out of the ring once the slots after it are mostly empty, keeping order and lookups', () => {
    const w = new IndexWindow<number>();
    const ref = new Map<number, number>();
    // Index 0 and 5 stay while 10,000 others come and go one after another.
    for (let i = 0; i < 10_000; i++) {
      w.add(i, i);
      ref.set(i, i);
      const gone = i - 2;
      if (gone > 0 && gone !== 5) {
        w.delete(gone);
        ref.delete(gone);
      }
    }
    w.delete(5);
    ref.delete(5);
    same(w, ref, [0, 1, 5, 9_997, 9_998, 9_999, 10_000]);
    // The ring no longer spans the 10,000 slots since index 0 (private, read for the check).
    const ring = (w as unknown as { ring: { length: number } }).ring;
    expect(ring.length).toBeLessThan(16);
    w.delete(0);
    ref.delete(0);
    same(w, ref, [0, 9_999]);
  });

  it('refuses an index that is not past every index added', () => {
    const w = new IndexWindow<number>();
    w.add(3, 1);
    expect(() => w.add(3, 2)).toThrow(/index 3 added after 3/);
  });
});
