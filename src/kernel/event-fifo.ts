/** A growable ring buffer of events in the order they were added (the simulator's in-order queue). */
import type { SimEvent } from './events.js';

export class EventFifo {
  private buf: (SimEvent | undefined)[] = new Array(64);
  private headIdx = 0;
  private n = 0;

  get size(): number {
    return this.n;
  }

  get head(): SimEvent | undefined {
    return this.n === 0 ? undefined : this.buf[this.headIdx];
  }

  get tail(): SimEvent | undefined {
    return this.n === 0 ? undefined : this.buf[(this.headIdx + this.n - 1) & (this.buf.length - 1)];
  }

  push(ev: SimEvent): void {
    if (this.n === this.buf.length) this.grow();
    this.buf[(this.headIdx + this.n) & (this.buf.length - 1)] = ev;
    this.n++;
  }

  shift(): SimEvent | undefined {
    if (this.n === 0) return undefined;
    const ev = this.buf[this.headIdx];
    this.buf[this.headIdx] = undefined;
    this.headIdx = (this.headIdx + 1) & (this.buf.length - 1);
    this.n--;
    return ev;
  }

  private grow(): void {
    const old = this.buf;
    const next: (SimEvent | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.n; i++) next[i] = old[(this.headIdx + i) & (old.length - 1)];
    this.buf = next;
    this.headIdx = 0;
  }
}
