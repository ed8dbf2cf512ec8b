/**
 * The KV cache a cluster's engines run with, as vLLM 0.15 derives it when a flag leaves it unset:
 * the block size (16 on CUDA, or what an MLA backend forces: model/kv-block-size.ts), the KV cache
 * groups of a model with sliding-window layers (vLLM's hybrid KV cache manager, off behind any KV
 * connector or with --disable-hybrid-kv-cache-manager: model/kv-groups.ts; a sparse-attention
 * model's MLA and indexer caches are one group whose block holds both: model/kv-sizing.ts
 * kvBytesPerBlock), and the block count
 * memory profiling leaves (model/kv-sizing.ts). Each derived value is recorded with its rule for
 * the config echo.
 */
import { InputError, positiveInt } from '../kernel/errors.js';
import { BYTES_PER_GB } from '../kernel/units.js';
import type { MoeParallelism } from '../model/step-time.js';
import type { HardwareSpec } from '../model/hardware.js';
import { vllmBlockSize, vllmGivenBlockSize } from '../model/kv-block-size.js';
import { groupCount, kvCacheGroups, type KvCacheGroups } from '../model/kv-groups.js';
import { kvBytesPerTokenPerLayer, kvSizing, maxModelLenShortfall } from '../model/kv-sizing.js';
import { indexerCacheBytesPerToken } from '../model/sparse-attention.js';
import type { ModelSpec } from '../model/model-spec.js';
import type { ClusterOptions, FieldSource } from './config.js';

/** The most KV blocks an instance's pool may hold (checked in resolveKvCache): it keeps per-block arrays. */
const MAX_KV_BLOCKS = 10_000_000;

export interface KvCacheChoice {
  readonly kvGroups: KvCacheGroups | null;
  readonly totalKvBlocks: number;
  readonly disableHybridKvCacheManager: boolean;
}

interface KvContext {
  readonly model: ModelSpec;
  readonly hardware: HardwareSpec;
  readonly tp: number;
  /** An MoE model's experts spread over data-parallel ranks: fewer weight bytes per GPU. */
  readonly moeParallel: MoeParallelism | null;
  readonly gpuMemoryUtilization: number;
  readonly maxNumBatchedTokens: number;
  readonly maxNumSeqs: number;
  readonly blockSize: number;
  /** Checked against a derived cache: vLLM refuses to start when it cannot hold one request this long. */
  readonly maxModelLen: number;
  /** What a derived cache too small for maxModelLen does: refuse (KV_CAPACITY, as vLLM) or note it in the derivations (validate). */
  readonly unservableMaxModelLen: 'refuse' | 'note';
}

/** The derivations entry noting a derived KV cache short of one max_model_len request (KvContext.unservableMaxModelLen 'note'). */
export const MAX_MODEL_LEN_SHORTFALL = 'maxModelLenShortfall';

/** vLLM 0.15's --block-size choices (config/cache.py BlockSize). */
export const VLLM_BLOCK_SIZES: readonly number[] = Object.freeze([1, 8, 16, 32, 64, 128, 256]);

/** The KV block size: the flag's, or vLLM's on this GPU (16, or what an MLA backend forces, over the flag's too when that backend cannot page it). */
export function resolveBlockSize(
  options: ClusterOptions,
  model: ModelSpec,
  hardware: HardwareSpec,
  given: Readonly<Record<string, FieldSource>>,
  sources: Record<string, FieldSource>,
  derivations: Record<string, string>,
): number {
  let blockSize: number;
  if (options.blockSize !== undefined) {
    blockSize = positiveInt(options.blockSize, '--block-size');
    // vLLM's --block-size choices (config/cache.py BlockSize). Another size is simulated as given (a
    // what-if, or a hand-sized scenario) and the config echo says vLLM would not take it.
    sources['blockSize'] = given['blockSize'] ?? 'flag';
    if (!VLLM_BLOCK_SIZES.includes(blockSize)) {
      derivations['blockSize'] = `${blockSize} is simulated as given; vLLM's --block-size accepts ${VLLM_BLOCK_SIZES.join(', ')}`;
    } else {
      // A size vLLM takes may still be one the model's MLA backend cannot page: vLLM forces its own.
      const vllm = vllmGivenBlockSize(model, hardware, blockSize);
      if (vllm.rule !== null) {
        blockSize = vllm.blockSize;
        sources['blockSize'] = 'derived';
        derivations['blockSize'] = vllm.rule;
      }
    }
  } else {
    const vllm = vllmBlockSize(model, hardware);
    blockSize = vllm.blockSize;
    sources['blockSize'] = vllm.rule === null ? 'default' : 'derived';
    if (vllm.rule !== null) derivations['blockSize'] = vllm.rule;
  }
  return blockSize;
}

