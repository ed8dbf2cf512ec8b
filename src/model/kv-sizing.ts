/**
 * KV-cache sizing and TP validity, mirroring vLLM 0.15 (v1/worker/gpu_worker.py
 * determine_available_memory; kv_cache_interface.py page size): blocks per GPU =
 * (visible memory × gpu_memory_utilization − weights/TP − RoPE cache − reserve) / bytes per block
 * per GPU (the RoPE cos/sin cache and a vision tower are counted with the weights, as vLLM's
 * load-time measurement counts them: ./rope-cache.ts).
 */
import { InputError } from '../kernel/errors.js';
import type { ModelSpec } from './model-spec.js';
import type { HardwareSpec } from './hardware.js';
import type { KvCacheGroups } from './kv-groups.js';
import { checkSparseAttentionGpu, indexerCacheBytesPerToken, sparseMlaCacheBytesPerToken } from './sparse-attention.js';

/**
 * What vLLM 0.15's memory profiling subtracts besides the weights (v1/worker/gpu_worker.py
 * determine_available_memory, v1/worker/gpu_model_runner.py profile_run): the peak of a dummy
 * forward over max_num_batched_tokens tokens, the peak of a dummy sampling over max_num_seqs
 * requests (fp32 logits over the whole vocabulary on every rank, then top-k/top-p sorting: values,
 * int64 indices, probabilities), and the non-torch memory that grew meanwhile (CUDA/cuBLAS
 * workspaces; NCCL and custom all-reduce buffers with TP > 1).
 * The sampler's bytes per (request × vocabulary entry) count fp32 logits, fp32 probabilities,
 * sort values and int64 sort indices (20 bytes) and match a vLLM H100 log of Qwen3-8B at
 * max_num_seqs 1024 (3.04 GiB peak activation, vLLM PR #48037: about 21 bytes per entry); the
 * other three constants are a least-squares fit to the KV block counts vLLM logged in the 28 H100
 * runs of ../shared/groundtruth (calibration and trainval; 10 model families, TP 1-4,
 * max_num_batched_tokens 1024-8192, vocabularies 32k-152k, max_num_seqs 128; Llama-4-Scout left
 * out, its FP8 weight bytes are not modelled exactly): every run's block count is matched within
 * 1% (the implied reserve within 0.44 GB). docs/model.md has the table.
 */
export const KV_MEMORY_DEFAULTS = Object.freeze({
  /** Non-torch memory growth during profiling at TP 1, bytes. */
  nonTorchBytes: 0.726e9,
  /** Extra with TP > 1 (NCCL and custom all-reduce buffers), bytes. */
  tpCommBytes: 0.171e9,
  /** Forward peak per batched token per hidden unit, bytes (between two and three bf16 hidden vectors per token live at the peak). */
  activationBytesPerTokenHidden: 5.177,
  /** Sampler peak per (request × vocabulary entry), bytes. */
  samplerBytesPerSeqVocab: 21,
});

/**
 * vLLM 0.15 EngineArgs.get_batch_defaults for `vllm serve` (UsageContext.OPENAI_API_SERVER): a
 * GPU with at least 70 GiB that is not an A100 gets max_num_batched_tokens 8192 and max_num_seqs
 * 1024 ("For GPUs like H100 and MI300x, use larger default values"); others 2048 and 256 (the
 * A100 is excluded because the larger budget lowered its throughput, vLLM PR #17885).
 */
export function vllmBatchDefaults(hardware: HardwareSpec): { maxNumBatchedTokens: number; maxNumSeqs: number; rule: string } {
  const large = hardware.deviceMemoryGiB >= 70 && !hardware.name.toLowerCase().includes('a100');
  return large
    ? { maxNumBatchedTokens: 8192, maxNumSeqs: 1024, rule: `vLLM serve default on a GPU with >= 70 GiB that is not an A100 (${hardware.name}: ${hardware.deviceMemoryGiB} GiB)` }
    : { maxNumBatchedTokens: 2048, maxNumSeqs: 256, rule: `vLLM serve default on ${hardware.name} (${hardware.deviceMemoryGiB} GiB${hardware.name.toLowerCase().includes('a100') ? ', an A100' : ', under 70 GiB'})` };
}

