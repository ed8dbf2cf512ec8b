/**
 * DeepSeek sparse attention (GLM-5.2-FP8 in the catalog): what vLLM holds per token in its two
 * caches and how many blocks that leaves (hand-computed), the weights the indexer adds, the GPUs
 * vLLM refuses it on, and the roofline's sparse attention against a hand computation. Dense MLA
 * (DeepSeek-V2-Lite) keeps its numbers.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { getModel } from '../../src/model/catalog.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { modelSpecFromHfConfig } from '../../src/model/hf-config.js';
import { vllmBlockSize } from '../../src/model/kv-block-size.js';
import { kvBytesPerBlock, kvSizing, profiledReserveBytes, withKvCacheDtype } from '../../src/model/kv-sizing.js';
import { createStepTimeModel } from '../../src/model/registry.js';
import { BASIS_SIZE, ROOFLINE_BASIS, rooflineBasis } from '../../src/model/roofline.js';
import { sparseKeysRead, windowPairs } from '../../src/model/attention-pairs.js';
import { gemmUs, smoothRooflineUs } from '../../src/model/gemm.js';
import { rooflineShapes } from '../../src/model/roofline-shapes.js';
import { ROOFLINE_DEFAULTS } from '../../src/model/roofline-params.js';
import { batchOf } from './helpers.js';

const glm = getModel('zai-org/GLM-5.2-FP8');
const h200 = getHardware('H200');

describe('GLM-5.2-FP8 from its config', () => {
  it('is the catalog copy of ../shared/models/glm-5.2-fp8.json, read as sparse MLA with 78 indexers', () => {
    const shared = JSON.parse(readFileSync(new URL('../../../shared/models/glm-5.2-fp8.json', import.meta.url), 'utf8')) as object;
    const fromShared = modelSpecFromHfConfig(shared, 'zai-org/glm-5.2-fp8', 'glm.json');
    expect(fromShared.totalParams).toBe(glm.totalParams);
    expect(glm.sparseAttention).toEqual({ indexTopK: 2048, indexHeads: 32, indexHeadDim: 128, indexerLayers: 78, qLoraRank: 2048 });
    expect(glm.mla).toEqual({ kvLoraRank: 512, qkRopeHeadDim: 64, qkNopeHeadDim: 192, replicatedParamsPerLayer: 6144 * (2048 + 512 + 64) });
    expect([glm.numExperts, glm.expertsPerToken, glm.moeLayers]).toEqual([256, 8, 75]);
    // Z.ai/vLLM's recipe: ~743B total, ~39-40B active (the MTP layer is not loaded without speculative decoding).
    expect(glm.totalParams / 1e9).toBeGreaterThan(740);
    expect(glm.totalParams / 1e9).toBeLessThan(748);
  });

  it('fp8 with 128 x 128 blocks streams one fp32 scale per block: 1 + 4/16384 bytes per weight', () => {
    expect(glm.weightBytes).toBe(1 + 4 / 16384);
    expect(glm.quantization).toBe('fp8 w8a8 (block 128x128)');
  });

  it('the indexer adds its weights, replicated on every TP rank, beside MLA\'s replicated a-projections (hand-computed)', () => {
    // Per layer: wq_b 2048 x (32 x 128) at the checkpoint's fp8; wk + head weights 6144 x (128 + 32) and a LayerNorm of 128 in bf16.
    const perLayer = 2048 * 4096 * (1 + 4 / 16384) + (6144 * 160 + 256) * 2;
    // fused_qkv_a_proj: 6144 x (q_lora 2048 + kv_lora 512 + rope 64) at fp8 with block scales, whole on every rank.
    const aProj = 6144 * 2624 * (1 + 4 / 16384);
    expect(glm.replicatedWeightBytes).toBeCloseTo(78 * (perLayer + aProj), 0);
    const dense = modelSpecFromHfConfig({ ...glmConfig(), index_topk: undefined }, 'd', 'd.json');
    expect(glm.weightMemoryBytes - dense.weightMemoryBytes).toBeCloseTo(78 * perLayer, 0);
    expect(dense.sparseAttention).toBeNull();
  });

  it('IndexCache: index_topk_freq 4 (offset 2) leaves an indexer on layers 0, 1 and every 4th from layer 5', () => {
    const shared = modelSpecFromHfConfig({ ...glmConfig(), index_topk_freq: 4 }, 'g', 'g.json');
    // max(i - 1, 0) % 4 == 0: i = 0, 1, 5, 9, ..., 77 -> 2 + 19.
    expect(shared.sparseAttention!.indexerLayers).toBe(21);
    expect(modelSpecFromHfConfig({ ...glmConfig(), num_hidden_layers: 4, index_topk_pattern: ['F', 'S', 'S', 'F'] }, 'g', 'g.json').sparseAttention!.indexerLayers).toBe(2);
  });

  it('sparse attention without MLA is refused by field', () => {
    expect(() => modelSpecFromHfConfig({ ...glmConfig(), kv_lora_rank: undefined }, 'g', 'g.json')).toThrow(/index_topk: sparse attention \(index_topk\) without kv_lora_rank/);
  });
});

describe('KV cache: MLA latent + indexer keys in one group of 64-token blocks', () => {
  it('a block is 64 x 78 x (1152 + 132) bytes with the default bf16 cache, 64 x 78 x (656 + 132) with fp8_ds_mla', () => {
    expect(vllmBlockSize(glm, h200).blockSize).toBe(64);
    expect(vllmBlockSize(glm, getHardware('B200')).blockSize).toBe(64);
    expect(kvBytesPerBlock(glm, 8, 64)).toBe(64 * 78 * (576 * 2 + 132));
    expect(kvBytesPerBlock(withKvCacheDtype(glm, 'fp8'), 8, 64)).toBe(64 * 78 * (512 + 16 + 128 + 132));
    expect(kvBytesPerBlock(withKvCacheDtype(glm, 'fp8_ds_mla'), 8, 64)).toBe(64 * 78 * 788);
  });

  it('H200 x 8 holds 5,524 blocks (353,536 tokens): memory x 0.9 - weights / 8 - replicated indexer and MLA a-projections - RoPE cache - reserve, over the block', () => {
    const reserve = profiledReserveBytes(glm, 8, 8192, 1024);
    // The RoPE cos/sin cache every rank holds: 1,048,576 positions x qk_rope_head_dim 64 x 2 bytes.
    expect(glm.ropeCacheBytes).toBe(1048576 * 64 * 2);
    const weights = (glm.weightMemoryBytes - glm.replicatedWeightBytes) / 8 + glm.replicatedWeightBytes + glm.ropeCacheBytes;
    const expected = Math.floor((139.8 * 2 ** 30 * 0.9 - weights - reserve) / (64 * 78 * 1284));
    const k = kvSizing({ model: glm, hardware: h200, tp: 8, blockSize: 64 });
    expect(k.weightBytesPerGpu).toBe(weights);
    expect(k.totalKvBlocks).toBe(expected);
    expect(k.totalKvBlocks).toBe(5524);
    const cluster = resolveClusterConfig({ modelSpec: glm, hardware: 'H200', tp: 8, maxModelLen: 262144 });
    expect([cluster.engine.blockSize, cluster.engine.totalKvBlocks]).toEqual([64, 5524]);
    expect(cluster.derivations['kvCacheGroups']).toMatch(/78 layers x 1152 bytes per token\) and the indexer's K cache \(78 layers x 132 bytes per token\) form one KV cache group/);
  });

  it('fp8_ds_mla on B200 x 8 holds more than the 1,048,576-token context (the vLLM recipe: full 1M context on 8xB200 with an fp8 KV cache)', () => {
    const k = kvSizing({ model: withKvCacheDtype(glm, 'fp8'), hardware: getHardware('B200'), tp: 8, blockSize: 64 });
    expect(k.totalKvBlocks * 64).toBeGreaterThan(1048576);
    // ... and H200 x 8 does not (the recipe sends the full context to B200).
    expect(kvSizing({ model: withKvCacheDtype(glm, 'fp8'), hardware: h200, tp: 8, blockSize: 64 }).totalKvBlocks * 64).toBeLessThan(1048576);
    // So vLLM refuses to start GLM-5.2 on H200 x 8 at its default max_model_len, and names what fits:
    // 5,524 blocks x 64 tokens (bf16) and 9,001 x 64 (fp8), every layer's MLA and indexer cache in one group.
    expect(() => resolveClusterConfig({ modelSpec: glm, hardware: 'H200', tp: 8 })).toThrow(/max_model_len 1048576 tokens .* the longest that fits is 353536 tokens/);
    expect(() => resolveClusterConfig({ modelSpec: glm, hardware: 'H200', tp: 8, kvCacheDtype: 'fp8' })).toThrow(/the longest that fits is 576064 tokens/);
    expect(resolveClusterConfig({ modelSpec: glm, hardware: 'B200', tp: 8, kvCacheDtype: 'fp8' }).engine.maxModelLen).toBe(1048576);
  });

  it('fp8_ds_mla is refused on a model without sparse attention', () => {
    expect(() => withKvCacheDtype(getModel('deepseek-ai/deepseek-v2-lite'), 'fp8_ds_mla')).toThrow(/fp8_ds_mla is the cache format of vLLM's sparse MLA backends/);
  });
});

describe('GPUs vLLM cannot serve sparse MLA on', () => {
  it('refuses A100 and L40S (no sparse backend below compute capability 9.0) and a hardware file without a compute capability', () => {
    for (const name of ['A100-80', 'A100-40', 'L40S', 'A100-PCIe-80']) {
      expect(() => resolveClusterConfig({ modelSpec: glm, hardware: name, tp: 8 }), name).toThrow(/HARDWARE_UNSUPPORTED|compute capability 9.x \(Hopper\) or 10.x \(Blackwell\)/);
      expect(() => createStepTimeModel({ name: 'roofline', options: {} }, { model: glm, hardware: getHardware(name), tp: 8 })).toThrow(/compute capability/);
    }
    const noCc = { ...h200, computeCapability: 0 };
    expect(() => vllmBlockSize(glm, noCc)).toThrow(/gives no computeCapability/);
    try {
      kvSizing({ model: glm, hardware: getHardware('L40S'), tp: 8 });
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('HARDWARE_UNSUPPORTED');
    }
  });
});

describe('step time: attention over min(context, index_topk) keys plus the indexer', () => {
  const shapes = rooflineShapes(glm, h200, 8, ROOFLINE_DEFAULTS);
  const sp = shapes.sparse!;
  const basisOf = (reqs: ReadonlyArray<readonly [number, number, 0 | 1]>) => {
    const out = new Float64Array(BASIS_SIZE);
    rooflineBasis({ model: glm, hardware: h200, tp: 8 })(batchOf(reqs), out);
    return out;
  };
  const at = (name: string) => ROOFLINE_BASIS.indexOf(name as (typeof ROOFLINE_BASIS)[number]);

  it('a decode at context 100,000 reads 2,048 latents and scores 100,001 indexer keys (hand-computed)', () => {
    const out = basisOf([[1, 100000, 0]]);
    // 8 heads per GPU are padded to 64 by FlashMLA's sparse kernels (Hopper, bf16 cache): 4 x 64 x 288 FLOPs per pair.
    expect(shapes.attnFlopsPerPair).toBe(4 * 64 * 288);
    expect(shapes.kvBytesPerToken).toBe(1152);
    const attn = 78 * smoothRooflineUs(2048 * 1152, 2048 * 4 * 64 * 288, shapes.attnRates);
    const keys = 100001;
    const score = 78 * smoothRooflineUs(keys * 132 + keys * 8, keys * 2 * 32 * 128, sp.scoreRates);
    expect(out[at('attn_decode_us')]).toBeCloseTo(attn + score, 9);
    // The indexer's GEMMs (whole on every rank, not divided by TP) join gemm_us: the same model without index_topk plus them.
    expect(sp.indexerGemms.map((g) => [g.weightBytes, g.flopsPerToken])).toEqual([[2048 * 4096 * (1 + 4 / 16384), 2 * 2048 * 4096], [6144 * 160 * 2, 2 * 6144 * 160]]);
    const indexerGemm = 78 * (gemmUs(sp.indexerGemms[0]!, 1) + gemmUs(sp.indexerGemms[1]!, 1));
    const dense = new Float64Array(BASIS_SIZE);
    const denseModel = modelSpecFromHfConfig({ ...glmConfig(), index_topk: undefined }, 'd', 'd.json');
    rooflineBasis({ model: denseModel, hardware: h200, tp: 8 })(batchOf([[1, 100000, 0]]), dense);
    expect(out[at('gemm_us')]).toBeCloseTo(dense[at('gemm_us')]! + indexerGemm, 9);
    // The dense read would be the whole 100,001-token context at 8 heads.
    expect(dense[at('attn_decode_us')]).toBeGreaterThan(out[at('attn_decode_us')]!);
  });

  it('attention past index_topk stops growing; the indexer keeps growing with the context', () => {
    const attnOnly = (c: number) => 78 * smoothRooflineUs(Math.min(c + 1, 2048) * 1152, Math.min(c + 1, 2048) * 4 * 64 * 288, shapes.attnRates);
    const d = at('attn_decode_us');
    const a = basisOf([[1, 50000, 0]])[d]! - attnOnly(50000);
    const b = basisOf([[1, 100000, 0]])[d]! - attnOnly(100000);
    expect(attnOnly(50000)).toBe(attnOnly(100000));
    expect(b).toBeGreaterThan(1.8 * a);
  });

  it('a prefill that fits in index_topk skips the score pass and attends causally to every key', () => {
    const out = basisOf([[1000, 0, 1]]);
    const pairs = (1000 * 1001) / 2;
    expect(out[at('attn_prefill_us')]).toBeCloseTo(78 * smoothRooflineUs(1000 * 1152, pairs * 4 * 64 * 288, shapes.attnRates), 9);
    // A chunk that crosses index_topk scores every query against its whole causal context.
    const long = basisOf([[1000, 3000, 1]]);
    const scorePairs = 1000 * 3000 + pairs;
    const expected = 78 * smoothRooflineUs(sparseKeysRead(3000, 1000, 2048) * 1152, windowPairs(3000, 1000, 2048) * 4 * 64 * 288, shapes.attnRates)
      + 78 * smoothRooflineUs(4000 * 132 + scorePairs * 8, scorePairs * 2 * 32 * 128, sp.scoreRates);
    expect(long[at('attn_prefill_us')]).toBeCloseTo(expected, 9);
  });

  it('sparseKeysRead: min(c + t, t x W), a decode reads min(c + 1, W)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 3000 }), (c, t, W) => {
      const k = sparseKeysRead(c, t, W);
      return k <= c + t && k <= t * W && (t !== 1 || k === Math.min(c + 1, W));
    }));
  });

  it('no decode-only aggregate (per-request min(context, top-k)); a run completes on H200 x 8', () => {
    expect(createStepTimeModel({ name: 'fitted', options: {} }, { model: glm, hardware: h200, tp: 8 }).decode).toBeUndefined();
  });
});

describe('dense MLA is unchanged', () => {
  it('DeepSeek-V2-Lite: no sparse attention, only its kv a-projection replicated, its KV bytes and attention as before', () => {
    const lite = getModel('deepseek-ai/deepseek-v2-lite');
    // Only kv_a_proj_with_mqa (2048 x (512 + 64), bf16) is replicated: no q_lora_rank, no indexer.
    expect([lite.sparseAttention, lite.replicatedWeightBytes]).toEqual([null, 27 * 2048 * 576 * 2]);
    expect(kvBytesPerBlock(lite, 1, 64)).toBe(27 * 576 * 2 * 64);
    expect(rooflineShapes(lite, getHardware('H100'), 1, ROOFLINE_DEFAULTS).sparse).toBeNull();
    expect(rooflineShapes(lite, getHardware('H100'), 1, ROOFLINE_DEFAULTS).attnFlopsPerPair).toBe(4 * 16 * 288);
    expect(vllmBlockSize(lite, getHardware('A100-80')).blockSize).toBe(16);
    expect(createStepTimeModel({ name: 'fitted', options: {} }, { model: lite, hardware: getHardware('H100'), tp: 1 }).decode).toBeDefined();
  });
});

function glmConfig(): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL('../../../shared/models/glm-5.2-fp8.json', import.meta.url), 'utf8')) as Record<string, unknown>;
}

describe('MLA a-projections are replicated on every TP rank (vLLM deepseek_v2.py ReplicatedLinear)', () => {
  it('DeepSeek-V2-Lite at TP 2 holds its kv a-projection whole: weights per GPU and the per-step GEMM grow by half of it', () => {
    const lite = getModel('deepseek-ai/deepseek-v2-lite');
    const repl = 27 * 2048 * 576 * 2;
    const k1 = kvSizing({ model: lite, hardware: getHardware('H100'), tp: 1, blockSize: 64 });
    const k2 = kvSizing({ model: lite, hardware: getHardware('H100'), tp: 2, blockSize: 64 });
    // Every rank also holds the RoPE cache whole: DeepSeek's yarn, 4,096 original positions x factor 40 x qk_rope_head_dim 64 x 2 bytes.
    expect(lite.ropeCacheBytes).toBe(4096 * 40 * 64 * 2);
    expect(k1.weightBytesPerGpu).toBe(lite.weightMemoryBytes + lite.ropeCacheBytes);
    expect(k2.weightBytesPerGpu).toBeCloseTo(lite.weightMemoryBytes / 2 + repl / 2 + lite.ropeCacheBytes, 0);
    // The layer's GEMMs stream the replicated projection whole at TP 2 and 4: the sharded weights halve, it does not.
    const weightBytes = (tp: number): number => rooflineShapes(lite, getHardware('H100'), tp, ROOFLINE_DEFAULTS).layerGemms.reduce((s, g) => s + g.weightBytes, 0);
    expect(weightBytes(1) - weightBytes(2)).toBeCloseTo((weightBytes(1) - repl / 27) / 2, 0);
    expect(weightBytes(2) - weightBytes(4)).toBeCloseTo((weightBytes(1) - repl / 27) / 4, 0);
  });
});
