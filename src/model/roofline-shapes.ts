/**
 * The roofline's per-model constants, computed once per (model, GPU, TP): the GEMM shapes of a
 * layer and of the lm head, the fused-MoE expert shape, the elementwise bytes per token, the
 * kernel count per step, the attention rates, the collective cost and the sampler's bytes. The
 * step function (./roofline.ts) only multiplies these by the batch's tokens and requests.
 *
 * What vLLM 0.15 runs per decoder layer (model_executor/models/llama.py and friends, compiled by
 * Inductor; docs/model.md, Kernel census): fused add+RMSNorm, QKV projection (then the per-head
 * q/k norm of Qwen3-style models, ./qk-norm.ts), rotary embedding, KV-cache write, attention
 * (one FlashAttention call for prefill and decode requests together), output projection, TP
 * all-reduce, fused add+RMSNorm, gate-up projection, SiLU-and-mul, down projection, all-reduce.
 * MoE layers (layers/fused_moe) replace the MLP by router GEMM, top-k softmax,
 * moe_align_block_size, the fused w13 GEMM, activation, the fused w2 GEMM and the top-k sum,
 * plus the shared expert's MLP where the model has one. w8a8 fp8 and int8 checkpoints (and nvfp4
 * w4a4 on fp4 tensor cores) add one activation-quantisation kernel before each quantised GEMM input
 * (Inductor may fold some into the kernel before them: not modelled, docs/calibration.md).
 */
import type { ModelSpec } from './model-spec.js';
import type { HardwareSpec } from './hardware.js';
import type { RooflineParams } from './roofline-params.js';
import { type GemmShape, type KernelRates, gemmShape } from './gemm.js';
import { type CollectiveCost, collectiveCost } from './collective.js';
import { expertLayout, type MoeShape } from './moe-parallel.js';
import { moeDefaultTileTflops } from './moe-default-tiles.js';
import type { MoeParallelism } from './step-time.js';
import { kvBytesPerTokenPerLayer } from './kv-sizing.js';
import { quantizedActivationBytes } from './quantization.js';
import { type SamplerPasses, samplerPasses } from './generation-config.js';
import { checkSparseAttentionGpu, indexerCacheBytesPerToken, indexerParamCount } from './sparse-attention.js';

export interface RooflineShapes {
  readonly layers: number;
  /** Sliding-window attention: the window (tokens) and the layers that use it (ModelSpec). */
  readonly slidingWindow: number;
  readonly slidingLayers: number;
  /** Dense GEMMs of one layer, all with M = tokens in the step (attention in/out, MLP or shared-expert up/down). */
  readonly layerGemms: readonly GemmShape[];
  /** The lm head: M = requests in the step (vLLM computes logits at each request's last position only). */
  readonly lmHead: GemmShape;
  readonly moe: MoeShape | null;
  /** DeepSeek sparse attention: the indexer's kernels and the top-k (ModelSpec.sparseAttention); null for dense attention. */
  readonly sparse: SparseShape | null;
  /** Attention kernels: KV bytes per attended token per layer, FLOPs per query-key pair, their rates. */
  readonly kvBytesPerToken: number;
  readonly attnFlopsPerPair: number;
  readonly attnRates: KernelRates;
  /** Elementwise bytes per token in the step (all layers plus the embedding gather) and the rates they stream at. */
  readonly elementwiseBytesPerToken: number;
  readonly bytesPerUs: number;
  /** GPU kernels launched per step (each costs at least the kernel floor). */
  readonly kernelsPerStep: number;
  /** Of those, the small ones that are neither GEMMs nor attention (their floor is the GPU's smallKernelFloorRatio × the floor). */
  readonly smallKernelsPerStep: number;
  /** Of those, the dense GEMMs: QKV, output, gate-up and down per layer and the lm head (their floor is the GPU's gemmFloorRatio × the floor). */
  readonly gemmKernelsPerStep: number;
  /** µs of the kernels' floors per step: every kernel at the floor, the small ones and the dense GEMMs at this GPU's multiples of it. */
  readonly kernelFloorUsPerStep: number;
  /** TP all-reduces per step (2 per layer, 1 for the vocabulary-parallel embedding) and the bytes of each per token. */
  readonly allReducesPerStep: number;
  readonly allReduceBytesPerToken: number;
  readonly collective: CollectiveCost;
  /** Sampler bytes per request (vocabulary × bytes per logit) and the logits gathered across TP per request. */
  readonly samplingBytesPerRequest: number;
  readonly logitsGatherBytesPerRequest: number;
  /** Bytes per request of the sampler's filters the model's default sampling parameters switch on (top-p sort, top-k, penalties). */
  readonly filterBytesPerRequest: number;
}

