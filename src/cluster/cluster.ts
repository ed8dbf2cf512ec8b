/**
 * The cluster: a gateway (admission, optional flow-control queue, routing on scraped snapshots
 * with in-flight tracking and a delayed KV-event view) in front of pools of engine instances,
 * all on one simulated clock. A request goes arrival → admission (+ --admission-latency) →
 * routing (+ --routing-latency) → instance; with prefill pools, routing picks the decode
 * instance first and the P/D decider may add a prefill instance: prefill → KV transfer over the
 * prefill instance's link → decode instance, whose first step gives the first token (disagg.ts).
 * It turns engine events into per-request records handed to the sinks. The request ledger
 * (ledger.ts) owns every count, the lifecycle (lifecycle.ts) the instances' states, the fleet
 * (fleet.ts) the instances and their step-time models.
 */
import { EventPriority, type EventHandler, type SimEvent } from '../kernel/events.js';
import { InputError } from '../kernel/errors.js';
import { Rng } from '../kernel/rng.js';
import { Simulator } from '../kernel/sim.js';
import { EngineRequest, RequestState, engineRequestFor } from '../engine/engine-request.js';
import { BlockHashArena } from '../engine/block-hash.js';
import type { Instance, InstanceListener, KvEventListener } from '../engine/instance.js';
import { requestProblem } from '../workload/check-request.js';
import type { ArrivalRequest } from '../workload/request.js';
import { findAdmissionPolicy, type AdmissionEntry, type AdmissionPolicy } from './admission/admission.js';
import type { ClusterConfig } from './config.js';
import { Fleet, poolStepTimes } from './fleet.js';
import { GatewayQueue } from './gateway-queue.js';
import { Disaggregation } from './disagg.js';
import { findPdDecider } from './pd-decider.js';
import { RequestLedger } from './ledger.js';
import { InstanceLifecycle, type LifecycleHost } from './lifecycle.js';
import type { PoolConfig } from './pools.js';
import type { RequestStatus } from './record.js';
import { phasePolicies, type RoutingPolicy } from './routing.js';
import { scorersNeedCacheView } from './scorers/registry.js';
import type { ClusterDeps } from './cluster-deps.js';
import { Phase, buildRecord, newTracked, type Tracked } from './tracked.js';
import { Snapshotter, type ScrapeOwner } from './snapshots.js';
import { createRouterView, type MutableRouterView } from './view.js';

/** Event kinds this handler receives (the event's `a` slot). */
const enum Kind {
  Arrival = 0,
  Timeout = 1,
  Admit = 2,
  Dispatch = 3,
  QueueExpiry = 4,
  PrefillDone = 5,
}

export class Cluster implements EventHandler, InstanceListener, KvEventListener, ScrapeOwner, LifecycleHost {
  private readonly snapshots: Snapshotter;
  readonly sim = new Simulator();
  readonly view: MutableRouterView;
  private readonly fleet: Fleet;
  /** Routing policy per phase (whole, prefill, decode): separate state, like llm-d's scheduling profiles. */
  private readonly policies: RoutingPolicy[];
  private readonly admissionEntry: AdmissionEntry;
  private readonly admission: AdmissionPolicy;
  private readonly kvView: boolean;
  private readonly queue: GatewayQueue<Tracked>;
  /** P/D phases after the prefill (null without prefill pools). */
  private readonly pd: Disaggregation | null;
  /** Every request in the system and every count of requests (the router view's active and in-flight too). */
  readonly ledger: RequestLedger;
  /** Adding, readying and draining instances (the autoscaler's handle). */
  readonly lifecycle: InstanceLifecycle;
  private draining = false;
  private nextIndex = 0;
  /** Arriving requests' block hashes are slices of shared slabs (one allocation per few hundred requests); their prefix levels' come from its memo. */
  private readonly hashArena = new BlockHashArena();
  private lastArrivalUs = 0;

