/**
 * A small data plane for control tests: real engine instances behind a round-robin router that
 * only picks ready replicas of the request's model. It implements the control port the way
 * the real cluster must (lifecycle → eligibility), with a linear step time so that times can
 * be checked by hand.
 */
import { EventPriority, type EventHandler, type SimEvent } from '../../src/kernel/events.js';
import { Simulator } from '../../src/kernel/sim.js';
import { Instance, type InstanceListener } from '../../src/engine/instance.js';
import { resolveInstanceConfig } from '../../src/engine/config.js';
import { EngineRequest, engineRequestFor } from '../../src/engine/engine-request.js';
import type { RequestRecord, RequestStatus } from '../../src/cluster/record.js';
import type { ControlledCluster, ReplicaView, VariantSpec } from '../../src/control/cluster-port.js';
import type { ReplicaState } from '../../src/control/lifecycle.js';
import type { ArrivalRequest } from '../../src/workload/request.js';
import type { StepTimeModel, BatchShape } from '../../src/model/step-time.js';

export interface MiniOptions {
  readonly maxNumSeqs?: number;
  readonly totalKvBlocks?: number;
  /** Step time = baseUs + perTokenUs × batch tokens. */
  readonly baseUs?: number;
  readonly perTokenUs?: number;
}

interface Replica {
  readonly id: number;
  readonly model: string;
  readonly variant: VariantSpec;
  state: ReplicaState;
  readonly inst: Instance;
}

export interface Routed {
  readonly id: string;
  readonly replica: number;
  readonly tUs: number;
}

export class MiniCluster implements ControlledCluster, InstanceListener, EventHandler {
  readonly sim = new Simulator();
  readonly replicasById: Replica[] = [];
  readonly routed: Routed[] = [];
  readonly records: RequestRecord[] = [];
  readonly stateLog: Array<{ id: number; state: ReplicaState; tUs: number }> = [];
  sinks: Array<{ add(r: RequestRecord): void }> = [];
  /** Round-robin position per model. */
  private readonly rr = new Map<string, number>();
  private nextIndex = 0;
  private readonly stepTime: StepTimeModel;
  private readonly where = new Map<number, number>();

  constructor(private readonly o: MiniOptions = {}) {
    const base = o.baseUs ?? 1000;
    const per = o.perTokenUs ?? 10;
    this.stepTime = { stepTimeUs: (b: BatchShape) => base + per * b.totalNewTokens };
  }

  /** A replica that exists from the start, ready. */
  seed(model: string, variant: VariantSpec): number {
    const id = this.addReplica(model, variant);
    this.replicasById[id]!.state = 'ready';
    return id;
  }

  replicas(): readonly ReplicaView[] {
    const out: ReplicaView[] = [];
    for (const r of this.replicasById) {
      if (r.state === 'gone') continue;
      out.push({
        id: r.id, model: r.model, hardware: r.variant.hardware, tp: r.variant.tp, state: r.state,
        waiting: r.inst.waitingCount, running: r.inst.runningCount,
        kvUsedBlocks: r.inst.kvUsedBlocks, kvTotalBlocks: r.inst.kvTotalBlocks,
      });
    }
    return out;
  }

  addReplica(model: string, variant: VariantSpec): number {
    const id = this.replicasById.length;
    const inst = new Instance(this.sim, resolveInstanceConfig({
      id, totalKvBlocks: this.o.totalKvBlocks ?? 1000, maxModelLen: 100000, stepTime: this.stepTime,
      maxNumSeqs: this.o.maxNumSeqs ?? 256,
    }), this);
    this.replicasById.push({ id, model, variant, state: 'provisioning', inst });
    this.stateLog.push({ id, state: 'provisioning', tUs: this.sim.nowUs });
    return id;
  }

  setReplicaState(id: number, state: ReplicaState): void {
    const r = this.replicasById[id]!;
    if (state === 'gone' && !r.inst.idle) throw new Error(`replica ${id} removed while holding requests`);
    r.state = state;
    this.stateLog.push({ id, state, tUs: this.sim.nowUs });
  }

  /** Schedules arrivals (sorted). */
  load(arrivals: Iterable<ArrivalRequest>): void {
    for (const a of arrivals) this.sim.schedule(a.arrivalUs, EventPriority.Arrival, this, 0, a);
  }

  handle(ev: SimEvent): void {
    const a = ev.b as ArrivalRequest;
    const model = a.model ?? 'm';
    const n = this.replicasById.length;
    const start = this.rr.get(model) ?? 0;
    for (let k = 0; k < n; k++) {
      const r = this.replicasById[(start + k) % n]!;
      if (r.state !== 'ready' || r.model !== model) continue;
      this.rr.set(model, (r.id + 1) % n);
      const req = engineRequestFor(a, this.nextIndex++, 16);
      this.where.set(req.index, r.id);
      this.routed.push({ id: a.id, replica: r.id, tUs: this.sim.nowUs });
      r.inst.enqueue(req);
      return;
    }
    this.emit(a, 'rejected', -1, null);
  }

  onFinished(req: EngineRequest): void {
    this.emit(req.src, 'completed', this.where.get(req.index)!, req);
  }
  onDropped(req: EngineRequest): void {
    this.emit(req.src, 'dropped', this.where.get(req.index)!, req);
  }

  private emit(a: ArrivalRequest, status: RequestStatus, instance: number, r: EngineRequest | null): void {
    const rec: RequestRecord = {
      id: a.id, index: r?.index ?? -1, arrivalUs: a.arrivalUs, inputTokens: a.inputTokens, outputTokens: a.outputTokens,
      ...(a.model !== undefined ? { model: a.model } : {}),
      status, admission: 'admitted', admittedUs: a.arrivalUs, routedUs: r ? a.arrivalUs : -1, instance, pool: 'unified',
      enqueuedUs: r?.enqueuedUs ?? -1, firstScheduledUs: r?.firstScheduledUs ?? -1, firstTokenUs: r?.firstTokenUs ?? -1,
      finishedUs: status === 'completed' ? r!.finishedUs : -1, cachedTokens: 0, preemptions: r?.preemptions ?? 0, producedTokens: r?.outputDone ?? 0,
    };
    this.records.push(rec);
    for (const s of this.sinks) s.add(rec);
  }
}

/** Evenly spaced arrivals: `rate` per second over [fromS, toS). */
export function constantArrivals(fromS: number, toS: number, rate: number, model = 'm', prefix = 'r', tokens = { input: 100, output: 100 }): ArrivalRequest[] {
  const out: ArrivalRequest[] = [];
  const gapUs = 1e6 / rate;
  let k = 0;
  for (let t = fromS * 1e6; t < toS * 1e6 - 1e-6; t += gapUs) {
    out.push({ id: `${prefix}${k++}`, arrivalUs: Math.round(t), inputTokens: tokens.input, outputTokens: tokens.output, model });
  }
  return out;
}

/** Merges sorted arrival lists into one sorted list. */
export function merge(...lists: ArrivalRequest[][]): ArrivalRequest[] {
  return lists.flat().sort((a, b) => a.arrivalUs - b.arrivalUs || (a.id < b.id ? -1 : 1));
}
