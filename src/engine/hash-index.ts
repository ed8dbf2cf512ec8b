/**
 * Block hash → block id, an open-addressing table (linear probing, backward-shift deletion)
 * over typed arrays. A Map keyed by 53-bit doubles boxes every key and was the engine's
 * hottest path; here a lookup is a few typed-array reads. Keys are the non-negative safe
 * integers from computeBlockHashes; their low 32 bits are already well mixed.
 */
const EMPTY = -1;

export class HashIndex {
  private readonly keys: Float64Array;
  private readonly vals: Int32Array;
  private readonly mask: number;
  private count = 0;

  /** `maxEntries`: the most keys ever held at once (one per KV block). */
  constructor(maxEntries: number) {
    let cap = 16;
    while (cap < maxEntries * 1.5) cap *= 2;
    this.keys = new Float64Array(cap).fill(EMPTY);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The value for `key`, or -1. */
  get(key: number): number {
    const keys = this.keys;
    let i = (key >>> 0) & this.mask;
    for (;;) {
      const k = keys[i]!;
      if (k === key) return this.vals[i]!;
      if (k === EMPTY) return -1;
      i = (i + 1) & this.mask;
    }
  }

  has(key: number): boolean {
    return this.get(key) !== -1;
  }

  /** Inserts or overwrites. */
  set(key: number, val: number): void {
    const keys = this.keys;
    let i = (key >>> 0) & this.mask;
    for (;;) {
      const k = keys[i]!;
      if (k === key) {
        this.vals[i] = val;
        return;
      }
      if (k === EMPTY) {
        if (this.count >= maxLoad(keys.length)) throw new Error('HashIndex over capacity');
        keys[i] = key;
        this.vals[i] = val;
        this.count++;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** Inserts `key → val` unless `key` is present; true when inserted (one probe sequence). */
  setIfAbsent(key: number, val: number): boolean {
    const keys = this.keys;
    let i = (key >>> 0) & this.mask;
    for (;;) {
      const k = keys[i]!;
      if (k === key) return false;
      if (k === EMPTY) {
        if (this.count >= maxLoad(keys.length)) throw new Error('HashIndex over capacity');
        keys[i] = key;
        this.vals[i] = val;
        this.count++;
        return true;
      }
      i = (i + 1) & this.mask;
    }
  }

  delete(key: number): boolean {
    const keys = this.keys;
    const mask = this.mask;
    let i = (key >>> 0) & mask;
    for (;;) {
      const k = keys[i]!;
      if (k === EMPTY) return false;
      if (k === key) break;
      i = (i + 1) & mask;
    }
    // Backward-shift: move later entries of the probe run into the hole.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = keys[j]!;
      if (k === EMPTY) break;
      const home = (k >>> 0) & mask;
      // Entry at j may move to i when its home is not cyclically within (i, j].
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        keys[i] = k;
        this.vals[i] = this.vals[j]!;
        i = j;
      }
    }
    keys[i] = EMPTY;
    this.count--;
    return true;
  }
}

/** Linear probing stays short up to ~70% load; the pool never holds more keys than blocks. */
function maxLoad(capacity: number): number {
  return Math.floor(capacity * 0.7);
}
