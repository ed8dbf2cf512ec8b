/**
 * Models whose layers are not all attention. blis simulates attention layers (full,
 * sliding-window, chunked, MLA), whose KV cache grows with the context. Linear-attention and
 * state-space (Mamba) layers keep a fixed recurrent state per request instead, which vLLM 0.15
 * holds in MambaSpec cache groups (v1/core/single_type_kv_cache_manager.py MambaManager) and
 * computes with other kernels. Read as attention, such a model would get a KV cache, a
 * capacity and a step time it does not have (Qwen3-Next: 36 of its 48 layers are Gated DeltaNet;
 * Nemotron-H: most are Mamba-2), so its config is refused by name rather than simulated wrong.
 *
 * Where a config says which layer is which (transformers' `layer_types`, Nemotron-H's
 * `hybrid_override_pattern`, MiniMax's `attn_type_list`) that is read; otherwise the model type
 * names the architecture (transformers model_type of each hybrid or recurrent family).
 */
type Json = Record<string, unknown>;

/** transformers model_type values of recurrent or hybrid (attention + recurrent) language models. */
const RECURRENT_MODEL_TYPES: ReadonlySet<string> = new Set([
  'mamba', 'mamba2', 'falcon_mamba', 'jamba', 'zamba', 'zamba2', 'bamba', 'nemotron_h', 'falcon_h1',
  'granitemoehybrid', 'qwen3_next', 'minimax', 'minimax_m1', 'rwkv', 'rwkv5', 'rwkv6', 'rwkv7',
  'recurrent_gemma', 'lfm2', 'plamo2', 'xlstm', 'hymba', 'kimi_linear',
]);

/** `layer_types` entries that are attention (transformers' names; gpt-oss, Gemma 3, Qwen 2/3 configs list them). */
const ATTENTION_LAYER_TYPES: ReadonlySet<string> = new Set(['full_attention', 'sliding_attention', 'chunked_attention', 'attention']);

/** Which field shows non-attention layers, and what it shows; null for an attention-only model. */
export function nonAttentionLayers(c: Json, modelType: string): { field: string; found: string } | null {
  const types = c['layer_types'];
  if (Array.isArray(types)) {
    const other = types.filter((t) => !ATTENTION_LAYER_TYPES.has(String(t)));
    if (other.length > 0) {
      const kinds = [...new Set(other.map(String))].map((k) => `'${k}'`).join(', ');
      return { field: 'layer_types', found: `${other.length} of ${types.length} layers are ${kinds}` };
    }
  }
  const pattern = c['hybrid_override_pattern'];
  if (typeof pattern === 'string' && pattern.includes('M')) {
    return { field: 'hybrid_override_pattern', found: `${[...pattern].filter((ch) => ch === 'M').length} Mamba layers ('M')` };
  }
  const attnTypes = c['attn_type_list'];
  // MiniMax-Text-01 / M1: 0 marks a linear ("lightning") attention layer, 1 a softmax one.
  if (Array.isArray(attnTypes) && attnTypes.some((t) => t === 0)) {
    return { field: 'attn_type_list', found: `${attnTypes.filter((t) => t === 0).length} linear-attention layers (0)` };
  }
  if (RECURRENT_MODEL_TYPES.has(modelType)) return { field: 'model_type', found: `'${modelType}' has recurrent (state-space or linear-attention) layers` };
  return null;
}

/** The refusal's explanation, after what the config shows. */
export const NON_ATTENTION_REFUSAL = 'blis simulates attention layers (full, sliding-window, chunked, MLA), whose KV cache grows with the context; linear-attention and state-space (Mamba) layers keep a fixed recurrent state per request (vLLM\'s MambaSpec cache groups) and run other kernels, which blis does not model, so this model cannot be simulated';
