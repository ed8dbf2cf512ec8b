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
  /** Bytes per weight element (2 for bf16/fp16, 1 for fp8). */
  readonly weightBytes: number;
  /** Bytes per KV-cache element. */
  readonly kvBytes: number;
  /** Total parameter count (computed from the shapes). */
  readonly totalParams: number;
  /** Parameters touched per token (active experts only). */
  readonly activeParams: number;
}
