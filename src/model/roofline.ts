/**
 * Roofline step time: each operator's time is max(FLOPs / (peak × compute efficiency),
 * bytes / (HBM bandwidth × bandwidth efficiency)), per GPU (TP shards weights, heads and KV
 * heads), summed over operators and layers, plus TP all-reduce and fixed CPU costs.
 * The same terms, unsummed, are the basis of the fitted model (./fitted.ts).
 */
import type { BatchShape, StepTimeContext, StepTimeModel } from './step-time.js';
import { kvBytesPerTokenPerLayer, validateTp } from './kv-sizing.js';
import { type RooflineParams, ROOFLINE_DEFAULTS, resolveRooflineParams } from './roofline-params.js';

/**
 * Basis terms, in order. Times are µs computed with the roofline params; counts are per step.
 * The roofline itself is Σ ROOFLINE_COEFFICIENTS[i] × basis[i].
 */
export const ROOFLINE_BASIS = Object.freeze([
  'step', // 1 per step
  'gemm_us', // layers × (projection/MLP/expert GEMMs: max(compute, weight read))
  'attn_prefill_us', // layers × prefill attention: max(causal QK/PV FLOPs, KV read)
  'attn_decode_us', // layers × decode attention: max(FLOPs, KV read of each request's context)
  'lm_head_us', // lm head on one token per request
  'allreduce_us', // 2 TP all-reduces per layer (ring) + latency
  'requests', // scheduled requests
  'prefill_tokens', // new tokens of prefill requests
  'decode_tokens', // new tokens of decode requests
] as const);

export type RooflineBasisName = (typeof ROOFLINE_BASIS)[number];
export const BASIS_SIZE = ROOFLINE_BASIS.length;

/** Coefficients that make Σ coeff × basis equal the roofline with the given params. */
export function rooflineCoefficients(p: RooflineParams = ROOFLINE_DEFAULTS): Record<RooflineBasisName, number> {
  return {
    step: p.stepOverheadUs,
    gemm_us: 1,
    attn_prefill_us: 1,
    attn_decode_us: 1,
    lm_head_us: 1,
    allreduce_us: 1,
    requests: p.perRequestUs,
    prefill_tokens: 0,
    decode_tokens: 0,
  };
}

/**
 * Writes the basis terms of `batch` into out[0..BASIS_SIZE). Allocates nothing. `decode` writes
 * the same terms for a decode-only batch of `requests` slots whose contexts sum to `contextTokens`
 * (identical bits to the per-slot call; see DecodeAggregateCost in ./step-time.ts).
 */
export type BasisFn = ((batch: BatchShape, out: Float64Array) => void) & {
  readonly decode: (requests: number, contextTokens: number, out: Float64Array) => void;
};