/**
 * vLLM --kv-cache-dtype values and the bytes per element each stores: `auto` keeps the model's
 * activation dtype (16-bit); the fp8 formats store one byte (attention reads half the bytes and a
 * block holds twice the tokens per byte of memory). On a sparse-attention model (DeepSeek-V3.2,
 * GLM-5) any 8-bit choice is vLLM's fp8_ds_mla (656 bytes per token: ./sparse-attention.ts), which
 * only the sparse backends accept. fp8_inc is not modelled.
 */
export const KV_CACHE_DTYPES: Readonly<Record<string, number>> = Object.freeze({ auto: 2, bfloat16: 2, float16: 2, half: 2, fp8: 1, fp8_e4m3: 1, fp8_e5m2: 1, fp8_ds_mla: 1 });

/** The model with its KV cache stored as `dtype` (KV_CACHE_DTYPES); the same object when nothing changes. */
export function withKvCacheDtype(model: ModelSpec, dtype: string, where = '--kv-cache-dtype'): ModelSpec {
  const bytes = KV_CACHE_DTYPES[dtype];
  if (bytes === undefined) throw new InputError('FLAG_OUT_OF_RANGE', where, `found '${dtype}'; expected one of ${Object.keys(KV_CACHE_DTYPES).join(', ')}`);
  if (dtype === 'fp8_ds_mla' && model.sparseAttention === null) {
    throw new InputError('FLAG_OUT_OF_RANGE', where, `fp8_ds_mla is the cache format of vLLM's sparse MLA backends; ${model.name} has no sparse attention (use fp8)`);
  }
  return bytes === model.kvBytes ? model : Object.freeze({ ...model, kvBytes: bytes });
}

/**
 * KV bytes per token per layer on one GPU: K and V, kv heads sharded by TP (replicated when tp > kv
 * heads, as vLLM does). A sparse MLA model's latent is in its sparse backend's format
 * (sparseMlaCacheBytesPerToken: 1152 bf16, 656 fp8_ds_mla).
 */
export function kvBytesPerTokenPerLayer(model: ModelSpec, tp: number): number {
  if (model.sparseAttention !== null) return sparseMlaCacheBytesPerToken(2 * model.headDim, model.kvBytes);
  const kvHeadsPerGpu = Math.max(1, model.numKvHeads / tp);
  return 2 * kvHeadsPerGpu * model.headDim * model.kvBytes;
}

/**
 * Bytes of one KV block on one GPU: 2 × layers × kv_heads × head_dim × dtype bytes × block_size / TP.
 * With vLLM's hybrid KV cache groups a block spans one group's layers, not the model's (kv-groups.ts).
 * A sparse-attention model's block also holds the indexer's K cache of every layer with an indexer:
 * vLLM puts both caches in one KV cache group of uniform type (kv_cache_utils.py
 * `_get_kv_cache_groups_uniform_type`, UniformTypeKVCacheSpecs: the page is the sum of every
 * layer's page), so the pool has memory / (block × Σ bytes per token) blocks.
 */
export function kvBytesPerBlock(model: ModelSpec, tp: number, blockSize: number, groups: KvCacheGroups | null = null): number {
  const s = model.sparseAttention;
  const indexer = s === null ? 0 : s.indexerLayers * indexerCacheBytesPerToken(s);
  return ((groups !== null ? groups.layersPerGroup : model.numLayers) * kvBytesPerTokenPerLayer(model, tp) + indexer) * blockSize;
}

/**
 * The model's bytes on one GPU as vLLM's profiling counts them (what loading allocated): the
 * sharded weights' share, the replicated weights whole (ModelSpec.replicatedWeightBytes) and the
 * RoPE cos/sin cache every rank holds (ModelSpec.ropeCacheBytes, ./rope-cache.ts).
 */
export function weightBytesOnGpu(model: ModelSpec, tp: number, moeDp = 1): number {
  const perGpu = (model.weightMemoryBytes - model.replicatedWeightBytes) / tp + model.replicatedWeightBytes + model.ropeCacheBytes;
  if (moeDp === 1 || model.numExperts <= 1) return perGpu;
  // Over data-parallel ranks the routed experts are spread across dp · tp GPUs, the rest stays per rank (./moe-parallel.ts).
  return perGpu - (routedExpertBytes(model) / tp) * (1 - 1 / moeDp);
}

