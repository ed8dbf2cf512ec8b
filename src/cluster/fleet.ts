/**
 * The fleet: every instance the cluster has ever had, with its pool and lifecycle state, and the
 * per-request eligibility rule the router applies (ready, serving the request's model, in a pool
 * of the request's phase). Instance ids are dense and never reused; arrays are sized to the
 * cluster's instance capacity (--max-instances).
 */
import { fleetModelsByIndex, servedModelIndex } from './served-models.js';
import { InputError } from '../kernel/errors.js';
import type { Simulator } from '../kernel/sim.js';
import { Instance, type InstanceListener } from '../engine/instance.js';
import { LIVELOCK_US } from '../engine/livelock-net.js';
import { Lockstep } from '../engine/lockstep.js';
import { createStepTimeModel } from '../model/registry.js';
import type { RequestOverheads, StepTimeModel } from '../model/step-time.js';
import type { ClusterConfig } from './config.js';
import { INSTANCE_STATES, type InstanceInfo, type InstanceState, type PoolConfig } from './pools.js';
import { Phase } from './tracked.js';

export interface PoolStepTime {
  readonly stepTime: StepTimeModel;
  readonly overheads: RequestOverheads;
}

/**
 * The step-time model of each pool: the one given for the top-level model, hardware and TP;
 * for any other pool `stepTimeFor`'s, else the config's model (resolveStepTime decided which)
 * built for the pool's model, hardware and TP.
 */
export function poolStepTimes(config: ClusterConfig, top: PoolStepTime, stepTimeFor?: (pool: PoolConfig) => PoolStepTime): PoolStepTime[] {
  return config.pools.map((p) => {
    if (p.model === config.model && p.hardware === config.hardware && p.tp === config.tp) return top;
    if (stepTimeFor) return stepTimeFor(p);
    const m = createStepTimeModel(config.stepTime, { model: p.model, hardware: p.hardware, tp: p.tp }, config.registries.stepTimeModels);
    return { stepTime: m, overheads: m.overheads ?? top.overheads };
  });
}

const READY = INSTANCE_STATES.indexOf('ready');

export class Fleet {
  readonly instances: Instance[] = [];
  readonly poolOf: Int32Array;
  readonly state: Uint8Array;
  readonly sinceUs: Float64Array;
  /** Model names served; index 0 is the default model. */
  readonly models: string[];
  /** Model index per name as requests spell it (aliases, case). */
  private readonly modelIndex = new Map<string, number>();
  /** [model][phase] → 1 per pool index that serves it. */
  private readonly phasePools: Uint8Array[][];
  /** The step groups of a data-parallel MoE server's ranks (instances g·dp .. g·dp + dp − 1 form group g). */
  private readonly lockstepGroups: Lockstep[] = [];

  constructor(
    private readonly sim: Simulator,
    private readonly config: ClusterConfig,
    private readonly stepTimes: readonly PoolStepTime[],
    private readonly listener: InstanceListener,
    private readonly detail: { readonly enabled: boolean; readonly tokenEvery: number },
    /** Event leaping in the engines (a speed knob; results are identical either way). */
    private readonly leap = true,
  ) {
    const cap = config.maxInstances;
    this.poolOf = new Int32Array(cap);
    this.state = new Uint8Array(cap);
    this.sinceUs = new Float64Array(cap);
    this.models = fleetModelsByIndex(config);
    this.phasePools = this.models.map((m) => {
      const masks = [new Uint8Array(config.pools.length), new Uint8Array(config.pools.length), new Uint8Array(config.pools.length)];
      const hasUnified = config.pools.some((p) => p.model.name === m && p.role === 'unified');
      config.pools.forEach((p, k) => {
        if (p.model.name !== m) return;
        if (p.role === 'unified' || (p.role === 'decode' && !hasUnified)) masks[Phase.Whole]![k] = 1;
        if (p.role === 'prefill') masks[Phase.Prefill]![k] = 1;
        if (p.role === 'decode') masks[Phase.Decode]![k] = 1;
      });
      return masks;
    });
  }

