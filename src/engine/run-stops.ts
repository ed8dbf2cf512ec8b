/**
 * The least of one fixed number per slot of a decode run (run-slots.ts: the formation at which a
 * slot's last token is in flight, the commit that samples it), kept as slots join and leave.
 * Recomputing the minimum over every slot at each leave made a request's departure cost O(batch);
 * a binary min-heap with lazy deletion makes it O(log batch): an entry counts while its request
 * still holds the slot it was pushed for (EngineRequest.runStamp equals the entry's stamp), and
 * entries that no longer count are dropped when they reach the top.
 */
import type { EngineRequest } from './engine-request.js';

/** No such formation or commit (a stop that never comes). */
export const NEVER = 0x7fffffff;

export class RunStops {
  private keys: Int32Array;
  private stamps: Int32Array;
  private reqs: EngineRequest[];
  private n = 0;

  constructor(capacity: number) {
    this.keys = new Int32Array(Math.max(4, capacity));
    this.stamps = new Int32Array(this.keys.length);
    this.reqs = new Array<EngineRequest>(this.keys.length);
  }

  clear(): void {
    for (let i = 0; i < this.n; i++) this.reqs[i] = undefined as unknown as EngineRequest;
    this.n = 0;
  }

  /** Adds `key` for the slot `r` holds under `stamp`. */
  push(key: number, stamp: number, r: EngineRequest): void {
    if (this.n === this.keys.length) this.grow();
    const keys = this.keys;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (keys[p]! <= key) break;
      this.move(p, i);
      i = p;
    }
    keys[i] = key;
    this.stamps[i] = stamp;
    this.reqs[i] = r;
  }

  /** The least key whose slot is still held, or NEVER (entries of slots that left are dropped on the way). */
  min(): number {
    while (this.n > 0 && this.reqs[0]!.runStamp !== this.stamps[0]) this.popTop();
    return this.n > 0 ? this.keys[0]! : NEVER;
  }

  /**
   * Takes the entry `min()` just found (a slot still held, key other than NEVER) off the heap and
   * returns its request: the run finds the slots whose stop has come by popping, not by a scan.
   */
  popMin(): EngineRequest {
    const r = this.reqs[0]!;
    this.popTop();
    return r;
  }

  private popTop(): void {
    const last = --this.n;
    const keys = this.keys;
    const key = keys[last]!;
    const stamp = this.stamps[last]!;
    const r = this.reqs[last]!;
    this.reqs[last] = undefined as unknown as EngineRequest;
    if (last === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const c = l + 1 < last && keys[l + 1]! < keys[l]! ? l + 1 : l;
      if (keys[c]! >= key) break;
      this.move(c, i);
      i = c;
    }
    keys[i] = key;
    this.stamps[i] = stamp;
    this.reqs[i] = r;
  }

  private move(from: number, to: number): void {
    this.keys[to] = this.keys[from]!;
    this.stamps[to] = this.stamps[from]!;
    this.reqs[to] = this.reqs[from]!;
  }

  /** Twice the room (entries of slots that left can outnumber the slots until they surface). */
  private grow(): void {
    const keys = new Int32Array(this.keys.length * 2);
    keys.set(this.keys);
    const stamps = new Int32Array(keys.length);
    stamps.set(this.stamps);
    this.keys = keys;
    this.stamps = stamps;
    this.reqs.length = keys.length;
  }
}
