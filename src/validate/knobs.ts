/**
 * vLLM engine knobs an experiment file leaves null, derived by vLLM's own rules (the defaults a
 * `vllm serve` of that version applies), so that a sparse file simulates the server it
 * describes. Knobs vLLM computes at start-up from the model and the GPU (`max_model_len` from
 * the model config, the KV block count from memory profiling, the block size an MLA backend
 * forces: vllm/platforms/cuda.py) and the batch knobs, whose defaults depend on the GPU, on each
 * other, on max_model_len and on chunked prefill, are left to the simulator (the cluster config
 * applies vLLM's rules), which returns the values it derived (SimulationResult.derived); their
 * reasons are here too.
 *
 * Sources (vLLM 0.15): vllm/engine/arg_utils.py EngineArgs.get_batch_defaults and
 * `_set_default_max_num_seqs_and_batched_tokens_args`, vllm/config/cache.py CacheConfig
 * (gpu_memory_utilization 0.9), V1 defaults for prefix caching and chunked prefill (both on for
 * generative models).
 */
import type { Assumption } from './assumptions.js';

/** vLLM engine knobs; null means unknown in the source (derive it). */
export interface EngineKnobs {
  readonly maxNumSeqs: number | null;
  readonly maxNumBatchedTokens: number | null;
  readonly maxModelLen: number | null;
  readonly gpuMemoryUtilization: number | null;
  readonly blockSize: number | null;
  readonly totalKvBlocksGpu: number | null;
  readonly enablePrefixCaching: boolean | null;
  readonly enableChunkedPrefill: boolean | null;
  readonly cpuKvBlocks: number | null;
  /** CPU offload tier per GPU in GiB (vllm.cpu_offload.cpu_bytes_per_gpu_gib; a derived size read as vLLM's total: its share per GPU, experiment-cpu-tier.ts) when enabled; sizes the tier when cpu_kv_blocks is unknown. */
  readonly cpuKvGibPerGpu: number | null;
  /** Schedule step N+1 while step N runs (vLLM --async-scheduling). */
  readonly asyncScheduling: boolean | null;
  /** vLLM --kv-cache-dtype; null = auto (the model's 16-bit dtype). */
  readonly kvCacheDtype: string | null;
  /** vLLM --disable-hybrid-kv-cache-manager; null = vLLM decides (on for sliding-window models unless a KV connector is set). */
  readonly disableHybridKvCacheManager: boolean | null;
  readonly vllmVersion: string | null;
}

export type KnobName = keyof EngineKnobs;

/** The experiment-file field of each knob (for messages and the report). */
export const KNOB_FIELDS: Readonly<Record<KnobName, string>> = {
  maxNumSeqs: 'vllm.max_num_seqs',
  maxNumBatchedTokens: 'vllm.max_num_batched_tokens',
  maxModelLen: 'vllm.max_model_len',
  gpuMemoryUtilization: 'vllm.gpu_memory_utilization',
  blockSize: 'vllm.block_size',
  totalKvBlocksGpu: 'vllm.total_kv_blocks_gpu',
  enablePrefixCaching: 'vllm.enable_prefix_caching',
  enableChunkedPrefill: 'vllm.enable_chunked_prefill',
  cpuKvBlocks: 'vllm.cpu_offload.cpu_kv_blocks',
  cpuKvGibPerGpu: 'vllm.cpu_offload.cpu_bytes_per_gpu_gib',
  asyncScheduling: 'vllm.async_scheduling',
  kvCacheDtype: 'vllm.kv_cache_dtype',
  disableHybridKvCacheManager: 'vllm.disable_hybrid_kv_cache_manager',
  vllmVersion: 'vllm.version',
};

/** Knobs whose null means absent (no CPU tier, vLLM's auto dtype, vLLM's own hybrid-manager rule, an unknown version), not a value to derive. */
export const OPTIONAL_KNOBS: ReadonlySet<KnobName> = new Set<KnobName>(['cpuKvBlocks', 'cpuKvGibPerGpu', 'kvCacheDtype', 'disableHybridKvCacheManager', 'vllmVersion']);