/**
 * The lightning indexer of a sparse-attention model, per GPU: vLLM replicates it on every TP rank
 * (deepseek_v2.py Indexer: ReplicatedLinear, MergedColumnParallelLinear with disable_tp), so its
 * GEMMs and its score pass are whole, not divided by TP.
 */
export interface SparseShape {
  /** Keys each query's attention reads (index_topk). */
  readonly topK: number;
  readonly indexerLayers: number;
  /** One indexer layer's GEMMs at M = tokens: wq_b (q latent → heads·dim, the checkpoint's format) and the fused wk + head weights (bf16). */
  readonly indexerGemms: readonly GemmShape[];
  /** Score pass (DeepGEMM fp8 MQA logits, then top-k): FLOPs per (query, key) pair, bytes per cached key read, bytes per pair of fp32 logits written then read by top-k. */
  readonly scoreFlopsPerPair: number;
  readonly scoreBytesPerKey: number;
  readonly logitBytesPerPair: number;
  readonly scoreRates: KernelRates;
}

export function rooflineShapes(m: ModelSpec, hw: HardwareSpec, tp: number, p: RooflineParams, par?: MoeParallelism): RooflineShapes {
  const h = m.hiddenSize;
  const L = m.numLayers;
  const ab = p.activationBytes;
  const isMoe = m.numExperts > 1;
  const E = m.numExperts;
  const k = m.expertsPerToken;
  const bytesPerUs = hw.hbmAchievedTBps * 1e6 * p.bandwidthEfficiency;
  // Dense GEMMs stream their weights at the GPU's gemmBandwidthRatio × bytesPerUs where it was
  // measured to differ (A100: vLLM 0.14's linear at M = 1 reaches 0.927 × the rate attention does,
  // relative to H100; hardware.json gemmBandwidthSource); absent, at bytesPerUs itself, bit for bit.
  const gemmBytesPerUs = hw.gemmBandwidthRatio === undefined ? bytesPerUs : bytesPerUs * hw.gemmBandwidthRatio;
  const rates = (tflops: number, bw = gemmBytesPerUs): KernelRates => Object.freeze({ bytesPerUs: bw, flopsPerUs: tflops * 1e6 * p.gemmComputeEfficiency, exponent: p.gemmTransitionExponent });
  const bf16 = rates(hw.bf16AchievedTflops);
  // w8a8 fp8 runs fp8 tensor-core GEMMs where the GPU has them (vLLM cutlass_scaled_mm); elsewhere
  // (A100) vLLM dequantises the weights in a weight-only kernel (Marlin) at the 16-bit rate and
  // leaves the activations alone. nvfp4 w4a4 does the same with fp4 tensor cores (Blackwell) and
  // Marlin below. w8a8 int8 runs int8 tensor cores; weight-only formats (4-bit, w8a16, mxfp4)
  // dequantise inside 16-bit GEMMs and stream only their packed bytes (quantization.ts).
  const quantTflops = m.gemmFormat === 'fp8' ? hw.fp8AchievedTflops : m.gemmFormat === 'fp4' ? hw.fp4AchievedTflops : m.gemmFormat === 'int8' ? hw.int8AchievedTops : 0;
  const quantRates = quantTflops > 0 ? rates(quantTflops) : bf16;
  // Fused-MoE kernels (Triton) were not measured beside H100 for their streaming rate: hbmAchievedTBps.
  const moeRates = gemmBytesPerUs === bytesPerUs ? quantRates : rates(quantTflops > 0 ? quantTflops : hw.bf16AchievedTflops, bytesPerUs);
  const activationQuant = m.activationQuant && quantTflops > 0;
  const attnQuantised = m.attentionWeightBytes < 2;
  const attnGemmRates = attnQuantised ? quantRates : bf16;

  // Attention projections: o_proj is H·d × h; the rest (q, k, v or MLA's low-rank parts) is the input side.
  const qDim = m.numAttentionHeads * m.headDim;
  const attnOutParams = Math.min(qDim * h, m.attentionParamsPerLayer);
  const attnInParams = m.attentionParamsPerLayer - attnOutParams;
  const expertParams = isMoe ? 3 * h * m.moeIntermediateSize : 0;
  const embed = m.vocabSize * h;
  const lmHeadStored = m.tieWordEmbeddings ? 0 : embed;
  // Always-on weights per layer as the residual of the catalog's exact count (dense-first layers,
  // shared experts and MLA included); the MLP part is what attention, norms and the router leave.
  // Layers that route to experts, as a share of all (exactly 1 for Mixtral, keeping that arithmetic
  // bit for bit; 1/2 for Llama 4 Maverick, 26/27 for DeepSeek-V2-Lite's dense first layer).
  const moeLayers = isMoe ? m.moeLayers : 0;
  const moeShare = moeLayers === L ? 1 : moeLayers / L;
  const sa = m.sparseAttention;
  if (sa !== null) checkSparseAttentionGpu(m.name, hw);
  const indexerParams = sa === null ? 0 : indexerParamCount(sa, h);
  const alwaysPerLayer = (m.totalParams - embed - lmHeadStored - h - indexerParams) / L - (isMoe ? moeShare * E * expertParams : 0);
  const mlpParams = Math.max(0, alwaysPerLayer - m.attentionParamsPerLayer - 2 * h - (isMoe ? moeShare * h * E : 0));
  const mlpWidth = mlpParams / (3 * h); // SwiGLU: gate and up (h × 2I), down (I × h)

  // MLA's a-projections run whole on every rank (vLLM replicates them, ModelSpec.mla); the rest of the input side is sharded.
  const replicatedIn = m.mla === null ? 0 : m.mla.replicatedParamsPerLayer;
  const layerGemms: GemmShape[] = [
    gemmShape(h, (attnInParams - replicatedIn) / h / tp, m.attentionWeightBytes, ab, attnGemmRates),
    gemmShape(qDim / tp, attnOutParams / qDim, m.attentionWeightBytes, ab, attnGemmRates),
  ];
  if (replicatedIn > 0) layerGemms.push(gemmShape(h, replicatedIn / h, m.attentionWeightBytes, ab, attnGemmRates));
  if (mlpWidth > 0) {
    layerGemms.push(gemmShape(h, (2 * mlpWidth) / tp, m.weightBytes, ab, quantRates), gemmShape(mlpWidth / tp, h, m.weightBytes, ab, quantRates));
  }
  const lmHead = gemmShape(h, m.vocabSize / tp, m.lmHeadWeightBytes, ab, bf16);

  const ie = m.moeIntermediateSize / tp;
  const moe: MoeShape | null = isMoe ? moeShape(m, hw, tp, p, par, { layers: moeLayers, expertParams, rates: moeRates }) : null;

  // Elementwise traffic per token per layer (bytes): two fused add+RMSNorms read and write the
  // hidden state and the residual; rotary reads and writes q and k; the cache write reads k, v and
  // writes them to the paged cache; SiLU-and-mul reads 2I and writes I; MoE adds the top-k sum.
  const kvHeadsPerGpu = Math.max(1, m.numKvHeads / tp);
  let perLayer = 2 * 4 * h * ab + 2 * ((m.numAttentionHeads / tp + kvHeadsPerGpu) * m.headDim) * ab + 4 * kvHeadsPerGpu * m.headDim * ab;
  perLayer += (3 * mlpWidth * ab) / tp;
  if (isMoe) perLayer += moeShare * (k * 3 * ie * ab + (k + 1) * h * ab);
  // w8a8: each quantised GEMM input is read at 16 bits and written at 8 (vLLM scaled_fp8_quant /
  // scaled_int8_quant, per token); nvfp4 w4a4 writes it at 4 bits plus an fp8 scale per 16
  // (scaled_fp4_quant).
  if (activationQuant) {
    let quantisedInputs = 0;
    if (attnQuantised) quantisedInputs += h + qDim / tp;
    if (mlpWidth > 0) quantisedInputs += h + mlpWidth / tp;
    if (isMoe) quantisedInputs += moeShare * (h + k * ie);
    perLayer += quantisedInputs * (ab + quantizedActivationBytes(m.gemmFormat));
  }
  // The indexer per token and layer: its q read at 16 bits and written at 8 (per-token-group fp8
  // quantisation), its k normed, rotated and quantised into its cache.
  const indexerElementwise = sa === null ? 0 : sa.indexerLayers * (3 * sa.indexHeads * sa.indexHeadDim + 8 * sa.indexHeadDim + indexerCacheBytesPerToken(sa));
  // Per-head query and key RMSNorm before the rotary (./qk-norm.ts): each such layer reads and writes q and k once more.
  const qkNormElementwise = m.qkNormLayers * 2 * ((m.numAttentionHeads / tp + kvHeadsPerGpu) * m.headDim) * ab;
  const elementwiseBytesPerToken = L * perLayer + 2 * h * ab + indexerElementwise + qkNormElementwise; // + embedding row gather and write

  let kernelsPerLayer = 2 /* norms */ + 2 /* qkv, o */ + 1 /* rotary */ + 1 /* cache write */ + 1 /* attention */;
  if (mlpWidth > 0) kernelsPerLayer += 3;
  if (isMoe) kernelsPerLayer += 7 * moeShare;
  if (activationQuant) kernelsPerLayer += (attnQuantised ? 2 : 0) + (mlpWidth > 0 ? 2 : 0) + (isMoe ? 2 * moeShare : 0);
  const passes = samplerPasses(m.generation, m.vocabSize);
  // Indexer: wq_b, wk + weights GEMM, k norm, q rope + quantise, k rope + cache insert, fp8 logits, top-k.
  const indexerKernels = sa === null ? 0 : 7 * sa.indexerLayers;
  const kernelsFixed = 1 /* embedding */ + 1 /* final norm */ + 1 /* lm head */ + 6 /* sampler: upcast, temperature, softmax, exponential, divide, argmax */ + filterKernels(passes);
  // The small kernels among them: all but the GEMMs (QKV, output, gate-up, down, MoE router, w13,
  // w2, lm head) and attention. Their floor follows the GPU (HardwareSpec.smallKernelFloorRatio);
  // the indexer's run only on Hopper and Blackwell, at H100's floor.
  let smallPerLayer = 2 /* norms */ + 1 /* rotary */ + 1 /* cache write */;
  if (mlpWidth > 0) smallPerLayer += 1; // SiLU-and-mul
  if (isMoe) smallPerLayer += 4 * moeShare; // top-k softmax, moe_align_block_size, activation, top-k sum
  if (activationQuant) smallPerLayer += (attnQuantised ? 2 : 0) + (mlpWidth > 0 ? 2 : 0) + (isMoe ? 2 * moeShare : 0);
  const qkNormKernels = m.qkNormLayers; // the query and key norms in one Inductor combo kernel (./qk-norm.ts)
  const smallKernelsPerStep = L * smallPerLayer + kernelsFixed - 1 + qkNormKernels; // every fixed kernel but the lm head
  const kernelsPerStep = L * kernelsPerLayer + kernelsFixed + indexerKernels + qkNormKernels;
  // The dense GEMMs (vLLM's linear: QKV, output, gate-up, down, lm head; the MoE router, the fused
  // experts and the indexer's GEMMs are not among them) pay the GPU's gemmFloorRatio × the floor
  // where vLLM's own linear was measured to carry a larger fixed cost beside H100 (A100-80:
  // hardware.json gemmFloorSource).
  const gemmKernelsPerStep = L * (2 + (mlpWidth > 0 ? 2 : 0)) + 1;
  // At ratios of 1 (or absent) the added terms are exactly 0, so H100's floor is the plain product, bit for bit.
  let kernelFloorUsPerStep = kernelsPerStep * p.kernelFloorUs + smallKernelsPerStep * ((hw.smallKernelFloorRatio ?? 1) - 1) * p.kernelFloorUs;
  if (hw.gemmFloorRatio !== undefined) kernelFloorUsPerStep += gemmKernelsPerStep * (hw.gemmFloorRatio - 1) * p.kernelFloorUs;

  return Object.freeze({
    layers: L,
    slidingWindow: m.slidingWindow,
    slidingLayers: m.slidingLayers,
    layerGemms: Object.freeze(layerGemms),
    lmHead,
    moe,
    sparse: sa === null ? null : Object.freeze({
      topK: sa.indexTopK,
      indexerLayers: sa.indexerLayers,
      indexerGemms: Object.freeze([gemmShape(sa.qLoraRank, sa.indexHeads * sa.indexHeadDim, m.weightBytes, ab, quantRates), gemmShape(h, sa.indexHeadDim + sa.indexHeads, 2, ab, bf16)]),
      scoreFlopsPerPair: 2 * sa.indexHeads * sa.indexHeadDim,
      scoreBytesPerKey: indexerCacheBytesPerToken(sa),
      logitBytesPerPair: 2 * 4,
      // fp8 tensor cores at the share of the datasheet peak attention kernels reach (as the attention term).
      scoreRates: Object.freeze({ bytesPerUs, flopsPerUs: (hw.fp8Tflops > 0 ? hw.fp8Tflops : hw.bf16Tflops) * 1e6 * p.attentionComputeEfficiency, exponent: p.gemmTransitionExponent }),
    }),
    kvBytesPerToken: kvBytesPerTokenPerLayer(m, tp),
    attnFlopsPerPair: sa === null ? (4 * m.numAttentionHeads * m.headDim) / tp : 4 * sparseAttentionHeads(m.numAttentionHeads / tp, m.kvBytes, hw) * m.headDim, // QKᵀ and PV, 2 FLOPs per MAC
    attnRates: Object.freeze({ bytesPerUs, flopsPerUs: hw.bf16Tflops * 1e6 * p.attentionComputeEfficiency, exponent: p.gemmTransitionExponent }),
    elementwiseBytesPerToken,
    bytesPerUs,
    kernelsPerStep,
    smallKernelsPerStep,
    gemmKernelsPerStep,
    kernelFloorUsPerStep,
    allReducesPerStep: tp > 1 ? 2 * L + 1 : 0,
    allReduceBytesPerToken: h * ab,
    collective: collectiveCost(hw, tp, { efficiency: p.interconnectEfficiency, nvlinkLatencyUs: p.collectiveLatencyUs, pcieLatencyUs: p.pcieCollectiveLatencyUs }),
    samplingBytesPerRequest: m.vocabSize * p.samplingBytesPerLogit,
    filterBytesPerRequest: filterBytesPerLogit(passes, p) * m.vocabSize,
    logitsGatherBytesPerRequest: tp > 1 ? m.vocabSize * ab : 0,
  });
}

