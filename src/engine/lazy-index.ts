/**
 * A hash index whose entries are invalidated lazily. An entry `key → value` counts only while
 * `holder[value] === key` (the block or slot it names still holds that key), so its owner never
 * deletes: forgetting a key is writing the holder. Stale entries are swept out in one pass over
 * the table when they fill it, and the table doubles when a sweep leaves it more than half full,
 * so it starts small and stays proportional to what is live. Used by the KV pool (block → hash),
 * its private-block heads (block → id) and the CPU tier (slot → hash).
 */
import { HashIndex } from './hash-index.js';

const NONE = -1;

export class LazyIndex {
  private table: HashIndex;
  private sweepAt: number;
  /** The last get()'s key and probe result (reused by a set() of the same key that follows it). */
  private lastKey = NONE;
  private lastAt = 0;

  /** `holder[value]` is the key a value currently holds (NONE when none). */
  constructor(private readonly holder: Float64Array, initialEntries = 1024) {
    this.table = new HashIndex(initialEntries, 2);
    this.sweepAt = Math.floor(this.table.tableSize * 0.6);
  }

  /** Entries, stale ones included. */
  get size(): number {
    return this.table.size;
  }

  /** The value `key` maps to if that entry is live, else -1. */
  get(key: number): number {
    const at = this.table.probe(key);
    this.lastKey = key;
    this.lastAt = at;
    if (at < 0) return NONE;
    const v = this.table.valueAt(at);
    return this.holder[v] === key ? v : NONE;
  }

  /**
   * Maps `key` to `value` (holder[value] must already be key), overwriting any entry for `key`.
   * Right after get(key) (the usual miss-then-insert) it reuses that probe: one cache miss, not two.
   */
  set(key: number, value: number): void {
    let at = this.lastKey === key ? this.lastAt : this.table.probe(key);
    this.lastKey = NONE;
    if (at >= 0) {
      this.table.setValueAt(at, value);
      return;
    }
    if (this.table.size >= this.sweepAt) {
      this.table.sweep(this.holder);
      // Grow while live entries fill a third of the sweep threshold, so sweeps stay rare.
      if (this.table.size * 3 >= this.sweepAt) this.grow();
      at = this.table.probe(key);
    }
    this.table.insertAt(at, key, value);
  }

  /** A table twice the size with the live entries (O(old table)). */
  private grow(): void {
    this.lastKey = NONE;
    const old = this.table;
    const next = new HashIndex(old.tableSize, 2);
    old.forEach((k, v) => next.set(k, v));
    this.table = next;
    this.sweepAt = Math.floor(next.tableSize * 0.6);
  }
}
