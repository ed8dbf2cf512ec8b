/**
 * Block hash → block id, an open-addressing table (linear probing, backward-shift deletion)
 * over one typed array. A Map keyed by 53-bit doubles boxes every key and was the engine's
 * hottest path; here a lookup is a few typed-array reads. Keys are the non-negative safe
 * integers from computeBlockHashes; their low 32 bits are already well mixed. Key and value
 * share a 16-byte slot, so a probe that finds its key touches one cache line (the table of a
 * large KV pool is far bigger than the CPU cache).
 */
const EMPTY = -1;

export class HashIndex {
  /** slot i: key at 2i, value at 2i + 1. */
  private readonly slots: Float64Array;
  private readonly mask: number;
  private count = 0;

  /** `maxEntries`: the most keys ever held at once (one per KV block); `slack` sizes the table that many times larger. */
  constructor(maxEntries: number, slack = 1.5) {
    let cap = 16;
    while (cap < maxEntries * slack) cap *= 2;
    this.slots = new Float64Array(2 * cap).fill(EMPTY);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Slots in the table (a power of two); inserting a new key throws past 70 % of them. */
  get tableSize(): number {
    return this.mask + 1;
  }

  /** Removes every entry (O(table size), no allocation). */
  clear(): void {
    this.slots.fill(EMPTY);
    this.count = 0;
  }

  /** Calls f(key, value) for every entry (table order). */
  forEach(f: (key: number, value: number) => void): void {
    const slots = this.slots;
    for (let i = 0; i <= this.mask; i++) if (slots[2 * i] !== EMPTY) f(slots[2 * i]!, slots[2 * i + 1]!);
  }

  /** The value for `key`, or -1. */
  get(key: number): number {
    const i = this.probe(key);
    return i >= 0 ? this.slots[2 * i + 1]! : -1;
  }

  has(key: number): boolean {
    return this.probe(key) >= 0;
  }

  /**
   * One probe sequence: the slot holding `key` (>= 0), or, when absent, −1 − the empty slot where
   * it would go (pass that to insertAt before any other change to the table).
   */
  probe(key: number): number {
    const slots = this.slots;
    let i = (key >>> 0) & this.mask;
    for (;;) {
      const k = slots[2 * i]!;
      if (k === key) return i;
      if (k === EMPTY) return -1 - i;
      i = (i + 1) & this.mask;
    }
  }

  /** The value in slot `i` (from probe). */
  valueAt(i: number): number {
    return this.slots[2 * i + 1]!;
  }

  /** Overwrites the value in slot `i` (from probe). */
  setValueAt(i: number, val: number): void {
    this.slots[2 * i + 1] = val;
  }

  /** Inserts `key → val` at the empty slot a probe for `key` returned (`absent` = its negative result). */
  insertAt(absent: number, key: number, val: number): void {
    if (this.count >= maxLoad(this.mask + 1)) throw new Error('HashIndex over capacity');
    const i = -1 - absent;
    this.slots[2 * i] = key;
    this.slots[2 * i + 1] = val;
    this.count++;
  }

  /** Inserts or overwrites. */
  set(key: number, val: number): void {
    const i = this.probe(key);
    if (i >= 0) this.slots[2 * i + 1] = val;
    else this.insertAt(i, key, val);
  }

  /** Inserts `key → val` unless `key` is present; true when inserted (one probe sequence). */
  setIfAbsent(key: number, val: number): boolean {
    const i = this.probe(key);
    if (i >= 0) return false;
    this.insertAt(i, key, val);
    return true;
  }

  delete(key: number): boolean {
    const i = this.probe(key);
    if (i < 0) return false;
    this.deleteAt(i);
    return true;
  }

  /**
   * Removes every entry whose value no longer holds its key (`holder[value] !== key`): the stale
   * entries of an owner that invalidates lazily (kv-cache.ts, cpu-tier.ts). One pass over the table
   * in memory order, no re-insertion; O(table size).
   */
  sweep(holder: Float64Array): void {
    const slots = this.slots;
    for (let i = 0; i <= this.mask; ) {
      const k = slots[2 * i]!;
      // A deletion shifts a later entry into slot i: look at it again.
      if (k !== EMPTY && holder[slots[2 * i + 1]!] !== k) this.deleteAt(i);
      else i++;
    }
  }

  private deleteAt(at: number): void {
    let i = at;
    const slots = this.slots;
    const mask = this.mask;
    // Backward-shift: move later entries of the probe run into the hole.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = slots[2 * j]!;
      if (k === EMPTY) break;
      const home = (k >>> 0) & mask;
      // Entry at j may move to i when its home is not cyclically within (i, j].
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        slots[2 * i] = k;
        slots[2 * i + 1] = slots[2 * j + 1]!;
        i = j;
      }
    }
    slots[2 * i] = EMPTY;
    this.count--;
  }
}

/** Linear probing stays short up to ~70% load; the pool never holds more keys than blocks. */
function maxLoad(capacity: number): number {
  return Math.floor(capacity * 0.7);
}
