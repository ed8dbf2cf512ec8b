/**
 * Values keyed by a dense index handed out in increasing order (a request's arrival index), most
 * of them removed soon after, in about the order they came: the indices from the oldest one
 * still held on sit in a ring (ring.ts), so adding, finding and removing one is an array access.
 *
 * Not a Map, because of the garbage collector: with the seed hour's live requests in a Map (about
 * a hundred at a time, 180,000 passing through), a third of everything the run allocated was
 * promoted out of V8's young generation (105 of ~330 MB, `node --trace-gc-nvp`), nearly all of it
 * requests already gone (`--trace-gc-object-stats` at the mark-compacts: 85 MB of dead objects,
 * 6 MB of dead hash tables), all of it copied by the scavenges on the way. A Map whose keys
 * come and go rebuilds its table every few hundred insertions, and V8 leaves a replaced table
 * linked to its successor with its entries in place; once one table is old, each later one and the
 * requests it held seem to be kept through the scavenges. In the window: 10 MB promoted.
 *
 * A value held far longer than those after it (a request stuck in a queue while thousands pass)
 * would keep the window as long as everything that came since: once fewer than a quarter of the
 * window's slots hold values, the oldest values move to a Map of stragglers (each at most once,
 * and few), so memory stays proportional to the values held.
 */
import { Ring } from './ring.js';

/** A window shorter than this is never thinned (its empty slots cost less than moving values). */
const MIN_THINNED = 1024;

export class IndexWindow<T> {
  /** Slot k holds the value of index base + k, or undefined. */
  private readonly ring = new Ring<T | undefined>();
  private base = 0;
  /** Values in the ring. */
  private held = 0;
  /** Values moved out of the ring (indices below base), in increasing index order. */
  private readonly stragglers = new Map<number, T>();

  /** Values held. */
  get size(): number {
    return this.held + this.stragglers.size;
  }

  /** Adds the value of `index`, which must be greater than every index added so far. */
  add(index: number, value: T): void {
    const ring = this.ring;
    if (ring.length === 0) this.base = index;
    else if (index < this.base + ring.length) throw new Error(`IndexWindow: index ${index} added after ${this.base + ring.length - 1}`);
    while (this.base + ring.length < index) ring.push(undefined);
    ring.push(value);
    this.held++;
    if (ring.length >= MIN_THINNED && this.held * 4 < ring.length) this.thin();
  }

  /** The value of `index`, or undefined. */
  get(index: number): T | undefined {
    const k = index - this.base;
    if (k >= 0) return k < this.ring.length ? this.ring.at(k) : undefined;
    return this.stragglers.size === 0 ? undefined : this.stragglers.get(index);
  }

  /** Removes the value of `index` (nothing when there is none). */
  delete(index: number): void {
    const ring = this.ring;
    const k = index - this.base;
    if (k < 0) {
      this.stragglers.delete(index);
      return;
    }
    if (k >= ring.length || ring.at(k) === undefined) return;
    ring.set(k, undefined);
    this.held--;
    // The oldest slots that hold nothing leave the window.
    while (ring.length > 0 && ring.head === undefined) {
      ring.shift();
      this.base++;
    }
  }

  /** The values in increasing index order. */
  *values(): IterableIterator<T> {
    yield* this.stragglers.values();
    for (let k = 0; k < this.ring.length; k++) {
      const v = this.ring.at(k);
      if (v !== undefined) yield v;
    }
  }

  /** Moves the oldest values to the stragglers until at least half of the window's slots hold one. */
  private thin(): void {
    const ring = this.ring;
    while (ring.length > 2 * this.held) {
      const v = ring.shift();
      if (v !== undefined) {
        this.stragglers.set(this.base, v);
        this.held--;
      }
      this.base++;
    }
    while (ring.length > 0 && ring.head === undefined) {
      ring.shift();
      this.base++;
    }
  }
}