/** Bytes of an MoE model's routed experts (w13 and w2 of every expert of every MoE layer), at the weights' bytes per parameter. */
export function routedExpertBytes(model: ModelSpec): number {
  return model.moeLayers * model.numExperts * 3 * model.hiddenSize * model.moeIntermediateSize * model.weightBytes;
}

/**
 * TP must divide the attention heads; it must divide the kv heads or be a multiple of them (kv
 * heads are then replicated), as vLLM's QKVParallelLinear requires. → InputError TP_INVALID.
 */
export function validateTp(model: ModelSpec, tp: number, where = '--tp'): void {
  const problem = tpProblem(model, tp);
  if (problem !== null) throw new InputError('TP_INVALID', where, problem);
}

/** Why `tp` cannot shard `model` (vLLM's head-divisibility checks), or null when it can. */
export function tpProblem(model: ModelSpec, tp: number): string | null {
  if (!Number.isInteger(tp) || tp < 1) return `found ${tp}; expected a positive integer`;
  if (model.numAttentionHeads % tp !== 0) return `tensor parallel size ${tp} does not divide ${model.name}'s ${model.numAttentionHeads} attention heads`;
  const kv = model.numKvHeads;
  if (kv > 1 && (tp <= kv ? kv % tp !== 0 : tp % kv !== 0)) return `tensor parallel size ${tp} neither divides nor is a multiple of ${model.name}'s ${kv} kv heads`;
  return null;
}

export interface KvSizingInput {
  readonly model: ModelSpec;
  readonly hardware: HardwareSpec;
  readonly tp: number;
  /** Data-parallel ranks an MoE model's routed experts are spread over (default 1: each instance holds them all). */
  readonly moeDp?: number;
  /** vLLM --gpu-memory-utilization (default 0.9). */
  readonly gpuMemoryUtilization?: number;
  /** vLLM --block-size (default 16). */
  readonly blockSize?: number;
  /** The profile run's token count (default: vLLM's default for the GPU). */
  readonly maxNumBatchedTokens?: number;
  /** The profile run's dummy requests (default: vLLM's default for the GPU). */
  readonly maxNumSeqs?: number;
  /** Overrides the profiled reserve (activations + sampler + non-torch), bytes. */
  readonly reserveBytes?: number;
  /** Error location for KV_CAPACITY. */
  readonly where?: string;
  /** vLLM's hybrid KV cache groups (kv-groups.ts); absent or null: one group of every layer. */
  readonly kvGroups?: KvCacheGroups | null;
  /**
   * vLLM's max_model_len: when given, the derived cache must hold one request of that length, or
   * KV_CAPACITY names the longest that fits (vLLM 0.15 refuses to start: checkMaxModelLenFits).
   */
  readonly maxModelLen?: number;
}

export interface KvSizing {
  readonly usableBytes: number;
  readonly weightBytesPerGpu: number;
  readonly reserveBytes: number;
  /** What profiling leaves for the KV cache on one GPU: usable − weights − reserve. */
  readonly availableBytes: number;
  readonly bytesPerBlockPerGpu: number;
  readonly totalKvBlocks: number;
}

/** Per-GPU memory budget and the resulting block count (vLLM num_gpu_blocks). */
export function kvSizing(input: KvSizingInput): KvSizing {
  const { model, hardware, tp } = input;
  const util = input.gpuMemoryUtilization ?? 0.9;
  const blockSize = input.blockSize ?? 16;
  const where = input.where ?? '--gpu-memory-utilization';
  if (!(util > 0 && util <= 1)) throw new InputError('FLAG_OUT_OF_RANGE', where, `gpu memory utilization ${util}; expected (0, 1]`);
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new InputError('FLAG_OUT_OF_RANGE', '--block-size', `found ${blockSize}; expected a positive integer`);
  validateTp(model, tp);
  if (model.sparseAttention !== null) checkSparseAttentionGpu(model.name, hardware);
  const usableBytes = hardware.deviceMemoryGiB * 2 ** 30 * util;
  const weightBytesPerGpu = weightBytesOnGpu(model, tp, input.moeDp ?? 1);
  const defaults = vllmBatchDefaults(hardware);
  const reserveBytes = input.reserveBytes ?? profiledReserveBytes(model, tp, input.maxNumBatchedTokens ?? defaults.maxNumBatchedTokens, input.maxNumSeqs ?? defaults.maxNumSeqs);
  const bytesPerBlockPerGpu = kvBytesPerBlock(model, tp, blockSize, input.kvGroups ?? null);
  const availableBytes = usableBytes - weightBytesPerGpu - reserveBytes;
  const totalKvBlocks = Math.floor(availableBytes / bytesPerBlockPerGpu);
  if (totalKvBlocks <= 0) {
    const gb = (b: number): string => (b / 1e9).toFixed(1);
    throw new InputError(
      'KV_CAPACITY',
      where,
      `${model.name} at TP ${tp} does not fit on ${hardware.name}: ${gb(usableBytes)} GB usable, ${gb(weightBytesPerGpu)} GB weights (with the RoPE cache) and ${gb(reserveBytes)} GB reserve per GPU leave no room for KV blocks; ${fitHint(input, util, blockSize)}`,
    );
  }
  if (input.maxModelLen !== undefined) {
    const mbt = input.maxNumBatchedTokens ?? defaults.maxNumBatchedTokens;
    checkMaxModelLenFits(model, tp, blockSize, input.kvGroups ?? null, input.maxModelLen, mbt, availableBytes, hardware.name);
  }
  return { usableBytes, weightBytesPerGpu, reserveBytes, availableBytes, bytesPerBlockPerGpu, totalKvBlocks };
}

