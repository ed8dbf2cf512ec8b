import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Ring } from '../../src/kernel/ring.js';

describe('Ring', () => {
  it('behaves like an array used as a deque (push, unshift, shift, pop, indexed access) through growth', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer()), { maxLength: 300, size: 'max' }), (ops) => {
        const ring = new Ring<number>();
        const ref: number[] = [];
        for (const [op, v] of ops) {
          if (op === 0) { ring.push(v); ref.push(v); }
          else if (op === 1) { ring.unshift(v); ref.unshift(v); }
          else if (op === 2) expect(ring.shift()).toBe(ref.shift());
          else if (op === 3) expect(ring.pop()).toBe(ref.pop());
          else if (ref.length > 0) { const i = Math.abs(v) % ref.length; ring.set(i, v); ref[i] = v; }
          expect(ring.length).toBe(ref.length);
          expect(ring.head).toBe(ref[0]);
          expect(ring.tail).toBe(ref[ref.length - 1]);
        }
        expect(Array.from({ length: ring.length }, (_, i) => ring.at(i))).toEqual(ref);
      }),
    );
  });
});
