/**
 * Pools: groups of identical instances (same role, model, hardware, TP, engine knobs). A
 * unified pool serves whole requests; prefill and decode pools serve the two halves of
 * disaggregated ones. Several models may each have their own pools; a request's `model` picks
 * them (no model = the default model). Instances move through a lifecycle the router respects:
 * only `ready` instances receive requests.
 */
import type { HardwareSpec } from '../model/hardware.js';
import type { ModelSpec } from '../model/model-spec.js';
import type { InstanceConfig } from '../engine/config.js';
import type { KvCacheGroups } from '../model/kv-groups.js';

export type PoolRole = 'unified' | 'prefill' | 'decode';
export const POOL_ROLES: readonly PoolRole[] = ['unified', 'prefill', 'decode'];

/**
 * provisioning (node/pod being created) → loading (weights loading) → ready (routable) →
 * draining (no new requests; finishes what it has) → gone (idle and removed; its id is never reused).
 */
export type InstanceState = 'provisioning' | 'loading' | 'ready' | 'draining' | 'gone';
export const INSTANCE_STATES: readonly InstanceState[] = ['provisioning', 'loading', 'ready', 'draining', 'gone'];

/**
 * Engine knobs of a pool's instances (vLLM flags): the engine's own declaration (InstanceConfig,
 * where each knob's vLLM meaning is written) less what the fleet adds per instance.
 */
export type PoolEngineConfig = Pick<InstanceConfig, 'maxNumBatchedTokens' | 'maxNumSeqs' | 'longPrefillTokenThreshold' | 'scheduler'
  | 'blockSize' | 'totalKvBlocks' | 'maxModelLen' | 'enablePrefixCaching' | 'enableChunkedPrefill' | 'asyncScheduling' | 'cpuTier' | 'kvGroups' | 'warmKernelCache'>;

/** What a pool may set (files, flags, the autoscaler); unset fields come from the cluster's top-level settings. */
export interface PoolOptions {
  name?: string;
  role?: PoolRole;
  model?: string;
  modelSpec?: ModelSpec;
  hardware?: string;
  hardwareSpec?: HardwareSpec;
  tp?: number;
  /** Instances at start. */
  count: number;
  maxNumBatchedTokens?: number;
  maxNumSeqs?: number;
  totalKvBlocks?: number;
  gpuMemoryUtilization?: number;
}

export interface PoolConfig {
  readonly name: string;
  readonly role: PoolRole;
  readonly model: ModelSpec;
  readonly hardware: HardwareSpec;
  readonly tp: number;
  /** Instances at start. */
  readonly count: number;
  readonly engine: PoolEngineConfig;
}

/** Per-instance metadata for the autoscaler and the metrics. */
export interface InstanceInfo {
  readonly id: number;
  readonly pool: string;
  readonly role: PoolRole;
  /** Model name (catalog id). */
  readonly model: string;
  readonly hardware: string;
  readonly tp: number;
  readonly state: InstanceState;
  /** Simulated time of the last state change. */
  readonly sinceUs: number;
}

/** Told about every lifecycle change (the autoscaler's actuator and its metrics). */
export interface InstanceStateListener {
  onInstanceState(info: InstanceInfo, previous: InstanceState | null, tUs: number): void;
}

const ORDER: Record<InstanceState, number> = { provisioning: 0, loading: 1, ready: 2, draining: 3, gone: 4 };

/** Lifecycle moves only forward (a draining instance is never made ready again: add a new one). */
export function isForwardTransition(from: InstanceState, to: InstanceState): boolean {
  return ORDER[to] > ORDER[from];
}

export function describePool(p: PoolConfig): Record<string, unknown> {
  return {
    name: p.name,
    role: p.role,
    model: p.model.name,
    hardware: p.hardware.name,
    tp: p.tp,
    count: p.count,
    total_kv_blocks: p.engine.totalKvBlocks,
    max_num_batched_tokens: p.engine.maxNumBatchedTokens,
    max_num_seqs: p.engine.maxNumSeqs,
    ...(p.engine.cpuTier !== null ? { kv_cpu_blocks: p.engine.cpuTier.blocks } : {}),
    ...(p.engine.kvGroups !== null ? { kv_cache_groups: describeKvGroups(p.engine.kvGroups) } : {}),
  };
}

/** vLLM's KV cache groups as the metrics JSON echoes them. */
export function describeKvGroups(g: KvCacheGroups): Record<string, number> {
  return { layers_per_group: g.layersPerGroup, full_attention: g.fullGroups, sliding_window: g.slidingGroups, window_tokens: g.slidingWindow };
}
