import type { GenerationDefaults } from './generation-config.js';

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
  /** Mixture of experts: total routed experts and active experts per token (1/1 for dense). */
  readonly numExperts: number;
  readonly expertsPerToken: number;
  /** Per-expert MLP width for MoE (equals intermediateSize for dense). */
  readonly moeIntermediateSize: number;
  /** Shared (always active) expert width, 0 if none. */
  readonly sharedExpertIntermediateSize: number;
  readonly tieWordEmbeddings: boolean;
  /** Bytes per weight element of the quantised linear layers (2 for bf16/fp16, 1 for fp8). */
  readonly weightBytes: number;
  /**
   * Bytes per weight of the attention projections: an fp8 checkpoint may leave them 16-bit
   * (RedHatAI's Llama-4-Scout FP8-dynamic lists every self_attn projection in its `ignore`).
   */
  readonly attentionWeightBytes: number;
  /** Bytes per lm-head weight: 16-bit in every fp8 format vLLM loads (the head is not a quantised linear). */
  readonly lmHeadWeightBytes: number;
  /**
   * Activations are quantised to fp8 before each quantised GEMM (w8a8: compressed-tensors
   * `input_activations` 8-bit float, or quant_method fp8): one extra elementwise pass per GEMM input.
   */
  readonly activationQuant: boolean;
  /** Attention projection parameters per layer (q, k, v, o; MLA's low-rank projections). */
  readonly attentionParamsPerLayer: number;
  /** Bytes of all weights as loaded (embedding, lm head and any unquantised parts at 2 bytes). */
  readonly weightMemoryBytes: number;
  /** Bytes per KV-cache element. */
  readonly kvBytes: number;
  /** Total parameter count (computed from the shapes). */
  readonly totalParams: number;
  /** Parameters touched per token (active experts only). */
  readonly activeParams: number;
  /** Default sampling parameters (generation_config.json), which decide the sampler's passes over the logits (./generation-config.ts). */
  readonly generation: GenerationDefaults;
}
