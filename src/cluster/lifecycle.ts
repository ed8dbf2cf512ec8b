/**
 * The instance lifecycle the autoscaler drives and the router respects: instances are added to
 * a pool in provisioning, loading or ready; move only forward (ready → draining → gone); a
 * draining instance takes no new requests and becomes gone by itself the instant its last
 * request leaves (checked after that instant's step end, so a same-time arrival cannot slip in;
 * after an abort, when the engine's last step ends: Cluster.onIdle).
 * Gone instances keep their ids (never reused) and leave the router's KV index.
 */
import { EventPriority, type EventHandler, type SimEvent } from '../kernel/events.js';
import { InputError } from '../kernel/errors.js';
import type { Simulator } from '../kernel/sim.js';
import type { Fleet } from './fleet.js';
import { isForwardTransition, type InstanceInfo, type InstanceState, type InstanceStateListener } from './pools.js';
import type { MutableRouterView } from './view.js';

/** What the lifecycle needs from the cluster around it. */
export interface LifecycleHost {
  /** Wires a new instance's step and KV-event listeners. */
  attach(id: number): void;
  /** Capacity grew (an instance became ready): queued work may fit now. */
  afterCapacityChange(): void;
  /** The instance is gone: the router forgets what it learned of it. */
  instanceGone?(id: number): void;
}

export class InstanceLifecycle implements EventHandler {
  private listener: InstanceStateListener | null = null;

  constructor(
    private readonly sim: Simulator,
    private readonly fleet: Fleet,
    private readonly view: MutableRouterView,
    /** The router keeps a KV-event index that must forget gone instances. */
    private readonly kvView: boolean,
    private readonly host: LifecycleHost,
  ) {}

  /** Told about every state change (the autoscaler's actuator and its metrics). */
  setListener(l: InstanceStateListener | null): void {
    this.listener = l;
  }

  info(id: number): InstanceInfo {
    return this.fleet.info(id);
  }

  /** Ids of a pool's instances that are not gone. */
  poolInstances(pool: string): number[] {
    const k = this.fleet.poolIndex(pool);
    const out: number[] = [];
    for (let i = 0; i < this.fleet.size; i++) if (this.fleet.poolOf[i] === k && this.fleet.stateOf(i) !== 'gone') out.push(i);
    return out;
  }

  /** Creates the starting instances (ready, no listener call: they are the initial fleet). */
  start(poolIndex: number): void {
    this.added(this.fleet.add(poolIndex, 'ready'));
  }

  /**
   * Adds an instance to a pool, at the current simulated time, in `state` (default ready). The
   * autoscaler moves it on with setState (provisioning → loading → ready).
   */
  add(pool: string, state: 'provisioning' | 'loading' | 'ready' = 'ready'): number {
    const id = this.fleet.add(this.fleet.poolIndex(pool), state);
    this.added(id);
    this.listener?.onInstanceState(this.fleet.info(id), null, this.sim.nowUs);
    if (state === 'ready') this.host.afterCapacityChange();
    return id;
  }

  /**
   * Moves an instance forward in its lifecycle. `draining` stops new requests; the instance
   * becomes `gone` by itself once idle. `gone` directly is allowed only for an idle instance.
   */
  setState(id: number, state: InstanceState): void {
    const from = this.fleet.info(id).state;
    if (from === state) return;
    if (!isForwardTransition(from, state)) {
      throw new InputError('LIFECYCLE_INVALID', `instance ${id}`, `cannot go from ${from} to ${state}; the lifecycle is provisioning → loading → ready → draining → gone`);
    }
    if (state === 'gone' && !this.fleet.instances[id]!.idle) {
      throw new InputError('LIFECYCLE_INVALID', `instance ${id}`, 'still has requests; drain it (state draining) and it goes by itself');
    }
    this.change(id, state);
    if (state === 'draining') this.checkDrained(id);
    if (state === 'ready') this.host.afterCapacityChange();
  }

  /** Stops routing to an instance; it becomes gone when its last request leaves. */
  drain(id: number): void {
    this.setState(id, 'draining');
  }

  /** A request left instance `id`: a draining instance may now be idle (checked after the instant's step end). */
  workLeft(id: number): void {
    if (id >= 0 && this.fleet.stateOf(id) === 'draining') this.sim.schedule(this.sim.nowUs, EventPriority.Dispatch, this, 0, id);
  }

  handle(ev: SimEvent): void {
    this.checkDrained(ev.b as number);
  }

  private checkDrained(id: number): void {
    if (this.fleet.stateOf(id) === 'draining' && this.fleet.instances[id]!.idle) this.change(id, 'gone');
  }

  /** Wires a new instance and shows it to the router (its KV size is static, as vLLM reports num_gpu_blocks once). */
  private added(id: number): void {
    this.host.attach(id);
    this.view.numInstances = this.fleet.size;
    this.view.numGpuBlocks[id] = this.fleet.pool(id).engine.totalKvBlocks;
  }

  private change(id: number, state: InstanceState): void {
    const from = this.fleet.stateOf(id);
    this.fleet.setState(id, state);
    if (state === 'gone') {
      if (this.kvView) this.view.kvIndex.forgetInstance(id);
      this.host.instanceGone?.(id);
    }
    this.listener?.onInstanceState(this.fleet.info(id), from, this.sim.nowUs);
  }
}
