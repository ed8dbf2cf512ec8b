/**
 * Cluster configuration: all-optional options in (files and flags), one frozen resolved config
 * out. Defaults are applied here and nowhere else; each field remembers where its value came
 * from (default, preset/spec/experiment, flag), and the metrics JSON echoes it.
 */
import { InputError, checkSeed, nonNegative, positiveInt } from '../kernel/errors.js';
import type { HardwareSpec } from '../model/hardware.js';
import type { ModelSpec } from '../model/model-spec.js';
import type { GenerationDefaults } from '../model/generation-config.js';
import { getModel } from '../model/catalog.js';
import { getHardware } from '../model/hardware-catalog.js';
import { defaultMaxModelLen, kvSizing, validateTp, withKvCacheDtype } from '../model/kv-sizing.js';
import { resolveStepTime, stepTimeDerivation, type StepTimeChoice } from '../model/registry.js';
import { cpuTierFor } from './cpu-tier-config.js';
import { resolveBlockSize, resolveKvCache } from './kv-config.js';
import { resolveBatchKnobs } from './batch-config.js';
import type { AdmissionSettings } from './admission/admission.js';
import { resolveAdmission } from './admission-config.js';
import { checkDataParallelLayout, defaultRoutingPolicy, resolveMoeParallel } from './moe-parallel-config.js';
import type { MoeParallelism } from '../model/step-time.js';
import { findPdDecider } from './pd-decider.js';
import { resolvePools } from './pool-config.js';
import type { PoolConfig, PoolEngineConfig, PoolOptions } from './pools.js';
import { resolveRouting } from './routing.js';
import { resolvePlugins, type Plugins, type Registries } from './plugins.js';
import { resolveScorerOptions, type WeightedScorerSpec } from './scorers/registry.js';
import { BYTES_PER_GB, msToUs, sToUs } from '../kernel/units.js';

export type FieldSource = 'default' | 'derived' | 'preset' | 'spec' | 'experiment' | 'flag';

/**
 * The most engine instances a run may hold (starting or at the autoscaler's ceiling): the router
 * keeps per-instance arrays of that size from the start. A hundred thousand is past any fleet; a
 * typo of 1e30 replicas crashed the array allocation.
 */
export const MAX_INSTANCES = 100_000;

export interface ClusterOptions {
  model?: string;
  /** A model from --model-config (overrides the catalog lookup). */
  modelSpec?: ModelSpec;
  /** The model's default sampling parameters from --generation-config (overrides the catalog's / the model file's). */
  generation?: GenerationDefaults;
  hardware?: string;
  /** Hardware from --hardware-config. */
  hardwareSpec?: HardwareSpec;
  tp?: number;
  numInstances?: number;
  /** vLLM --data-parallel-size: the instances are servers' ranks; an MoE model's experts span every rank's GPUs (moe-parallel-config.ts). */
  dataParallelSize?: number;
  /** vLLM --enable-expert-parallel: whole experts per GPU (MoE models). */
  enableExpertParallel?: boolean;
  /** Step-time model name (`default` or absent: the registry's default). */
  latencyModel?: string;
  /** A parsed coefficients file for the fitted model (implies `fitted`). */
  latencyCoefficients?: unknown;
  /** Where `latencyCoefficients` came from (file path), for messages and the metrics JSON. */
  latencyCoefficientsFile?: string;
  maxNumBatchedTokens?: number;
  maxNumSeqs?: number;
  longPrefillTokenThreshold?: number;
  /** vLLM --async-scheduling (default on, as in vLLM ≥ 0.14); false = --no-async-scheduling. */
  asyncScheduling?: boolean;
  /** CPU KV offload tier per GPU, bytes (vLLM OffloadingConnector; 0 = none). */
  kvCpuBytes?: number;
  /** CPU KV offload tier in blocks per instance (overrides kvCpuBytes). */
  kvCpuBlocks?: number;
  scheduler?: string;
  blockSize?: number;
  totalKvBlocks?: number;
  gpuMemoryUtilization?: number;
  maxModelLen?: number;
  /** A derived KV cache short of one max_model_len request: noted in the derivations (validate: the measured server started), not refused with KV_CAPACITY as vLLM does. */
  noteUnservableMaxModelLen?: boolean;
  enablePrefixCaching?: boolean;
  /** vLLM --enable-chunked-prefill (V1 default on); false = --no-enable-chunked-prefill: prompts are scheduled whole. */
  enableChunkedPrefill?: boolean;
  /** vLLM --kv-cache-dtype (model/kv-sizing.ts KV_CACHE_DTYPES; default auto: the model's 16-bit dtype). */
  kvCacheDtype?: string;
  /** vLLM --disable-hybrid-kv-cache-manager: sliding-window layers keep blocks for whole contexts (default false). */
  disableHybridKvCacheManager?: boolean;
  /** vLLM's Triton cache already holds every fused-MoE kernel variant: no first-use compile stalls (default false: a fresh server; model/moe-jit.ts). */
  warmKernelCache?: boolean;
  routingPolicy?: string;
  routingScorers?: string;
  /** Options per scorer by name (its entry's option table), e.g. from an EPP config (epp-config.ts). */
  routingScorerOptions?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  snapshotRefreshIntervalMs?: number;
  inFlightTracking?: boolean;
  /** Client-side timeout: a request not finished this long after arrival is timed out (0 = none). */
  clientTimeoutS?: number;
  seed?: number;