/** The TP degrees a hint tries above the given one (vLLM runs TP within a node, at most 8 GPUs on the catalog's; 16 for multi-node). */
const HINT_TPS = [2, 4, 8, 16];

/**
 * What would make room: the memory utilisation that holds one request of max_model_len tokens
 * at this TP (when it is at most 1), and the smallest larger TP the model's heads allow that
 * holds one at the given utilisation (vLLM refuses to start otherwise: checkMaxModelLenFits).
 * When none does, what a shorter --max-model-len would allow (one block's room).
 */
function fitHint(input: KvSizingInput, util: number, blockSize: number): string {
  const { model, hardware, tp } = input;
  const defaults = vllmBatchDefaults(hardware);
  const mbt = input.maxNumBatchedTokens ?? defaults.maxNumBatchedTokens;
  const gpuBytes = hardware.deviceMemoryGiB * 2 ** 30;
  const groups = input.kvGroups ?? null;
  const base = (t: number): number => weightBytesOnGpu(model, t) + (input.reserveBytes ?? profiledReserveBytes(model, t, mbt, input.maxNumSeqs ?? defaults.maxNumSeqs));
  const oneBlock = (t: number): number => base(t) + kvBytesPerBlock(model, t, blockSize, groups);
  const oneRequest = (t: number): number => (input.maxModelLen === undefined ? oneBlock(t) : base(t) + maxRequestKvBytes(model, t, blockSize, groups, input.maxModelLen, mbt));
  const suggest = (needed: (t: number) => number): string[] => {
    const hints: string[] = [];
    const utilNeeded = needed(tp) / gpuBytes;
    if (utilNeeded <= 1) hints.push(`a GPU memory utilisation of ${Math.ceil(utilNeeded * 100) / 100} would leave room at TP ${tp}`);
    const fitting = HINT_TPS.find((t) => t > tp && tpProblem(model, t) === null && needed(t) <= gpuBytes * util);
    if (fitting !== undefined) hints.push(`TP ${fitting} would at this utilisation (${(weightBytesOnGpu(model, fitting) / 1e9).toFixed(1)} GB of weights per GPU)`);
    return hints;
  };
  const full = suggest(oneRequest);
  if (full.length > 0) return input.maxModelLen === undefined ? full.join('; ') : `for one request of max_model_len ${input.maxModelLen}, ${full.join('; ')}`;
  const some = input.maxModelLen === undefined ? [] : suggest(oneBlock);
  if (some.length > 0) return `no TP up to ${HINT_TPS[HINT_TPS.length - 1]} holds one request of max_model_len ${input.maxModelLen} at this utilisation; with a shorter --max-model-len, ${some.join('; ')}`;
  return `no TP up to ${HINT_TPS[HINT_TPS.length - 1]} leaves room at this utilisation: a GPU with more memory`;
}

/**
 * KV bytes one request of `len` tokens can hold on one GPU, summed over layers as vLLM 0.15 does
 * (v1/kv_cache_interface.py max_memory_usage_bytes): a full-attention layer (and a sparse model's
 * indexer cache) holds cdiv(len, block) blocks; a layer of a sliding-window group holds the window
 * and one step's tokens, cdiv(min(window − 1 + max_num_batched_tokens, len), block) + 1 blocks
 * (the window need not start at a block boundary). Without groups every layer counts as full
 * (vLLM's unify_hybrid_kv_cache_specs).
 */
