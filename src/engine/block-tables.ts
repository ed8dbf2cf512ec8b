/**
 * Reused block tables. Every request needs an Int32Array of block ids for its whole life on an
 * instance (sized at enqueue for prompt + output); allocating one per request shows up as
 * allocation and GC time on long runs. Tables come back when a request leaves the instance and
 * are handed out again by power-of-two size class, so a steady run allocates none.
 */
const EMPTY_TABLE = new Int32Array(0);

export class BlockTables {
  /** Free tables per size class: class k holds tables of exactly 2^k entries. */
  private readonly free: Int32Array[][] = [];
  /** Tables kept per class at most (beyond that they are left to the GC). */
  private readonly keepPerClass: number;

  constructor(keepPerClass: number) {
    this.keepPerClass = keepPerClass;
  }

  /** The shared empty table (a request holding no table). */
  static get empty(): Int32Array {
    return EMPTY_TABLE;
  }

  /** A table with room for at least `entries` (>= 1) block ids (contents unspecified). */
  take(entries: number): Int32Array {
    // Class of the next power of two: clz32(0) = 32 puts a one-entry table in class 0.
    const k = 32 - Math.clz32(entries - 1);
    const list = this.free[k];
    if (list !== undefined && list.length > 0) return list.pop()!;
    return new Int32Array(1 << k);
  }

  /** Returns a table taken from here; the caller must hold no other reference to it. */
  give(table: Int32Array): void {
    const n = table.length;
    if (n === 0 || (n & (n - 1)) !== 0) return;
    const k = 31 - Math.clz32(n);
    while (this.free.length <= k) this.free.push([]);
    const list = this.free[k]!;
    if (list.length < this.keepPerClass) list.push(table);
  }
}
