import type { GemmFormat } from './quantization.js';
import type { GenerationDefaults } from './generation-config.js';
import type { SparseAttention } from './sparse-attention.js';

/** The config.json fields of an MLA model that vLLM's backend choice reads. */
export interface MlaShape {
  readonly kvLoraRank: number;
  readonly qkRopeHeadDim: number;
  readonly qkNopeHeadDim: number;
  /**
   * Parameters per layer of the down ("a") projections from the hidden state: kv_a_proj_with_mqa
   * (hidden × (kv_lora_rank + qk_rope_head_dim)) and, with q_lora_rank, q_a_proj (hidden ×
   * q_lora_rank). vLLM builds them replicated on every TP rank (deepseek_v2.py: ReplicatedLinear,
   * or DeepSeekV2FusedQkvAProjLinear with tensor parallelism disabled).
   */
  readonly replicatedParamsPerLayer: number;
}

/** Model architecture facts the simulator needs, taken from a Hugging Face config.json. */
export interface ModelSpec {
  /** Canonical lower-case name, e.g. `qwen/qwen3-14b`. */
  readonly name: string;
  readonly numLayers: number;
  readonly hiddenSize: number;
  readonly numAttentionHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly intermediateSize: number;
  readonly vocabSize: number;
  readonly maxPositionEmbeddings: number;
  /**
   * vLLM's max_model_len when none is given: max_position_embeddings stretched by RoPE scaling
   * (yarn, linear, dynamic), or LongRoPE's original length (./max-model-len.ts).
   */
  readonly maxModelLen: number;
  /** How maxModelLen was derived when more than max_position_embeddings decided it; null otherwise. */
  readonly maxModelLenRule: string | null;
  /** The longest max_model_len the config allows (vLLM's derived_max_model_len; above maxModelLen only with LongRoPE). */
  readonly maxModelLenLimit: number;
  /** Mixture of experts: total routed experts and active experts per token (1/1 for dense). */
  readonly numExperts: number;
  readonly expertsPerToken: number;
  /** Layers whose MLP is the routed experts (all for Mixtral, every other for Llama 4 Maverick, 0 for dense). */
  readonly moeLayers: number;
  /** Sliding-window attention: the window in tokens (0 = none) and the layers that use it (the others attend to the whole context). */
  readonly slidingWindow: number;
  readonly slidingLayers: number;
  /** Layers whose attention RMS-normalises each query and key head before the rotary embedding, a kernel of its own in vLLM 0.15 (Qwen3, Gemma 3; not Llama 4, whose norm follows the rotary; ./qk-norm.ts). */
  readonly qkNormLayers: number;
  /** Per-expert MLP width for MoE (equals intermediateSize for dense). */
  readonly moeIntermediateSize: number;
  /** Shared (always active) expert width, 0 if none. */
  readonly sharedExpertIntermediateSize: number;
  readonly tieWordEmbeddings: boolean;
  /** Bytes streamed per weight of the quantised linear layers, scales included (2 for bf16/fp16, 1 for fp8 or int8, ~0.52 for 4-bit; quantization.ts). */
  readonly weightBytes: number;
  /**
   * Bytes per weight of the attention projections: an fp8 checkpoint may leave them 16-bit
   * (RedHatAI's Llama-4-Scout FP8-dynamic lists every self_attn projection in its `ignore`).
   */
  readonly attentionWeightBytes: number;
  /** Bytes per lm-head weight: 16-bit in every fp8 format vLLM loads (the head is not a quantised linear). */
  readonly lmHeadWeightBytes: number;
  /**
   * Activations are quantised before each quantised GEMM (w8a8: compressed-tensors 8-bit
   * `input_activations`, or quant_method fp8, per token; nvfp4 w4a4 per 16 elements): one extra
   * elementwise pass per GEMM input where the GPU runs the format natively.
   */
  readonly activationQuant: boolean;
  /** Tensor-core math of the quantised linear layers (fp8 and fp4 fall back to 16-bit on a GPU without their tensor cores). */
  readonly gemmFormat: GemmFormat;
  /** The weight format, for reports ("bf16", "fp8 w8a8", "int4 w4a16 (gptq, group 128)"). */
  readonly quantization: string;
  /**
   * Multi-head latent attention (DeepSeek V2/V3): the cached latent's shape, which decides the
   * attention backend and the KV block size vLLM forces (./kv-block-size.ts); null for MHA/GQA.
   */
  readonly mla: MlaShape | null;
  /**
   * DeepSeek sparse attention (config `index_topk`: DeepSeek-V3.2, GLM-5): the lightning indexer's
   * shape and top-k (./sparse-attention.ts); null for dense attention.
   */
  readonly sparseAttention: SparseAttention | null;
  /** Bytes of weights every TP rank holds whole (MLA's a-projections and the sparse-attention indexer, which vLLM replicates); 0 when all are sharded. */
  readonly replicatedWeightBytes: number;
  /** Attention projection parameters per layer (q, k, v, o; MLA's low-rank projections). */
  readonly attentionParamsPerLayer: number;
  /** Bytes of all weights as loaded (embedding, lm head and any unquantised parts at 2 bytes; a multimodal checkpoint's vision tower). */
  readonly weightMemoryBytes: number;
  /** Bytes of the RoPE cos/sin cache every GPU holds whole (./rope-cache.ts); 0 for a model without rotary positions. */
  readonly ropeCacheBytes: number;
  /** Bytes per KV-cache element. */
  readonly kvBytes: number;
  /** Total parameter count (computed from the shapes). */
  readonly totalParams: number;
  /** Parameters touched per token (active experts only). */
  readonly activeParams: number;
  /** Default sampling parameters (generation_config.json), which decide the sampler's passes over the logits (./generation-config.ts). */
  readonly generation: GenerationDefaults;
}
