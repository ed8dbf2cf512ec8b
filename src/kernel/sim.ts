/**
 * The simulator: a clock and one event queue (SimPy-small). `schedule` puts a pooled event
 * on the heap; `step` pops the earliest and calls its handler; `run` steps until a time.
 */
import { EventHeap, SimEvent, isControlPlane, type EventHandler, type EventPriority } from './events.js';

export class Simulator {
  /** Current simulated time, integer microseconds. */
  nowUs = 0;
  /** Events handled so far (cancelled ones excluded). */
  eventsProcessed = 0;
  private readonly heap = new EventHeap();
  private readonly pool: SimEvent[] = [];
  private seq = 0;
  /** `run(untilUs)`'s bound: inline advances never pass it. */
  private horizonUs = Infinity;
  /** Pending events that are not control-plane ones (isControlPlane), cancelled ones included. */
  private dataPlanePending = 0;
  /** Time of the last data-plane event handled. */
  lastDataPlaneUs = 0;

  /** True when every pending event is a scrape or a control decision (nothing else can move). */
  get onlyControlPlanePending(): boolean {
    return this.dataPlanePending === 0;
  }

  /** Pending events (cancelled ones still count until popped). */
  get pending(): number {
    return this.heap.size;
  }

  /**
   * Schedules `handler.handle(ev)` at `timeUs` (an integer >= now). The returned event is
   * recycled after it fires: keep `ev.seq` if you may want to `cancel` it later.
   */
  schedule(timeUs: number, priority: EventPriority, handler: EventHandler, a = 0, b: unknown = null): SimEvent {
    if (!(timeUs >= this.nowUs) || !Number.isInteger(timeUs)) {
      throw new Error(`schedule at ${timeUs}us: must be an integer >= now (${this.nowUs}us)`);
    }
    const ev = this.pool.pop() ?? new SimEvent();
    ev.timeUs = timeUs;
    ev.priority = priority;
    ev.seq = this.seq++;
    ev.handler = handler;
    ev.a = a;
    ev.b = b;
    ev.cancelled = false;
    if (!isControlPlane(priority)) this.dataPlanePending++;
    this.heap.push(ev);
    return ev;
  }

  /** Cancels a pending event; `seq` guards against cancelling a recycled one. */
  cancel(ev: SimEvent, seq: number): boolean {
    if (ev.seq !== seq || ev.cancelled || ev.handler === null) return false;
    ev.cancelled = true;
    return true;
  }

  /** Time of the next event, or Infinity when the queue is empty. */
  peekTimeUs(): number {
    const ev = this.heap.peek();
    return ev === undefined ? Infinity : ev.timeUs;
  }

  /**
   * Moves the clock to `timeUs` when no pending event is due at or before it (so nothing is
   * skipped): lets a handler process its own next occurrence inline instead of scheduling it.
   */
  advanceTo(timeUs: number): boolean {
    if (!(timeUs >= this.nowUs) || timeUs >= this.peekTimeUs() || timeUs > this.horizonUs) return false;
    this.nowUs = timeUs;
    this.lastDataPlaneUs = timeUs;
    return true;
  }

  /** Handles the next event; false when there is none. */
  step(): boolean {
    const ev = this.heap.pop();
    if (ev === undefined) return false;
    this.nowUs = ev.timeUs;
    const handler = ev.handler!;
    if (!isControlPlane(ev.priority)) {
      this.dataPlanePending--;
      if (!ev.cancelled) this.lastDataPlaneUs = ev.timeUs;
    }
    if (!ev.cancelled) {
      this.eventsProcessed++;
      handler.handle(ev);
    }
    ev.handler = null;
    ev.b = null;
    this.pool.push(ev);
    return true;
  }

  /**
   * Runs until the queue is empty or the next event is later than `untilUs` (clock then =
   * untilUs). With `maxEvents`, returns early (false, clock at the last event) after handling
   * that many, so a caller can report progress or yield in the middle of a long stretch.
   */
  run(untilUs = Infinity, maxEvents = Infinity): boolean {
    const heap = this.heap;
    this.horizonUs = untilUs;
    let handled = 0;
    try {
      for (;;) {
        const ev = heap.peek();
        if (ev === undefined || ev.timeUs > untilUs) break;
        if (handled >= maxEvents) return false;
        this.step();
        handled++;
      }
    } finally {
      this.horizonUs = Infinity;
    }
    if (untilUs !== Infinity && untilUs > this.nowUs) this.nowUs = untilUs;
    return true;
  }
}
