/**
 * The waiting queue, after vLLM 0.15 v1/core/sched/request_queue.py:
 * - FCFS: a deque in arrival order; a preempted request goes back to the FRONT;
 * - priority: a heap on (priority, arrival order); a preempted request re-enters by its key.
 * Never re-sorted per step.
 */
import type { EngineRequest } from './engine-request.js';

export interface WaitingQueue {
  readonly length: number;
  peek(): EngineRequest | undefined;
  pop(): EngineRequest | undefined;
  /** A new request. */
  push(r: EngineRequest): void;
  /** A preempted request. */
  pushPreempted(r: EngineRequest): void;
  /** Removes a request wherever it is (O(n), for aborts); false if absent. */
  remove(r: EngineRequest): boolean;
  /**
   * A request that took its place (seq) earlier but becomes schedulable only now (P/D decode
   * side: vLLM keeps a WAITING_FOR_REMOTE_KVS request at its queue position while its KV loads).
   */
  pushInOrder(r: EngineRequest): void;
  /** Visits every queued request (no order guaranteed). */
  forEach(f: (r: EngineRequest) => void): void;
}

/** Growable ring buffer. */
export class FcfsQueue implements WaitingQueue {
  private buf: (EngineRequest | undefined)[] = new Array(16);
  private headIdx = 0;
  private n = 0;

  get length(): number {
    return this.n;
  }

  peek(): EngineRequest | undefined {
    return this.n === 0 ? undefined : this.buf[this.headIdx];
  }

  pop(): EngineRequest | undefined {
    if (this.n === 0) return undefined;
    const r = this.buf[this.headIdx];
    this.buf[this.headIdx] = undefined;
    this.headIdx = (this.headIdx + 1) & (this.buf.length - 1);
    this.n--;
    return r;
  }

  push(r: EngineRequest): void {
    if (this.n === this.buf.length) this.grow();
    this.buf[(this.headIdx + this.n) & (this.buf.length - 1)] = r;
    this.n++;
  }

  pushPreempted(r: EngineRequest): void {
    if (this.n === this.buf.length) this.grow();
    this.headIdx = (this.headIdx - 1) & (this.buf.length - 1);
    this.buf[this.headIdx] = r;
    this.n++;
  }

  pushInOrder(r: EngineRequest): void {
    if (this.n === this.buf.length) this.grow();
    const mask = this.buf.length - 1;
    let i = this.n;
    while (i > 0 && this.buf[(this.headIdx + i - 1) & mask]!.seq > r.seq) {
      this.buf[(this.headIdx + i) & mask] = this.buf[(this.headIdx + i - 1) & mask];
      i--;
    }
    this.buf[(this.headIdx + i) & mask] = r;
    this.n++;
  }

  remove(r: EngineRequest): boolean {
    const mask = this.buf.length - 1;
    let i = 0;
    while (i < this.n && this.buf[(this.headIdx + i) & mask] !== r) i++;
    if (i === this.n) return false;
    for (; i < this.n - 1; i++) this.buf[(this.headIdx + i) & mask] = this.buf[(this.headIdx + i + 1) & mask];
    this.buf[(this.headIdx + this.n - 1) & mask] = undefined;
    this.n--;
    return true;
  }

  forEach(f: (r: EngineRequest) => void): void {
    const mask = this.buf.length - 1;
    for (let i = 0; i < this.n; i++) f(this.buf[(this.headIdx + i) & mask]!);
  }

  private grow(): void {
    const old = this.buf;
    const next: (EngineRequest | undefined)[] = new Array(old.length * 2);
    for (let i = 0; i < this.n; i++) next[i] = old[(this.headIdx + i) & (old.length - 1)];
    this.buf = next;
    this.headIdx = 0;
  }
}

/** vLLM's priority order: lower priority value first, then earlier arrival. */
export function servedBefore(x: EngineRequest, y: EngineRequest): boolean {
  return x.priority !== y.priority ? x.priority < y.priority : x.seq < y.seq;
}

export class PriorityQueue implements WaitingQueue {
  private items: EngineRequest[] = [];

  get length(): number {
    return this.items.length;
  }

  peek(): EngineRequest | undefined {
    return this.items[0];
  }

  pop(): EngineRequest | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0]!;
    const last = items.pop()!;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const c = l + 1 < n && servedBefore(items[l + 1]!, items[l]!) ? l + 1 : l;
        if (!servedBefore(items[c]!, last)) break;
        items[i] = items[c]!;
        i = c;
      }
      items[i] = last;
    }
    return top;
  }

  push(r: EngineRequest): void {
    const items = this.items;
    let i = items.length;
    items.push(r);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!servedBefore(r, items[p]!)) break;
      items[i] = items[p]!;
      i = p;
    }
    items[i] = r;
  }

  pushPreempted(r: EngineRequest): void {
    this.push(r);
  }

  /** The heap key (priority, seq) already places it. */
  pushInOrder(r: EngineRequest): void {
    this.push(r);
  }

  forEach(f: (r: EngineRequest) => void): void {
    for (const r of this.items) f(r);
  }

  remove(r: EngineRequest): boolean {
    const i = this.items.indexOf(r);
    if (i < 0) return false;
    const rest = this.items.filter((x) => x !== r);
    this.items = [];
    for (const x of rest) this.push(x);
    return true;
  }
}
