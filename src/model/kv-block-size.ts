/**
 * The KV block size vLLM 0.15 runs with, given or not. Unset, the CUDA platform sets
 * 16, except for MLA models (DeepSeek V2/V3), whose default attention backend needs its own page
 * size and forces it (vllm/platforms/cuda.py CudaPlatformBase.check_and_update_config):
 * - Hopper (compute capability 9.x): FlashMLA dense is supported there only
 *   (v1/attention/ops/flashmla.py is_flashmla_dense_supported), so 64 ("Forcing kv cache block
 *   size to 64 for FlashMLA backend");
 * - Blackwell (10.x): FlashInfer MLA when qk_nope_head_dim is 128 (its kernel constraint), 64;
 *   otherwise CUTLASS MLA, 128;
 * - Ampere and Ada (A100, L40S): no forcing; the Triton MLA backend pages at 16.
 * A sparse-attention MLA model (index_topk: DeepSeek-V3.2, GLM-5) gets 64 whatever the GPU
 * ("Forcing kv cache block size to 64 for FlashMLASparse backend"), and vLLM serves it on Hopper
 * and Blackwell only (./sparse-attention.ts).
 * A given size is kept unless it is one such a backend cannot page; then the backend's size is
 * forced over it the same way (vllmGivenBlockSize).
 * The block size changes the prefix-cache granularity and how many tokens one block holds, not the
 * bytes a token takes, so the cache's capacity in tokens is unchanged.
 */
import type { HardwareSpec } from './hardware.js';
import type { ModelSpec } from './model-spec.js';
import { SPARSE_MLA_BLOCK_SIZE, checkSparseAttentionGpu } from './sparse-attention.js';

/** vLLM's CUDA default (cuda.py: `cache_config.block_size = 16` when unset). */
export const VLLM_DEFAULT_BLOCK_SIZE = 16;

export interface VllmBlockSize {
  readonly blockSize: number;
  /** Why, for the config echo's derivations; null when it is the plain default. */
  readonly rule: string | null;
}

/** The block size vLLM 0.15 picks for `model` on `hardware` when the user sets none. */
export function vllmBlockSize(model: ModelSpec, hardware: HardwareSpec): VllmBlockSize {
  if (model.mla === null) return { blockSize: VLLM_DEFAULT_BLOCK_SIZE, rule: null };
  if (model.sparseAttention !== null) {
    checkSparseAttentionGpu(model.name, hardware);
    return { blockSize: SPARSE_MLA_BLOCK_SIZE, rule: `vLLM forces ${SPARSE_MLA_BLOCK_SIZE} for a sparse-attention (index_topk) MLA model on any GPU: FlashMLASparse backend (platforms/cuda.py)` };
  }
  const major = Math.floor(hardware.computeCapability);
  const on = `${hardware.name}, compute capability ${hardware.computeCapability.toFixed(1)}`;
  if (major === 9) {
    return { blockSize: 64, rule: `vLLM forces 64 for an MLA model on Hopper (${on}): its default FlashMLA backend pages KV in 64-token blocks (platforms/cuda.py)` };
  }
  if (major === 10) {
    return model.mla.qkNopeHeadDim === 128
      ? { blockSize: 64, rule: `vLLM forces 64 for an MLA model with qk_nope_head_dim 128 on Blackwell (${on}): FlashInfer MLA backend (platforms/cuda.py)` }
      : { blockSize: 128, rule: `vLLM forces 128 for an MLA model with qk_nope_head_dim ${model.mla.qkNopeHeadDim} on Blackwell (${on}): CUTLASS MLA backend (platforms/cuda.py)` };
  }
  const why = hardware.computeCapability > 0 ? `(${on}): FlashMLA needs Hopper, so the Triton MLA backend runs at vLLM's default` : `(${hardware.name} gives no compute capability: no architecture-specific MLA backend assumed)`;
  return { blockSize: VLLM_DEFAULT_BLOCK_SIZE, rule: `16 for an MLA model ${why}` };
}

/**
 * The block size vLLM 0.15 runs with when `--block-size` is `given`: the MLA backends force their
 * page size over a given one too, whenever the given one is not a size they can page
 * (platforms/cuda.py check_and_update_config, run on every config, set or not: FlashMLA
 * `block_size % 64 != 0` → 64, FlashInfer MLA `block_size != 32 and block_size % 64 != 0` → 64,
 * CUTLASS MLA `block_size % 128 != 0` → 128, FlashMLASparse `block_size != 64` → 64). So
 * DeepSeek-V2-Lite served on an H100 with `--block-size 16` pages 64-token blocks, and a
 * num_gpu_blocks logged by that server counts 64-token blocks. `rule` says why when vLLM overrides
 * the given size; null when it keeps it.
 */
export function vllmGivenBlockSize(model: ModelSpec, hardware: HardwareSpec, given: number): VllmBlockSize {
  if (model.mla === null) return { blockSize: given, rule: null };
  const forced = vllmBlockSize(model, hardware);
  const major = Math.floor(hardware.computeCapability);
  let keeps: boolean;
  if (model.sparseAttention !== null) keeps = given === SPARSE_MLA_BLOCK_SIZE;
  else if (major === 9) keeps = given % 64 === 0;
  else if (major === 10) keeps = model.mla.qkNopeHeadDim === 128 ? given === 32 || given % 64 === 0 : given % 128 === 0;
  else keeps = true;
  return keeps ? { blockSize: given, rule: null } : { blockSize: forced.blockSize, rule: `--block-size ${given} given, but ${forced.rule}; that backend cannot page ${given}-token blocks, so vLLM overrides the given size` };
}
