/**
 * Model memory vLLM 0.15 holds on each GPU besides the language model's weights, which its memory
 * profiling counts with them (v1/worker/gpu_model_runner.py load_model: DeviceMemoryProfiler, the
 * bytes allocated by loading; gpu_worker.py determine_available_memory subtracts them before the
 * KV cache is sized):
 *
 * - **The RoPE cos/sin cache.** model_executor/layers/rotary_embedding/base.py RotaryEmbedding
 *   registers a `cos_sin_cache` buffer of [positions, rotary_dim] in the model dtype (get_rope
 *   defaults to torch's default dtype, the model dtype while the model is built), on every rank
 *   (it is not sharded), one per distinct RoPE configuration (get_rope's `_ROPE_DICT`: the layers
 *   share it). positions is the max_position the model passes, config.max_position_embeddings,
 *   for the default, llama3, mrope and NTK types; × factor for linear and dynamic scaling
 *   (linear_scaling_rope.py, dynamic_ntk_scaling_rope.py); original_max_position_embeddings ×
 *   factor for yarn and DeepSeek's yarn (yarn_scaling_rope.py, deepseek_scaling_rope.py, which
 *   deepseek_v2.py uses for MLA). rotary_dim is head_dim × partial_rotary_factor, MLA's
 *   qk_rope_head_dim. Tens of MB at 32k–131k positions; Llama 4 Scout's 10,485,760 make 2.7 GB.
 * - **A vision tower**, for a multimodal checkpoint (a `vision_config` beside `text_config`):
 *   vLLM builds it whenever images are allowed (the default), unquantised (mllama4.py passes
 *   quant_config=None; compressed-tensors checkpoints list it in `ignore`) and sharded over the TP
 *   ranks (mm_encoder_tp_mode "weights", the default). Its parameters are counted from the config
 *   as a ViT: per layer q, k, v, o (4·h²) and a two-matrix MLP (2·h·i), plus the patch embedding
 *   (channels × patch² × h) and the projection into the language model (vision output → text
 *   hidden); Llama 4 adds its pixel-shuffle adapter (transformers Llama4VisionPixelShuffleMLP:
 *   intermediate_size → projector_input_dim → projector_output_dim). Biases and norms (under 0.1 %)
 *   are left out.
 */
type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(c: Json, key: string): number | undefined {
  const v = c[key];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}

/** model_type values whose positions are not rotary (ALiBi or learned): no cos/sin cache. */
const NO_ROPE_TYPES: ReadonlySet<string> = new Set(['bloom', 'mpt', 'gpt2', 'gpt_bigcode', 'opt']);

/** The 16-bit cache elements (vLLM runs 16-bit activations; an fp32 checkpoint is served in bf16 by default). */
const CACHE_BYTES = 2;

/**
 * Bytes of the RoPE cos/sin cache on each GPU. `c`: the language model's config (text_config for a
 * multimodal wrapper); `maxPos`: its max_position_embeddings; `headDim`: the attention head
 * dimension; `ropeDim`: MLA's qk_rope_head_dim (which replaces head_dim × partial factor).
 */
export function ropeCacheBytes(c: Json, modelType: string, maxPos: number, headDim: number, ropeDim?: number): number {
  if (NO_ROPE_TYPES.has(modelType) || c['alibi'] === true) return 0;
  // transformers 4.x names the scaling rope_scaling (`type` or `rope_type`); 5.x rope_parameters.
  const scaling = isObject(c['rope_scaling']) ? c['rope_scaling'] : isObject(c['rope_parameters']) ? c['rope_parameters'] : {};
  const kind = String(scaling['rope_type'] ?? scaling['type'] ?? 'default');
  const factor = num(scaling, 'factor') ?? 1;
  const original = num(scaling, 'original_max_position_embeddings') ?? maxPos;
  let positions = maxPos;
  if (kind === 'linear' || kind === 'dynamic') positions = maxPos * factor;
  else if (kind === 'yarn' || kind === 'deepseek_yarn') positions = original * factor;
  const partial = num(c, 'partial_rotary_factor') ?? num(scaling, 'partial_rotary_factor') ?? num(c, 'rotary_pct') ?? 1;
  const rotaryDim = ropeDim ?? Math.floor(headDim * Math.min(1, partial));
  return Math.floor(positions) * rotaryDim * CACHE_BYTES;
}

/**
 * Parameters of the vision tower of a multimodal config (`outer`, the file's top level; 0 when it
 * has no vision_config). `textHidden`: the language model's hidden size, which the projector feeds.
 */
export function visionTowerParams(outer: Json, textHidden: number): number {
  const v = outer['vision_config'];
  if (!isObject(v)) return 0;
  const h = num(v, 'hidden_size') ?? num(v, 'embed_dim');
  const layers = num(v, 'num_hidden_layers') ?? num(v, 'depth');
  if (h === undefined || layers === undefined) return 0;
  const inter = num(v, 'intermediate_size') ?? (num(v, 'mlp_ratio') ?? 4) * h;
  const patch = num(v, 'patch_size') ?? 14;
  const channels = num(v, 'num_channels') ?? num(v, 'in_channels') ?? 3;
  const encoder = layers * (4 * h * h + 2 * h * inter) + channels * patch * patch * h;
  const adapterIn = num(v, 'projector_input_dim');
  const adapterOut = num(v, 'projector_output_dim');
  const adapter = adapterIn !== undefined && adapterOut !== undefined ? inter * adapterIn + adapterIn * adapterOut : 0;
  const visionOut = num(v, 'vision_output_dim') ?? adapterOut ?? h;
  return encoder + adapter + visionOut * textHidden;
}
