/**
 * The KV pool's free queue (free-queue.ts) against a plain array of the same blocks in queue
 * order: allocation from the head, frees to the tail, removal from the middle (a prefix hit on a
 * free block), through the packing of a ring full of holes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FreeQueue } from '../../src/engine/free-queue.js';

describe('FreeQueue', () => {
  it('keeps the order of a plain queue through shifts, pushes, removals from the middle and packing', () => {
    const op = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.nat());
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.array(op, { maxLength: 300, size: 'max' }), (total, ops) => {
        const q = new FreeQueue(total);
        const ref = Array.from({ length: total }, (_, b) => b);
        const used: number[] = [];
        for (const [kind, pick] of ops) {
          if (kind === 0) {
            const b = q.shift();
            expect(b).toBe(ref.length > 0 ? ref.shift()! : -1);
            if (b >= 0) used.push(b);
          } else if (kind === 1 && used.length > 0) {
            const b = used.splice(pick % used.length, 1)[0]!;
            q.push(b);
            ref.push(b);
          } else if (kind === 2 && ref.length > 0) {
            const b = ref.splice(pick % ref.length, 1)[0]!;
            q.remove(b);
            used.push(b);
          }
          expect(q.size).toBe(ref.length);
          const order: number[] = [];
          q.forEach((b) => order.push(b));
          expect(order).toEqual(ref);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('packs a ring full of holes, keeping the order (hand-worked: 2 blocks, a ring of 4)', () => {
    const q = new FreeQueue(2);
    // Ring [0, 1, _, _]: both taken out of the middle and freed again, 1 last: [h, h, 0, 1], full.
    q.remove(0);
    q.remove(1);
    q.push(0);
    q.push(1);
    // 0 is hit again (a third hole) and freed: no free slot, so the pass packs [1] from the head (slot 0) first.
    q.remove(0);
    q.push(0);
    const order: number[] = [];
    q.forEach((b) => order.push(b));
    expect(order).toEqual([1, 0]);
    expect((q as unknown as { ring: Int32Array }).ring).toEqual(Int32Array.of(1, 0, -1, 1));
    expect([q.shift(), q.shift(), q.shift()]).toEqual([1, 0, -1]);
  });
});
