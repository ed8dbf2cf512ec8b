/**
 * The autoscaler: collect → analyze → optimize → actuate on the simulation's clock. Scrapes
 * run every collector interval (EventPriority.Scrape: after the instant's completions); control
 * decisions every `interval_s` (EventPriority.Control: right after a same-instant scrape).
 * Both stop rescheduling once the tapped arrival stream is exhausted and every request has left.
 */
import type { RequestRecord } from '../cluster/record.js';
import type { RecordSink } from '../cluster/sink.js';
import { EventPriority, type EventHandler, type SimEvent } from '../kernel/events.js';
import type { Simulator } from '../kernel/sim.js';
import type { ArrivalRequest } from '../workload/request.js';
import { summarizeAutoscaler, type AutoscalerSummary } from './accounting.js';
import type { Actuator } from './actuator.js';
import type { Analyzer } from './analyzer.js';
import { isDrainNotifier, type ControlledCluster, type ReplicaView } from './cluster-port.js';
import type { Collector } from './collector.js';
import { Fleet } from './fleet.js';
import { isActive } from './lifecycle.js';
import type { Decision } from './metrics-types.js';
import { RequestObserver } from './observer.js';
import type { Optimizer } from './optimizer.js';
import type { AutoscalerConfig } from './policy.js';
import type { StageEntry } from './registry.js';
import { Stabilizer } from './stabilizer.js';
import { ACTUATORS, ANALYZERS, COLLECTORS, OPTIMIZERS } from './stages.js';
import type { TimelineRow } from './timeline.js';

const KIND_SCRAPE = 0;
const KIND_CONTROL = 1;

export interface ActionCounts {
  scaleUp: number;
  scaleDown: number;
  preemptions: number;
}

function find<T, C>(registry: readonly StageEntry<T, C>[], name: string): StageEntry<T, C> {
  const e = registry.find((x) => x.name === name);
  if (e === undefined) throw new Error(`stage '${name}' is not registered`);
  return e;
}

export class Autoscaler implements EventHandler, RecordSink {
  readonly fleet: Fleet;
  readonly observer: RequestObserver;
  readonly timeline: TimelineRow[] = [];
  readonly actions: ActionCounts = { scaleUp: 0, scaleDown: 0, preemptions: 0 };
  private readonly collector: Collector;
  private readonly analyzer: Analyzer;
  private readonly optimizer: Optimizer;
  private readonly actuator: Actuator;
  private readonly stabilizer: Stabilizer;
  private readonly peak = new Map<string, number>();
  private started = false;
  private stopped = false;

  constructor(private readonly sim: Simulator, private readonly cluster: ControlledCluster, readonly config: AutoscalerConfig, observer?: RequestObserver) {
    this.fleet = new Fleet(cluster);
    this.observer = observer ?? new RequestObserver(config.models, config.timelineWindowUs);
    this.collector = find(COLLECTORS, config.collector.name).create(config.collector.options, {});
    this.analyzer = find(ANALYZERS, config.analyzer.name).create(config.analyzer.options, {});
    this.optimizer = find(OPTIMIZERS, config.optimizer.name).create(config.optimizer.options, {});
    this.actuator = find(ACTUATORS, config.actuator.name).create(config.actuator.options, { sim, fleet: this.fleet, models: config.models });
    this.stabilizer = new Stabilizer({
      upWindowUs: config.scaleUpStabilizationUs, downWindowUs: config.scaleDownStabilizationUs,
      upCooldownUs: config.scaleUpCooldownUs, downCooldownUs: config.scaleDownCooldownUs,
    });
    if (isDrainNotifier(cluster)) {
      cluster.onDrained((id, tUs) => {
        if (this.fleet.get(id)?.state === 'draining') this.fleet.transition(id, 'gone', tUs);
      });
    }
  }

  /** Counts arrivals from the stream as the clock reaches them (see RequestObserver.tap). */
  tap<T extends Iterable<ArrivalRequest> | AsyncIterable<ArrivalRequest>>(arrivals: T): T {
    return this.observer.tap(arrivals);
  }

  /**
   * Adopts the cluster's existing replicas (ready at once), tops every model up to its
   * initial_replicas (also ready at once: the run starts from a warm fleet) and schedules the
   * first scrape now and the first decision one interval later.
   */
  start(): void {
    if (this.started) throw new Error('autoscaler already started');
    this.started = true;
    const now = this.sim.nowUs;
    for (const r of this.cluster.replicas()) this.fleet.adopt(r.id, r.model, { hardware: r.hardware, tp: r.tp }, r.state, now);
    for (const m of this.config.models) {
      for (let k = this.fleet.activeCount(m.name); k < m.initialReplicas; k++) {
        const e = this.fleet.start(m.name, m.variants[0]!, now);
        this.fleet.transition(e.id, 'loading', now);
        this.fleet.transition(e.id, 'warming', now);
        this.fleet.transition(e.id, 'ready', now);
      }
      // The fleet has been at this size before the run: seed the stabilisation windows with it,
      // so the first decision cannot scale down on a single recommendation.
      const n = this.fleet.activeCount(m.name);
      this.stabilizer.stabilize(m.name, n, n, now);
      this.notePeak(m.name);
    }
    this.sim.schedule(now, EventPriority.Scrape, this, KIND_SCRAPE);
    this.sim.schedule(now + this.config.intervalUs, EventPriority.Control, this, KIND_CONTROL);
  }

