/**
 * Binds the control port to the real cluster (src/cluster): a variant of a model is a unified
 * pool with that model, GPU and TP; lifecycle states map one to one, except `warming`, which
 * the cluster does not have (the instance stays `loading`, not routable, until ready). The
 * cluster retires a draining instance itself once idle and tells its state listener; that is
 * passed on as a drain notification, so GPU time stops at the exact instant.
 */
import type { Cluster } from '../cluster/cluster.js';
import type { InstanceInfo, InstanceState } from '../cluster/pools.js';
import { InputError } from '../kernel/errors.js';
import type { ControlledCluster, DrainNotifier, ReplicaView, VariantSpec } from './cluster-port.js';
import type { ReplicaState } from './lifecycle.js';
import type { ModelPolicy } from './policy.js';

/** The pool a variant of a model lives in: `model@GPUxTP` (the name the CLI gives the pools it builds). */
export function variantPoolName(model: string, v: VariantSpec): string {
  return `${model}@${v.hardware}x${v.tp}`;
}

export class ClusterControlPort implements ControlledCluster, DrainNotifier {
  private readonly poolOf = new Map<string, string>();
  /** Instances the cluster retired whose removal the control plane has not acknowledged. */
  private readonly retired = new Set<number>();
  private drained: ((id: number, tUs: number) => void) | null = null;

  constructor(private readonly cluster: Cluster, models: readonly ModelPolicy[]) {
    for (const m of models) {
      for (const v of m.variants) {
        const pool = cluster.pools.find((p) => p.role === 'unified' && p.model.name === m.name && p.hardware.name === v.hardware && p.tp === v.tp);
        if (pool === undefined) {
          throw new InputError('POLICY_NO_POOL', `autoscaler model ${m.name}`,
            `no unified pool serves ${m.name} on ${v.hardware} with TP ${v.tp}; pools: ${cluster.pools.map((p) => `${p.name} (${p.role} ${p.model.name} ${p.hardware.name}x${p.tp})`).join(', ')}`);
        }
        this.poolOf.set(`${m.name}|${v.hardware}|${v.tp}`, pool.name);
      }
    }
    cluster.lifecycle.setListener({
      onInstanceState: (info: InstanceInfo, previous: InstanceState | null, tUs: number) => {
        if (info.state === 'gone' && previous === 'draining') {
          this.retired.add(info.id);
          this.drained?.(info.id, tUs);
        }
      },
    });
  }

  onDrained(listener: (id: number, tUs: number) => void): void {
    this.drained = listener;
  }

  replicas(): readonly ReplicaView[] {
    const out: ReplicaView[] = [];
    const inst = this.cluster.instances;
    for (let id = 0; id < inst.length; id++) {
      const info = this.cluster.lifecycle.info(id);
      const retired = this.retired.has(id);
      if (info.state === 'gone' && !retired) continue;
      const x = inst[id]!;
      out.push({
        id, model: info.model, hardware: info.hardware, tp: info.tp,
        // A retired instance shows as an empty draining one until the control plane lets it go.
        state: retired ? 'draining' : info.state,
        waiting: retired ? 0 : x.waitingCount, running: retired ? 0 : x.runningCount,
        kvUsedBlocks: x.kvUsedBlocks, kvTotalBlocks: x.kvTotalBlocks,
      });
    }
    return out;
  }

  addReplica(model: string, variant: VariantSpec): number {
    const pool = this.poolOf.get(`${model}|${variant.hardware}|${variant.tp}`);
    if (pool === undefined) throw new Error(`no pool for ${model} on ${variant.hardware}x${variant.tp}`);
    return this.cluster.lifecycle.add(pool, 'provisioning');
  }

  setReplicaState(id: number, state: ReplicaState): void {
    if (state === 'warming') return;
    if (state === 'gone' && this.retired.delete(id)) return;
    this.cluster.lifecycle.setState(id, state);
  }
}
