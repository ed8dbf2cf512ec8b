/**
 * The cluster: a gateway (admission, routing on scraped snapshots with in-flight tracking) in
 * front of N engine instances, all on one simulated clock. It turns arrivals into engine
 * requests, and engine events into per-request records handed to the sinks.
 */
import { EventPriority, type EventHandler, type SimEvent } from '../kernel/events.js';
import { InputError } from '../kernel/errors.js';
import { Rng } from '../kernel/rng.js';
import { Simulator } from '../kernel/sim.js';
import { computeBlockHashes } from '../engine/block-hash.js';
import { EngineRequest } from '../engine/engine-request.js';
import { Instance, type InstanceListener, type StepListener } from '../engine/instance.js';
import type { StepTimeModel, RequestOverheads } from '../model/step-time.js';
import type { ArrivalRequest } from '../workload/request.js';
import type { ClusterConfig } from './config.js';
import type { RequestRecord, RequestStatus } from './record.js';
import { findRoutingPolicy, type RoutingPolicy } from './routing.js';
import type { RecordSink } from './sink.js';
import { createRouterView, type RouterView } from './view.js';

/** Event kinds this handler receives (the event's `a` slot). */
const enum Kind {
  Arrival = 0,
  Scrape = 1,
  Timeout = 2,
}

/** Gateway-side state of one request in the system. */
interface Tracked {
  readonly req: EngineRequest;
  admittedUs: number;
  routedUs: number;
  instance: number;
  scores: Record<string, number> | undefined;
  timeoutEvent: SimEvent | null;
  timeoutSeq: number;
}

export interface ClusterDeps {
  readonly stepTime: StepTimeModel;
  readonly overheads: RequestOverheads;
  readonly sink: RecordSink;
  /** Per-step statistics (ITL samples, KV peaks). */
  readonly onStep?: (instance: number, startUs: number, durationUs: number, decodeTokens: number, kvUtilization: number) => void;
  /** Record per-request detail (chunks, preemptions, every Nth token) for tracing. */
  readonly detail?: { readonly enabled: boolean; readonly tokenEvery: number };
}

export class Cluster implements EventHandler, InstanceListener, StepListener {
  readonly sim = new Simulator();
  readonly instances: Instance[] = [];
  readonly view: RouterView;
  private readonly policy: RoutingPolicy;
  private readonly live = new Map<number, Tracked>();
  private nextIndex = 0;
  private lastArrivalUs = 0;
  private scrapeScheduled = false;
  private arrivalsPending = 0;
  private readonly counts = { injected: 0, completed: 0, rejected: 0, timed_out: 0, dropped: 0, unfinished: 0 };

  constructor(readonly config: ClusterConfig, private readonly deps: ClusterDeps) {
    const rng = new Rng(config.seed);
    this.view = createRouterView(config.numInstances);
    this.policy = findRoutingPolicy(config.routingPolicy).create({
      numInstances: config.numInstances,
      scorers: config.routingScorers,
      random: rng.fork('routing'),
    });
    for (let i = 0; i < config.numInstances; i++) {
      this.instances.push(new Instance(this.sim, {
        id: i,
        maxNumBatchedTokens: config.maxNumBatchedTokens,
        maxNumSeqs: config.maxNumSeqs,
        longPrefillTokenThreshold: config.longPrefillTokenThreshold,
        blockSize: config.blockSize,
        totalKvBlocks: config.totalKvBlocks,
        maxModelLen: config.maxModelLen,
        scheduler: config.scheduler,
        enablePrefixCaching: config.enablePrefixCaching,
        stepTime: deps.stepTime,
        overheads: deps.overheads,
        detail: deps.detail ?? { enabled: false, tokenEvery: 1 },
      }, this));
      if (deps.onStep) this.instances[i]!.setStepListener(this);
    }
  }

  /** Requests that left the system so far, by status. */
  get requestCounts(): Readonly<typeof this.counts> {
    return this.counts;
  }

  get inSystem(): number {
    return this.live.size;
  }

  /** Schedules one arrival (arrivals must come in non-decreasing time order). */
  addArrival(src: ArrivalRequest): void {
    if (src.arrivalUs < this.lastArrivalUs || src.arrivalUs < this.sim.nowUs) {
      throw new InputError('ARRIVALS_UNSORTED', `request ${src.id}`,
        `arrival at ${src.arrivalUs} us comes before an earlier request's ${Math.max(this.lastArrivalUs, this.sim.nowUs)} us; arrival streams must be sorted by time`);
    }
    this.lastArrivalUs = src.arrivalUs;
    this.arrivalsPending++;
    this.sim.schedule(Math.round(src.arrivalUs), EventPriority.Arrival, this, Kind.Arrival, src);
  }

  handle(ev: SimEvent): void {
    switch (ev.a) {
      case Kind.Arrival:
        this.onArrival(ev.b as ArrivalRequest);
        break;
      case Kind.Scrape:
        this.onScrape();
        break;
      case Kind.Timeout:
        this.onTimeout(ev.b as Tracked);
        break;
    }
  }

