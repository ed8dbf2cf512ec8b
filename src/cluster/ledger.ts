/**
 * The request ledger: the requests the gateway holds, the run's counts by outcome, and the
 * gateway's own per-instance counters in the router's view (`active`: dispatched and not
 * finished there, as llm-d's active-request scorer counts; `inFlight`: dispatched since the last
 * scrape). Every change to those numbers happens here, on a named transition of one request, and
 * each request remembers where it is counted, so a request is uncounted exactly once whatever
 * path it leaves by (finish, drop, client timeout, end of run). A property test recounts
 * `active` from the engines' request states after every event and finds the same numbers.
 */
import { IndexWindow } from '../kernel/index-window.js';
import type { RequestStatus } from './record.js';
import type { Tracked } from './tracked.js';
import type { MutableRouterView } from './view.js';
import type { ArrivalRequest } from '../workload/request.js';

export type RequestCounts = Record<RequestStatus | 'injected', number>;

export class RequestLedger {
  /** By arrival index (index-window.ts: a Map here kept the requests it had held from dying young). */
  private readonly live = new IndexWindow<Tracked>();
  private readonly counts: RequestCounts = { injected: 0, completed: 0, rejected: 0, timed_out: 0, dropped: 0, unfinished: 0 };
  /** Per model index: requests admitted and not dispatched yet (in the gateway's routing latency), with in-flight tracking. */
  private readonly routing: number[] = [];
  /** Live requests per exclusive prefix group (PrefixRef.exclusive: one session's turns), absent at 0. */
  private readonly liveGroups = new Map<string, number>();

  constructor(private readonly view: MutableRouterView, private readonly inFlightTracking: boolean) {}

  /** Requests that entered and, by status, left the system so far. */
  get requestCounts(): Readonly<RequestCounts> {
    return this.counts;
  }

  /** Requests whose record has not been emitted yet. */
  get inSystem(): number {
    return this.live.size;
  }

  /** The live request of engine request index `index` (undefined once it left). */
  get(index: number): Tracked | undefined {
    return this.live.get(index);
  }

  /** Live requests in arrival order. */
  liveRequests(): IterableIterator<Tracked> {
    return this.live.values();
  }

  /**
   * A request about to reach the gateway will be the only one of its exclusive prefix group for
   * good: its group is final (no later arrival carries it) and no earlier request of it is live.
   * Only the group's level may be exclusive (the key its private blocks take, block-hash.ts).
   */
  aloneInGroup(src: ArrivalRequest): boolean {
    const p = src.prefix;
    if (p === undefined || p.exclusive !== true || p.final !== true || this.liveGroups.has(p.group)) return false;
    for (let q = p.parent; q !== undefined; q = q.parent) if (q.exclusive === true) return false;
    return true;
  }

  /** A request reached the gateway. */
  opened(t: Tracked): void {
    this.counts.injected++;
    this.live.add(t.req.index, t);
    const p = t.req.src.prefix;
    if (p?.exclusive === true) this.liveGroups.set(p.group, (this.liveGroups.get(p.group) ?? 0) + 1);
  }

  /** Admitted: routing it takes the gateway's routing latency (counted until dispatched, with in-flight tracking). */
  routingStarted(t: Tracked): void {
    if (!this.inFlightTracking || t.countedRouting) return;
    t.countedRouting = true;
    this.routing[t.modelIndex] = (this.routing[t.modelIndex] ?? 0) + 1;
  }

  /** Before an admission decision for a request of `model`: the view shows that model's admitted, undispatched requests. */
  showRouting(model: number): void {
    this.view.routingPending = this.routing[model] ?? 0;
  }

  /** The gateway handed the request (whole, or its prefill) to `instance`. */
  dispatched(t: Tracked, instance: number): void {
    this.routed(t);
    t.countedOn = instance;
    this.count(instance);
  }

  /**
   * P/D: the decode instance is the request's primary target from routing on, so the gateway
   * counts it there from then until the decode side finishes (llm-d's decode profile picks first).
   */
  dispatchedDecode(t: Tracked, instance: number): void {
    this.routed(t);
    t.countedOnDecode = instance;
    this.count(instance);
  }

  /** The request (whole or prefill) left the instance it was dispatched to. */
  leftInstance(t: Tracked): void {
    if (t.countedOn < 0) return;
    this.view.active[t.countedOn]!--;
    t.countedOn = -1;
  }

  /** The decode side finished on its instance. */
  leftDecode(t: Tracked): void {
    if (t.countedOnDecode < 0) return;
    this.view.active[t.countedOnDecode]!--;
    t.countedOnDecode = -1;
  }

  /** The request left the system with `status`: it is uncounted wherever it still was. */
  closed(t: Tracked, status: RequestStatus): void {
    this.routed(t);
    this.leftInstance(t);
    this.leftDecode(t);
    this.live.delete(t.req.index);
    this.counts[status]++;
    const p = t.req.src.prefix;
    if (p?.exclusive === true) {
      const n = this.liveGroups.get(p.group)! - 1;
      if (n > 0) this.liveGroups.set(p.group, n);
      else this.liveGroups.delete(p.group);
    }
  }

  /** A scrape now shows every dispatch so far: nothing is in flight. */
  scraped(): void {
    this.view.inFlight.fill(0);
  }

  /** Routing ended (dispatched, or the request left): no longer counted as routing. */
  private routed(t: Tracked): void {
    if (!t.countedRouting) return;
    t.countedRouting = false;
    this.routing[t.modelIndex]!--;
  }

  private count(instance: number): void {
    if (this.inFlightTracking) this.view.inFlight[instance]!++;
    this.view.active[instance]!++;
  }
}
