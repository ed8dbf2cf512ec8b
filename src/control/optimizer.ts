/**
 * Optimizers: turn every model's stabilised target into add/remove decisions under a shared GPU
 * inventory. The built-in ones follow WVA's limited mode (docs/modeling-optimization.md,
 * SaturationPolicy PriorityRoundRobin / PriorityExhaustive):
 *
 * 1. Targets are clamped to [min_replicas, max_replicas].
 * 2. Scale-down first: a model above its target loses replicas not yet ready (newest first),
 *    then ready ones: most expensive variant first, then least loaded, then newest.
 * 3. Scale-up in priority order (lower `priority` first); within a priority, larger deficit
 *    first, then model name. `priority-round-robin` grants one replica per model per turn,
 *    `priority-exhaustive` fills a model before the next. Each replica goes on the cheapest
 *    allowed variant (tp × cost per GPU-hour; ties by the model's variant order) with free GPUs.
 * 4. When no GPUs are free, a model may take them from a strictly lower-priority model above
 *    its min_replicas (least important first, least loaded replica): that replica drains, and
 *    its GPUs are reserved for the taker, which gets them at a later decision once it is gone.
 */
import type { ReplicaView, VariantSpec } from './cluster-port.js';
import type { ReplicaEntry } from './fleet.js';
import { isActive, isPending } from './lifecycle.js';
import type { Decision } from './metrics-types.js';
import type { InventoryEntry, ModelPolicy } from './policy.js';
import type { StageEntry } from './registry.js';

export interface OptimizerModelInput {
  readonly policy: ModelPolicy;
  /** Stabilised replica target (before min/max clamping). */
  readonly desired: number;
  readonly reason: string;
}

export interface OptimizerInput {
  readonly models: readonly OptimizerModelInput[];
  /** Replicas not yet gone (the control plane's ledger). */
  readonly replicas: readonly ReplicaEntry[];
  /** Live load per replica id (to drain the least loaded). */
  readonly load: ReadonlyMap<number, ReplicaView>;
  readonly inventory: readonly InventoryEntry[];
  readonly limited: boolean;
}

export interface OptimizerResult {
  readonly decisions: Decision[];
  /** Models whose target could not be met this time, and why. */
  readonly unmet: ReadonlyMap<string, string>;
}

export interface Optimizer {
  optimize(input: OptimizerInput): OptimizerResult;
}

export type OptimizerEntry = StageEntry<Optimizer, Record<string, never>>;

function costOf(inventory: readonly InventoryEntry[], v: VariantSpec): number {
  const e = inventory.find((x) => x.hardware === v.hardware);
  return (e?.costPerGpuHour ?? 0) * v.tp;
}

class PriorityOptimizer implements Optimizer {
  constructor(private readonly roundRobin: boolean) {}

