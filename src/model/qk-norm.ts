/**
 * Per-head query/key normalisation that vLLM 0.15 runs as a kernel of its own: layers that
 * RMS-normalise each query and key head between the QKV projection and the rotary embedding.
 *
 * Under vLLM 0.15's default compilation (-O2: torch.compile with Inductor, `custom_ops` "none",
 * so RMSNorm and RotaryEmbedding run their PyTorch-native forms and Inductor generates Triton
 * kernels for them; `vllm/config/vllm.py`) and torch 2.9's horizontal ("combo") fusion, which
 * vLLM switches on (`CompilationConfig.__post_init__`: `combo_kernels`, vllm-project/vllm#26682),
 * the query norm and the key norm compile into one kernel and the query and key rotary into one
 * more: "After qkv_proj, we reduces from 5 kernels to 2 kernels: 1 for qk-norm and 1 for qk-rope"
 * (#26682, a Qwen3-0.6B trace), and the unfused path is "a triton kernel for Qknorm, a Triton kernel
 * for RoPE, reshape_and_cache_flash" (vllm-project/vllm#38621); vLLM also sets
 * `benchmark_combo_kernel`, so Inductor keeps a combination where it times faster (#26682's trace
 * shows it kept). So such a layer runs one more small kernel than a Llama layer (whose rotary is
 * the one kernel), and q and k are read and written once more. vLLM's fused QK-norm + RoPE pass (`enable_qk_norm_rope_fusion`) is off by default
 * (vllm-project/vllm#34391: it regressed on H100).
 *
 * Which layers, as vLLM 0.15's model code builds them (the norm before the rotary embedding):
 * - Qwen3 and Qwen3-MoE (`qwen3.py`, `qwen3_moe.py`: `q_norm`, `k_norm`), Gemma 3 (`gemma3.py`):
 *   every layer;
 * - any other architecture whose config sets `use_qk_norm` (GLM-4.5 MoE `glm4_moe.py`, Cohere
 *   `commandr.py`, both normalising before the rotary embedding): every layer;
 * - not Llama 4: `llama4.py` normalises q and k (weightless RMSNorm, RoPE layers only) after the
 *   rotary embedding, so the rotary is a pointwise producer that Inductor folds into the norm's
 *   reduction kernel (its reads are at the same positions the rotary writes): one kernel for both,
 *   as a Llama layer's rotary. No published trace shows a Llama 4 step; this follows the fusion
 *   rule, and the Qwen3 order (norm, then a rotary that reads the norm's output half a head away)
 *   is what keeps those two apart.
 */

type Json = Record<string, unknown>;

/** model_type values whose attention always normalises queries and keys per head before the rotary embedding. */
const ALWAYS: ReadonlySet<string> = new Set(['qwen3', 'qwen3_moe', 'gemma3', 'gemma3_text']);

/** Layers (of `layers`) whose per-head query and key norm runs as a kernel of its own (see above). */
export function qkNormLayerCount(c: Json, modelType: string, layers: number): number {
  if (ALWAYS.has(modelType)) return layers;
  if (c['use_qk_norm'] !== true) return 0;
  return modelType.startsWith('llama4') ? 0 : layers;
}
