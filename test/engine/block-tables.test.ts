import { describe, expect, it } from 'vitest';
import { BlockTables } from '../../src/engine/block-tables.js';

describe('BlockTables (power-of-two size classes, reused tables)', () => {
  it('hands out the smallest power of two that holds the entries', () => {
    const t = new BlockTables(4);
    expect([1, 2, 3, 4, 5, 8, 9, 100].map((n) => t.take(n).length)).toEqual([1, 2, 4, 4, 8, 8, 16, 128]);
  });

  it('gives a returned table out again for a request of its class, and a fresh one once the class is empty', () => {
    const t = new BlockTables(4);
    const a = t.take(3);
    const one = t.take(1);
    t.give(a);
    t.give(one);
    expect(t.take(4)).toBe(a);
    expect(t.take(1)).toBe(one);
    const fresh = t.take(3);
    expect(fresh).not.toBe(a);
    expect(fresh.length).toBe(4);
  });

  it('keeps at most keepPerClass tables per class (the last ones given are dropped)', () => {
    const t = new BlockTables(1);
    const a = t.take(8);
    const b = t.take(8);
    t.give(a);
    t.give(b);
    expect(t.take(8)).toBe(a);
    const c = t.take(8);
    expect(c).not.toBe(a);
    expect(c).not.toBe(b);
  });

  it('ignores the shared empty table and tables of other sizes', () => {
    const t = new BlockTables(4);
    expect(BlockTables.empty.length).toBe(0);
    t.give(BlockTables.empty);
    const odd = new Int32Array(3);
    t.give(odd);
    expect(t.take(1).length).toBe(1);
    const two = t.take(2);
    expect(two).not.toBe(odd);
    expect(two.length).toBe(2);
  });
});
