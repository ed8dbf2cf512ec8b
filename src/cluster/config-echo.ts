/**
 * The resolved cluster config as the metrics JSON echoes it: plain values in the JSON's units
 * and names, enough to rerun; what a plug-in alone reads is echoed only when it is in use (its
 * registry entry says so).
 */
import { BYTES_PER_GB, usToMs, usToS } from '../kernel/units.js';
import { findAdmissionPolicy } from './admission/admission.js';
import type { ClusterConfig } from './config.js';
import { findPdDecider } from './pd-decider.js';
import { describeKvGroups, describePool } from './pools.js';

/** The config as echoed in the metrics JSON: plain values, enough to rerun. */
export function describeClusterConfig(c: ClusterConfig): Record<string, unknown> {
  return {
    model: c.model.name,
    ...(c.modelFromFile ? { model_spec: c.model } : {}),
    ...(c.generationFromFlag && !c.modelFromFile ? { generation_config: c.model.generation } : {}),
    hardware: c.hardware.name,
    ...(c.hardwareFromFile ? { hardware_spec: c.hardware } : {}),
    tp: c.tp,
    num_instances: c.numInstances,
    // Echoed only when set, so files from before the flags read the same; with them the echo reruns the same layout.
    ...(c.dataParallelSize > 1 ? { data_parallel_size: c.dataParallelSize } : {}),
    ...(c.moeParallel?.expertParallel === true ? { enable_expert_parallel: true } : {}),
    latency_model: c.latencyModel,
    ...(c.stepTime.coefficientsSource !== undefined ? { latency_coefficients: c.stepTime.coefficientsSource } : {}),
    max_num_batched_tokens: c.engine.maxNumBatchedTokens,
    max_num_seqs: c.engine.maxNumSeqs,
    long_prefill_token_threshold: c.engine.longPrefillTokenThreshold,
    async_scheduling: c.engine.asyncScheduling,
    ...(c.kvCpuBlocks > 0 ? { kv_cpu_blocks: c.kvCpuBlocks } : c.kvCpuBytes > 0 ? { kv_cpu_bytes: c.kvCpuBytes } : {}),
    scheduler: c.engine.scheduler,
    block_size: c.engine.blockSize,
    total_kv_blocks: c.engine.totalKvBlocks,
    gpu_memory_utilization: c.gpuMemoryUtilization,
    max_model_len: c.engine.maxModelLen,
    enable_prefix_caching: c.engine.enablePrefixCaching,
    ...(c.kvCacheDtype === 'auto' ? {} : { kv_cache_dtype: c.kvCacheDtype }),
    // Echoed only for what a model with sliding-window layers changes, so other files read the same.
    ...(c.disableHybridKvCacheManager ? { disable_hybrid_kv_cache_manager: true } : {}),
    ...(c.engine.kvGroups !== null ? { kv_cache_groups: describeKvGroups(c.engine.kvGroups) } : {}),
    // Echoed only when off (vLLM V1's default is on), so files from before the flag read the same.
    ...(c.engine.enableChunkedPrefill ? {} : { enable_chunked_prefill: false }),
    // Echoed only when set, so files from before the flag read the same.
    ...(c.engine.warmKernelCache ? { warm_kernel_cache: true } : {}),
    routing_policy: c.routingPolicy,
    routing_scorers: c.routingScorers.map((s) => `${s.name}:${s.weight}`).join(','),
    // Echoed only when set (an EPP config's parameters), so files from before read the same.
    ...(Object.keys(c.routingScorerOptions).length > 0 ? { routing_scorer_options: c.routingScorerOptions } : {}),
    snapshot_refresh_interval_ms: usToMs(c.snapshotRefreshIntervalUs),
    in_flight_tracking: c.inFlightTracking,
    client_timeout_s: usToS(c.clientTimeoutUs),
    seed: c.seed,
    admission_policy: c.admissionPolicy,
    queue_depth_threshold: c.admission.queueDepthThreshold,
    kv_cache_util_threshold: c.admission.kvCacheUtilThreshold,
    metrics_staleness_threshold_ms: usToMs(c.admission.metricsStalenessUs),
    ...findAdmissionPolicy(c.admissionPolicy, c.registries.admissionPolicies).echo?.(c.admission),
    flow_control: c.flowControl,
    request_ttl_s: usToS(c.requestTtlUs),
    max_gateway_queue: c.maxGatewayQueue,
    cache_signal_delay_ms: usToMs(c.cacheSignalDelayUs),
    admission_latency_ms: usToMs(c.admissionLatencyUs),
    routing_latency_ms: usToMs(c.routingLatencyUs),
    pools: c.pools.map(describePool),
    pd_decider: c.pdDecider,
    ...(findPdDecider(c.pdDecider).readsThreshold ? { pd_prefix_threshold_tokens: c.pdPrefixThresholdTokens } : {}),
    ...(c.pools.some((p) => p.role === 'prefill') ? { pd_transfer_bandwidth_gbs: c.pdTransferBandwidthBytesPerS / BYTES_PER_GB, pd_transfer_latency_ms: usToMs(c.pdTransferLatencyUs) } : {}),
    max_instances: c.maxInstances,
    sources: c.sources,
    derivations: c.derivations,
  };
}
