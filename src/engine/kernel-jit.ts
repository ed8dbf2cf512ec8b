/**
 * One instance's compiled fused-MoE kernel variants (model/moe-jit.ts says which exist and which
 * start-up compiles). A step above the largest CUDA-graph capture size runs eagerly with its exact
 * token count; when that launches a variant the instance has not compiled yet, the step's GPU
 * work waits for the compile (the worker compiles before it can launch the kernel), once.
 */
import { cudaGraphSizes, moeVariant, moeVariantCount, type MoeJitFacts } from '../model/moe-jit.js';

export class KernelJit {
  /** 1 for each variant index compiled on this instance. */
  private readonly compiled: Uint8Array;
  /** Token counts from here on run without a CUDA graph (above the largest capture size). */
  private readonly eagerFrom: number;
  /** Variants compiled on first use so far, and the µs steps waited for them. */
  compiles = 0;
  stalledUs = 0;

  constructor(
    private readonly facts: MoeJitFacts,
    engine: { readonly maxNumSeqs: number; readonly maxNumBatchedTokens: number },
  ) {
    this.compiled = new Uint8Array(moeVariantCount(facts));
    const sizes = cudaGraphSizes(engine.maxNumSeqs, engine.maxNumBatchedTokens);
    // Graph capture runs the model at every capture size; the memory profile at the full token budget.
    for (const s of sizes) this.compiled[moeVariant(facts, s)] = 1;
    this.compiled[moeVariant(facts, engine.maxNumBatchedTokens)] = 1;
    this.eagerFrom = sizes.length === 0 ? 1 : sizes[sizes.length - 1]! + 1;
  }

  /** µs the step of `tokens` scheduled tokens waits for compiles (0 when graph-padded or already compiled); marks them compiled. */
  stallUs(tokens: number): number {
    if (tokens < this.eagerFrom) return 0;
    const v = moeVariant(this.facts, tokens);
    if (this.compiled[v] === 1) return 0;
    this.compiled[v] = 1;
    this.compiles++;
    this.stalledUs += this.facts.stallUs;
    return this.facts.stallUs;
  }
}