export function maxRequestKvBytes(model: ModelSpec, tp: number, blockSize: number, groups: KvCacheGroups | null, len: number, maxNumBatchedTokens: number): number {
  const full = Math.ceil(len / blockSize);
  const s = model.sparseAttention;
  const indexer = s === null ? 0 : s.indexerLayers * indexerCacheBytesPerToken(s) * blockSize * full;
  const layerPage = kvBytesPerTokenPerLayer(model, tp) * blockSize;
  if (groups === null) return model.numLayers * layerPage * full + indexer;
  const sliding = model.slidingLayers;
  const window = Math.ceil(Math.min(groups.slidingWindow - 1 + maxNumBatchedTokens, len) / blockSize) + 1;
  return layerPage * ((model.numLayers - sliding) * full + sliding * window) + indexer;
}

/**
 * vLLM 0.15 refuses to start when the KV cache cannot hold one request of max_model_len tokens
 * (v1/core/kv_cache_utils.py check_enough_kv_cache_memory: "To serve at least one request with the
 * model's max seq len ..."); its message names the longest length that fits, found by binary
 * search (estimate_max_model_len). The shortfall in words with that length and the fix, or null
 * when one request fits. `availableBytes`: the KV cache memory profiling leaves on one GPU.
 */
export function maxModelLenShortfall(model: ModelSpec, tp: number, blockSize: number, groups: KvCacheGroups | null, maxModelLen: number, maxNumBatchedTokens: number, availableBytes: number, gpu: string): string | null {
  const need = (len: number): number => maxRequestKvBytes(model, tp, blockSize, groups, len, maxNumBatchedTokens);
  const needed = need(maxModelLen);
  if (needed <= availableBytes) return null;
  let lo = 0;
  let hi = maxModelLen - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (need(mid) <= availableBytes) lo = mid;
    else hi = mid - 1;
  }
  const gib = (b: number): string => (b / 2 ** 30).toFixed(2);
  return `one request of max_model_len ${maxModelLen} tokens needs ${gib(needed)} GiB of KV cache per GPU, and ${model.name} at TP ${tp} on ${gpu} leaves ${gib(availableBytes)} GiB; the longest that fits is ${lo} tokens. Pass --max-model-len ${lo} or less, or raise --tp or --gpu-memory-utilization`;
}

/** The same check as vLLM's start-up refusal → InputError KV_CAPACITY at --max-model-len. */
export function checkMaxModelLenFits(model: ModelSpec, tp: number, blockSize: number, groups: KvCacheGroups | null, maxModelLen: number, maxNumBatchedTokens: number, availableBytes: number, gpu: string): void {
  const shortfall = maxModelLenShortfall(model, tp, blockSize, groups, maxModelLen, maxNumBatchedTokens, availableBytes, gpu);
  if (shortfall !== null) throw new InputError('KV_CAPACITY', '--max-model-len', `vLLM refuses to start: ${shortfall}`);
}

/** Activation, sampler and non-torch memory vLLM's profiling sets aside on each GPU, bytes (see KV_MEMORY_DEFAULTS). */
export function profiledReserveBytes(model: ModelSpec, tp: number, maxNumBatchedTokens: number, maxNumSeqs: number): number {
  const d = KV_MEMORY_DEFAULTS;
  // The dummy forward's hidden states are replicated on every rank; its requests are min(tokens, seqs).
  const requests = Math.min(maxNumSeqs, maxNumBatchedTokens);
  return d.nonTorchBytes + (tp > 1 ? d.tpCommBytes : 0)
    + d.activationBytesPerTokenHidden * maxNumBatchedTokens * model.hiddenSize
    + d.samplerBytesPerSeqVocab * requests * model.vocabSize;
}

/** Total KV blocks per GPU (each TP rank holds its shard of every block). */
export function deriveTotalKvBlocks(input: KvSizingInput): number {
  return kvSizing(input).totalKvBlocks;
}

/** vLLM's default max_model_len (ModelSpec.maxModelLen: max_position_embeddings with RoPE scaling applied, max-model-len.ts). */
export function defaultMaxModelLen(model: ModelSpec): number {
  return model.maxModelLen;
}