  get size(): number {
    return this.instances.length;
  }

  pool(id: number): PoolConfig {
    return this.config.pools[this.poolOf[id]!]!;
  }

  poolIndex(name: string): number {
    const k = this.config.pools.findIndex((p) => p.name === name);
    if (k < 0) throw new InputError('UNKNOWN_POOL', `pool '${name}'`, `no such pool; known: ${this.config.pools.map((p) => p.name).join(', ')}`);
    return k;
  }

  /** Model index for a request's model (undefined = default), -1 when no pool serves it. */
  modelIndexOf(model: string | undefined): number {
    if (model === undefined || model === '' || this.models.length === 1) return 0;
    let k = this.modelIndex.get(model);
    if (k === undefined) this.modelIndex.set(model, (k = servedModelIndex(this.models, model)));
    return k;
  }

  /** True when the model has pools for this phase (e.g. prefill pools for disaggregation). */
  servesPhase(model: number, phase: Phase): boolean {
    return this.phasePools[model]![phase]!.includes(1);
  }

  /** Marks in `eligible` the ready instances serving `phase` of `model`; returns how many. */
  markEligible(eligible: Uint8Array, model: number, phase: Phase): number {
    const mask = this.phasePools[model]![phase]!;
    const n = this.instances.length;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const ok = this.state[i] === READY && mask[this.poolOf[i]!] === 1 ? 1 : 0;
      eligible[i] = ok;
      count += ok;
    }
    return count;
  }

  /** Marks the ready instances of every pool serving `model`, whatever the phase; returns how many. */
  markServing(eligible: Uint8Array, model: number): number {
    const masks = this.phasePools[model]!;
    const n = this.instances.length;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const k = this.poolOf[i]!;
      const ok = this.state[i] === READY && (masks[Phase.Whole]![k] === 1 || masks[Phase.Prefill]![k] === 1 || masks[Phase.Decode]![k] === 1) ? 1 : 0;
      eligible[i] = ok;
      count += ok;
    }
    return count;
  }

  /** Creates an instance of pool `poolIndex` in `state`; returns its id. */
  add(poolIndex: number, state: InstanceState): number {
    const id = this.instances.length;
    if (id >= this.config.maxInstances) {
      throw new InputError('FLAG_OUT_OF_RANGE', '--max-instances', `cannot add instance ${id + 1}: the cluster was sized for ${this.config.maxInstances} instances; raise --max-instances`);
    }
    const p = this.config.pools[poolIndex]!;
    const st = this.stepTimes[poolIndex]!;
    const dp = this.config.moeParallel?.dp ?? 1;
    const inst = new Instance(this.sim, {
      id,
      ...p.engine,
      stepTime: st.stepTime,
      overheads: st.overheads,
      detail: this.detail,
      leap: this.leap,
      livelockUs: LIVELOCK_US,
    }, this.listener);
    if (dp > 1) inst.lockstep = this.lockstepGroups[Math.floor(id / dp)] ??= new Lockstep(this.sim);
    this.instances.push(inst);
    this.poolOf[id] = poolIndex;
    this.state[id] = INSTANCE_STATES.indexOf(state);
    this.sinceUs[id] = this.sim.nowUs;
    return id;
  }

  stateOf(id: number): InstanceState {
    return INSTANCE_STATES[this.state[id]!]!;
  }

  setState(id: number, s: InstanceState): void {
    this.state[id] = INSTANCE_STATES.indexOf(s);
    this.sinceUs[id] = this.sim.nowUs;
  }

  info(id: number): InstanceInfo {
    if (!(id >= 0 && id < this.instances.length)) throw new InputError('UNKNOWN_INSTANCE', `instance ${id}`, `no such instance; ids are 0..${this.instances.length - 1}`);
    const p = this.pool(id);
    return Object.freeze({
      id, pool: p.name, role: p.role, model: p.model.name, hardware: p.hardware.name, tp: p.tp,
      state: this.stateOf(id), sinceUs: this.sinceUs[id]!,
    });
  }
}
