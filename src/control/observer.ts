/**
 * The gateway-side counters the collector scrapes (per model): arrivals as they reach the
 * gateway, and completions with their TTFT, prefill, service time and ITL from the request
 * records. Also keeps what the timeline and the summary need: a sliding window of TTFTs and SLO
 * attainment counts. Arrivals come from a tap on the arrival stream; since the simulation reads
 * the stream ahead of the clock, tapped arrivals wait in a FIFO until the clock passes them.
 */
import type { RequestRecord } from '../cluster/record.js';
import type { ArrivalRequest } from '../workload/request.js';
import { zeroCounters, type ModelCounters } from './metrics-types.js';
import type { ModelPolicy } from './policy.js';
import { US_PER_MS, usToMs, usToS } from '../kernel/units.js';

/** First-in first-out of numbers with amortised O(1) shift. */
class NumberQueue {
  private items: number[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(x: number): void {
    this.items.push(x);
  }
  peek(): number {
    return this.items[this.head]!;
  }
  at(i: number): number {
    return this.items[this.head + i]!;
  }
  shift(): number {
    const x = this.items[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
}

export interface SloCounts {
  attained: number;
  total: number;
}

interface PerModel {
  readonly counters: ModelCounters;
  /** Tapped arrival times not yet reached by the clock. */
  readonly ahead: NumberQueue;
  /** Arrival times within the timeline window. */
  readonly recentArrivals: NumberQueue;
  /** (finish time, TTFT) pairs within the timeline window, interleaved. */
  readonly recentTtft: NumberQueue;
  readonly slo: SloCounts;
}

export class RequestObserver {
  private readonly models = new Map<string, PerModel>();
  private readonly policies = new Map<string, ModelPolicy>();
  private tapped = 0;
  private seen = 0;
  private exhausted = false;
  private tapping = false;
  /** Time the latest request left the system (its record's last timestamp). */
  lastRecordUs = -1;
  /** Arrivals the clock has reached (all models) and the time of the latest. */
  private reached = 0;
  private lastReachedUs = -1;
  /** Called with each arrival as it is tapped (ahead of the clock). */
  onTapped: ((arrivalUs: number) => void) | null = null;

  constructor(policies: readonly ModelPolicy[], private readonly windowUs: number) {
    for (const p of policies) {
      this.policies.set(p.name, p);
      this.models.set(p.name, { counters: zeroCounters(), ahead: new NumberQueue(), recentArrivals: new NumberQueue(), recentTtft: new NumberQueue(), slo: { attained: 0, total: 0 } });
    }
    this.defaultModel = policies[0]!.name;
    for (const p of policies) this.lowerCase.set(p.name.toLowerCase(), p.name);
  }

  private readonly lowerCase = new Map<string, string>();

  private readonly defaultModel: string;

  /** The model a request belongs to: its own (case-insensitive, like the router), or the first policy model when it names none or an unknown one. */
  modelOf(name: string | undefined): string {
    if (name === undefined) return this.defaultModel;
    if (this.models.has(name)) return name;
    return this.lowerCase.get(name.toLowerCase()) ?? this.defaultModel;
  }

  counters(): ReadonlyMap<string, ModelCounters> {
    const m = new Map<string, ModelCounters>();
    for (const [k, v] of this.models) m.set(k, v.counters);
    return m;
  }

  /** Wraps the arrival stream so that every request is counted when the clock reaches it. */
  tap<T extends Iterable<ArrivalRequest> | AsyncIterable<ArrivalRequest>>(arrivals: T): T {
    this.tapping = true;
    const self = this;
    if (Symbol.asyncIterator in arrivals) {
      const src = arrivals as AsyncIterable<ArrivalRequest>;
      return {
        async *[Symbol.asyncIterator]() {
          for await (const a of src) {
            self.noteTapped(a);
            yield a;
          }
          self.exhausted = true;
        },
      } as unknown as T;
    }
    const src = arrivals as Iterable<ArrivalRequest>;
    return {
      *[Symbol.iterator]() {
        for (const a of src) {
          self.noteTapped(a);
          yield a;
        }
        self.exhausted = true;
      },
    } as unknown as T;
  }

  private noteTapped(a: ArrivalRequest): void {
    this.tapped++;
    this.models.get(this.modelOf(a.model))!.ahead.push(a.arrivalUs);
    this.onTapped?.(a.arrivalUs);
  }

  /** The earliest tapped arrival the clock has not reached, if any is known yet. */
  nextArrivalUs(): number | undefined {
    let next: number | undefined;
    for (const pm of this.models.values()) if (pm.ahead.length > 0 && (next === undefined || pm.ahead.peek() < next)) next = pm.ahead.peek();
    return next;
  }

  /** Since when no request has been in the system (undefined while one is; call `advance` first). */
  idleSinceUs(): number | undefined {
    if (!this.tapping || this.reached > this.seen) return undefined;
    return Math.max(this.lastRecordUs, this.lastReachedUs, 0);
  }

  /** Counts an arrival directly (callers that feed the cluster themselves). */
  noteArrival(model: string | undefined, tUs: number): void {
    const pm = this.models.get(this.modelOf(model))!;
    pm.counters.arrivals++;
    pm.recentArrivals.push(tUs);
  }

  /** Moves tapped arrivals the clock has reached into the counters. */
  advance(nowUs: number): void {
    for (const pm of this.models.values()) {
      while (pm.ahead.length > 0 && pm.ahead.peek() <= nowUs) {
        const t = pm.ahead.shift();
        pm.recentArrivals.push(t);
        pm.counters.arrivals++;
        this.reached++;
        if (t > this.lastReachedUs) this.lastReachedUs = t;
      }
      while (pm.recentArrivals.length > 0 && pm.recentArrivals.peek() <= nowUs - this.windowUs) pm.recentArrivals.shift();
      while (pm.recentTtft.length > 0 && pm.recentTtft.peek() <= nowUs - this.windowUs) {
        pm.recentTtft.shift();
        pm.recentTtft.shift();
      }
    }
  }

  /** True while tapped requests may still be in the system (or no tap is in use). */
  get workRemains(): boolean {
    return !this.tapping || !this.exhausted || this.seen < this.tapped;
  }

  add(r: RequestRecord): void {
    this.seen++;
    const leftUs = Math.max(r.finishedUs, r.firstTokenUs, r.routedUs, r.arrivalUs);
    if (leftUs > this.lastRecordUs) this.lastRecordUs = leftUs;
    const model = this.modelOf(r.model);
    const pm = this.models.get(model)!;
    const c = pm.counters;
    if (r.status === 'unfinished') return;
    const policy = this.policies.get(model)!;
    pm.slo.total++;
    if (r.status !== 'completed') {
      c.failures++;
      return;
    }
    const ttftUs = r.firstTokenUs - r.arrivalUs;
    c.completions++;
    c.inputTokens += r.inputTokens;
    c.outputTokens += r.producedTokens;
    c.ttftSumUs += ttftUs;
    c.prefillSumUs += r.firstTokenUs - r.firstScheduledUs;
    c.serviceSumUs += r.finishedUs - r.firstScheduledUs;
    let itlUs = 0;
    if (r.producedTokens >= 2) {
      itlUs = (r.finishedUs - r.firstTokenUs) / (r.producedTokens - 1);
      c.itlSumUs += itlUs;
      c.itlCount++;
    }
    if (ttftUs <= policy.ttftMs * US_PER_MS && (policy.itlMs <= 0 || itlUs <= policy.itlMs * US_PER_MS)) pm.slo.attained++;
    pm.recentTtft.push(r.finishedUs);
    pm.recentTtft.push(ttftUs);
  }

  /** Arrivals per second over the window ending now (call `advance` first). */
  arrivalRate(model: string, nowUs: number): number {
    const span = Math.min(this.windowUs, nowUs);
    return span > 0 ? this.models.get(model)!.recentArrivals.length / usToS(span) : 0;
  }

  /** p99 TTFT (ms) of requests completed within the window; NaN when none. */
  ttftP99Ms(model: string): number {
    const q = this.models.get(model)!.recentTtft;
    const n = q.length / 2;
    if (n === 0) return NaN;
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = q.at(2 * i + 1);
    v.sort();
    const pos = 0.99 * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(n - 1, lo + 1);
    return usToMs(v[lo]! + (v[hi]! - v[lo]!) * (pos - lo));
  }

  slo(model: string): SloCounts {
    return this.models.get(model)!.slo;
  }
}