  constructor(readonly config: ClusterConfig, private readonly deps: ClusterDeps) {
    const rng = new Rng(config.seed);
    const cap = config.maxInstances;
    this.view = createRouterView(0, cap, config.cacheSignalDelayUs);
    this.ledger = new RequestLedger(this.view, config.inFlightTracking);
    const hasPd = config.pools.some((p) => p.role === 'prefill');
    this.policies = phasePolicies(config.routingPolicy, { numInstances: cap, scorers: config.routingScorers, scorerOptions: config.routingScorerOptions, scorerRegistry: config.registries.scorers, random: rng.fork('routing'), apiServers: config.dataParallelSize }, hasPd ? 3 : 1, config.registries.routingPolicies);
    this.admissionEntry = findAdmissionPolicy(config.admissionPolicy, config.registries.admissionPolicies);
    this.admission = this.admissionEntry.create(config.admission);
    const decider = findPdDecider(config.pdDecider);
    this.kvView = scorersNeedCacheView(config.routingScorers, config.registries.scorers);
    this.queue = new GatewayQueue<Tracked>(config.maxGatewayQueue);
    const stepTimes = poolStepTimes(config, { stepTime: deps.stepTime, overheads: deps.overheads }, deps.stepTimeFor);
    this.fleet = new Fleet(this.sim, config, stepTimes, this, deps.detail ?? { enabled: false, tokenEvery: 1 }, deps.leap ?? true);
    this.snapshots = new Snapshotter(this.sim, this.view, this.fleet, config.snapshotRefreshIntervalUs, this, this.ledger);
    this.lifecycle = new InstanceLifecycle(this.sim, this.fleet, this.view, this.kvView, this);
    this.pd = hasPd ? new Disaggregation({
      sim: this.sim, config, view: this.view, fleet: this.fleet, kvView: this.kvView, ledger: this.ledger,
      finish: (t, status, reason) => this.finish(t, status, reason),
      instanceWorkDone: (id) => {
        this.lifecycle.workLeft(id);
        this.liveUpdate();
      },
      enqueue: (t, instance, req) => this.enqueue(t, instance, req),
    }, { decode: this.policies[Phase.Decode]!, prefill: this.policies[Phase.Prefill]! }, decider.create(config.pdPrefixThresholdTokens), decider.needsCacheView) : null;
    config.pools.forEach((p, k) => {
      for (let j = 0; j < p.count; j++) this.lifecycle.start(k);
    });
  }

  // ---------------------------------------------------------------- public API

  /** Every instance so far (ids index this array; gone instances stay). */
  get instances(): readonly Instance[] {
    return this.fleet.instances;
  }

  get pools(): readonly PoolConfig[] {
    return this.config.pools;
  }

  /** Requests waiting in the gateway's flow-control queue. */
  get gatewayQueueLength(): number {
    return this.queue.size;
  }

  /** Schedules one arrival (arrivals must come in non-decreasing time order). */
  addArrival(src: ArrivalRequest): void {
    const problem = requestProblem(src);
    if (problem !== null) throw new InputError(problem.code, `request ${src.id}`, problem.message);
    if (src.arrivalUs < this.lastArrivalUs || src.arrivalUs < this.sim.nowUs) {
      throw new InputError('ARRIVALS_UNSORTED', `request ${src.id}`,
        `arrival at ${src.arrivalUs} us comes before an earlier request's ${Math.max(this.lastArrivalUs, this.sim.nowUs)} us; arrival streams must be sorted by time`);
    }
    this.lastArrivalUs = src.arrivalUs;
    this.sim.scheduleInOrder(Math.round(src.arrivalUs), EventPriority.Arrival, this, Kind.Arrival, src);
  }

  /** Ends the run's bookkeeping: requests still in the system become `unfinished` (with `reason`). */
  close(reason = 'simulation-ended'): void {
    // Records read running requests' token counts, which a leaping engine keeps as run counters.
    for (const inst of this.fleet.instances) inst.syncRequests();
    for (const t of [...this.ledger.liveRequests()]) if (!t.closed) this.finish(t, 'unfinished', reason);
  }

  handle(ev: SimEvent): void {
    switch (ev.a) {
      case Kind.Arrival: this.onArrival(ev.b as ArrivalRequest); break;
      case Kind.Timeout: this.onTimeout(ev.b as Tracked); break;
      case Kind.Admit: this.admit(ev.b as Tracked); break;
      case Kind.Dispatch: this.dispatch(ev.b as Tracked); break;
      case Kind.QueueExpiry: this.onQueueExpiry(ev.b as Tracked); break;
      case Kind.PrefillDone: this.pd!.prefillDone(ev.b as Tracked); break;
    }
  }

  // ---------------------------------------------------------------- gateway