/**
 * Query heads vLLM's sparse MLA kernels compute on one GPU: FlashMLA's sparse kernels only run 64 or
 * 128 heads, so a TP shard with fewer is padded (v1/attention/backends/mla/flashmla_sparse.py: the
 * fp8_ds_mla decode kernel pads to 64, or 128 above 64, `_compute_fp8_decode_padded_heads`; the
 * bf16-cache kernel to 64 on Hopper and 128 on Blackwell). GLM-5 at TP 8 has 8 heads per GPU and
 * computes 64 (Hopper): its sparse attention is 8x the FLOPs of its heads.
 */
function sparseAttentionHeads(headsPerGpu: number, kvBytes: number, hw: HardwareSpec): number {
  const pad = kvBytes === 1 ? (headsPerGpu <= 64 ? 64 : 128) : Math.floor(hw.computeCapability) === 10 ? 128 : 64;
  return Math.max(headsPerGpu, pad);
}

/**
 * Kernels the filters launch each step, whatever the batch (each pays the kernel floor): the top-p
 * path sorts (PyTorch's segmented radix sort, about one kernel per 8-bit digit pass of the fp32 key
 * plus its setup: 6), then softmax, cumsum, compare, last-column fix, masked fill and scatter (6),
 * and with top-k a gather, compare and masked fill (3); top-k alone is a top-k, gather, compare and
 * fill (4); penalties zero, scatter-add and compare the prompt's and the output's bin counts (6),
 * then apply repetition, frequency and presence (5). vLLM 0.15's PyTorch top-p path measured
 * 0.09 ms for one 32k row (vllm-project/vllm#42191): mostly these floors.
 */
