/**
 * The simulator: a clock and one event queue (SimPy-small). `schedule` puts a pooled event
 * on the heap; `step` pops the earliest and calls its handler; `run` steps until a time.
 * Events scheduled in order (`scheduleInOrder`: an arrival stream, each no earlier than the
 * last) wait in a FIFO beside the heap instead of in it: the queue is still one order (the same
 * comparator picks the earlier of the two heads), but the heap holds only the few events that
 * come and go (step ends, dispatches, scrapes), not thousands of arrivals scheduled ahead.
 */
import { EventHeap, SimEvent, before, isControlPlane, type EventHandler, type EventPriority } from './events.js';
import { Ring } from './ring.js';

/**
 * Read access to the simulated time. Handed to engine code that needs "now" deep in a call chain
 * in place of the number itself: a time past 2^31 µs passed as an argument to a call the compiler
 * does not inline is boxed into a fresh heap number on every call, an object reference is not.
 */
export interface Clock {
  /** Current simulated time, integer microseconds. */
  readonly nowUs: number;
}

export class Simulator implements Clock {
  /** Current simulated time, integer microseconds. */
  nowUs = 0;
  /** Events handled so far (cancelled ones excluded). */
  eventsProcessed = 0;
  private readonly heap = new EventHeap();
  private readonly fifo = new Ring<SimEvent>();
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
    return this.heap.size + this.fifo.length;
  }

  /**
   * Schedules `handler.handle(ev)` at `timeUs` (an integer >= now). The returned event is
   * recycled after it fires: keep `ev.seq` if you may want to `cancel` it later.
   */
  schedule(timeUs: number, priority: EventPriority, handler: EventHandler, a = 0, b: unknown = null): SimEvent {
    // The clock and the times are whole µs below 2^53: now + (time − now) is the time, exactly.
    return this.scheduleAfter(timeUs - this.nowUs, priority, handler, a, b);
  }

  /**
   * `schedule(nowUs + delayUs, ...)`, for a caller that holds a duration rather than a time: a
   * duration is a small integer and passes between calls as it is, while a time past 2^31 µs
   * (35.8 simulated minutes) passed to a call the compiler does not inline is boxed into a fresh
   * heap number (an engine step end is scheduled this way, once per step).
   */
  scheduleAfter(delayUs: number, priority: EventPriority, handler: EventHandler, a = 0, b: unknown = null): SimEvent {
    const timeUs = this.nowUs + delayUs;
    if (!(timeUs >= this.nowUs && timeUs < Infinity && Math.floor(timeUs) === timeUs)) badTime(timeUs, this.nowUs);
    const ev = this.make(priority, handler, a, b);
    ev.timeUs = timeUs;
    this.heap.push(ev);
    return ev;
  }

  /**
   * Like `schedule`, for a stream of events each ordered no earlier than the one before (same
   * priority, non-decreasing time): they queue in arrival order outside the heap. An event that
   * would break the order goes to the heap instead, so the result never depends on the choice.
   */
  scheduleInOrder(timeUs: number, priority: EventPriority, handler: EventHandler, a = 0, b: unknown = null): SimEvent {
    if (!(timeUs >= this.nowUs && timeUs < Infinity && Math.floor(timeUs) === timeUs)) badTime(timeUs, this.nowUs);
    const ev = this.make(priority, handler, a, b);
    ev.timeUs = timeUs;
    const tail = this.fifo.tail;
    if (tail === undefined || before(tail, ev)) this.fifo.push(ev);
    else this.heap.push(ev);
    return ev;
  }

  /**
   * A pooled event without its time: the callers check and write the time themselves, because a
   * time past 2^31 µs (35.8 simulated minutes, the end of V8's small integers) passed to a call the
   * compiler does not inline is boxed into a fresh heap number, once per scheduled event. The
   * check is `Number.isInteger` written as float operations for the same reason (the compiled
   * code calls that builtin with the time boxed).
   */
  private make(priority: EventPriority, handler: EventHandler, a: number, b: unknown): SimEvent {
    const ev = this.pool.pop() ?? new SimEvent();
    ev.priority = priority;
    ev.seq = this.seq++;
    ev.handler = handler;
    ev.a = a;
    ev.b = b;
    ev.cancelled = false;
    if (!isControlPlane(priority)) this.dataPlanePending++;
    return ev;
  }

  /** The earliest pending event (heap or in-order queue), or undefined. */
  private peekEvent(): SimEvent | undefined {
    const h = this.heap.peek();
    const f = this.fifo.head;
    if (f === undefined) return h;
    return h === undefined || before(f, h) ? f : h;
  }

  /** Cancels a pending event; `seq` guards against cancelling a recycled one. */
  cancel(ev: SimEvent, seq: number): boolean {
    if (ev.seq !== seq || ev.cancelled || ev.handler === null) return false;
    ev.cancelled = true;
    return true;
  }

  /** Time of the next event, or Infinity when the queue is empty. */
  peekTimeUs(): number {
    const ev = this.peekEvent();
    return ev === undefined ? Infinity : ev.timeUs;
  }

  /**
   * An event is pending at the current time (or earlier): `peekTimeUs() <= nowUs` without a
   * time returned, for callers on the per-step path (a time past 2^31 µs returned from a call the
   * compiler does not inline is boxed into a heap number, and after that crossing V8 recompiles
   * the step functions and no longer inlines this one).
   */
  get eventDueNow(): boolean {
    const ev = this.peekEvent();
    return ev !== undefined && ev.timeUs <= this.nowUs;
  }

  /**
   * Moves the clock to `timeUs` when no pending event is due at or before it (so nothing is
   * skipped): lets a handler process its own next occurrence inline instead of scheduling it.
   */
  advanceTo(timeUs: number): boolean {
    return this.advanceBy(timeUs - this.nowUs);
  }

  /** `advanceTo(nowUs + delayUs)`, taking a duration for the reason scheduleAfter does. */
  advanceBy(delayUs: number): boolean {
    const timeUs = this.nowUs + delayUs;
    if (!(timeUs >= this.nowUs) || timeUs > this.horizonUs) return false;
    // `timeUs >= peekTimeUs()`, reading the event's time here (see eventDueNow).
    const next = this.peekEvent();
    if (next === undefined ? timeUs === Infinity : timeUs >= next.timeUs) return false;
    this.nowUs = timeUs;
    this.lastDataPlaneUs = timeUs;
    return true;
  }

  /** Handles the next event; false when there is none. */
  step(): boolean {
    const ev = this.peekEvent();
    if (ev === undefined) return false;
    this.handleNext(ev);
    return true;
  }

  /**
   * Takes `ev`, the earliest pending event as peekEvent found it, off its queue and handles it
   * (run() peeks anyway to compare with its bound: the queues' heads are not compared twice).
   */
  private handleNext(ev: SimEvent): void {
    if (ev === this.fifo.head) this.fifo.shift();
    else this.heap.pop();
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
  }

  /**
   * Runs until the queue is empty or the next event is later than `untilUs` (clock then =
   * untilUs). With `maxEvents`, returns early (false, clock at the last event) after handling
   * that many, so a caller can report progress or yield in the middle of a long stretch.
   */
  run(untilUs = Infinity, maxEvents = Infinity): boolean {
    this.horizonUs = untilUs;
    let handled = 0;
    try {
      for (;;) {
        const ev = this.peekEvent();
        if (ev === undefined || ev.timeUs > untilUs) break;
        if (handled >= maxEvents) return false;
        this.handleNext(ev);
        handled++;
      }
    } finally {
      this.horizonUs = Infinity;
    }
    if (untilUs !== Infinity && untilUs > this.nowUs) this.nowUs = untilUs;
    return true;
  }
}

function badTime(timeUs: number, nowUs: number): never {
  throw new Error(`schedule at ${timeUs}us: must be an integer >= now (${nowUs}us)`);
}