  admissionPolicy?: string;
  queueDepthThreshold?: number;
  kvCacheUtilThreshold?: number;
  metricsStalenessThresholdMs?: number;
  tokenBucketRate?: number;
  tokenBucketBurst?: number;
  flowControl?: boolean;
  requestTtlS?: number;
  maxGatewayQueue?: number;
  cacheSignalDelayMs?: number;
  admissionLatencyMs?: number;
  routingLatencyMs?: number;

  /** Explicit pools (several models, mixed layouts); when absent, flags build them. */
  pools?: PoolOptions[];
  prefillInstances?: number;
  decodeInstances?: number;
  prefillHardware?: string;
  decodeHardware?: string;
  prefillTp?: number;
  decodeTp?: number;
  pdDecider?: string;
  pdPrefixThreshold?: number;
  pdTransferBandwidthGBs?: number;
  pdTransferLatencyMs?: number;
  /** Room for instances the autoscaler adds (router arrays are sized to it). */
  maxInstances?: number;
  /** A library caller's own routing policies, scorers, admission policies and step-time models (plugins.ts). */
  plugins?: Plugins;
}

export interface ClusterConfig {
  /** The top-level model, its KV cache at kvCacheDtype's width (ModelSpec.kvBytes). */
  readonly model: ModelSpec;
  /** vLLM --kv-cache-dtype (auto: the model's 16-bit dtype). */
  readonly kvCacheDtype: string;
  /** vLLM --disable-hybrid-kv-cache-manager as given (engine.kvGroups says what applies). */
  readonly disableHybridKvCacheManager: boolean;
  readonly modelFromFile: boolean;
  /** The model's sampling defaults came from --generation-config (echoed). */
  readonly generationFromFlag: boolean;
  readonly hardware: HardwareSpec;
  readonly hardwareFromFile: boolean;
  readonly tp: number;
  readonly numInstances: number;
  /** vLLM --data-parallel-size as resolved (1: none): the instances are servers of this many ranks, of a dense model or an MoE one. */
  readonly dataParallelSize: number;
  /** An MoE model's data or expert parallelism (null: experts TP-sharded within each instance); every step-time model is built with it. */
  readonly moeParallel: MoeParallelism | null;
  /** The final step-time model name (never `default`), = stepTime.name. */
  readonly latencyModel: string;
  /** The step-time model every pool is built with (model/registry createStepTimeModel). */
  readonly stepTime: StepTimeChoice;
  /** Engine knobs of the top-level model, hardware and TP (a pool may differ: PoolConfig.engine). */
  readonly engine: PoolEngineConfig;
  /** CPU tier bytes per GPU (0 = none, unless kvCpuBlocks is set). */
  readonly kvCpuBytes: number;
  /** CPU tier blocks when given as a count (else 0: derived from kvCpuBytes per pool). */
  readonly kvCpuBlocks: number;
  readonly gpuMemoryUtilization: number;
  readonly routingPolicy: string;
  readonly routingScorers: readonly WeightedScorerSpec[];
  readonly routingScorerOptions: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly snapshotRefreshIntervalUs: number;
  readonly inFlightTracking: boolean;
  readonly clientTimeoutUs: number;
  readonly seed: number;
  readonly admissionPolicy: string;
  readonly admission: AdmissionSettings;
  readonly flowControl: boolean;
  /** Gateway-queue TTL (0 = none, as GIE's DefaultRequestTTL). */
  readonly requestTtlUs: number;
  /** Gateway-queue bound in requests (0 = unbounded). */
  readonly maxGatewayQueue: number;
  readonly cacheSignalDelayUs: number;
  readonly admissionLatencyUs: number;
  readonly routingLatencyUs: number;
  /** Pools in order; instance ids are dense over them (pool 0's first, ...). */
  readonly pools: readonly PoolConfig[];
  readonly pdDecider: string;
  readonly pdPrefixThresholdTokens: number;
  readonly pdTransferBandwidthBytesPerS: number;
  readonly pdTransferLatencyUs: number;
  readonly maxInstances: number;
  /** The registries every name of this run is looked up in: the built-in ones, and the caller's plug-ins if any. */
  readonly registries: Registries;
  readonly sources: Readonly<Record<string, FieldSource>>;
  /** How each derived engine value was obtained (rule and inputs), by field name. */
  readonly derivations: Readonly<Record<string, string>>;
}

