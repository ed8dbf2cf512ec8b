/**
 * ModelSpec from a Hugging Face config.json object: validates the fields the simulator needs and
 * counts parameters from the shapes (embedding, attention with GQA or MLA, gated MLP, MoE experts
 * + router + shared experts, norms, lm head unless tied). Pure: the caller reads the file.
 */
import { InputError } from '../kernel/errors.js';
import type { MlaShape, ModelSpec } from './model-spec.js';
import { type GenerationDefaults, NO_GENERATION_DEFAULTS } from './generation-config.js';
import { type ContextLength, contextLength, hasLengthKey } from './max-model-len.js';
import { qkNormLayerCount } from './qk-norm.js';
import { quantizationObject, readQuantization } from './quantization.js';
import { ropeCacheBytes, visionTowerParams } from './rope-cache.js';
import { NON_ATTENTION_REFUSAL, nonAttentionLayers } from './sequence-mixers.js';
import { type SparseAttention, indexerLayerCount, indexerParamCount, indexerParamsPerLayer } from './sparse-attention.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function posInt(c: Json, field: string, where: string, fallback?: number): number {
  const v = c[field];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new InputError('MODEL_CONFIG_FIELD', `${where}: ${field}`, `missing field '${field}'; expected a positive integer`);
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new InputError('MODEL_CONFIG_FIELD', `${where}: ${field}`, `found ${JSON.stringify(v)}; expected a positive integer`);
  }
  return v;
}

function optInt(c: Json, field: string, where: string): number | undefined {
  const v = c[field];
  if (v === undefined || v === null) return undefined;
  return posInt(c, field, where);
}

/**
 * Whether the quantisation leaves the language model's attention projections unquantised: a
 * compressed-tensors `ignore` list (exact module names or `re:` patterns) or a
 * `modules_to_not_convert` list (name parts, `*` for any layer; awq, gptq, mxfp4)
 * that names them. Vision-tower entries do not count.
 */
function attentionIgnored(q: Json): boolean {
  const probes = ['model.layers.0.self_attn.q_proj', 'language_model.model.layers.0.self_attn.q_proj'];
  const ignore = q['ignore'];
  if (Array.isArray(ignore)) {
    const hit = ignore.some((e) => {
      if (typeof e !== 'string' || e.startsWith('vision')) return false;
      if (e.startsWith('re:')) {
        try {
          const re = new RegExp(e.slice(3));
          return probes.some((p) => re.test(p));
        } catch {
          return false;
        }
      }
      return /\.self_attn\.(q|k|v|qkv)_proj$/.test(e);
    });
    if (hit) return true;
  }
  // Matched as transformers and vLLM's is_layer_skipped do, as a substring of the module's name;
  // a `*` (gpt-oss: model.layers.*.self_attn) stands for one name part.
  const keep = q['modules_to_not_convert'];
  if (!Array.isArray(keep)) return false;
  return keep.some((e) => {
    if (typeof e !== 'string' || e === '' || e.startsWith('vision')) return false;
    const re = new RegExp(e.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^.]+'));
    return probes.some((p) => re.test(p));
  });
}

/** model_type values whose MLP is up and down projections only (transformers' Phi, StarCoder2, GPT-NeoX, Persimmon). */
const PLAIN_MLP_TYPES: ReadonlySet<string> = new Set(['phi', 'starcoder2', 'gpt_neox', 'persimmon']);

/**
 * Layers whose MLP is the routed experts, as transformers and vLLM build them: DeepSeek keeps the
 * first `first_k_dense_replace` dense and routes every `moe_layer_freq`-th after (layer i % freq
 * == 0); Llama 4 routes every `interleave_moe_layer_step`-th layer ((i + 1) % step == 0: Scout
 * every layer, Maverick every other); Qwen MoE every `decoder_sparse_step`-th except
 * `mlp_only_layers`. Every layer otherwise (Mixtral).
 */