  /** Request records (a RecordSink: pass it to the simulation's sinks). */
  add(record: RequestRecord): void {
    this.observer.add(record);
  }

  handle(ev: SimEvent): void {
    if (this.stopped) return;
    const now = this.sim.nowUs;
    if (ev.a === KIND_SCRAPE) {
      this.observer.advance(now);
      this.actuator.reconcile(this.cluster.replicas(), now);
      this.collector.scrape(now, this.cluster.replicas(), this.observer.counters());
      if (this.observer.workRemains) this.sim.schedule(now + this.collector.scrapeIntervalUs, EventPriority.Scrape, this, KIND_SCRAPE);
    } else {
      this.decide(now);
      if (this.observer.workRemains) this.sim.schedule(now + this.config.intervalUs, EventPriority.Control, this, KIND_CONTROL);
    }
  }

  /** Stops scheduling further scrapes and decisions (pending ones are ignored). */
  stop(): void {
    this.stopped = true;
  }

  private decide(now: number): void {
    this.observer.advance(now);
    const models = this.config.models;
    const signals = models.map((policy) => {
      const active = this.fleet.activeCount(policy.name);
      const pending = this.fleet.pendingCount(policy.name);
      const sig = this.analyzer.analyze(this.collector.metrics(now, policy.name), { policy, active, pending, nowUs: now });
      const clamped = Math.min(policy.maxReplicas, Math.max(policy.minReplicas, sig.desired));
      const st = this.stabilizer.stabilize(policy.name, active, clamped, now);
      return { policy, recommended: sig.desired, desired: st.desired, reason: st.note ? `${sig.reason}; ${st.note}` : sig.reason };
    });
    const replicas = this.cluster.replicas();
    const load = new Map<number, ReplicaView>();
    for (const r of replicas) load.set(r.id, r);
    const result = this.optimizer.optimize({
      models: signals.map((s) => ({ policy: s.policy, desired: s.desired, reason: s.reason })),
      replicas: this.fleet.live(),
      load,
      inventory: this.config.inventory,
      limited: this.config.limited,
    });
    const ids = this.actuator.apply(result.decisions, now);
    const byModel = new Map<string, string[]>();
    result.decisions.forEach((d, i) => {
      this.countAction(d, now);
      let list = byModel.get(d.model);
      if (list === undefined) byModel.set(d.model, (list = []));
      list.push(d.kind === 'add' ? `+1 ${d.variant.hardware}x${d.variant.tp} #${ids[i]}` : `-1 #${d.replica}`);
    });
    const after = this.cluster.replicas();
    for (const s of signals) {
      const name = s.policy.name;
      this.notePeak(name);
      const counts = this.fleet.stateCounts(name);
      let queue = 0;
      let kv = 0;
      let ready = 0;
      for (const r of after) {
        if (r.model !== name) continue;
        queue += r.waiting;
        if (r.state === 'ready') {
          ready++;
          kv += r.kvTotalBlocks > 0 ? r.kvUsedBlocks / r.kvTotalBlocks : 0;
        }
      }
      let gpus = 0;
      for (const e of this.fleet.ofModel(name)) gpus += e.tp;
      const decisions = result.decisions.filter((d) => d.model === name);
      const unmet = result.unmet.get(name);
      const reasons = decisions.length > 0 ? [...new Set(decisions.map((d) => d.reason))] : [s.reason];
      if (unmet !== undefined) reasons.push(unmet);
      this.timeline.push({
        timeS: now / 1e6, model: name,
        provisioning: counts.provisioning, loading: counts.loading, warming: counts.warming, ready: counts.ready, draining: counts.draining,
        gpus, arrivalRps: this.observer.arrivalRate(name, now), queueDepth: queue, kvUtilization: ready > 0 ? kv / ready : NaN,
        ttftP99Ms: this.observer.ttftP99Ms(name), recommended: s.recommended, desired: s.desired,
        decisions: (byModel.get(name) ?? []).join(';'), reason: reasons.join('; '),
      });
    }
  }

  private countAction(d: Decision, now: number): void {
    if (d.kind === 'add') {
      this.actions.scaleUp++;
      this.stabilizer.noteAction(d.model, 'up', now);
    } else {
      this.actions.scaleDown++;
      if (d.preemptedFor !== undefined) this.actions.preemptions++;
      this.stabilizer.noteAction(d.model, 'down', now);
    }
  }

  private notePeak(model: string): void {
    let n = 0;
    for (const e of this.fleet.ofModel(model)) if (isActive(e.state)) n++;
    if (n > (this.peak.get(model) ?? 0)) this.peak.set(model, n);
  }

  /**
   * The metrics JSON's `autoscaler` block. Replicas still alive are billed up to `endUs`, or up
   * to the moment the last request left when that came first (the run is over then; lifecycle
   * timers still pending may carry the clock a little further).
   */
  summary(endUs: number): AutoscalerSummary {
    return summarizeAutoscaler(this, this.billedUntilUs(endUs), this.peak);
  }

  /** Where billing of replicas still alive stops (see `summary`); the metrics' cost block bills the same. */
  billedUntilUs(endUs: number): number {
    return this.observer.workRemains ? endUs : Math.min(endUs, Math.max(this.observer.lastRecordUs, 0));
  }
}
