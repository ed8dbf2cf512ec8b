/**
 * The waiting queue, after vLLM 0.15 v1/core/sched/request_queue.py:
 * - FCFS: a deque in arrival order; a preempted request goes back to the FRONT;
 * - priority: a heap on (priority, arrival order); a preempted request re-enters by its key.
 * Never re-sorted per step.
 */
import type { EngineRequest } from './engine-request.js';
import { Ring } from '../kernel/ring.js';

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

/** FIFO over a ring buffer; a preempted request goes back to the front. */
export class FcfsQueue implements WaitingQueue {
  private readonly ring = new Ring<EngineRequest>();

  get length(): number {
    return this.ring.length;
  }

  peek(): EngineRequest | undefined {
    return this.ring.head;
  }

  pop(): EngineRequest | undefined {
    return this.ring.shift();
  }

  push(r: EngineRequest): void {
    this.ring.push(r);
  }

  pushPreempted(r: EngineRequest): void {
    this.ring.unshift(r);
  }

  pushInOrder(r: EngineRequest): void {
    const q = this.ring;
    q.push(r);
    let i = q.length - 1;
    while (i > 0 && q.at(i - 1).seq > r.seq) {
      q.set(i, q.at(i - 1));
      i--;
    }
    q.set(i, r);
  }

  remove(r: EngineRequest): boolean {
    const q = this.ring;
    let i = 0;
    while (i < q.length && q.at(i) !== r) i++;
    if (i === q.length) return false;
    for (; i < q.length - 1; i++) q.set(i, q.at(i + 1));
    q.pop();
    return true;
  }

  forEach(f: (r: EngineRequest) => void): void {
    const q = this.ring;
    for (let i = 0; i < q.length; i++) f(q.at(i));
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