function moeLayerCount(c: Json, layers: number, w: string): number {
  const firstDense = optInt(c, 'first_k_dense_replace', w) ?? 0;
  const freq = optInt(c, 'moe_layer_freq', w) ?? 1;
  const step = optInt(c, 'interleave_moe_layer_step', w) ?? optInt(c, 'decoder_sparse_step', w) ?? 1;
  const only = c['mlp_only_layers'];
  const dense = new Set(Array.isArray(only) ? only.filter((x): x is number => typeof x === 'number') : []);
  let n = 0;
  for (let i = 0; i < layers; i++) if (i >= firstDense && i % freq === 0 && (i + 1) % step === 0 && !dense.has(i)) n++;
  return n;
}

/**
 * Sliding-window attention: the window and how many layers use it, as transformers and vLLM read
 * the config. `layer_types` lists them where present (gpt-oss, newer configs); Gemma 2 alternates
 * (even layers slide), Gemma 3 and Cohere 2 slide all but every `sliding_window_pattern`-th
 * (default 6 and 4); the Qwen families only with `use_sliding_window` true; any other model with a
 * `sliding_window` slides on every layer (Mistral 7B v0.1, Phi-3). A window as long as the model's
 * context is no window.
 */
function slidingAttention(c: Json, modelType: string, layers: number, maxPos: number, w: string): { slidingWindow: number; slidingLayers: number } {
  const none = { slidingWindow: 0, slidingLayers: 0 };
  const window = optInt(c, 'sliding_window', w);
  if (window === undefined || window >= maxPos) return none;
  if (modelType.startsWith('qwen') && c['use_sliding_window'] !== true) return none;
  if (c['use_sliding_window'] === false) return none;
  const types = c['layer_types'];
  let n = layers;
  if (Array.isArray(types)) n = types.filter((t) => t === 'sliding_attention').length;
  else if (modelType === 'gemma2') n = Math.ceil(layers / 2);
  else if (modelType.startsWith('gemma3')) n = layers - Math.floor(layers / (optInt(c, 'sliding_window_pattern', w) ?? 6));
  // transformers Cohere2Config: every sliding_window_pattern-th layer (default 4) attends to the whole context.
  else if (modelType === 'cohere2') n = layers - Math.floor(layers / (optInt(c, 'sliding_window_pattern', w) ?? 4));
  return n > 0 ? { slidingWindow: window, slidingLayers: Math.min(n, layers) } : none;
}

/**
 * DeepSeek sparse attention, as vLLM reads it (deepseek_v2.py: a config with `index_topk` is
 * sparse; `Indexer` takes index_n_heads, index_head_dim and q_lora_rank; IndexCache's
 * index_topk_freq, index_skip_topk_offset (default 2) and index_topk_pattern decide which layers
 * build one). Sparse attention needs MLA with a q latent (vLLM asserts q_lora_rank).
 */
function sparseAttention(c: Json, layers: number, mla: boolean, w: string): SparseAttention | null {
  const topK = optInt(c, 'index_topk', w);
  if (topK === undefined) return null;
  if (!mla) throw new InputError('MODEL_CONFIG_FIELD', `${w}: index_topk`, 'sparse attention (index_topk) without kv_lora_rank; expected an MLA model (DeepSeek-V3.2, GLM-5)');
  const pattern = c['index_topk_pattern'];
  return Object.freeze({
    indexTopK: topK,
    indexHeads: posInt(c, 'index_n_heads', w),
    indexHeadDim: posInt(c, 'index_head_dim', w),
    indexerLayers: indexerLayerCount(layers, optInt(c, 'index_topk_freq', w) ?? 1, optInt(c, 'index_skip_topk_offset', w) ?? 2, Array.isArray(pattern) ? pattern : null),
    qLoraRank: posInt(c, 'q_lora_rank', w),
  });
}

/**
 * Fields a config.json may leave out because its transformers config class supplies them (so
 * transformers and vLLM read those values): Gemma 3's text_config in the published multimodal
 * checkpoints omits its vocabulary and context length (Gemma3TextConfig: vocab_size 262,208,
 * max_position_embeddings 131,072).
 */
const CLASS_DEFAULTS: Readonly<Record<string, Json>> = {
  gemma3_text: { vocab_size: 262208, max_position_embeddings: 131072 },
};

