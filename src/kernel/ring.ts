/**
 * A growable ring buffer (a deque over one array, capacity a power of two): O(1) at both ends,
 * indexed access from the head. The simulator's in-order event queue and the engine's FCFS
 * waiting queue are built on it.
 */
export class Ring<T> {
  private buf: (T | undefined)[] = new Array(16);
  private headIdx = 0;
  private n = 0;

  get length(): number {
    return this.n;
  }

  /** The first item, or undefined. */
  get head(): T | undefined {
    return this.n === 0 ? undefined : this.buf[this.headIdx];
  }

  /** The last item, or undefined. */
  get tail(): T | undefined {
    return this.n === 0 ? undefined : this.buf[(this.headIdx + this.n - 1) & (this.buf.length - 1)];
  }

  /** Item i from the head (0 ≤ i < length). */
  at(i: number): T {
    return this.buf[(this.headIdx + i) & (this.buf.length - 1)]!;
  }

  /** Overwrites item i from the head (0 ≤ i < length). */
  set(i: number, v: T): void {
    this.buf[(this.headIdx + i) & (this.buf.length - 1)] = v;
  }

  push(v: T): void {
    if (this.n === this.buf.length) this.grow();
    this.buf[(this.headIdx + this.n) & (this.buf.length - 1)] = v;
    this.n++;
  }

  unshift(v: T): void {
    if (this.n === this.buf.length) this.grow();
    this.headIdx = (this.headIdx - 1) & (this.buf.length - 1);
    this.buf[this.headIdx] = v;
    this.n++;
  }

  shift(): T | undefined {
    if (this.n === 0) return undefined;
    const v = this.buf[this.headIdx];
    this.buf[this.headIdx] = undefined;
    this.headIdx = (this.headIdx + 1) & (this.buf.length - 1);
    this.n--;
    return v;
  }

  /** Drops the last item. */
  pop(): T | undefined {
    if (this.n === 0) return undefined;
    const i = (this.headIdx + this.n - 1) & (this.buf.length - 1);
    const v = this.buf[i];
    this.buf[i] = undefined;
    this.n--;
    return v;
  }

  private grow(): void {
    const old = this.buf;
    const next: (T | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.n; i++) next[i] = old[(this.headIdx + i) & (old.length - 1)];
    this.buf = next;
    this.headIdx = 0;
  }
}
