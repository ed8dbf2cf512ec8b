/**
 * Roofline step time: every kernel of the step costed against the rates this GPU measurably
 * reaches (./hardware.json), as a smooth roofline of its bytes and FLOPs (./gemm.ts), plus a
 * duration floor per kernel, vLLM's TP collectives (./collective.ts), the sampler's pass over
 * vocabulary × requests, and the engine core's CPU work. Per-model constants are in
 * ./roofline-shapes.ts. The same terms, unsummed, are the basis of the fitted model (./fitted.ts).
 */
import type { BatchShape, DecodeAggregateCost, StepCostSplit, StepTimeContext, StepTimeModel } from './step-time.js';
import { validateTp } from './kv-sizing.js';
import { type RooflineParams, ROOFLINE_DEFAULTS, resolveRooflineParams } from './roofline-params.js';
import { gemmUs, smoothRooflineUs } from './gemm.js';
import { rooflineShapes, type RooflineShapes } from './roofline-shapes.js';
import { moeDispatchUs, moeLayersUs } from './moe-parallel.js';
import { windowPairs } from './attention-pairs.js';
import { sparseBasis } from './roofline-sparse.js';

export { windowPairs } from './attention-pairs.js';

/**
 * Basis terms, in order. Times are µs computed with the roofline params; counts are per step.
 * The roofline itself is Σ rooflineCoefficients()[i] × basis[i].
 */
export const ROOFLINE_BASIS = Object.freeze([
  'step', // 1 per step (engine-core CPU: schedule, prepare inputs, process outputs)
  'gemm_us', // layers × dense GEMMs (attention projections, MLP or shared expert) at M = tokens
  'attn_prefill_us', // layers × prefill attention: smooth roofline of causal FLOPs and KV read
  'attn_decode_us', // layers × decode attention: smooth roofline of FLOPs and each request's KV read
  'lm_head_us', // lm head GEMM at M = requests
  'allreduce_us', // TP all-reduces: 2 per layer + the embedding's, latency + two-shot bus traffic; with data-parallel MoE ranks, each MoE layer's dispatch and combine
  'requests', // scheduled requests (engine-core CPU per request)
  'prefill_tokens', // new tokens of prefill requests
  'decode_tokens', // new tokens of decode requests
  'moe_us', // layers × fused-MoE expert GEMMs: distinct experts' weights, padded tokens per expert
  'act_us', // elementwise traffic: norms, rotary, cache write, activation, MoE sum, fp8 activation quantisation
  'sampling_us', // logits over vocabulary × requests: sampler passes and the TP logits gather
  'kernels_us', // kernels per step × the per-kernel duration floor
  'filter_us', // sampler filters the model's default sampling parameters switch on (top-p sort, penalties) over vocabulary × requests
] as const);

export type RooflineBasisName = (typeof ROOFLINE_BASIS)[number];
export const BASIS_SIZE = ROOFLINE_BASIS.length;

/** Basis terms the engine core's CPU pays (the rest is GPU work); see StepCostSplit. */
export const CPU_BASIS: readonly RooflineBasisName[] = Object.freeze(['step', 'requests']);

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
    moe_us: 1,
    act_us: 1,
    sampling_us: 1,
    kernels_us: 1,
    filter_us: 1,
  };
}

/**
 * Writes the basis terms of `batch` into out[0..BASIS_SIZE). Allocates nothing. `decode` writes
 * the same terms for a decode-only batch of `requests` slots whose contexts sum to `contextTokens`
 * (identical bits to the per-slot call; see DecodeAggregateCost in ./step-time.ts).
 */
export type BasisFn = ((batch: BatchShape, out: Float64Array) => void) & Partial<DecodeAggregateBasis>;

/**
 * The decode-only aggregate path of a basis (absent for a model whose decode cost needs more than
 * the batch's size and summed context: sliding-window attention reads min(context, window) per
 * request).
 */
