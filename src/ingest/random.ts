/** The randomness the transformations take: any `{ next(): number }` in [0, 1). */
export interface Random {
  next(): number;
}

/** mulberry32: a small seeded generator for when the caller passes a seed, not a Random. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}