function withClassDefaults(c: Json): Json {
  const defaults = CLASS_DEFAULTS[String(c['model_type'] ?? '')];
  if (defaults === undefined) return c;
  const out: Json = { ...c };
  for (const [k, v] of Object.entries(defaults)) if (out[k] === undefined || out[k] === null) out[k] = v;
  return out;
}

/** The language model's part of a config.json: multimodal wrappers (Llama 4) keep it in text_config. */
export function languageConfig(config: Json): Json {
  return isObject(config['text_config']) ? (config['text_config'] as Json) : config;
}

/**
 * vLLM's context lengths of a config.json (its language model's part, with the config class's
 * defaults); undefined when the config names none (a trimmed experiment hf_config).
 */
export function configContextLength(config: Json): ContextLength | undefined {
  const c = withClassDefaults(languageConfig(config));
  if (!hasLengthKey(c)) return undefined;
  return contextLength(c, String(c['model_type'] ?? config['model_type'] ?? ''), 'hf_config');
}

/**
 * Builds a ModelSpec. `name` becomes the canonical (lower-cased) name; `where` names the source
 * (file name) in error messages; `generation` is the model's generation_config.json defaults
 * (none: vLLM's neutral sampling).
 */
export function modelSpecFromHfConfig(config: object, name: string, where: string, generation: GenerationDefaults = NO_GENERATION_DEFAULTS): ModelSpec {
  if (!isObject(config)) throw new InputError('MODEL_CONFIG_INVALID', where, 'expected a JSON object (a Hugging Face config.json)');
  const outer = config;
  const language = languageConfig(outer);
  const w = language === outer ? where : `${where}: text_config`;
  const c = withClassDefaults(language);
  const modelType = String(c['model_type'] ?? outer['model_type'] ?? '');
  const recurrent = nonAttentionLayers(c, modelType);
  if (recurrent !== null) throw new InputError('MODEL_UNSUPPORTED_LAYERS', `${w}: ${recurrent.field}`, `${recurrent.found}; ${NON_ATTENTION_REFUSAL}`);

  const hidden = posInt(c, 'hidden_size', w);
  const layers = posInt(c, 'num_hidden_layers', w);
  const heads = posInt(c, 'num_attention_heads', w);
  const vocab = posInt(c, 'vocab_size', w);
  // A config may name its length by another key (seq_length, n_positions, ...); vLLM takes the smallest (max-model-len.ts).
  const context = contextLength(c, modelType, w);
  const maxPos = optInt(c, 'max_position_embeddings', w) ?? context.derived;
  const intermediate = posInt(c, 'intermediate_size', w);
  const kvHeadsCfg = posInt(c, 'num_key_value_heads', w, heads);
  if (heads % kvHeadsCfg !== 0) {
    throw new InputError('MODEL_CONFIG_FIELD', `${w}: num_key_value_heads`, `${kvHeadsCfg} does not divide num_attention_heads ${heads}`);
  }
  const headDimCfg = optInt(c, 'head_dim', w) ?? hidden / heads;
  if (!Number.isInteger(headDimCfg)) {
    throw new InputError('MODEL_CONFIG_FIELD', `${w}: head_dim`, `missing and hidden_size/num_attention_heads = ${headDimCfg} is not an integer`);
  }
  // Absent, the config class's default decides: transformers' Gemma configs tie, Llama, Mistral, Qwen and the rest do not.
  const tiedCfg = c['tie_word_embeddings'] ?? outer['tie_word_embeddings'];
  const tied = tiedCfg === true || (tiedCfg === undefined && modelType.startsWith('gemma'));

  // Mixture of experts: Mixtral/Llama 4 num_local_experts, Qwen3-MoE num_experts, DeepSeek n_routed_experts.
  const expertCount = optInt(c, 'num_local_experts', w) ?? optInt(c, 'n_routed_experts', w) ?? optInt(c, 'num_experts', w);
  const numExperts = expertCount ?? 1;
  const isMoe = numExperts > 1;
  // Experts per token with no expert count is a MoE config missing its size (a misspelt key): read as dense it would lose most of its weights.
  const perTokenGiven = optInt(c, 'num_experts_per_tok', w) ?? optInt(c, 'experts_per_token', w);
  if (expertCount === undefined && perTokenGiven !== undefined && perTokenGiven > 1) {
    throw new InputError('MODEL_CONFIG_FIELD', `${w}: num_local_experts`, `missing: num_experts_per_tok is ${perTokenGiven}, so this is a mixture of experts, but no expert count is given (num_local_experts, n_routed_experts or num_experts)`);
  }
  // gpt-oss may name it experts_per_token only.
  const expertsPerToken = isMoe ? (perTokenGiven ?? posInt(c, 'num_experts_per_tok', w)) : 1;
  if (expertsPerToken > numExperts) {
    throw new InputError('MODEL_CONFIG_FIELD', `${w}: num_experts_per_tok`, `${expertsPerToken} exceeds the expert count ${numExperts}`);
  }
  const moeIntermediate = isMoe ? (optInt(c, 'moe_intermediate_size', w) ?? intermediate) : intermediate;
  let sharedIntermediate = 0;
  if (isMoe) {
    const nShared = optInt(c, 'n_shared_experts', w);
    const sharedSize = optInt(c, 'shared_expert_intermediate_size', w);
    if (sharedSize !== undefined) sharedIntermediate = sharedSize;
    else if (nShared !== undefined) sharedIntermediate = nShared * moeIntermediate;
    // Llama 4 MoE layers add one shared expert of intermediate_size (transformers Llama4TextMoe).
    else if (modelType.startsWith('llama4')) sharedIntermediate = intermediate;
  }
  const moeLayers = isMoe ? moeLayerCount(c, layers, w) : 0;
  const denseLayers = layers - moeLayers;
  // A dense layer of an MoE model is intermediate_size wide, except Llama 4's (intermediate_size_mlp).
  const denseWidth = isMoe ? (optInt(c, 'intermediate_size_mlp', w) ?? intermediate) : intermediate;

  // Attention. MLA (DeepSeek V2) caches one latent of kv_lora_rank + qk_rope_head_dim per token
  // per layer, shared by all heads and replicated across TP ranks (vLLM MLA backend): expressed as
  // one KV "head" whose K and V halves together hold that latent.
  const kvLora = optInt(c, 'kv_lora_rank', w);
  let kvHeads = kvHeadsCfg;
  let headDim = headDimCfg;
  let attnParams: number;
  let mla: MlaShape | null = null;
  if (kvLora !== undefined) {
    const rope = posInt(c, 'qk_rope_head_dim', w);
    const nope = posInt(c, 'qk_nope_head_dim', w);
    const vDim = posInt(c, 'v_head_dim', w);
    const qLora = optInt(c, 'q_lora_rank', w);
    const qDim = heads * (nope + rope);
    const qParams = qLora !== undefined ? hidden * qLora + qLora + qLora * qDim : hidden * qDim;
    attnParams = qParams + hidden * (kvLora + rope) + kvLora + kvLora * heads * (nope + vDim) + heads * vDim * hidden;
    kvHeads = 1;
    headDim = (kvLora + rope) / 2;
    mla = Object.freeze({ kvLoraRank: kvLora, qkRopeHeadDim: rope, qkNopeHeadDim: nope, replicatedParamsPerLayer: hidden * ((qLora ?? 0) + kvLora + rope) });
  } else {
    const qDim = heads * headDimCfg;
    const kvDim = kvHeadsCfg * headDimCfg;
    attnParams = 2 * hidden * qDim + 2 * hidden * kvDim;
    // Qwen2 has q/k/v biases; Qwen3 has per-head q/k RMSNorm weights.
    if (modelType === 'qwen2' || c['attention_bias'] === true) attnParams += qDim + 2 * kvDim;
    if (modelType.startsWith('qwen3')) attnParams += 2 * headDimCfg;
  }

  // Gate, up and down projections (SwiGLU, GeGLU); the architectures transformers builds with a
  // plain two-matrix MLP (fc1, activation, fc2) have no gate.
  const gated = PLAIN_MLP_TYPES.has(modelType) ? 2 : 3;
  const denseMlp = gated * hidden * denseWidth;
  const expert = gated * hidden * moeIntermediate;
  const shared = gated * hidden * sharedIntermediate;
  const router = isMoe ? hidden * numExperts : 0;
  const norms = 2 * hidden;
  const perDense = attnParams + denseMlp + norms;
  const perMoeTotal = attnParams + numExperts * expert + shared + router + norms;
  const perMoeActive = attnParams + expertsPerToken * expert + shared + router + norms;
  const embed = vocab * hidden;
  const lmHead = tied ? 0 : vocab * hidden;
  const sparse = sparseAttention(c, layers, mla !== null, w);
  const indexer = sparse === null ? { quantised: 0, bf16: 0 } : indexerParamsPerLayer(sparse, hidden);
  const indexerLayers = sparse === null ? 0 : sparse.indexerLayers;
  const indexerParams = sparse === null ? 0 : indexerParamCount(sparse, hidden);
  const totalParams = embed + lmHead + hidden + denseLayers * perDense + moeLayers * perMoeTotal + indexerParams;
  const activeParams = embed + lmHead + hidden + denseLayers * perDense + moeLayers * perMoeActive + indexerParams;

  // Multimodal wrappers keep the quantisation at the top level, beside text_config.
  const qc = quantizationObject(outer) !== undefined ? outer : c;
  const quant = readQuantization(qc, where);
  const wb = quant.weightBytes;
  const attnBytes = wb < 2 && attentionIgnored(quantizationObject(qc)!.q) ? 2 : wb;
  const quantised = totalParams - indexerParams - embed - lmHead - layers * attnParams - hidden - layers * norms;
  // The indexer's wq_b follows the checkpoint's quantisation; its fused k/weights projection and norm stay bf16.
  const indexerBytes = indexerLayers * (indexer.quantised * wb + indexer.bf16 * 2);
  const mlaReplicatedBytes = mla === null ? 0 : layers * mla.replicatedParamsPerLayer * attnBytes;
  // A multimodal checkpoint's vision tower, loaded unquantised beside the language model (./rope-cache.ts).
  const visionBytes = visionTowerParams(outer, hidden) * 2;
  return Object.freeze({
    name: name.toLowerCase(),
    numLayers: layers,
    hiddenSize: hidden,
    numAttentionHeads: heads,
    numKvHeads: kvHeads,
    headDim,
    intermediateSize: intermediate,
    vocabSize: vocab,
    maxPositionEmbeddings: maxPos,
    maxModelLen: context.maxModelLen,
    maxModelLenRule: context.rule,
    maxModelLenLimit: context.derived,
    numExperts,
    expertsPerToken,
    moeLayers,
    ...slidingAttention(c, modelType, layers, maxPos, w),
    qkNormLayers: qkNormLayerCount(c, modelType, layers),
    moeIntermediateSize: moeIntermediate,
    sharedExpertIntermediateSize: sharedIntermediate,
    tieWordEmbeddings: tied,
    weightBytes: wb,
    attentionWeightBytes: attnBytes,
    lmHeadWeightBytes: 2,
    activationQuant: quant.activationQuant,
    gemmFormat: quant.gemm,
    quantization: quant.label,
    mla,
    sparseAttention: sparse,
    replicatedWeightBytes: indexerBytes + mlaReplicatedBytes,
    attentionParamsPerLayer: attnParams,
    // Embedding, lm head and norms stay 16-bit in every fp8 checkpoint vLLM loads.
    weightMemoryBytes: quantised * wb + layers * attnParams * attnBytes + (embed + lmHead + hidden + layers * norms) * 2 + indexerBytes + visionBytes,
    ropeCacheBytes: ropeCacheBytes(c, modelType, maxPos, headDimCfg, mla?.qkRopeHeadDim),
    // vLLM kv_cache_dtype=auto keeps the KV cache in the activation dtype (16-bit) even for fp8 weights.
    kvBytes: 2,
    totalParams,
    activeParams,
    generation,
  });
}
