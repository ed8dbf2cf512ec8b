/**
 * Cluster configuration: all-optional options in (files and flags), one frozen resolved config
 * out. Defaults are applied here and nowhere else; each field remembers where its value came
 * from (default, preset/spec/experiment, flag), and the metrics JSON echoes it.
 */
import { InputError } from '../kernel/errors.js';
import type { HardwareSpec } from '../model/hardware.js';
import type { ModelSpec } from '../model/model-spec.js';
import { getModel } from '../model/catalog.js';
import { getHardware } from '../model/hardware-catalog.js';
import { defaultMaxModelLen, kvSizing, validateTp } from '../model/kv-sizing.js';
import { findRoutingPolicy } from './routing.js';
import { parseScorerWeights, type WeightedScorerSpec } from './scorers/registry.js';

export type FieldSource = 'default' | 'derived' | 'preset' | 'spec' | 'experiment' | 'flag';

export interface ClusterOptions {
  model?: string;
  /** A model from --model-config (overrides the catalog lookup). */
  modelSpec?: ModelSpec;
  hardware?: string;
  /** Hardware from --hardware-config. */
  hardwareSpec?: HardwareSpec;
  tp?: number;
  numInstances?: number;
  latencyModel?: string;
  maxNumBatchedTokens?: number;
  maxNumSeqs?: number;
  longPrefillTokenThreshold?: number;
  scheduler?: string;
  blockSize?: number;
  totalKvBlocks?: number;
  gpuMemoryUtilization?: number;
  maxModelLen?: number;
  enablePrefixCaching?: boolean;
  routingPolicy?: string;
  routingScorers?: string;
  snapshotRefreshIntervalMs?: number;
  inFlightTracking?: boolean;
  /** Client-side timeout: a request not finished this long after arrival is timed out (0 = none). */
  clientTimeoutS?: number;
  seed?: number;
}

export interface ClusterConfig {
  readonly model: ModelSpec;
  readonly modelFromFile: boolean;
  readonly hardware: HardwareSpec;
  readonly hardwareFromFile: boolean;
  readonly tp: number;
  readonly numInstances: number;
  readonly latencyModel: string;
  readonly maxNumBatchedTokens: number;
  readonly maxNumSeqs: number;
  readonly longPrefillTokenThreshold: number;
  readonly scheduler: 'fcfs' | 'priority';
  readonly blockSize: number;
  readonly totalKvBlocks: number;
  readonly gpuMemoryUtilization: number;
  readonly maxModelLen: number;
  readonly enablePrefixCaching: boolean;
  readonly routingPolicy: string;
  readonly routingScorers: readonly WeightedScorerSpec[];
  readonly snapshotRefreshIntervalUs: number;
  readonly inFlightTracking: boolean;
  readonly clientTimeoutUs: number;
  readonly seed: number;
  readonly sources: Readonly<Record<string, FieldSource>>;
}

/** Defaults, each with the reason it is what it is. */
export const CLUSTER_DEFAULTS = Object.freeze({
  model: 'qwen/qwen3-14b',
  hardware: 'H100',
  tp: 1,
  numInstances: 1,
  /** `fitted` when fitted coefficients ship, else `roofline` (the registry decides; see model/registry). */
  latencyModel: 'default',
  /** vLLM's chunked-prefill token budget on H100 serving (issue contract). */
  maxNumBatchedTokens: 2048,
  /** vLLM V0/V1 API-server default before per-device tuning. */
  maxNumSeqs: 256,
  /** vLLM default: off (a chunk is only capped by the token budget). */
  longPrefillTokenThreshold: 0,
  scheduler: 'fcfs' as const,
  blockSize: 16,
  gpuMemoryUtilization: 0.9,
  enablePrefixCaching: true,
  routingPolicy: 'round-robin',
  /** llm-d EPP's metrics refresh interval (datastore refresh, 50 ms). */
  snapshotRefreshIntervalMs: 50,
  /** The gateway counts its own dispatches until the next scrape shows them. */
  inFlightTracking: true,
  clientTimeoutS: 0,
  seed: 42,
});

function positiveInt(value: number, flag: string): number {
  if (!Number.isInteger(value) || value < 1) throw new InputError('FLAG_OUT_OF_RANGE', flag, `found ${value}; expected a positive integer`);
  return value;
}

function nonNegative(value: number, flag: string): number {
  if (!Number.isFinite(value) || value < 0) throw new InputError('FLAG_OUT_OF_RANGE', flag, `found ${value}; expected a number >= 0`);
  return value;
}

/**
 * Resolves options into a frozen config. `given` says which source set each present option
 * (fields absent from it count as 'flag' when present in options).
 */