function filterKernels(passes: SamplerPasses): number {
  return (passes.sort ? 12 + (passes.topK ? 3 : 0) : passes.topK ? 4 : 0) + (passes.penalties ? 11 : 0);
}

/** Bytes per logit of the filters a request's sampling parameters switch on (./generation-config.ts). */
function filterBytesPerLogit(passes: SamplerPasses, p: RooflineParams): number {
  return (passes.sort ? p.sortBytesPerLogit : passes.topK ? p.topKBytesPerLogit : 0) + (passes.penalties ? p.penaltyBytesPerLogit : 0);
}

/**
 * The routed experts per GPU (./moe-parallel.ts): sharded over the TP ranks (vLLM's default), over
 * all dp · tp GPUs of data-parallel ranks, or whole experts spread over them (expert parallelism),
 * with the dispatch and combine of each MoE layer over the data-parallel ranks.
 */
function moeShape(m: ModelSpec, hw: HardwareSpec, tp: number, p: RooflineParams, par: MoeParallelism | undefined, x: { layers: number; expertParams: number; rates: KernelRates }): MoeShape {
  const h = m.hiddenSize;
  const ab = p.activationBytes;
  const E = m.numExperts;
  const k = m.expertsPerToken;
  // The share of each expert one GPU holds: 1/tp by default, 1/(dp·tp) over data-parallel ranks, all of it under expert parallelism.
  const { dp, gpus, whole, shard, expertsPerGpu } = expertLayout(E, tp, par);
  const ie = m.moeIntermediateSize / shard;
  // Dispatch all-gathers each rank's hidden states (16-bit) and its tokens' top-k ids and weights
  // (int32 and fp32) over the dp ranks; combine reduce-scatters the 16-bit outputs back: each moves
  // (dp − 1)/dp of the gathered tensor over a GPU's link (collective.ts gatherUsPerByte).
  const dpColl = dp > 1 ? collectiveCost(hw, dp, { efficiency: p.interconnectEfficiency, nvlinkLatencyUs: p.collectiveLatencyUs, pcieLatencyUs: p.pcieCollectiveLatencyUs }, gpus) : null;
  const gatheredBytesPerToken = dp * ((h * ab + k * 8) + h * ab);
  // Without a tuned tile file, vLLM's default tile for calls above E tokens caps the expert GEMMs' FLOP rate (./moe-default-tiles.ts).
  const defaultTiles = moeDefaultTileTflops({ model: m, hardware: hw, tp, moeParallel: par });
  const defaultTileRates = defaultTiles === null ? null : Object.freeze({ ...x.rates, flopsPerUs: Math.min(x.rates.flopsPerUs, defaultTiles * 1e6 * p.gemmComputeEfficiency) });
  return Object.freeze({
    layers: x.layers,
    experts: E,
    topK: k,
    logMissProbability: Math.log1p(-k / E),
    expertWeightBytes: (x.expertParams / shard) * m.weightBytes,
    flopsPerSlot: (2 * x.expertParams) / shard,
    activationBytesPerSlot: (2 * h + 3 * ie) * ab,
    blockTokens: p.moeBlockTokens,
    rates: x.rates,
    defaultTileRates,
    tokenScale: dp,
    expertGpus: whole ? gpus : 0,
    expertsPerGpu: whole ? expertsPerGpu : 0,
    dispatchUs: dpColl === null ? 0 : x.layers * 2 * dpColl.latencyUs,
    dispatchUsPerToken: dpColl === null ? 0 : x.layers * gatheredBytesPerToken * dpColl.gatherUsPerByte,
  });
}