  optimize(input: OptimizerInput): OptimizerResult {
    const { inventory, limited } = input;
    const decisions: Decision[] = [];
    const unmet = new Map<string, string>();
    const free = new Map<string, number>();
    const soonFree = new Map<string, number>();
    for (const e of inventory) free.set(e.hardware, limited ? e.count : Infinity);
    for (const r of input.replicas) {
      if (r.state === 'gone') continue;
      if (free.has(r.hardware)) free.set(r.hardware, free.get(r.hardware)! - r.tp);
      if (r.state === 'draining') soonFree.set(r.hardware, (soonFree.get(r.hardware) ?? 0) + r.tp);
    }
    const freeOf = (h: string): number => (limited ? free.get(h) ?? 0 : Infinity);
    const load = (id: number): number => {
      const v = input.load.get(id);
      return v === undefined ? 0 : v.waiting + v.running;
    };
    const active = new Map<string, ReplicaEntry[]>();
    for (const m of input.models) active.set(m.policy.name, input.replicas.filter((r) => r.model === m.policy.name && isActive(r.state)));
    const target = new Map<string, number>();
    for (const m of input.models) target.set(m.policy.name, Math.min(m.policy.maxReplicas, Math.max(m.policy.minReplicas, m.desired)));

    const drain = (r: ReplicaEntry, reason: string, preemptedFor?: string): void => {
      decisions.push({ kind: 'remove', model: r.model, replica: r.id, reason, ...(preemptedFor !== undefined ? { preemptedFor } : {}) });
      const list = active.get(r.model)!;
      list.splice(list.indexOf(r), 1);
      if (isPending(r.state)) free.set(r.hardware, (free.get(r.hardware) ?? 0) + r.tp);
      else soonFree.set(r.hardware, (soonFree.get(r.hardware) ?? 0) + r.tp);
    };

    // Scale down.
    for (const m of input.models) {
      const list = active.get(m.policy.name)!;
      let excess = list.length - target.get(m.policy.name)!;
      if (excess <= 0) continue;
      const order = [...list].sort((a, b) => {
        const pa = isPending(a.state) ? 1 : 0;
        const pb = isPending(b.state) ? 1 : 0;
        if (pa !== pb) return pb - pa;
        if (pa === 1) return b.id - a.id;
        const ca = costOf(inventory, a);
        const cb = costOf(inventory, b);
        if (ca !== cb) return cb - ca;
        const la = load(a.id);
        const lb = load(b.id);
        return la !== lb ? la - lb : b.id - a.id;
      });
      for (const r of order) {
        if (excess-- <= 0) break;
        drain(r, `scale-down to ${target.get(m.policy.name)}: ${m.reason}`);
      }
    }

    // Scale up.
    const deficit = new Map<string, number>();
    for (const m of input.models) deficit.set(m.policy.name, target.get(m.policy.name)! - active.get(m.policy.name)!.length);
    const wanting = input.models.filter((m) => deficit.get(m.policy.name)! > 0);
    const priorities = [...new Set(wanting.map((m) => m.policy.priority))].sort((a, b) => a - b);

    const grant = (m: OptimizerModelInput): boolean => {
      const p = m.policy;
      const variants = p.variants.map((v, i) => ({ v, i, c: costOf(inventory, v) })).sort((a, b) => a.c - b.c || a.i - b.i);
      for (const { v } of variants) {
        if (freeOf(v.hardware) >= v.tp) {
          if (limited) free.set(v.hardware, free.get(v.hardware)! - v.tp);
          decisions.push({ kind: 'add', model: p.name, variant: v, reason: `scale-up to ${target.get(p.name)}: ${m.reason}` });
          active.get(p.name)!.push({ id: -1, model: p.name, hardware: v.hardware, tp: v.tp, state: 'provisioning', startUs: 0, readyUs: -1, goneUs: -1, epoch: 0 });
          return true;
        }
      }
      // GPUs already being released: wait for them rather than take more.
      for (const { v } of variants) {
        if ((soonFree.get(v.hardware) ?? 0) >= v.tp) {
          soonFree.set(v.hardware, soonFree.get(v.hardware)! - v.tp);
          unmet.set(p.name, `waiting for ${v.tp} ${v.hardware} GPU(s) being released`);
          return false;
        }
      }
      const victims = input.replicas
        .filter((r) => r.state === 'ready' && p.variants.some((v) => v.hardware === r.hardware))
        .map((r) => ({ r, pol: input.models.find((x) => x.policy.name === r.model)?.policy }))
        .filter((x) => x.pol !== undefined && x.pol.priority > p.priority && active.get(x.r.model)!.includes(x.r) && active.get(x.r.model)!.length > x.pol.minReplicas)
        .sort((a, b) => b.pol!.priority - a.pol!.priority || load(a.r.id) - load(b.r.id) || b.r.id - a.r.id);
      if (victims.length > 0) {
        const victim = victims[0]!.r;
        drain(victim, `preempted: ${victim.tp} ${victim.hardware} GPU(s) go to ${p.name} (priority ${p.priority} < ${victims[0]!.pol!.priority})`, p.name);
        const v = p.variants.find((x) => x.hardware === victim.hardware)!;
        if ((soonFree.get(v.hardware) ?? 0) >= v.tp) soonFree.set(v.hardware, soonFree.get(v.hardware)! - v.tp);
        unmet.set(p.name, `took GPUs from ${victim.model}; waiting for replica ${victim.id} to drain`);
        return false;
      }
      unmet.set(p.name, `no free GPUs for any of ${p.variants.map((v) => `${v.hardware}x${v.tp}`).join(', ')}`);
      return false;
    };

    for (const prio of priorities) {
      const group = wanting
        .filter((m) => m.policy.priority === prio)
        .sort((a, b) => deficit.get(b.policy.name)! - deficit.get(a.policy.name)! || (a.policy.name < b.policy.name ? -1 : a.policy.name > b.policy.name ? 1 : 0));
      const blocked = new Set<string>();
      if (this.roundRobin) {
        for (let progress = true; progress;) {
          progress = false;
          for (const m of group) {
            const n = m.policy.name;
            if (blocked.has(n) || deficit.get(n)! <= 0) continue;
            if (grant(m)) {
              deficit.set(n, deficit.get(n)! - 1);
              progress = true;
            } else blocked.add(n);
          }
        }
      } else {
        for (const m of group) {
          const n = m.policy.name;
          while (deficit.get(n)! > 0 && grant(m)) deficit.set(n, deficit.get(n)! - 1);
        }
      }
    }
    return { decisions, unmet };
  }
}

export const priorityRoundRobin: OptimizerEntry = {
  name: 'priority-round-robin',
  describe: 'WVA PriorityRoundRobin: higher priority first, one replica per model in turn within a priority; cheapest variant with free GPUs; may preempt lower priorities',
  options: {},
  create: () => new PriorityOptimizer(true),
};

export const priorityExhaustive: OptimizerEntry = {
  name: 'priority-exhaustive',
  describe: 'WVA PriorityExhaustive: fill each model completely in priority (then deficit) order before the next; may preempt lower priorities',
  options: {},
  create: () => new PriorityOptimizer(false),
};