  private onArrival(src: ArrivalRequest): void {
    const now = this.sim.nowUs;
    const index = this.nextIndex++;
    // A P/D request's decode half shares its id's key with the prefill half: its blocks register as they fill.
    const unique = this.deps.uniqueIds === true && this.pd === null;
    const req = engineRequestFor(src, index, this.config.engine.blockSize, this.hashArena, unique, unique && this.ledger.aloneInGroup(src));
    const t = newTracked(req, this.fleet.modelIndexOf(src.model));
    this.ledger.opened(t);
    if (this.config.clientTimeoutUs > 0) {
      t.timeoutEvent = this.sim.schedule(now + this.config.clientTimeoutUs, EventPriority.Timeout, this, Kind.Timeout, t);
      t.timeoutSeq = t.timeoutEvent.seq;
    }
    this.snapshots.ensure();
    this.liveUpdate();
    if (t.modelIndex < 0) {
      t.admission = 'rejected';
      this.finish(t, 'rejected', 'unknown-model');
      return;
    }
    if (this.config.admissionLatencyUs > 0) this.sim.schedule(now + this.config.admissionLatencyUs, EventPriority.Dispatch, this, Kind.Admit, t);
    else this.admit(t);
  }

  /** The admission decision (after the gateway's admission latency). */
  private admit(t: Tracked): void {
    if (t.closed) return;
    const now = this.sim.nowUs;
    const refusal = this.decide(t, now);
    if (refusal === null) {
      t.admittedUs = now;
      this.route(t);
      return;
    }
    if (this.config.flowControl && this.admissionEntry.queueable) {
      if (!this.queue.push(t)) {
        t.admission = 'rejected';
        this.finish(t, 'rejected', 'gateway-queue-full');
        return;
      }
      t.admission = 'queued-then-admitted';
      if (this.config.requestTtlUs > 0) {
        t.ttlEvent = this.sim.schedule(now + this.config.requestTtlUs, EventPriority.Timeout, this, Kind.QueueExpiry, t);
        t.ttlSeq = t.ttlEvent.seq;
      }
      return;
    }
    t.admission = 'rejected';
    this.finish(t, 'rejected', refusal);
  }

  /** The admission policy's refusal of `t` now, or null; GIE's saturation detector looks at every endpoint serving its model (prefill and decode pods alike), with requests in routing counted. */
  private decide(t: Tracked, now: number): string | null {
    this.fleet.markServing(this.view.eligible, t.modelIndex);
    this.ledger.showRouting(t.modelIndex);
    return this.admission.decide(this.view, t.req, now);
  }

  /** Flow control: dispatch queued requests while their candidates have capacity. */
  private drainQueue(): void {
    if (this.queue.size === 0 || this.draining) return;
    this.draining = true;
    const now = this.sim.nowUs;
    this.queue.drain((t) => this.decide(t, now) === null, (t) => {
      if (t.ttlEvent !== null) {
        this.sim.cancel(t.ttlEvent, t.ttlSeq);
        t.ttlEvent = null;
      }
      t.admittedUs = now;
      this.route(t);
    });
    this.draining = false;
  }

  private onQueueExpiry(t: Tracked): void {
    t.ttlEvent = null;
    if (t.closed || t.removed) return;
    this.queue.remove(t);
    t.admission = 'queued-then-expired';
    this.finish(t, 'timed_out', 'queue-ttl-expired');
  }

  private route(t: Tracked): void {
    this.ledger.routingStarted(t);
    if (this.config.routingLatencyUs > 0) this.sim.schedule(this.sim.nowUs + this.config.routingLatencyUs, EventPriority.Dispatch, this, Kind.Dispatch, t);
    else this.dispatch(t);
  }

  /** Picks an instance (after the gateway's routing latency) and hands the request over. */
  private dispatch(t: Tracked): void {
    if (t.closed) return;
    if (this.pd !== null && this.fleet.servesPhase(t.modelIndex, Phase.Prefill)) {
      this.pd.dispatch(t);
      return;
    }
    const now = this.sim.nowUs;
    const policy = this.policies[Phase.Whole]!;
    this.fleet.markEligible(this.view.eligible, t.modelIndex, Phase.Whole);
    if (this.kvView) this.view.kvIndex.advance(now);
    const chosen = policy.pick(this.view, t.req, now);
    if (chosen < 0) {
      t.admission = 'rejected';
      this.finish(t, 'rejected', 'no-eligible-instance');
      return;
    }
    t.routedUs = now;
    t.instance = chosen;
    t.pool = this.fleet.pool(chosen).name;
    if (policy.lastScores) t.scores = policy.lastScores(chosen);
    policy.onRouted?.(this.view, t.req, chosen, now);
    this.enqueue(t, chosen, t.req);
  }

  /** Hands `req` (the request or its prefill part) to an instance, counted by the gateway. */
  private enqueue(t: Tracked, instance: number, req: EngineRequest): void {
    this.ledger.dispatched(t, instance);
    this.fleet.instances[instance]!.enqueue(req);
  }