/** Knobs the simulator derives from the model and the GPU, with the rule it applies. */
export const SIMULATOR_DERIVED: Readonly<Partial<Record<KnobName, string>>> = {
  maxNumSeqs: "vLLM serve's default for the GPU (engine/arg_utils.py get_batch_defaults: 1024 on a GPU of at least 70 GiB that is not an A100, else 256), at most max_num_batched_tokens (_set_default_max_num_seqs_and_batched_tokens_args)",
  maxNumBatchedTokens: "vLLM serve's default for the GPU (engine/arg_utils.py get_batch_defaults: 8192 on a GPU of at least 70 GiB that is not an A100, else 2048), raised to max_model_len without chunked prefill and at most max_num_seqs × max_model_len (_set_default_max_num_seqs_and_batched_tokens_args)",
  maxModelLen: "vLLM's default: the model config's maximum context (config/model.py _get_and_verify_max_len: max_position_embeddings or the smallest length key, times the RoPE factor for yarn (of original_max_position_embeddings), linear and dynamic scaling, not llama3; LongRoPE defaults to original_max_position_embeddings; model/max-model-len.ts)",
  blockSize: "vLLM's KV block size on CUDA: 16, except that an MLA model's default attention backend forces its own (64 for FlashMLA on Hopper, FlashInfer MLA on Blackwell; platforms/cuda.py; model/kv-block-size.ts)",
  totalKvBlocksGpu: "vLLM's memory profiling: (device memory × gpu_memory_utilization − weights/TP − profiled activations, sampler and non-torch memory) / bytes per KV block per GPU (model/kv-sizing.ts)",
};

interface Rule {
  readonly value: number | boolean;
  readonly why: string;
}

export interface DerivedKnobs {
  /** The knobs with every rule-derived value filled in. */
  readonly engine: EngineKnobs;
  /** Knobs still null: the simulator derives them (SIMULATOR_DERIVED). */
  readonly leftToSimulator: readonly KnobName[];
  readonly assumptions: readonly Assumption[];
}

/** The first vLLM release that schedules asynchronously by default (vllm-project/vllm#27614, in v0.14.0). */
const ASYNC_DEFAULT_SINCE: readonly [number, number] = [0, 14];

/** vLLM's async-scheduling default for the file's version: on from 0.14; a file without a version is read as the 0.15 line the shipped sets ran. */
function asyncDefault(version: string | null): Rule {
  const m = version === null ? null : /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (m === null) {
    return { value: true, why: `vLLM's default since ${ASYNC_DEFAULT_SINCE.join('.')} (vllm-project/vllm#27614); ${version === null ? 'no vllm.version, read as the 0.15 line' : `vllm.version ${JSON.stringify(version)} unreadable, read as the 0.15 line`}` };
  }
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const on = major > ASYNC_DEFAULT_SINCE[0] || (major === ASYNC_DEFAULT_SINCE[0] && minor >= ASYNC_DEFAULT_SINCE[1]);
  return on
    ? { value: true, why: `vLLM ${version}: asynchronous scheduling is the default since ${ASYNC_DEFAULT_SINCE.join('.')} (vllm-project/vllm#27614)` }
    : { value: false, why: `vLLM ${version} predates asynchronous scheduling by default (${ASYNC_DEFAULT_SINCE.join('.')}, vllm-project/vllm#27614): each step is scheduled after the previous one ends` };
}

/** Fills the null knobs that vLLM's default rules decide on their own; the others are left to the simulator. */
export function deriveKnobs(engine: EngineKnobs): DerivedKnobs {
  const rules: Partial<Record<KnobName, Rule>> = {
    asyncScheduling: asyncDefault(engine.vllmVersion),
    gpuMemoryUtilization: { value: 0.9, why: "vLLM's default (config/cache.py CacheConfig.gpu_memory_utilization)" },
    enablePrefixCaching: { value: true, why: "vLLM V1's default for generative models" },
    enableChunkedPrefill: { value: true, why: "vLLM V1's default for generative models" },
  };
  const out: Record<string, unknown> = { ...engine };
  const assumptions: Assumption[] = [];
  const left: KnobName[] = [];
  for (const k of Object.keys(engine) as KnobName[]) {
    if (engine[k] !== null || OPTIONAL_KNOBS.has(k)) continue;
    const rule = rules[k];
    if (rule) {
      out[k] = rule.value;
      assumptions.push({ field: KNOB_FIELDS[k], value: rule.value, kind: 'derived', why: rule.why });
    } else {
      left.push(k);
    }
  }
  return { engine: out as unknown as EngineKnobs, leftToSimulator: left, assumptions };
}

/** The report entry of a knob the simulator derived (value from SimulationResult.derived). */
export function simulatorDerived(k: KnobName, value: unknown): Assumption {
  return { field: KNOB_FIELDS[k], value, kind: 'derived', why: SIMULATOR_DERIVED[k] ?? 'derived by the simulator' };
}