/** Defaults, each with the reason it is what it is. */
export const CLUSTER_DEFAULTS = Object.freeze({
  model: 'qwen/qwen3-14b',
  hardware: 'H100',
  tp: 1,
  numInstances: 1,
  /** `fitted` when fitted coefficients ship, else `roofline` (the registry decides: resolveStepTime). */
  latencyModel: 'default',
  /** vLLM default: off (a chunk is only capped by the token budget). */
  longPrefillTokenThreshold: 0,
  /** vLLM ≥ 0.14 schedules the next step while the current one runs (EngineCore batch queue). */
  asyncScheduling: true,
  /** vLLM has no CPU offload tier unless configured (--kv-offloading-size / kv_transfer_config). */
  kvCpuBytes: 0,
  scheduler: 'fcfs' as const,
  gpuMemoryUtilization: 0.9,
  enablePrefixCaching: true,
  routingPolicy: 'round-robin',
  /** llm-d EPP's metrics refresh interval (datastore refresh, 50 ms). */
  snapshotRefreshIntervalMs: 50,
  /** The gateway counts its own dispatches until the next scrape shows them. */
  inFlightTracking: true,
  clientTimeoutS: 0,
  seed: 42,
  /** blis admits everything unless asked: GIE without flow control only sheds sheddable (negative-criticality) requests. */
  admissionPolicy: 'always-admit',
  /** The utilization saturation detector's DefaultQueueDepthThreshold (llm-d pkg/epp/framework/plugins/flowcontrol/saturationdetector/utilization/config.go). */
  queueDepthThreshold: 5,
  /** Its DefaultKVCacheUtilThreshold. */
  kvCacheUtilThreshold: 0.8,
  /** Its DefaultMetricsStalenessThreshold (200 ms: a few 50 ms refreshes). */
  metricsStalenessThresholdMs: 200,
  /** No rate given: the token-bucket policy requires one. */
  tokenBucketRate: 0,
  flowControl: false,
  /** GIE flow control's DefaultRequestTTL is 0 (no TTL; the client context decides). */
  requestTtlS: 0,
  maxGatewayQueue: 0,
  /** KV events reach llm-d's index after batching, ZMQ and indexing; the seed puts it at about 2 s. */
  cacheSignalDelayMs: 2000,
  admissionLatencyMs: 0,
  routingLatencyMs: 0,
  /** llm-d's pd-profile-handler splits every request once prefill pods exist; without them there is nothing to split onto. */
  pdDeciderWithPrefillPools: 'always',
  pdDeciderWithoutPrefillPools: 'never',
  /** Below a few hundred uncached tokens a prefill is a fraction of one step: cheaper than a transfer. */
  pdPrefixThreshold: 256,
  /** One 400 Gb/s RDMA NIC (ConnectX-7) per prefill instance, as llm-d's NIXL transfers use. */
  pdTransferBandwidthGBs: 50,
  /** NIXL/RDMA setup and completion notification per transfer. */
  pdTransferLatencyMs: 1,
});

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

  const baseModel = options.modelSpec ?? getModel(String(pick('model')));
  if (options.modelSpec) sources['model'] = given['model'] ?? 'flag';
  const withGeneration = options.generation !== undefined ? Object.freeze({ ...baseModel, generation: options.generation }) : baseModel;
  const kvCacheDtype = options.kvCacheDtype ?? 'auto';
  if (options.kvCacheDtype !== undefined) sources['kvCacheDtype'] = given['kvCacheDtype'] ?? 'flag';
  const model = withKvCacheDtype(withGeneration, kvCacheDtype);
  const hardware = options.hardwareSpec ?? getHardware(String(pick('hardware')));
  if (options.hardwareSpec) sources['hardware'] = given['hardware'] ?? 'flag';
  const tp = positiveInt(Number(pick('tp')), '--tp');
  validateTp(model, tp);
  const derivations: Record<string, string> = {};
  const blockSize = resolveBlockSize(options, model, hardware, given, sources, derivations);
  const gpuMemoryUtilization = Number(pick('gpuMemoryUtilization'));
  const enableChunkedPrefill = options.enableChunkedPrefill ?? true;
  const maxModelLen = options.maxModelLen !== undefined ? positiveInt(options.maxModelLen, '--max-model-len') : defaultMaxModelLen(model);
  // vLLM's _get_and_verify_max_len refuses a longer max_model_len than the config allows unless
  // VLLM_ALLOW_LONG_MAX_MODEL_LEN=1; here it is simulated as given (a what-if, or "no limit" in a
  // scenario) and the config echo says so.
  if (maxModelLen > model.maxModelLenLimit) derivations['maxModelLen'] = `${maxModelLen} is simulated as given; ${model.name}'s config allows ${model.maxModelLenLimit} tokens, and vLLM refuses a longer max_model_len unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1`;
  if (options.maxModelLen === undefined && model.maxModelLenRule !== null) derivations['maxModelLen'] = model.maxModelLenRule;
  const { maxNumBatchedTokens, maxNumSeqs } = resolveBatchKnobs(options, hardware, enableChunkedPrefill, maxModelLen, given, sources, derivations);
  if (options.enableChunkedPrefill !== undefined) sources['enableChunkedPrefill'] = given['enableChunkedPrefill'] ?? 'flag';
  const unservableMaxModelLen = options.noteUnservableMaxModelLen === true ? 'note' : 'refuse';
  const moeParallel = resolveMoeParallel(options, model, tp, given, sources, derivations);
  const dp = options.dataParallelSize ?? 1;
  const { kvGroups, totalKvBlocks, disableHybridKvCacheManager } = resolveKvCache(options, { model, hardware, tp, moeParallel, gpuMemoryUtilization, maxNumBatchedTokens, maxNumSeqs, blockSize, maxModelLen, unservableMaxModelLen }, given, sources, derivations);
  const asyncScheduling = Boolean(pick('asyncScheduling'));
  const kvCpuBytes = nonNegative(Number(pick('kvCpuBytes')), '--kv-cpu-bytes');
  let kvCpuBlocks = 0;
  if (options.kvCpuBlocks !== undefined) {
    kvCpuBlocks = positiveInt(options.kvCpuBlocks, '--kv-cpu-blocks');
    sources['kvCpuBlocks'] = given['kvCpuBlocks'] ?? 'flag';
  }
  sources['maxModelLen'] = options.maxModelLen !== undefined ? given['maxModelLen'] ?? 'flag' : 'derived';
  const scheduler = String(pick('scheduler'));
  if (scheduler !== 'fcfs' && scheduler !== 'priority') {
    throw new InputError('FLAG_OUT_OF_RANGE', '--scheduler', `found '${scheduler}'; expected fcfs or priority`);
  }
  const registries = resolvePlugins(options.plugins);
  // A run that names neither a policy nor scorers: one server of data-parallel ranks gets vLLM's balancer.
  const routingDefault = options.routingPolicy === undefined && options.routingScorers === undefined ? defaultRoutingPolicy(dp, options.numInstances, CLUSTER_DEFAULTS.routingPolicy, derivations) : CLUSTER_DEFAULTS.routingPolicy;
  const routing = resolveRouting(options.routingPolicy, options.routingScorers, routingDefault, registries);
  const routingPolicy = routing.policy;
  const routingScorers = routing.scorers;
  sources['routingPolicy'] = routing.policyFrom === 'given' ? given['routingPolicy'] ?? 'flag' : routing.policyFrom === 'default' && routingDefault !== CLUSTER_DEFAULTS.routingPolicy ? 'derived' : routing.policyFrom;
  if (routing.scorersFrom === 'given') sources['routingScorers'] = given['routingScorers'] ?? 'flag';
  else if (routing.scorersFrom === 'default') sources['routingScorers'] = 'default';
  const routingScorerOptions = resolveScorerOptions(options.routingScorerOptions, routingScorers, registries.scorers);
  const longPrefillTokenThreshold = Math.floor(nonNegative(Number(pick('longPrefillTokenThreshold')), '--long-prefill-token-threshold'));
  const enablePrefixCaching = Boolean(pick('enablePrefixCaching'));
  const cpuTier = cpuTierFor({ model, hardware, tp, blockSize, kvCpuBytes, kvCpuBlocks });
  if (cpuTier !== null) derivations['cpuTier'] = cpuTier.rule;
  if (options.disableHybridKvCacheManager !== undefined) sources['disableHybridKvCacheManager'] = given['disableHybridKvCacheManager'] ?? 'flag';
  const warmKernelCache = options.warmKernelCache === true;
  if (options.warmKernelCache !== undefined) sources['warmKernelCache'] = given['warmKernelCache'] ?? 'flag';
  const engine: PoolEngineConfig = { maxNumBatchedTokens, maxNumSeqs, longPrefillTokenThreshold, scheduler: scheduler as 'fcfs' | 'priority', blockSize, totalKvBlocks, maxModelLen, enablePrefixCaching, enableChunkedPrefill, asyncScheduling, cpuTier: cpuTier?.tier ?? null, kvGroups, warmKernelCache };
  const layout = resolvePools(options, { model, hardware, tp, gpuMemoryUtilization, totalKvBlocksGiven: options.totalKvBlocks !== undefined, engine, checkMaxModelLen: unservableMaxModelLen === 'refuse',
    batchGiven: { maxNumBatchedTokens: options.maxNumBatchedTokens !== undefined, maxNumSeqs: options.maxNumSeqs !== undefined }, kvCpuBytes, kvCpuBlocks, kvCacheDtype, disableHybridKvCacheManager },
    () => options.numInstances === undefined && dp > 1 ? dp : positiveInt(Number(pick('numInstances')), '--num-instances'));
  const pools = layout.pools;
  const numInstances = layout.numInstances;
  sources['pools'] = layout.source === 'explicit' ? given['pools'] ?? 'flag' : layout.source;
  if (sources['numInstances'] === undefined) sources['numInstances'] = options.numInstances !== undefined ? given['numInstances'] ?? 'flag' : 'derived';
  const hasPrefill = pools.some((p) => p.role === 'prefill');

  let pdDecider: string;
  if (options.pdDecider !== undefined) {
    const decider = findPdDecider(options.pdDecider);
    pdDecider = decider.name;
    sources['pdDecider'] = given['pdDecider'] ?? 'flag';
    if (decider.disaggregates && !hasPrefill) {
      throw new InputError('FLAG_CONFLICT', '--pd-decider', `'${pdDecider}' disaggregates requests but there is no prefill pool; add --prefill-instances and --decode-instances`);
    }
  } else {
    pdDecider = hasPrefill ? CLUSTER_DEFAULTS.pdDeciderWithPrefillPools : CLUSTER_DEFAULTS.pdDeciderWithoutPrefillPools;
    sources['pdDecider'] = 'derived';
  }

  const { admissionPolicy, admission } = resolveAdmission(pick, options, given, sources, registries);
  if (numInstances > MAX_INSTANCES) throw options.numInstances === undefined && dp > 1 ? new InputError('FLAG_OUT_OF_RANGE', '--data-parallel-size', `found ${dp} ranks; expected at most ${MAX_INSTANCES} instances`) : new InputError('FLAG_OUT_OF_RANGE', '--num-instances', `found ${numInstances} instances; expected at most ${MAX_INSTANCES}`);
  const maxInstances = options.maxInstances !== undefined ? positiveInt(options.maxInstances, '--max-instances') : numInstances;
  if (maxInstances > MAX_INSTANCES) throw new InputError('FLAG_OUT_OF_RANGE', '--max-instances', `found ${maxInstances} instances; expected at most ${MAX_INSTANCES}`);
  if (maxInstances < numInstances) throw new InputError('FLAG_OUT_OF_RANGE', '--max-instances', `found ${maxInstances}; expected at least the ${numInstances} starting instances`);
  checkDataParallelLayout(dp, numInstances, pools.length, maxInstances);
  const bandwidth = Number(pick('pdTransferBandwidthGBs'));
  if (!(bandwidth > 0) || !Number.isFinite(bandwidth)) throw new InputError('FLAG_OUT_OF_RANGE', '--pd-transfer-bandwidth', `found ${bandwidth}; expected GB/s > 0`);
  // After the bandwidth so that `sources` keeps its key order (goldens echo it).
  const stepTime = resolveStepTime({
    name: String(pick('latencyModel')),
    ...(options.latencyCoefficients !== undefined ? { coefficients: options.latencyCoefficients } : {}),
    ...(options.latencyCoefficientsFile !== undefined ? { coefficientsSource: options.latencyCoefficientsFile } : {}),
  }, undefined, registries.stepTimeModels);
  if (options.latencyCoefficients !== undefined) sources['latencyCoefficients'] = given['latencyCoefficients'] ?? 'flag';
  if (sources['latencyModel'] === 'default' && stepTime.coefficientsSource !== undefined) sources['latencyModel'] = 'derived';
  // Linear coefficients left out of the file come from the roofline: the echo names them and their values.
  const stepTimeRule = stepTimeDerivation(stepTime, { model, hardware, tp, ...(moeParallel !== null ? { moeParallel } : {}) }, registries.stepTimeModels);
  if (stepTimeRule !== null) derivations['latencyCoefficients'] = stepTimeRule;

  const config: ClusterConfig = {
    model,
    kvCacheDtype,
    disableHybridKvCacheManager,
    modelFromFile: options.modelSpec !== undefined,
    generationFromFlag: options.generation !== undefined,
    hardware,
    hardwareFromFile: options.hardwareSpec !== undefined,
    tp,
    numInstances,
    dataParallelSize: dp,
    moeParallel,
    latencyModel: stepTime.name,
    stepTime,
    engine: Object.freeze(engine),
    kvCpuBytes,
    kvCpuBlocks,
    gpuMemoryUtilization,
    routingPolicy,
    routingScorers,
    routingScorerOptions,
    snapshotRefreshIntervalUs: msToUs(nonNegative(Number(pick('snapshotRefreshIntervalMs')), '--snapshot-refresh-interval')),
    inFlightTracking: Boolean(pick('inFlightTracking')),
    clientTimeoutUs: sToUs(nonNegative(Number(pick('clientTimeoutS')), '--client-timeout')),
    seed: Number(pick('seed')),
    admissionPolicy,
    admission,
    flowControl: Boolean(pick('flowControl')),
    requestTtlUs: sToUs(nonNegative(Number(pick('requestTtlS')), '--request-ttl')),
    maxGatewayQueue: Math.floor(nonNegative(Number(pick('maxGatewayQueue')), '--max-gateway-queue')),
    cacheSignalDelayUs: msToUs(nonNegative(Number(pick('cacheSignalDelayMs')), '--cache-signal-delay')),
    admissionLatencyUs: msToUs(nonNegative(Number(pick('admissionLatencyMs')), '--admission-latency')),
    routingLatencyUs: msToUs(nonNegative(Number(pick('routingLatencyMs')), '--routing-latency')),
    pools: Object.freeze(pools),
    pdDecider,
    pdPrefixThresholdTokens: Math.floor(nonNegative(Number(pick('pdPrefixThreshold')), '--pd-prefix-threshold')),
    pdTransferBandwidthBytesPerS: bandwidth * BYTES_PER_GB,
    pdTransferLatencyUs: msToUs(nonNegative(Number(pick('pdTransferLatencyMs')), '--pd-transfer-latency')),
    maxInstances,
    registries,
    sources,
    derivations: Object.freeze(derivations),
  };
  checkSeed(config.seed, '--seed');
  return Object.freeze(config);
}
