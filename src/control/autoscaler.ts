/**
 * The autoscaler: collect → analyze → optimize → actuate on the simulation's clock. Scrapes
 * run every collector interval (EventPriority.Scrape: after the instant's completions); control
 * decisions every `interval_s` (EventPriority.Control: right after a same-instant scrape).
 * Both stop rescheduling once the tapped arrival stream is exhausted and every request has left.
 *
 * Idle stretches are not ticked through. Once the cluster has been empty for longer than
 * anything the autoscaler remembers (collector lag + rate window, stabilisation windows, the
 * timeline window) and a decision changed nothing (every model at its recommendation, no replica
 * in transition), further ticks would repeat that decision. The loop then sleeps and resumes on
 * its grid that same memory span before the next arrival, so every decision from the next
 * arrival on is the one ticking through would have made; only the idle rows of the timeline are
 * missing. A trace with a ten-year pause costs a few hundred events, not 21 million.
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
import { usToS } from '../kernel/units.js';

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
  private startUs = 0;
  /** Scheduled ticks carry the epoch they were scheduled in; sleeping starts a new one. */
  private epoch = 0;
  private asleep = false;
  /** The latest decision changed nothing and no replica is in transition. */
  private steady = false;
  /**
   * The cluster retires a drained replica itself and says when (DrainNotifier): the actuator does
   * not look for empty draining replicas at scrapes, where one whose last request was aborted
   * shows no request while its engine still runs the aborted request's step.
   */
  private readonly drainsNotified: boolean;

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
    this.drainsNotified = isDrainNotifier(cluster);
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
    this.startUs = now;
    this.observer.onTapped = (arrivalUs) => {
      if (this.asleep) this.wakeBefore(arrivalUs);
    };
    this.sim.schedule(now, EventPriority.Scrape, this, KIND_SCRAPE, this.epoch);
    this.sim.schedule(now + this.config.intervalUs, EventPriority.Control, this, KIND_CONTROL, this.epoch);
  }

  /** What the loop remembers of the past: how long the cluster must have been idle before ticks repeat themselves. */
  private memoryUs(): number {
    const c = this.config;
    return Math.max(this.collector.lookbackUs, c.scaleUpStabilizationUs, c.scaleDownStabilizationUs, c.timelineWindowUs)
      + 2 * Math.max(c.intervalUs, this.collector.scrapeIntervalUs);
  }

  private sleep(now: number): void {
    this.asleep = true;
    this.epoch++;
    const next = this.observer.nextArrivalUs();
    if (next !== undefined) this.wakeBefore(next);
  }

  /** Resumes both tick grids one memory span before `arrivalUs` (or at once when that is past). */
  private wakeBefore(arrivalUs: number): void {
    this.asleep = false;
    const from = Math.max(this.sim.nowUs + 1, arrivalUs - this.memoryUs());
    const onGrid = (intervalUs: number): number => this.startUs + Math.ceil((from - this.startUs) / intervalUs) * intervalUs;
    this.sim.schedule(onGrid(this.collector.scrapeIntervalUs), EventPriority.Scrape, this, KIND_SCRAPE, this.epoch);
    this.sim.schedule(onGrid(this.config.intervalUs), EventPriority.Control, this, KIND_CONTROL, this.epoch);
  }

  /** Request records (a RecordSink: pass it to the simulation's sinks). */
  add(record: RequestRecord): void {
    this.observer.add(record);
  }

  handle(ev: SimEvent): void {
    if (this.stopped || ev.b !== this.epoch) return;
    const now = this.sim.nowUs;
    if (ev.a === KIND_SCRAPE) {
      this.observer.advance(now);
      if (!this.drainsNotified) this.actuator.reconcile(this.cluster.replicas(), now);
      this.collector.scrape(now, this.cluster.replicas(), this.observer.counters());
      if (this.observer.workRemains) this.sim.schedule(now + this.collector.scrapeIntervalUs, EventPriority.Scrape, this, KIND_SCRAPE, this.epoch);
    } else {
      this.decide(now);
      if (!this.observer.workRemains) return;
      const idleSince = this.observer.idleSinceUs();
      if (this.steady && idleSince !== undefined && now - idleSince >= this.memoryUs()) this.sleep(now);
      else this.sim.schedule(now + this.config.intervalUs, EventPriority.Control, this, KIND_CONTROL, this.epoch);
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
      // HPA applies min/max after the stabilisation window (normalizeDesiredReplicasWithBehaviors):
      // holding a fleet that starts below min_replicas must not hold it there.
      const desired = Math.min(policy.maxReplicas, Math.max(policy.minReplicas, st.desired));
      const bound = desired > st.desired ? `raised to min_replicas ${policy.minReplicas}` : desired < st.desired ? `lowered to max_replicas ${policy.maxReplicas}` : '';
      const notes = [st.note, bound].filter((x) => x !== '').join('; ');
      return { policy, recommended: sig.desired, clamped, desired, reason: notes ? `${sig.reason}; ${notes}` : sig.reason };
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
    this.steady = result.decisions.length === 0 && this.fleet.live().every((e) => e.state === 'ready')
      // The recommendation within [min, max] is what the stabiliser remembers: a fleet held at
      // min_replicas while the analyzer asks for fewer is settled.
      && signals.every((s) => s.clamped === s.desired && s.desired === this.fleet.activeCount(s.policy.name));
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
        timeS: usToS(now), model: name,
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