export function resolveClusterConfig(options: ClusterOptions, given: Readonly<Record<string, FieldSource>> = {}): ClusterConfig {
  const sources: Record<string, FieldSource> = {};
  const pick = <K extends keyof ClusterOptions & keyof typeof CLUSTER_DEFAULTS>(key: K): NonNullable<ClusterOptions[K]> | (typeof CLUSTER_DEFAULTS)[K] => {
    const v = options[key];
    if (v !== undefined) {
      sources[key] = given[key] ?? 'flag';
      return v as NonNullable<ClusterOptions[K]>;
    }
    sources[key] = 'default';
    return CLUSTER_DEFAULTS[key];
  };

  const model = options.modelSpec ?? getModel(String(pick('model')));
  if (options.modelSpec) sources['model'] = given['model'] ?? 'flag';
  const hardware = options.hardwareSpec ?? getHardware(String(pick('hardware')));
  if (options.hardwareSpec) sources['hardware'] = given['hardware'] ?? 'flag';
  const tp = positiveInt(Number(pick('tp')), '--tp');
  validateTp(model, tp);
  const numInstances = positiveInt(Number(pick('numInstances')), '--num-instances');
  const blockSize = positiveInt(Number(pick('blockSize')), '--block-size');
  const gpuMemoryUtilization = Number(pick('gpuMemoryUtilization'));
  let totalKvBlocks: number;
  if (options.totalKvBlocks !== undefined) {
    totalKvBlocks = positiveInt(options.totalKvBlocks, '--total-kv-blocks');
    sources['totalKvBlocks'] = given['totalKvBlocks'] ?? 'flag';
  } else {
    totalKvBlocks = kvSizing({ model, hardware, tp, gpuMemoryUtilization, blockSize }).totalKvBlocks;
    sources['totalKvBlocks'] = 'derived';
  }
  let maxModelLen: number;
  if (options.maxModelLen !== undefined) {
    maxModelLen = positiveInt(options.maxModelLen, '--max-model-len');
    sources['maxModelLen'] = given['maxModelLen'] ?? 'flag';
  } else {
    maxModelLen = defaultMaxModelLen(model);
    sources['maxModelLen'] = 'derived';
  }
  const scheduler = String(pick('scheduler'));
  if (scheduler !== 'fcfs' && scheduler !== 'priority') {
    throw new InputError('FLAG_OUT_OF_RANGE', '--scheduler', `found '${scheduler}'; expected fcfs or priority`);
  }
  const routingPolicy = findRoutingPolicy(String(pick('routingPolicy'))).name;
  let routingScorers: WeightedScorerSpec[] = [];
  if (options.routingScorers !== undefined) {
    routingScorers = parseScorerWeights(options.routingScorers);
    sources['routingScorers'] = given['routingScorers'] ?? 'flag';
  } else if (routingPolicy === 'weighted') {
    routingScorers = parseScorerWeights('prefix-affinity:2,queue-depth:1');
    sources['routingScorers'] = 'default';
  }
  const maxNumBatchedTokens = positiveInt(Number(pick('maxNumBatchedTokens')), '--max-num-batched-tokens');
  const config: ClusterConfig = {
    model,
    modelFromFile: options.modelSpec !== undefined,
    hardware,
    hardwareFromFile: options.hardwareSpec !== undefined,
    tp,
    numInstances,
    latencyModel: String(pick('latencyModel')),
    maxNumBatchedTokens,
    maxNumSeqs: positiveInt(Number(pick('maxNumSeqs')), '--max-num-seqs'),
    longPrefillTokenThreshold: Math.floor(nonNegative(Number(pick('longPrefillTokenThreshold')), '--long-prefill-token-threshold')),
    scheduler,
    blockSize,
    totalKvBlocks,
    gpuMemoryUtilization,
    maxModelLen,
    enablePrefixCaching: Boolean(pick('enablePrefixCaching')),
    routingPolicy,
    routingScorers,
    snapshotRefreshIntervalUs: Math.round(nonNegative(Number(pick('snapshotRefreshIntervalMs')), '--snapshot-refresh-interval') * 1000),
    inFlightTracking: Boolean(pick('inFlightTracking')),
    clientTimeoutUs: Math.round(nonNegative(Number(pick('clientTimeoutS')), '--client-timeout') * 1e6),
    seed: Number(pick('seed')),
    sources,
  };
  if (!Number.isInteger(config.seed)) throw new InputError('FLAG_OUT_OF_RANGE', '--seed', `found ${config.seed}; expected an integer`);
  return Object.freeze(config);
}

/** The config as echoed in the metrics JSON: plain values, enough to rerun. */
export function describeClusterConfig(c: ClusterConfig): Record<string, unknown> {
  return {
    model: c.model.name,
    ...(c.modelFromFile ? { model_spec: c.model } : {}),
    hardware: c.hardware.name,
    ...(c.hardwareFromFile ? { hardware_spec: c.hardware } : {}),
    tp: c.tp,
    num_instances: c.numInstances,
    latency_model: c.latencyModel,
    max_num_batched_tokens: c.maxNumBatchedTokens,
    max_num_seqs: c.maxNumSeqs,
    long_prefill_token_threshold: c.longPrefillTokenThreshold,
    scheduler: c.scheduler,
    block_size: c.blockSize,
    total_kv_blocks: c.totalKvBlocks,
    gpu_memory_utilization: c.gpuMemoryUtilization,
    max_model_len: c.maxModelLen,
    enable_prefix_caching: c.enablePrefixCaching,
    routing_policy: c.routingPolicy,
    routing_scorers: c.routingScorers.map((s) => `${s.name}:${s.weight}`).join(','),
    snapshot_refresh_interval_ms: c.snapshotRefreshIntervalUs / 1000,
    in_flight_tracking: c.inFlightTracking,
    client_timeout_s: c.clientTimeoutUs / 1e6,
    seed: c.seed,
    sources: c.sources,
  };
}
