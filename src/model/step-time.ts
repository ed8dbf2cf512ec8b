/**
 * The step-time model interface: how long one engine step takes, from the batch's shape.
 * Implementations (roofline, fitted, linear) are registry entries in ./registry.ts.
 */
import type { ModelSpec } from './model-spec.js';
import type { HardwareSpec } from './hardware.js';
import type { MoeJitFacts } from './moe-jit.js';

/**
 * The shape of one scheduled batch. Arrays are caller-owned and reused between steps;
 * only the first `size` entries are meaningful. A model must not keep references to them.
 */
export interface BatchShape {
  /** Number of requests in the batch. */
  size: number;
  /** New tokens each request computes this step (1 for a decode, the chunk for a prefill). */
  readonly newTokens: Int32Array;
  /** Tokens already in the request's KV cache before this step (attended context, incl. cached prefix). */
  readonly contextTokens: Int32Array;
  /** 1 when the request is in its prefill phase this step (its chunk does not finish decoding). */
  readonly isPrefill: Uint8Array;
  /** Sum of newTokens[0..size). */
  totalNewTokens: number;
  /** Requests with isPrefill = 1. */
  numPrefill: number;
  /**
   * Optional: the first `decodePrefix` slots are one-token decodes (isPrefill 0, newTokens 1) whose
   * contexts sum to `decodePrefixContext`; their contextTokens entries need not be written. Read
   * only by a model whose DecodeAggregateCost says `decodePrefix` (a decode run's batch that also
   * admits requests is then costed without writing every running request's context).
   */
  readonly decodePrefix?: number;
  readonly decodePrefixContext?: number;
}

export interface StepTimeModel {
  /** Duration of one step in integer microseconds (>= 1), CPU and GPU work back to back (synchronous scheduling). */
  stepTimeUs(batch: BatchShape): number;
  /** Optional capability: the step's cost split into GPU and CPU work (see StepCostSplit). */
  readonly split?: StepCostSplit;
  /** Optional capability: the cost of a decode-only batch from its aggregates (see DecodeAggregateCost). */
  readonly decode?: DecodeAggregateCost;
  /** The model's Triton fused-MoE kernel variants, compiled on first use (./moe-jit.ts); absent: none. */
  readonly kernelJit?: MoeJitFacts;
}

/**
 * The cost of a decode-only batch (every slot computes one new token and none is in prefill)
 * from two aggregates: the number of requests and their summed context. Between batch changes
 * the engine advances such a batch without touching its requests (event leaping, docs/engine.md),
 * so it needs each step's time in O(1); a model offers this when its decode cost depends on the
 * batch only through these aggregates (every model in the registry does).
 * Contract, exact rather than approximate (leaping must not change any output): for every
 * decode-only batch b, `decodeStepUs(b.size, Σ b.contextTokens) === stepTimeUs(b)`, and, when the
 * model has `split`, `decodeCostUs` writes exactly what `split.stepCostUs(b, out)` writes. The
 * usual way to keep it: compute the per-slot path from integer sums and share that code (roofline.ts).
 * A model that cannot (e.g. a per-request non-linear attention term) leaves it out; the engine
 * then steps batch by batch, with the same results.
 */
export interface DecodeAggregateCost {
  /** Step time in integer µs of `requests` decodes whose contexts sum to `contextTokens`. */
  decodeStepUs(requests: number, contextTokens: number): number;
  /** GPU µs into out[0], CPU µs into out[1] for the same batch; required when the model has `split`. */
  decodeCostUs?(requests: number, contextTokens: number, out: Float64Array): void;
  /**
   * stepTimeUs (and split.stepCostUs) read BatchShape.decodePrefix: the sums of a batch's leading
   * decodes stand for their per-slot contexts, with the same bits (integer sums).
   */
  readonly decodePrefix?: boolean;
}

/**
 * The step's cost split into GPU work and the engine core's CPU work (scheduling, input
 * preparation, output processing). vLLM 0.15 schedules and prepares step N+1 while the GPU runs
 * step N (async scheduling, v1/engine/core.py step_with_batch_queue), so the engine overlaps the
 * CPU part with the GPU part instead of adding them. Contract: `stepTimeUs(b)` equals
 * max(1, round(gpu + cpu)) for the same batch.
 */
export interface StepCostSplit {
  /** Writes the batch's GPU µs into out[0] and CPU µs into out[1] (finite, >= 0, unrounded). Allocates nothing. */
  stepCostUs(batch: BatchShape, out: Float64Array): void;
  /** µs an overlapped step adds beyond max(GPU, CPU): the host's wait for the previous step's sampled tokens and the hand-over. */
  readonly asyncSyncUs: number;
}

/**
 * Per-request overheads outside the GPU step, added to the request's latencies by the engine.
 * Optional capability of a step-time model. Each part scales with what causes it (vLLM 0.15:
 * the OpenAI API server is a separate process from the engine core, entrypoints/openai and
 * v1/engine/async_llm.py):
 * - the API server's work per request (HTTP, tokenise, hand-off to the engine core, the first
 *   detokenise and SSE event) is a constant per request: `preScheduleUs` before the engine sees
 *   it, `firstTokenUs` on the way out;
 * - the output path's work per streamed token (engine-core output processing, IPC, the API
 *   server's incremental detokenise and SSE write) runs over all tokens a step emits before the
 *   last of them is out: `perStreamedTokenUs` per token of the same step, for engines that apply
 *   it;
 * - a request-serial per-token cost, if any, accumulates: `perOutputTokenUs`.
 */
export interface RequestOverheads {
  /** Added between arrival at the instance and becoming schedulable. */
  readonly preScheduleUs: number;
  /** Added to the first token's emission time (TTFT) and every later token time. */
  readonly firstTokenUs: number;
  /** Added per output token after the first, cumulatively (a per-request serial cost), microseconds. */
  readonly perOutputTokenUs: number;
  /**
   * µs of output-path work per token a step streams: an engine that applies it delays the tokens
   * a step emits by perStreamedTokenUs × (tokens that step emitted), so the output lag grows with
   * the batch. Absent or 0 when the model does not carry it.
   */
  readonly perStreamedTokenUs?: number;
}

export interface StepTimeContext {
  readonly model: ModelSpec;
  readonly hardware: HardwareSpec;
  readonly tp: number;
  /** How an MoE model's experts are spread over data-parallel ranks (./moe-parallel.ts); absent: one rank, experts TP-sharded. */
  readonly moeParallel?: MoeParallelism;
}

/**
 * vLLM's parallelism of an MoE model's routed experts (`--data-parallel-size`,
 * `--enable-expert-parallel`): the experts are spread over the dp · tp GPUs of all the ranks, whose
 * steps run the MoE layers together on every rank's tokens (./moe-parallel.ts).
 */
export interface MoeParallelism {
  /** Data-parallel engine ranks (vLLM --data-parallel-size); 1: none. */
  readonly dp: number;
  /** Whole experts per GPU (vLLM --enable-expert-parallel) instead of every expert sharded over the GPUs. */
  readonly expertParallel: boolean;
}

export interface StepTimeModelEntry {
  readonly name: string;
  readonly describe: string;
  create(ctx: StepTimeContext, options?: Record<string, unknown>): StepTimeModel & Partial<{ overheads: RequestOverheads }>;
}