/** Per-model constants of the roofline, precomputed once per (model, hardware, tp). */
export function rooflineBasis(ctx: StepTimeContext, params: RooflineParams = ROOFLINE_DEFAULTS): BasisFn {
  const { model: m, hardware: hw, tp } = ctx;
  validateTp(m, tp);
  const h = m.hiddenSize;
  const wb = m.weightBytes;
  const isMoe = m.numExperts > 1;
  const E = m.numExperts;
  const k = m.expertsPerToken;
  const expertParams = isMoe ? 3 * h * m.moeIntermediateSize : 0;
  const embed = m.vocabSize * h;
  const lmHeadParams = m.vocabSize * h; // computed whether tied or not
  const lmHeadStored = m.tieWordEmbeddings ? 0 : lmHeadParams;
  // Always-active weights per layer (attention projections, norms, router, shared experts, dense
  // MLP), taken as the residual of the catalog's exact count so MLA or dense-first layers are included.
  const alwaysPerLayer = (m.totalParams - embed - lmHeadStored) / m.numLayers - (isMoe ? E * expertParams : 0);

  // fp8 weights run fp8 GEMMs where the GPU has fp8 tensor cores (vLLM fp8 linear kernels).
  const gemmPeak = (wb === 1 && hw.fp8Tflops > 0 ? hw.fp8Tflops : hw.bf16Tflops) * 1e12 * params.gemmComputeEfficiency;
  const attnPeak = hw.bf16Tflops * 1e12 * params.attentionComputeEfficiency;
  const bw = hw.hbmTBps * 1e12 * params.bandwidthEfficiency;
  const US = 1e6;
  const L = m.numLayers;

  // Per-layer, per-GPU coefficients (time in µs).
  const gemmUsPerTokenFlops = (2 * alwaysPerLayer) / tp / gemmPeak * US; // per token
  const alwaysWeightUs = (alwaysPerLayer * wb) / tp / bw * US;
  const expertUsPerTokenFlops = (2 * k * expertParams) / tp / gemmPeak * US;
  const expertWeightUs = (expertParams * wb) / tp / bw * US; // per distinct expert
  const headsPerGpu = m.numAttentionHeads / tp;
  const attnUsPerPair = (4 * headsPerGpu * m.headDim) / attnPeak * US; // QKᵀ and PV, 2 FLOPs per MAC
  const kvUsPerToken = kvBytesPerTokenPerLayer(m, tp) / bw * US;
  const lmUsPerToken = (2 * lmHeadParams) / tp / gemmPeak * US;
  const lmWeightUs = (lmHeadParams * wb) / tp / bw * US;
  // Ring all-reduce moves 2(tp−1)/tp of the buffer over each link (per direction).
  const arUsPerToken = tp > 1 ? ((2 * (tp - 1)) / tp) * (h * params.activationBytes) / (hw.interconnectGBps * 1e9 * params.interconnectEfficiency) * US : 0;
  const arLatencyUs = tp > 1 ? params.collectiveLatencyUs : 0;
  const logOneMinusKE = isMoe ? Math.log1p(-k / E) : 0;

  /** The basis from the batch's sums: the per-slot loop below and the decode-only aggregate path share it, so both give identical bits. */
  const fromSums = (n: number, prefillTokens: number, decodeTokens: number, prePairs: number, preKv: number, decPairs: number, decKv: number, out: Float64Array): void => {
    const T = prefillTokens + decodeTokens;
    let gemm = Math.max(T * gemmUsPerTokenFlops, alwaysWeightUs);
    if (isMoe && T > 0) {
      // Expected distinct experts touched by T tokens each picking k of E: E(1 − (1 − k/E)^T).
      const distinct = E * -Math.expm1(T * logOneMinusKE);
      gemm += Math.max(T * expertUsPerTokenFlops, distinct * expertWeightUs);
    }
    out[0] = 1;
    out[1] = L * gemm;
    out[2] = L * Math.max(prePairs * attnUsPerPair, preKv * kvUsPerToken);
    out[3] = L * Math.max(decPairs * attnUsPerPair, decKv * kvUsPerToken);
    out[4] = n > 0 ? Math.max(n * lmUsPerToken, lmWeightUs) : 0;
    out[5] = T > 0 ? 2 * L * (T * arUsPerToken + arLatencyUs) : 0;
    out[6] = n;
    out[7] = prefillTokens;
    out[8] = decodeTokens;
  };

  const basis = (batch: BatchShape, out: Float64Array): void => {
    const n = batch.size;
    const newT = batch.newTokens;
    const ctxT = batch.contextTokens;
    const pre = batch.isPrefill;
    let prefillTokens = 0;
    let decodeTokens = 0;
    let prePairs = 0;
    let preKv = 0;
    let decPairs = 0;
    let decKv = 0;
    for (let i = 0; i < n; i++) {
      const t = newT[i]!;
      const c = ctxT[i]!;
      // Causal: token j of the chunk attends to c + j + 1 keys.
      const pairs = t * c + (t * (t + 1)) / 2;
      if (pre[i] === 1) {
        prefillTokens += t;
        prePairs += pairs;
        preKv += c + t;
      } else {
        decodeTokens += t;
        decPairs += pairs;
        decKv += c + t;
      }
    }
    fromSums(n, prefillTokens, decodeTokens, prePairs, preKv, decPairs, decKv, out);
  };
  // A decode-only batch: every slot has t = 1, so pairs = c + 1 and the KV read is c + 1 per slot;
  // the sums are integers (exact in a double below 2^53), so this equals the loop bit for bit.
  const decode = (requests: number, contextTokens: number, out: Float64Array): void => {
    fromSums(requests, 0, requests, 0, 0, contextTokens + requests, contextTokens + requests, out);
  };
  return Object.assign(basis, { decode });
}

/** Σ coeff × basis, rounded to integer µs, at least 1. */
export function sumBasisUs(coeffs: Float64Array, basis: Float64Array): number {
  let s = 0;
  for (let i = 0; i < BASIS_SIZE; i++) s += coeffs[i]! * basis[i]!;
  return Math.max(1, Math.round(s));
}

/** The roofline step-time model; options override ROOFLINE_DEFAULTS (see roofline-params.ts). */
export function createRoofline(ctx: StepTimeContext, options?: Record<string, unknown>): StepTimeModel {
  const params = resolveRooflineParams(options, 'roofline');
  const basis = rooflineBasis(ctx, params);
  const c = rooflineCoefficients(params);
  const coeffs = Float64Array.from(ROOFLINE_BASIS.map((b) => c[b]));
  const scratch = new Float64Array(BASIS_SIZE);
  return {
    stepTimeUs(batch: BatchShape): number {
      basis(batch, scratch);
      return sumBasisUs(coeffs, scratch);
    },
    decode: {
      decodeStepUs(requests: number, contextTokens: number): number {
        basis.decode(requests, contextTokens, scratch);
        return sumBasisUs(coeffs, scratch);
      },
    },
  };
}
