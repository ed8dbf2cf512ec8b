/**
 * DeepSeek Sparse Attention (DSA: DeepSeek-V3.2, GLM-5's `glm_moe_dsa`) as vLLM serves it. vLLM
 * treats any config with `index_topk` as sparse (model_executor/models/deepseek_v2.py
 * `DeepseekV2MLAAttention`: `is_v32 = hasattr(config, "index_topk")`; GlmMoeDsaForCausalLM is a
 * plain subclass of DeepseekV2ForCausalLM there, registry.py maps it to deepseek_v2). Each layer
 * with an indexer runs a "lightning indexer" (`Indexer`): a q projection from the q latent
 * (`wq_b`, quantised like the checkpoint), a fused k + head-weight projection from the hidden state
 * (`wk_weights_proj`, bf16), an fp8 score of every cached key (one 128-dim fp8 key per token, with
 * an fp32 scale per 128 values: `DeepseekV32IndexerCache`), then top-k; the MLA attention then
 * reads only the `index_topk` selected keys. The indexer is replicated on every TP rank ("no tensor
 * parallel, just replicated"), and so is its cache.
 *
 * What this file owns: the facts read from the config, the bytes a token takes in the two caches,
 * the weights the indexer adds, and the GPUs vLLM can serve a sparse model on.
 */
import { InputError } from '../kernel/errors.js';
import type { HardwareSpec } from './hardware.js';

export interface SparseAttention {
  /** Keys each query attends to (config `index_topk`). */
  readonly indexTopK: number;
  /** Indexer heads and head width (`index_n_heads`, `index_head_dim`). */
  readonly indexHeads: number;
  readonly indexHeadDim: number;
  /** Layers that build their own indexer (all unless the config shares one across layers: IndexCache). */
  readonly indexerLayers: number;
  /** The q latent the indexer projects from (`q_lora_rank`). */
  readonly qLoraRank: number;
}

/** The indexer quantises its keys to fp8 with one fp32 scale per this many values (deepseek_v2.py Indexer.quant_block_size). */
export const INDEXER_QUANT_BLOCK = 128;

/**
 * Bytes per token per layer of vLLM's fp8_ds_mla format (v1/attention/backends/mla/flashmla_sparse.py;
 * kv_cache_interface.py MLAAttentionSpec.real_page_size_bytes): 512 fp8 latent values, 4 fp32
 * scales, 64 bf16 rope values.
 */
export const FP8_DS_MLA_BYTES_PER_TOKEN = 512 + 4 * 4 + 64 * 2;

/** KV block size vLLM forces for a sparse MLA model ("Forcing kv cache block size to 64 for FlashMLASparse backend", platforms/cuda.py). */
export const SPARSE_MLA_BLOCK_SIZE = 64;

/** Bytes one token takes in one layer's indexer K cache: fp8 values plus an fp32 scale per block (DeepseekV32IndexerCache head_dim 132 for 128, uint8). */
export function indexerCacheBytesPerToken(s: SparseAttention): number {
  return s.indexHeadDim + (s.indexHeadDim / INDEXER_QUANT_BLOCK) * 4;
}

/**
 * Bytes one token takes in one layer's MLA cache on a sparse backend: the kv_lora_rank + rope latent
 * at the cache dtype (bf16 by default: 1152 for 512 + 64), or fp8_ds_mla's 656 when the KV cache is
 * 8-bit (vLLM takes `fp8` as an alias of fp8_ds_mla there: flashmla_sparse.py supported_kv_cache_dtypes).
 */
export function sparseMlaCacheBytesPerToken(latentDim: number, kvBytes: number): number {
  return kvBytes === 1 ? FP8_DS_MLA_BYTES_PER_TOKEN : latentDim * kvBytes;
}

/**
 * Indexer parameters of one layer: `wq_b` (q_lora_rank × heads·dim, quantised with the checkpoint),
 * `wk_weights_proj` (hidden × (dim + heads), bf16: vLLM builds it with quant_config None and
 * upcasts an fp8 checkpoint's wk) and `k_norm` (a LayerNorm of dim: weight and bias, bf16).
 */
export function indexerParamsPerLayer(s: SparseAttention, hidden: number): { quantised: number; bf16: number } {
  return { quantised: s.qLoraRank * s.indexHeads * s.indexHeadDim, bf16: hidden * (s.indexHeadDim + s.indexHeads) + 2 * s.indexHeadDim };
}

/** Indexer parameters of the whole model: every layer that builds one (indexerParamsPerLayer). */
export function indexerParamCount(s: SparseAttention, hidden: number): number {
  const p = indexerParamsPerLayer(s, hidden);
  return s.indexerLayers * (p.quantised + p.bf16);
}

/**
 * Layers that build an indexer, as vLLM's DeepseekV2MLAAttention decides it (IndexCache): with
 * `index_topk_pattern` the layers not marked "S"; else layer i skips when
 * max(i − index_skip_topk_offset + 1, 0) % index_topk_freq ≠ 0 (freq 1, the default: every layer).
 */
export function indexerLayerCount(layers: number, freq: number, offset: number, pattern: readonly unknown[] | null): number {
  let n = 0;
  for (let i = 0; i < layers; i++) {
    const skip = pattern !== null ? i < pattern.length && pattern[i] === 'S' : Math.max(i - offset + 1, 0) % freq !== 0;
    if (!skip) n++;
  }
  return n;
}

/**
 * vLLM serves sparse MLA only where a sparse backend runs: FlashMLA sparse on compute capability
 * 9.x and 10.x (flashmla_sparse.py `supports_compute_capability`), FlashInfer's sparse MLA on 10.x;
 * the indexer's fp8 score kernels are DeepGEMM's, also Hopper and Blackwell only. On Ampere (A100,
 * 8.0) and Ada (L40S, 8.9) the CUDA platform finds no valid attention backend and refuses to start
 * (platforms/cuda.py get_attn_backend_cls: "No valid attention backend found"). A GPU without a
 * compute capability (a --hardware-config file that gives none) cannot be checked: refused too.
 */
export function checkSparseAttentionGpu(modelName: string, hardware: HardwareSpec, where = '--hardware'): void {
  const cc = hardware.computeCapability;
  const major = Math.floor(cc);
  if (major === 9 || major === 10) return;
  const found = cc > 0 ? `${hardware.name} has compute capability ${cc.toFixed(1)}` : `${hardware.name} gives no computeCapability (set it in the hardware file)`;
  throw new InputError(
    'HARDWARE_UNSUPPORTED',
    where,
    `${modelName} uses DeepSeek sparse attention (index_topk), which vLLM serves only with its FlashMLA-sparse / FlashInfer-sparse backends and DeepGEMM indexer kernels on compute capability 9.x (Hopper) or 10.x (Blackwell); ${found}. Pick H100, H200 or B200`,
  );
}