/** Resolves the KV cache groups and block count of `options`, writing each one's source and, when derived, its rule. */
export function resolveKvCache(
  options: ClusterOptions,
  c: KvContext,
  given: Readonly<Record<string, FieldSource>>,
  sources: Record<string, FieldSource>,
  derivations: Record<string, string>,
): KvCacheChoice {
  const { model, hardware } = c;
  const disableHybridKvCacheManager = options.disableHybridKvCacheManager === true;
  // vLLM 0.15 turns the hybrid KV cache manager off behind any KV connector (config/vllm.py): the
  // CPU tier's OffloadingConnector (there is one when either size is given, cpuTierFor), a P/D transfer's.
  const kvConnector = (options.kvCpuBytes ?? 0) > 0 || (options.kvCpuBlocks ?? 0) > 0 || options.prefillInstances !== undefined || options.decodeInstances !== undefined;
  const kvGroups = kvCacheGroups(model, disableHybridKvCacheManager ? 'flag' : kvConnector ? 'kv-connector' : null);
  let totalKvBlocks: number;
  if (options.totalKvBlocks !== undefined) {
    totalKvBlocks = options.totalKvBlocks;
    if (!Number.isInteger(totalKvBlocks) || totalKvBlocks < 2) throw new InputError('FLAG_OUT_OF_RANGE', '--total-kv-blocks', `found ${totalKvBlocks}; expected an integer >= 2 (vLLM's num_gpu_blocks, one of which is its null block)`);
    sources['totalKvBlocks'] = given['totalKvBlocks'] ?? 'flag';
  } else {
    const k = kvSizing({ model, hardware, tp: c.tp, moeDp: c.moeParallel?.dp ?? 1, gpuMemoryUtilization: c.gpuMemoryUtilization, blockSize: c.blockSize, maxNumBatchedTokens: c.maxNumBatchedTokens, maxNumSeqs: c.maxNumSeqs, kvGroups,
      ...(c.unservableMaxModelLen === 'refuse' ? { maxModelLen: c.maxModelLen } : {}) });
    const shortfall = c.unservableMaxModelLen === 'note' ? maxModelLenShortfall(model, c.tp, c.blockSize, kvGroups, c.maxModelLen, c.maxNumBatchedTokens, k.availableBytes, hardware.name) : null;
    if (shortfall !== null) derivations[MAX_MODEL_LEN_SHORTFALL] = `the derived KV cache is short of one max_model_len request (${shortfall}); simulated anyway, as the measured server did start`;
    totalKvBlocks = k.totalKvBlocks;
    sources['totalKvBlocks'] = 'derived';
    derivations['totalKvBlocks'] = `(${hardware.deviceMemoryGiB} GiB device memory x ${c.gpuMemoryUtilization} - ${((k.weightBytesPerGpu - model.ropeCacheBytes) / BYTES_PER_GB).toFixed(2)} GB weights - ${(model.ropeCacheBytes / BYTES_PER_GB).toFixed(2)} GB RoPE cos/sin cache - ${(k.reserveBytes / BYTES_PER_GB).toFixed(2)} GB profiled activations, sampler and non-torch memory) / ${k.bytesPerBlockPerGpu} bytes per block, per GPU`;
  }
  // The pool keeps per-block arrays: ten million blocks (160 M tokens at 16) is past any GPU,
  // and a typo in a hardware file or flag (1e30 GB of memory) would otherwise fail allocating them.
  if (totalKvBlocks > MAX_KV_BLOCKS) {
    throw new InputError('KV_CAPACITY', options.totalKvBlocks !== undefined ? '--total-kv-blocks' : options.hardwareSpec !== undefined ? '--hardware-config' : '--hardware', `${totalKvBlocks} KV blocks per instance${options.totalKvBlocks !== undefined ? '' : ` derived from ${hardware.name}'s ${hardware.deviceMemoryGiB} GiB`}; expected at most ${MAX_KV_BLOCKS} (check the memory figures)`);
  }
  const sa = model.sparseAttention;
  if (model.slidingLayers > 0) derivations['kvCacheGroups'] = kvGroupsRule(model, kvGroups, disableHybridKvCacheManager);
  else if (sa !== null) {
    derivations['kvCacheGroups'] = `sparse attention: the MLA cache (${model.numLayers} layers x ${kvBytesPerTokenPerLayer(model, c.tp)} bytes per token${model.kvBytes === 1 ? ', fp8_ds_mla' : ''}) and the indexer's K cache (${sa.indexerLayers} layers x ${indexerCacheBytesPerToken(sa)} bytes per token) form one KV cache group of uniform type (vLLM UniformTypeKVCacheSpecs): a block holds ${c.blockSize} tokens of both, replicated on every TP rank`;
  }
  return { kvGroups, totalKvBlocks, disableHybridKvCacheManager };
}

/** How a model with sliding-window layers keeps their KV blocks, for the config echo's derivations. */
function kvGroupsRule(model: ModelSpec, g: KvCacheGroups | null, flag: boolean): string {
  const layers = `${model.slidingLayers} of ${model.numLayers} layers attend to ${model.slidingWindow} tokens`;
  if (g === null) {
    if (model.slidingLayers >= model.numLayers) return `${layers}; approximated behind a KV connector (CPU offload or P/D transfer): every block is kept for whole contexts, where vLLM's sliding-window group would free the out-of-window ones`;
    const why = flag ? '--disable-hybrid-kv-cache-manager' : 'a KV connector (CPU offload or P/D transfer) turns vLLM 0.15\'s hybrid KV cache manager off';
    return `${layers}; ${why}: every layer keeps blocks for whole contexts (one group of ${model.numLayers} layers)`;
  }
  const pages = `a block is ${g.layersPerGroup} layers deep (vLLM get_num_blocks: memory / page / ${g.layersPerGroup})`;
  const groups = `${g.fullGroups} full-attention and ${g.slidingGroups} sliding-window KV cache groups of ${g.layersPerGroup} layers`;
  const padding = g.layersPerGroup * groupCount(g) - model.numLayers;
  return `${layers}; ${groups}${padding > 0 ? ` (${padding} padding layers)` : ''} share the pool, ${pages}; a sliding group keeps the blocks its window still reads, prefix hits follow vLLM's hybrid rule; the router's KV events carry the first full-attention group's blocks only (vLLM publishes every group's)`;
}