export interface DecodeAggregateBasis {
  readonly decode: (requests: number, contextTokens: number, out: Float64Array) => void;
  /**
   * The one term of `decode`'s output that depends on the context (its index, `decodeContextTerm`),
   * computed alone with the same bits; every other term of a decode-only batch depends on the
   * request count only.
   */
  readonly decodeContextTerm: number;
  readonly decodeContextUs: (requests: number, contextTokens: number) => number;
};

/** The basis offers the decode-only aggregate path (rooflineBasis gives all of it or none). */
function hasDecodeAggregate(basis: BasisFn): basis is BasisFn & DecodeAggregateBasis {
  return basis.decode !== undefined;
}

/** Index of the decode attention term: the only one a decode-only batch's context moves. */
const ATTN_DECODE = ROOFLINE_BASIS.indexOf('attn_decode_us');
const ATTN_PREFILL = ROOFLINE_BASIS.indexOf('attn_prefill_us');

/** Token and request counts below this have their count-only terms kept once computed (2 × 16 k doubles per model). */
const TERM_CACHE = 16384;

/** Per-model constants of the roofline, precomputed once per (model, hardware, tp). */
export function rooflineBasis(ctx: StepTimeContext, params: RooflineParams = ROOFLINE_DEFAULTS): BasisFn {
  const { model: m, hardware: hw, tp } = ctx;
  validateTp(m, tp);
  const s = rooflineShapes(m, hw, tp, params, ctx.moeParallel);
  const L = s.layers;
  const gemms = s.layerGemms;
  const moe = s.moe;
  const coll = s.collective;
  const kernelsUs = s.kernelFloorUsPerStep;

  /** µs of the dense GEMMs (all layers) and of the fused MoE for T tokens in the step. */
  const gemmTermsUs = (T: number, which: 0 | 1): number => {
    if (which === 0) {
      let gemm = 0;
      for (let g = 0; g < gemms.length; g++) gemm += gemmUs(gemms[g]!, T);
      return L * gemm;
    }
    return moe === null || T === 0 ? 0 : moeLayersUs(moe, T);
  };
  const requestTermsUs = (n: number, which: 0 | 1): number => {
    if (which === 0) return gemmUs(s.lmHead, n);
    return n > 0 ? (n * s.samplingBytesPerRequest) / s.bytesPerUs + (s.logitsGatherBytesPerRequest > 0 ? coll.latencyUs + n * s.logitsGatherBytesPerRequest * coll.gatherUsPerByte : 0) : 0;
  };
  // These terms depend only on the tokens (or requests) in the step: each value is computed once
  // and kept, bit for bit the same as computing it again (a step costs two smooth rooflines, not ten).
  const tokenTerm = keptBelow(TERM_CACHE, gemmTermsUs);
  const requestTerm = keptBelow(TERM_CACHE, requestTermsUs);

  // A decode reads the keys it attends to, one pair per key (pairs = keys = context + 1 per
  // request), so its attention kernel's bytes and FLOPs scale together and the smooth roofline,
  // homogeneous of degree one, is the keys times the one-key cost: a multiplication per step, not
  // two square roots and a cube root. Chunks that attend to keys they also write (prefill) keep the general form.
  const attnPerKeyUs = L * smoothRooflineUs(s.kvBytesPerToken, s.attnFlopsPerPair, s.attnRates);
  const decodeAttentionUs = (decPairs: number, decKv: number): number => {
    if (decPairs <= 0) return 0;
    return decPairs === decKv ? decKv * attnPerKeyUs : L * smoothRooflineUs(decKv * s.kvBytesPerToken, decPairs * s.attnFlopsPerPair, s.attnRates);
  };

  /** The basis from the batch's sums: the per-slot loop and the decode-only aggregate path share it, so both give identical bits. */
  const fromSums = (n: number, prefillTokens: number, decodeTokens: number, prePairs: number, preKv: number, decPairs: number, decKv: number, out: Float64Array): void => {
    const T = prefillTokens + decodeTokens;
    const moeUs = tokenTerm(T, 1);
    out[0] = 1;
    out[1] = tokenTerm(T, 0);
    out[2] = prePairs > 0 ? L * smoothRooflineUs(preKv * s.kvBytesPerToken, prePairs * s.attnFlopsPerPair, s.attnRates) : 0;
    out[3] = decodeAttentionUs(decPairs, decKv);
    out[4] = requestTerm(n, 0);
    out[5] = T > 0 ? s.allReducesPerStep * (coll.latencyUs + T * s.allReduceBytesPerToken * coll.allReduceUsPerByte) : 0;
    if (moe !== null && moe.dispatchUs > 0) out[5] += moeDispatchUs(moe, T); // the MoE layers' collectives over data-parallel ranks
    out[6] = n;
    out[7] = prefillTokens;
    out[8] = decodeTokens;
    out[9] = moeUs;
    out[10] = (T * s.elementwiseBytesPerToken) / s.bytesPerUs;
    out[11] = requestTerm(n, 1);
    out[12] = T > 0 ? kernelsUs : 0;
    out[13] = (n * s.filterBytesPerRequest) / s.bytesPerUs;
  };

  const basis = (batch: BatchShape, out: Float64Array): void => {
    const n = batch.size;
    const newT = batch.newTokens;
    const ctxT = batch.contextTokens;
    const pre = batch.isPrefill;
    // Leading one-token decodes given by their sums (BatchShape.decodePrefix): each adds 1 token,
    // c + 1 pairs and c + 1 keys, so the sums are the loop's below, exactly (integers).
    const p = batch.decodePrefix ?? 0;
    const prefixKv = p > 0 ? batch.decodePrefixContext! + p : 0;
    let prefillTokens = 0;
    let decodeTokens = p;
    let prePairs = 0;
    let preKv = 0;
    let decPairs = prefixKv;
    let decKv = prefixKv;
    for (let i = p; i < n; i++) {
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
  const decodeContextUs = (requests: number, contextTokens: number): number => decodeAttentionUs(contextTokens + requests, contextTokens + requests);
  if (s.sparse !== null) return sparseBasis(basis, s, s.sparse, L);
  if (s.slidingLayers > 0) return windowedBasis(basis, s, L);
  return Object.assign(basis, { decode, decodeContextTerm: ATTN_DECODE, decodeContextUs });
}

/**
 * Sliding-window attention (ModelSpec.slidingWindow on slidingLayers of the L layers): a query
 * attends to the last W keys only, so on those layers a decode reads min(c + 1, W) keys and a
 * prefill chunk's token j attends to min(c + j + 1, W). The attention terms are the full layers'
 * share of the whole-context cost plus the sliding layers' at the window; every other term is the
 * plain basis's. The cost then depends on each request's context, not only their sum: no
 * decode-only aggregate (the engine steps such a model request by request).
 */
function windowedBasis(plain: (batch: BatchShape, out: Float64Array) => void, s: RooflineShapes, L: number): BasisFn {
  const W = s.slidingWindow;
  const Ls = s.slidingLayers;
  /** The plain basis costs attention on all L layers: the full layers keep their share of it. */
  const fullShare = (L - Ls) / L;
  const attention = (kv: number, pairs: number): number => (pairs > 0 ? Ls * smoothRooflineUs(kv * s.kvBytesPerToken, pairs * s.attnFlopsPerPair, s.attnRates) : 0);
  /** The sliding layers' [pairs, kv] of the prefill slots, then of the decode slots. */
  const sums = new Float64Array(4);
  return (batch: BatchShape, out: Float64Array): void => {
    // No decode-only aggregate, so no decode run, so every slot's context is written.
    if ((batch.decodePrefix ?? 0) > 0) throw new Error('sliding-window basis: a batch with an aggregate decode prefix');
    plain(batch, out);
    sums.fill(0);
    for (let i = 0; i < batch.size; i++) {
      const t = batch.newTokens[i]!;
      const c = batch.contextTokens[i]!;
      const at = batch.isPrefill[i] === 1 ? 0 : 2;
      sums[at] += windowPairs(c, t, W);
      // Keys the chunk reads: from the first token's window start to its last token.
      sums[at + 1] += Math.min(c + t, W + t - 1);
    }
    out[ATTN_PREFILL] = out[ATTN_PREFILL]! * fullShare + attention(sums[1]!, sums[0]!);
    out[ATTN_DECODE] = out[ATTN_DECODE]! * fullShare + attention(sums[3]!, sums[2]!);
  };
}

/** Σ coeff × basis, unrounded. */
export function dotBasis(coeffs: Float64Array, basis: Float64Array): number {
  let s = 0;
  for (let i = 0; i < BASIS_SIZE; i++) s += coeffs[i]! * basis[i]!;
  return s;
}

/** Σ coeff × basis, rounded to integer µs, at least 1. */
export function sumBasisUs(coeffs: Float64Array, basis: Float64Array): number {
  return Math.max(1, Math.round(dotBasis(coeffs, basis)));
}

/**
 * A StepCostSplit over a basis: the CPU part is Σ over CPU_BASIS (plus `cpuExtraUs`), the GPU part
 * the rest (plus `gpuExtraUs`), so that gpu + cpu equals the summed step before rounding.
 */
export function basisSplit(basis: BasisFn, coeffs: Float64Array, asyncSyncUs: number, extra: { gpuUs: number; cpuUs: number } = { gpuUs: 0, cpuUs: 0 }): StepCostSplit & Pick<DecodeAggregateCost, 'decodeCostUs' | 'decodePrefix'> {
  const cpuMask = Float64Array.from(ROOFLINE_BASIS.map((b) => ((CPU_BASIS as readonly string[]).includes(b) ? 1 : 0)));
  const scratch = new Float64Array(BASIS_SIZE);
  // One accumulation for the per-slot and the decode-only paths (identical bits for the same basis).
  const split = (out: Float64Array): void => {
    let cpu = extra.cpuUs;
    let gpu = extra.gpuUs;
    for (let i = 0; i < BASIS_SIZE; i++) {
      const v = coeffs[i]! * scratch[i]!;
      if (cpuMask[i] === 1) cpu += v;
      else gpu += v;
    }
    out[0] = Math.max(0, gpu);
    out[1] = Math.max(0, cpu);
  };
  const decodeCostUs = hasDecodeAggregate(basis) ? decodeSplitByRequests(basis, coeffs, cpuMask, extra, scratch, split) : undefined;
  return {
    asyncSyncUs,
    stepCostUs(batch: BatchShape, out: Float64Array): void {
      basis(batch, scratch);
      split(out);
    },
    // A basis with the decode-only path is the plain one, whose per-slot loop reads decodePrefix.
    ...(decodeCostUs !== undefined ? { decodeCostUs, decodePrefix: true } : {}),
  };
}

/** Request counts below this have their decode-only split kept (the rows grow as counts appear). */
const DECODE_ROWS = 4096;

/**
 * The split of a decode-only batch, evaluated per step of a decode run (event leaping) with the
 * same floating-point operations in the same order as `split` over `basis.decode`, so the same
 * bits: only the context term changes from step to step. Per request count n it keeps the CPU
 * total, the GPU sum up to the context term, and the GPU products after it, and a step then
 * costs the context term and the additions after it.
 */
function decodeSplitByRequests(
  basis: BasisFn & DecodeAggregateBasis, coeffs: Float64Array, cpuMask: Float64Array, extra: { gpuUs: number; cpuUs: number }, scratch: Float64Array, split: (out: Float64Array) => void,
): (requests: number, contextTokens: number, out: Float64Array) => void {
  const ctxTerm = basis.decodeContextTerm;
  const uncached = (requests: number, contextTokens: number, out: Float64Array): void => {
    basis.decode(requests, contextTokens, scratch);
    split(out);
  };
  // A context term counted as CPU work would move the CPU total too: no shortcut then.
  if (cpuMask[ctxTerm] === 1) return uncached;
  const tail: number[] = [];
  for (let i = ctxTerm + 1; i < BASIS_SIZE; i++) if (cpuMask[i] !== 1) tail.push(i);
  // Row n: [known (1), CPU total, GPU sum before the context term, GPU products after it ...].
  const stride = 3 + tail.length;
  let rows = new Float64Array(64 * stride);
  const ctxCoeff = coeffs[ctxTerm]!;
  const fill = (n: number): number => {
    if ((n + 1) * stride > rows.length) {
      const grown = new Float64Array(Math.max((n + 1) * stride, rows.length * 2));
      grown.set(rows);
      rows = grown;
    }
    basis.decode(n, 0, scratch);
    const at = n * stride;
    let cpu = extra.cpuUs;
    let gpu = extra.gpuUs;
    for (let i = 0; i < BASIS_SIZE; i++) {
      if (cpuMask[i] === 1) cpu += coeffs[i]! * scratch[i]!;
      else if (i < ctxTerm) gpu += coeffs[i]! * scratch[i]!;
    }
    rows[at + 1] = cpu;
    rows[at + 2] = gpu;
    for (let j = 0; j < tail.length; j++) rows[at + 3 + j] = coeffs[tail[j]!]! * scratch[tail[j]!]!;
    rows[at] = 1;
    return at;
  };
  const nTail = tail.length;
  return (requests, contextTokens, out) => {
    if (requests >= DECODE_ROWS) {
      uncached(requests, contextTokens, out);
      return;
    }
    let at = requests * stride;
    if (at >= rows.length || rows[at] !== 1) at = fill(requests);
    let gpu = rows[at + 2]! + ctxCoeff * basis.decodeContextUs(requests, contextTokens);
    for (let j = 0; j < nTail; j++) gpu += rows[at + 3 + j]!;
    out[0] = Math.max(0, gpu);
    out[1] = Math.max(0, rows[at + 1]!);
  };
}

/**
 * A step-time model whose stepTimeUs is max(1, round(gpu + cpu)) of its split, so the
 * StepCostSplit contract holds by construction; with the split's decode-only path it also offers
 * DecodeAggregateCost, summed the same way.
 */
export function modelFromSplit(split: StepCostSplit & Partial<Pick<DecodeAggregateCost, 'decodeCostUs' | 'decodePrefix'>>): StepTimeModel & { split: StepCostSplit } {
  const pair = new Float64Array(2);
  const decodeCostUs = split.decodeCostUs;
  return {
    stepTimeUs(batch: BatchShape): number {
      split.stepCostUs(batch, pair);
      return Math.max(1, Math.round(pair[0]! + pair[1]!));
    },
    split,
    ...(decodeCostUs !== undefined ? {
      decode: {
        decodeStepUs(requests: number, contextTokens: number): number {
          decodeCostUs(requests, contextTokens, pair);
          return Math.max(1, Math.round(pair[0]! + pair[1]!));
        },
        decodeCostUs,
        ...(split.decodePrefix === true ? { decodePrefix: true } : {}),
      },
    } : {}),
  };
}

/** The roofline step-time model; options override ROOFLINE_DEFAULTS (see roofline-params.ts). */
export function createRoofline(ctx: StepTimeContext, options?: Record<string, unknown>): StepTimeModel & { split: StepCostSplit } {
  const r = rooflineParts(ctx, options);
  return modelFromSplit(basisSplit(r.basis, r.coefficients, r.asyncSyncUs));
}

/** The roofline's basis, its coefficients in basis order and its async sync µs, for the options createRoofline takes. */
export function rooflineParts(ctx: StepTimeContext, options?: Record<string, unknown>): { basis: BasisFn; coefficients: Float64Array; asyncSyncUs: number } {
  const params = resolveRooflineParams(options, 'roofline');
  const c = rooflineCoefficients(params);
  return { basis: rooflineBasis(ctx, params), coefficients: Float64Array.from(ROOFLINE_BASIS.map((b) => c[b])), asyncSyncUs: params.asyncSyncUs };
}

/** `compute(x, which)` for counts below `limit` computed once each and kept (values are ≥ 0; -1 marks "not yet"). */
function keptBelow(limit: number, compute: (x: number, which: 0 | 1) => number): (x: number, which: 0 | 1) => number {
  const kept = new Float64Array(2 * limit).fill(-1);
  return (x, which) => {
    if (x >= limit) return compute(x, which);
    const k = 2 * x + which;
    let v = kept[k]!;
    if (v < 0) kept[k] = v = compute(x, which);
    return v;
  };
}
