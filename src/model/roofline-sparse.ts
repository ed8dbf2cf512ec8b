/**
 * The roofline's attention terms for DeepSeek sparse attention (DeepSeek-V3.2, GLM-5), as vLLM runs
 * it per layer (model_executor/models/deepseek_v2.py Indexer, layers/sparse_attn_indexer.py,
 * v1/attention/backends/mla/flashmla_sparse.py):
 * - the lightning indexer on the layers that have one: two projections at M = tokens (gemm_us),
 *   then an fp8 score of every query against every key of its causal context and a top-k over the
 *   fp32 logits. A prefill whose whole sequence fits in index_topk skips the score (every key is
 *   selected; vLLM's short-prefill scoring skip); a decode always scores.
 * - the MLA attention reads only the selected keys: token j of a chunk attends to
 *   min(c + j + 1, index_topk) keys, and the chunk reads at most c + t of them.
 * Both are folded into the attention terms (the indexer is part of the sparse attention backend),
 * so the fitted model scales them with the attention coefficients; the indexer's GEMMs join gemm_us.
 * The cost depends on each request's context, not only their sum: no decode-only aggregate.
 */
import type { BatchShape } from './step-time.js';
import type { BasisFn } from './roofline.js';
import type { RooflineShapes, SparseShape } from './roofline-shapes.js';
import { gemmUs, smoothRooflineUs } from './gemm.js';
import { sparseKeysRead, windowPairs } from './attention-pairs.js';

/** Basis indices the sparse terms replace or add to (ROOFLINE_BASIS order: gemm_us, attn_prefill_us, attn_decode_us). */
const GEMM = 1;
const ATTN_PREFILL = 2;
const ATTN_DECODE = 3;

export function sparseBasis(plain: (batch: BatchShape, out: Float64Array) => void, s: RooflineShapes, sp: SparseShape, L: number): BasisFn {
  const K = sp.topK;
  const Li = sp.indexerLayers;
  const gemms = sp.indexerGemms;
  /** [attention pairs, keys read, indexer pairs, indexer keys] of the prefill slots, then of the decode slots. */
  const sums = new Float64Array(8);
  const attention = (kv: number, pairs: number): number => (pairs > 0 ? L * smoothRooflineUs(kv * s.kvBytesPerToken, pairs * s.attnFlopsPerPair, s.attnRates) : 0);
  const score = (keys: number, pairs: number): number =>
    pairs > 0 ? Li * smoothRooflineUs(keys * sp.scoreBytesPerKey + pairs * sp.logitBytesPerPair, pairs * sp.scoreFlopsPerPair, sp.scoreRates) : 0;
  return (batch: BatchShape, out: Float64Array): void => {
    // No decode-only aggregate, so no decode run, so every slot's context is written.
    if ((batch.decodePrefix ?? 0) > 0) throw new Error('sparse-attention basis: a batch with an aggregate decode prefix');
    plain(batch, out);
    sums.fill(0);
    let T = 0;
    for (let i = 0; i < batch.size; i++) {
      const t = batch.newTokens[i]!;
      const c = batch.contextTokens[i]!;
      T += t;
      const prefill = batch.isPrefill[i] === 1;
      const at = prefill ? 0 : 4;
      sums[at] += windowPairs(c, t, K);
      sums[at + 1] += sparseKeysRead(c, t, K);
      if (!prefill || c + t > K) {
        sums[at + 2] += t * c + (t * (t + 1)) / 2;
        sums[at + 3] += c + t;
      }
    }
    let indexerGemm = 0;
    if (T > 0) for (let g = 0; g < gemms.length; g++) indexerGemm += gemmUs(gemms[g]!, T);
    out[GEMM] = out[GEMM]! + Li * indexerGemm;
    out[ATTN_PREFILL] = attention(sums[1]!, sums[0]!) + score(sums[3]!, sums[2]!);
    out[ATTN_DECODE] = attention(sums[5]!, sums[4]!) + score(sums[7]!, sums[6]!);
  };
}
