/**
 * The control plane's ledger of replicas: who was started when, on what, and in which
 * lifecycle state. Every state change goes through `transition`, which tells the cluster and
 * keeps the times that cost accounting needs (GPU-hours = tp × time from start to gone).
 */
import type { ControlledCluster, VariantSpec } from './cluster-port.js';
import { ReplicaState, canTransition, holdsGpus, isActive, isPending } from './lifecycle.js';

export interface ReplicaEntry {
  readonly id: number;
  readonly model: string;
  readonly hardware: string;
  readonly tp: number;
  state: ReplicaState;
  readonly startUs: number;
  readyUs: number;
  goneUs: number;
  /** Bumped on every transition: a delayed transition scheduled earlier checks it is still current. */
  epoch: number;
}

export class Fleet {
  private readonly byId = new Map<number, ReplicaEntry>();
  /** Every replica ever started, in start order (gone ones too: accounting needs them). */
  readonly all: ReplicaEntry[] = [];

  constructor(private readonly cluster: ControlledCluster) {}

  /** Records a replica that exists from the start of the run (already ready, no delays). */
  adopt(id: number, model: string, variant: VariantSpec, state: ReplicaState, nowUs: number): ReplicaEntry {
    const e: ReplicaEntry = { id, model, hardware: variant.hardware, tp: variant.tp, state, startUs: nowUs, readyUs: state === 'ready' ? nowUs : -1, goneUs: -1, epoch: 0 };
    this.byId.set(id, e);
    this.all.push(e);
    return e;
  }

  /** Starts a replica through the cluster (state provisioning). */
  start(model: string, variant: VariantSpec, nowUs: number): ReplicaEntry {
    const id = this.cluster.addReplica(model, variant);
    return this.adopt(id, model, variant, ReplicaState.Provisioning, nowUs);
  }

  get(id: number): ReplicaEntry | undefined {
    return this.byId.get(id);
  }

  transition(id: number, to: ReplicaState, nowUs: number): void {
    const e = this.byId.get(id);
    if (e === undefined) throw new Error(`replica ${id} is not in the fleet`);
    if (!canTransition(e.state, to)) throw new Error(`replica ${id}: ${e.state} -> ${to} is not a lifecycle step`);
    e.state = to;
    e.epoch++;
    if (to === 'ready') e.readyUs = nowUs;
    if (to === 'gone') {
      e.goneUs = nowUs;
      this.byId.delete(id);
    }
    this.cluster.setReplicaState(id, to);
  }

  /** Replicas not yet gone, in start order. */
  live(): ReplicaEntry[] {
    return [...this.byId.values()];
  }

  ofModel(model: string): ReplicaEntry[] {
    return this.live().filter((e) => e.model === model);
  }

  activeCount(model: string): number {
    let n = 0;
    for (const e of this.byId.values()) if (e.model === model && isActive(e.state)) n++;
    return n;
  }

  pendingCount(model: string): number {
    let n = 0;
    for (const e of this.byId.values()) if (e.model === model && isPending(e.state)) n++;
    return n;
  }

  /** GPUs held per hardware type right now (draining replicas still hold theirs). */
  gpusInUse(): Map<string, number> {
    const m = new Map<string, number>();
    for (const e of this.byId.values()) if (holdsGpus(e.state)) m.set(e.hardware, (m.get(e.hardware) ?? 0) + e.tp);
    return m;
  }

  /** Replica counts per state for one model. */
  stateCounts(model: string): Record<ReplicaState, number> {
    const c: Record<ReplicaState, number> = { provisioning: 0, loading: 0, warming: 0, ready: 0, draining: 0, gone: 0 };
    for (const e of this.byId.values()) if (e.model === model) c[e.state]++;
    return c;
  }
}
