/**
 * The event queue: a binary heap of plain-data events ordered by (timeUs, priority, seq).
 * The order is defined once, in `before()`. Event objects are pooled by the Simulator.
 */

/**
 * Tie-break between events at the same microsecond (lower runs first). A branded number: only
 * the named values below type-check where a priority is expected, so rooms never pass bare
 * integers.
 */
export type EventPriority = number & { readonly __eventPriority: unique symbol };
const level = (n: number): EventPriority => n as EventPriority;

/** Every value says why it sits where it does. */
export const EventPriority = Object.freeze({
  /** Engine progress commits first, so anything else at this instant sees freed slots and blocks. */
  StepEnd: level(0),
  /** A finished KV transfer lands before arrivals so the decode side sees its reserved blocks filled. */
  TransferEnd: level(1),
  /** Metric scrapes read state after the instant's completions, before new load arrives. */
  Scrape: level(2),
  /** Autoscaler decisions act on the scrape taken at the same instant. */
  Control: level(3),
  /** A request reaching the gateway; routed with the state committed above. */
  Arrival: level(4),
  /** Gateway hands a request to an instance (after all same-time arrivals were admitted). */
  Dispatch: level(5),
  /** An instance starts its next step after same-time dispatches, so they can join the batch. */
  StepStart: level(6),
  /** Data-parallel ranks that formed a batch at this instant start their step together, after every rank's StepStart (engine/lockstep.ts). */
  Lockstep: level(7),
  /** Deadlines fire last: a request finishing at exactly its deadline is not timed out. */
  Timeout: level(8),
});

/**
 * Scrapes and control decisions observe and steer the served system; every other event is the
 * system itself moving (a request arriving, a step, a transfer, a deadline). A run in which only
 * the former happen for long, with requests inside, has stalled (simulate.ts).
 */
export function isControlPlane(priority: EventPriority): boolean {
  return priority === EventPriority.Scrape || priority === EventPriority.Control;
}

/** Whoever an event is for. One object handles many events (no closure per event). */
export interface EventHandler {
  handle(ev: SimEvent): void;
}

/** Plain data: when, tie-break, insertion order, handler and two payload slots. */
export class SimEvent {
  timeUs = 0;
  priority: EventPriority = EventPriority.StepEnd;
  seq = 0;
  handler: EventHandler | null = null;
  /** Numeric payload (a kind tag, an index ...), meaning owned by the handler. */
  a = 0;
  /** Object payload, meaning owned by the handler. */
  b: unknown = null;
  cancelled = false;
}

/** The one comparator that defines simulation order. */
export function before(x: SimEvent, y: SimEvent): boolean {
  if (x.timeUs !== y.timeUs) return x.timeUs < y.timeUs;
  if (x.priority !== y.priority) return x.priority < y.priority;
  return x.seq < y.seq;
}

/** Min-heap over `before`. */
export class EventHeap {
  private items: SimEvent[] = [];
  private n = 0;

  get size(): number {
    return this.n;
  }

  peek(): SimEvent | undefined {
    return this.n > 0 ? this.items[0] : undefined;
  }

  push(ev: SimEvent): void {
    const items = this.items;
    let i = this.n++;
    if (i === items.length) items.push(ev);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (!before(ev, parent)) break;
      items[i] = parent;
      i = p;
    }
    items[i] = ev;
  }

  pop(): SimEvent | undefined {
    if (this.n === 0) return undefined;
    const items = this.items;
    const top = items[0]!;
    const last = items[--this.n]!;
    const n = this.n;
    let i = 0;
    if (n > 0) {
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(items[r]!, items[l]!) ? r : l;
        const child = items[c]!;
        if (!before(child, last)) break;
        items[i] = child;
        i = c;
      }
      items[i] = last;
    }
    return top;
  }
}