  /** --snapshot-refresh-interval 0: the router reads live state, refreshed (and the flow-control queue re-checked) on every arrival and departure. */
  private liveUpdate(): void {
    if (!this.snapshots.live) return;
    this.snapshots.refresh();
    this.drainQueue();
  }

  // ---------------------------------------------------------------- engine events

  onFinished(req: EngineRequest, tUs: number): void {
    const t = this.ledger.get(req.index);
    if (t === undefined) return;
    if (req === t.decodeReq) {
      this.ledger.leftDecode(t);
      this.lifecycle.workLeft(t.decodeInstance);
    } else {
      this.ledger.leftInstance(t);
      // A prefill instance answered: the decode side takes over when the answer is out.
      if (req.prefillOnly) return void this.sim.schedule(Math.max(this.sim.nowUs, Math.round(tUs)), EventPriority.Dispatch, this, Kind.PrefillDone, t);
      this.lifecycle.workLeft(t.instance);
    }
    this.finish(t, 'completed', undefined);
    this.liveUpdate();
  }

  /** A step ended with nothing left to run: a draining instance whose last request was aborted in that step is idle now. */
  onIdle(inst: Instance): void {
    this.lifecycle.workLeft(inst.id);
  }

  /** A decode instance's step carries the allocation of a P/D request's blocks: its transfer starts. */
  onRemoteLoad(req: EngineRequest, blocks: number): void {
    const t = this.ledger.get(req.index);
    if (t !== undefined && req === t.decodeReq) this.pd!.startTransfer(t, blocks);
  }

  onDropped(req: EngineRequest, reason: string): void {
    const t = this.ledger.get(req.index);
    if (t === undefined) return;
    this.lifecycle.workLeft(t.instance);
    this.finish(t, 'dropped', reason);
    this.liveUpdate();
  }

  onKvEvent(inst: Instance, kind: 'stored' | 'evicted', hash: number, tUs: number): void {
    this.view.kvIndex.record(inst.id, kind === 'stored', hash, tUs);
  }

  /** Client timeout: the gateway cancels the request everywhere it holds resources (vLLM aborts on disconnect). */
  private onTimeout(t: Tracked): void {
    t.timeoutEvent = null;
    if (t.closed) return;
    if (!t.removed && t.admission === 'queued-then-admitted' && t.admittedUs < 0) {
      this.queue.remove(t);
      t.admission = 'queued-then-expired';
    }
    const now = this.sim.nowUs;
    if (t.instance >= 0) {
      // A prefill that answered is finished there: vLLM ignores its abort, and its held blocks wait for the decode side.
      if (t.req.state === RequestState.Held) this.pd!.prefillAbandoned(t);
      else this.fleet.instances[t.instance]!.abort(t.req, now);
      this.lifecycle.workLeft(t.instance);
    }
    const d = t.decodeReq;
    if (d !== null && t.decodeInstance >= 0) {
      this.fleet.instances[t.decodeInstance]!.abort(d, now);
      this.lifecycle.workLeft(t.decodeInstance);
    }
    this.finish(t, 'timed_out', 'client-timeout');
  }

  // ---------------------------------------------------------------- scrapes and capacity

  /** The snapshotter's scrape refreshed the view: queued work may fit now. */
  onScraped(): void {
    this.drainQueue();
  }

  hasWork(): boolean {
    return this.ledger.inSystem > 0;
  }

  afterCapacityChange(): void {
    if (this.snapshots.live) this.snapshots.refresh();
    this.drainQueue();
  }

  instanceGone(id: number): void { for (const p of this.policies) p.onInstanceGone?.(id); }

  attach(id: number): void {
    const inst = this.fleet.instances[id]!;
    if (this.deps.stepListener) inst.setStepListener(this.deps.stepListener(id, this.fleet.pool(id).name, this.fleet.info(id).model));
    if (this.kvView) inst.setKvEventListener(this);
  }

  private finish(t: Tracked, status: RequestStatus, reason: string | undefined): void {
    t.closed = true;
    if (t.timeoutEvent !== null) {
      this.sim.cancel(t.timeoutEvent, t.timeoutSeq);
      t.timeoutEvent = null;
    }
    if (t.ttlEvent !== null) {
      this.sim.cancel(t.ttlEvent, t.ttlSeq);
      t.ttlEvent = null;
    }
    this.ledger.closed(t, status);
    this.deps.sink.add(buildRecord(t, status, reason, this.sim.nowUs), t.req.src);
  }
}
