import { describe, expect, it } from 'vitest';
import { emptyList } from '../../src/kernel/arrays.js';

describe('emptyList', () => {
  it('empties the list in place and leaves it usable, as `length = 0` would', () => {
    const list = [3, 1, 2];
    const same = list;
    emptyList(list);
    expect(list).toHaveLength(0);
    expect(list).toBe(same);
    list.push(7);
    expect(list).toEqual([7]);
    emptyList(list);
    emptyList(list);
    expect(list).toEqual([]);
  });
});