  private onArrival(src: ArrivalRequest): void {
    this.arrivalsPending--;
    const now = this.sim.nowUs;
    const index = this.nextIndex++;
    this.counts.injected++;
    const req = new EngineRequest(src, index, computeBlockHashes(src, this.config.blockSize));
    const t: Tracked = { req, admittedUs: now, routedUs: -1, instance: -1, scores: undefined, timeoutEvent: null, timeoutSeq: -1 };
    this.live.set(index, t);
    if (this.config.clientTimeoutUs > 0) {
      t.timeoutEvent = this.sim.schedule(now + this.config.clientTimeoutUs, EventPriority.Timeout, this, Kind.Timeout, t);
      t.timeoutSeq = t.timeoutEvent.seq;
    }
    this.ensureScrape();
    if (this.config.snapshotRefreshIntervalUs === 0) this.refreshView();
    const chosen = this.policy.pick(this.view, req, now);
    if (chosen < 0) {
      this.finish(t, 'rejected', 'no-eligible-instance', now);
      return;
    }
    t.routedUs = now;
    t.instance = chosen;
    if (this.policy.lastScores) t.scores = this.policy.lastScores(chosen);
    this.policy.onRouted?.(req, chosen, now);
    if (this.config.inFlightTracking) this.view.inFlight[chosen]!++;
    this.instances[chosen]!.enqueue(req);
  }

  /** Copies the instances' live state into the router's view (a metrics scrape). */
  private refreshView(): void {
    const v = this.view;
    for (let i = 0; i < this.instances.length; i++) {
      const inst = this.instances[i]!;
      v.waiting[i] = inst.waitingCount;
      v.running[i] = inst.runningCount;
      v.kvUtilization[i] = inst.kvUsedBlocks / inst.kvTotalBlocks;
      v.inFlight[i] = 0;
    }
  }

  private ensureScrape(): void {
    const interval = this.config.snapshotRefreshIntervalUs;
    if (interval === 0 || this.scrapeScheduled) return;
    this.scrapeScheduled = true;
    const next = (Math.floor(this.sim.nowUs / interval) + 1) * interval;
    this.sim.schedule(next, EventPriority.Scrape, this, Kind.Scrape, null);
  }

  private onScrape(): void {
    this.scrapeScheduled = false;
    this.refreshView();
    if (this.live.size > 0 || this.arrivalsPending > 0) this.ensureScrape();
  }

  private onTimeout(t: Tracked): void {
    t.timeoutEvent = null;
    if (!this.live.has(t.req.index)) return;
    if (t.instance >= 0) (this.instances[t.instance] as unknown as { abort(r: EngineRequest, tUs: number): void }).abort(t.req, this.sim.nowUs);
    this.finish(t, 'timed_out', 'client-timeout', this.sim.nowUs);
  }

  onFirstToken(): void {}

  onFinished(req: EngineRequest, tUs: number): void {
    const t = this.live.get(req.index);
    if (t !== undefined) this.finish(t, 'completed', undefined, tUs);
  }

  onDropped(req: EngineRequest, reason: string, tUs: number): void {
    const t = this.live.get(req.index);
    if (t !== undefined) this.finish(t, 'dropped', reason, tUs);
  }

  onStep(inst: Instance, startUs: number, durationUs: number, decodeTokens: number): void {
    this.deps.onStep?.(inst.id, startUs, durationUs, decodeTokens, inst.kvUsedBlocks / inst.kvTotalBlocks);
  }

  /** Ends the run's bookkeeping: requests still in the system become `unfinished`. */
  close(): void {
    for (const t of [...this.live.values()]) this.finish(t, 'unfinished', 'simulation-ended', this.sim.nowUs);
  }

  private finish(t: Tracked, status: RequestStatus, reason: string | undefined, _tUs: number): void {
    this.live.delete(t.req.index);
    if (t.timeoutEvent !== null) {
      this.sim.cancel(t.timeoutEvent, t.timeoutSeq);
      t.timeoutEvent = null;
    }
    this.counts[status]++;
    this.deps.sink.add(buildRecord(t, status, reason));
  }
}

function buildRecord(t: Tracked, status: RequestStatus, reason: string | undefined): RequestRecord {
  const r = t.req;
  const src = r.src;
  const completed = status === 'completed';
  const rec: RequestRecord = {
    id: src.id,
    index: r.index,
    arrivalUs: src.arrivalUs,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    ...(src.model !== undefined ? { model: src.model } : {}),
    ...(src.tenant !== undefined ? { tenant: src.tenant } : {}),
    ...(src.sloClass !== undefined ? { sloClass: src.sloClass } : {}),
    ...(src.sessionId !== undefined ? { sessionId: src.sessionId } : {}),
    ...(src.priority !== undefined ? { priority: src.priority } : {}),
    ...(src.stage !== undefined ? { stage: src.stage } : {}),
    status,
    ...(reason !== undefined ? { reason } : {}),
    admission: 'admitted',
    admittedUs: t.admittedUs,
    routedUs: t.routedUs,
    instance: t.instance,
    pool: 'unified',
    enqueuedUs: r.enqueuedUs,
    firstScheduledUs: r.firstScheduledUs,
    firstTokenUs: r.firstTokenUs,
    finishedUs: completed ? r.finishedUs : -1,
    cachedTokens: Math.max(0, r.cachedTokens),
    preemptions: r.preemptions,
    producedTokens: r.outputDone,
    ...(t.scores !== undefined ? { routingScores: t.scores } : {}),
    ...(r.prefillChunks !== null ? { prefillChunks: r.prefillChunks } : {}),
    ...(r.preemptionTimesUs !== null ? { preemptionTimesUs: r.preemptionTimesUs } : {}),
    ...(r.tokenTimesUs !== null ? { tokenTimesUs: r.tokenTimesUs } : {}),
    ...(src.observed !== undefined ? { observed: src.observed } : {}),
  };
  return rec;
}
