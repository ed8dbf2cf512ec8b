/**
 * Actuators apply the optimizer's decisions to the data plane. The `delayed` actuator mirrors
 * what a Kubernetes scale-out costs: provisioning (node or VM, pod scheduling, image pull),
 * model loading (weights into GPU memory) and warm-up (CUDA graph capture, first batches)
 * before the replica is ready and routable. A removal drains: the replica stops receiving
 * requests, finishes what it holds, and is gone (its GPUs released) at the first scrape that
 * finds it empty. A replica removed before it is ready is gone at once.
 */
import type { EventHandler, SimEvent } from '../kernel/events.js';
import { EventPriority } from '../kernel/events.js';
import type { Simulator } from '../kernel/sim.js';
import type { ReplicaView } from './cluster-port.js';
import type { Fleet } from './fleet.js';
import { isPending, type ReplicaState } from './lifecycle.js';
import type { Decision } from './metrics-types.js';
import type { ModelPolicy } from './policy.js';
import { opt, type StageEntry } from './registry.js';
import { sToUs } from '../kernel/units.js';

export interface ActuatorContext {
  readonly sim: Simulator;
  readonly fleet: Fleet;
  readonly models: readonly ModelPolicy[];
}

export interface Actuator {
  /** Applies decisions at `nowUs`; returns the ids of replicas started, in decision order (-1 for removals). */
  apply(decisions: readonly Decision[], nowUs: number): number[];
  /** Called at every scrape: a draining replica that holds nothing is gone. */
  reconcile(replicas: readonly ReplicaView[], nowUs: number): void;
}

export type ActuatorEntry = StageEntry<Actuator, ActuatorContext>;

interface Step {
  readonly epoch: number;
  readonly to: ReplicaState;
}

class DelayedActuator implements Actuator, EventHandler {
  constructor(private readonly ctx: ActuatorContext, private readonly provisionUs: number, private readonly loadUs: number, private readonly warmupUs: number) {}

  apply(decisions: readonly Decision[], nowUs: number): number[] {
    const ids: number[] = [];
    for (const d of decisions) {
      if (d.kind === 'add') {
        const e = this.ctx.fleet.start(d.model, d.variant, nowUs);
        this.after(e.id, this.provisionUs, 'loading', nowUs);
        ids.push(e.id);
      } else {
        const e = this.ctx.fleet.get(d.replica);
        if (e !== undefined) this.ctx.fleet.transition(e.id, isPending(e.state) ? 'gone' : 'draining', nowUs);
        ids.push(-1);
      }
    }
    return ids;
  }

  reconcile(replicas: readonly ReplicaView[], nowUs: number): void {
    for (const r of replicas) {
      if (r.state === 'draining' && r.waiting === 0 && r.running === 0) this.ctx.fleet.transition(r.id, 'gone', nowUs);
    }
  }

  private after(id: number, delayUs: number, to: ReplicaState, nowUs: number): void {
    const e = this.ctx.fleet.get(id)!;
    this.ctx.sim.schedule(nowUs + delayUs, EventPriority.Control, this, id, { epoch: e.epoch, to } satisfies Step);
  }

  handle(ev: SimEvent): void {
    const id = ev.a;
    const step = ev.b as Step;
    const e = this.ctx.fleet.get(id);
    if (e === undefined || e.epoch !== step.epoch) return;
    const now = this.ctx.sim.nowUs;
    this.ctx.fleet.transition(id, step.to, now);
    if (step.to === 'loading') {
      const p = this.ctx.models.find((m) => m.name === e.model);
      this.after(id, p?.loadS != null ? sToUs(p.loadS) : this.loadUs, 'warming', now);
    } else if (step.to === 'warming') {
      this.after(id, this.warmupUs, 'ready', now);
    }
  }
}

export const delayedActuator: ActuatorEntry = {
  name: 'delayed',
  describe: 'provisioning, model loading and warm-up delays before ready; removal drains, then releases the GPUs',
  options: {
    provision_s: { describe: 'node/VM and pod start-up until the container runs', unit: 's', default: 30, min: 0 },
    load_s: { describe: 'loading the weights into GPU memory (a model may override it with load_s)', unit: 's', default: 45, min: 0 },
    warmup_s: { describe: 'engine warm-up (CUDA graphs, profiling run) until the replica reports ready', unit: 's', default: 15, min: 0 },
  },
  create: (o, ctx) => new DelayedActuator(ctx, sToUs(opt(o, 'provision_s')), sToUs(opt(o, 'load_s')), sToUs(opt(o, 'warmup_s'))),
};
