/**
 * 4-bit float checkpoints as vLLM 0.15 runs them (quantization.ts): nvfp4 is w4a4 on Blackwell's
 * fp4 tensor cores (activations quantised per 16 first) and weight-only Marlin below it; nvfp4
 * without input activations and mxfp4 are w4a16 everywhere (mxfp4's default SM100 MoE backend is
 * FlashInfer's mxfp4 × bf16). Hand-computed GEMM times on B200 and H100: compute-bound prefill
 * follows the fp4 rate, memory-bound decode does not move.
 */
import { describe, expect, it } from 'vitest';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { modelSpecFromHfConfig } from '../../src/model/hf-config.js';
import { quantizationFromPrecision, quantizedActivationBytes, readQuantization } from '../../src/model/quantization.js';
import { rooflineBasis, ROOFLINE_BASIS, BASIS_SIZE } from '../../src/model/roofline.js';

const q = (quantization_config: object) => readQuantization({ quantization_config }, 'c.json');
const ctGroup = (weights: object, input_activations: object | null) =>
  q({ quant_method: 'compressed-tensors', config_groups: { group_0: { targets: ['Linear'], weights, input_activations } } });
const NVFP4_WEIGHTS = { num_bits: 4, type: 'float', strategy: 'tensor_group', group_size: 16, symmetric: true };

describe('reading 4-bit float checkpoints', () => {
  it('modelopt NVFP4 is w4a4 on fp4 tensor cores: half a byte plus an fp8 scale per 16', () => {
    expect(q({ quant_method: 'modelopt', quant_algo: 'NVFP4' })).toEqual({ weightBytes: 0.5625, gemm: 'fp4', activationQuant: true, label: 'nvfp4 w4a4 (modelopt)' });
  });

  it('compressed-tensors nvfp4: w4a4 with 4-bit float input activations, Marlin w4a16 without', () => {
    expect(ctGroup(NVFP4_WEIGHTS, { num_bits: 4, type: 'float', strategy: 'tensor_group', group_size: 16, dynamic: 'local' })).toMatchObject({ weightBytes: 0.5625, gemm: 'fp4', activationQuant: true, label: 'nvfp4 w4a4' });
    expect(ctGroup(NVFP4_WEIGHTS, null)).toMatchObject({ weightBytes: 0.5625, gemm: '16bit', activationQuant: false, label: 'nvfp4 w4a16' });
    // 4-bit floats in groups of 32 are not nvfp4: vLLM's nvfp4 w4a4 scheme needs groups of 16.
    expect(ctGroup({ ...NVFP4_WEIGHTS, group_size: 32 }, { num_bits: 4, type: 'float', group_size: 32 })).toMatchObject({ weightBytes: 0.53125, gemm: '16bit', activationQuant: false });
  });

  it("an experiment file's trimmed nvfp4-pack-quantized reads as the NVFP4 (w4a4) scheme", () => {
    expect(readQuantization({ quantization: { quant_method: 'compressed-tensors', format: 'nvfp4-pack-quantized' } }, 'e.json')).toMatchObject({ weightBytes: 0.5625, gemm: 'fp4', activationQuant: true });
  });

  it('mxfp4 (gpt-oss) is w4a16 on every GPU: e8m0 scale per 32, 16-bit math, no activation pass', () => {
    expect(q({ quant_method: 'mxfp4' })).toEqual({ weightBytes: 0.53125, gemm: '16bit', activationQuant: false, label: 'mxfp4 w4a16' });
  });

  it('weight_dtype text: "nvfp4" is w4a4, "nvfp4 w4a16" weight-only (not int4)', () => {
    const read = (t: string) => readQuantization({ quantization_config: quantizationFromPrecision(t) }, 'e.json');
    expect(read('NVFP4')).toMatchObject({ gemm: 'fp4', activationQuant: true });
    expect(read('nvfp4 (modelopt)')).toMatchObject({ gemm: 'fp4' });
    expect(read('NVFP4 W4A16')).toMatchObject({ weightBytes: 0.5625, gemm: '16bit', activationQuant: false, label: 'nvfp4 w4a16' });
    expect(read('int4 w4a16')).toMatchObject({ weightBytes: 0.515625, gemm: '16bit' });
  });

  it('the activation pass writes half a byte plus an fp8 scale per 16 for fp4, one byte for fp8 and int8', () => {
    expect([quantizedActivationBytes('fp4'), quantizedActivationBytes('fp8'), quantizedActivationBytes('int8')]).toEqual([0.5625, 1, 1]);
  });
});

/** Llama-3.1-8B's shapes. */
const dense = {
  hidden_size: 4096, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 8,
  intermediate_size: 14336, vocab_size: 128256, max_position_embeddings: 8192,
};
const NVFP4 = { quant_method: 'modelopt', quant_algo: 'NVFP4' };

type Terms = { gemm: number; moe: number; act: number; kernels: number };
function terms(cfg: object, gpu: string, tokens: number, decode: boolean): Terms {
  const b = rooflineBasis({ model: modelSpecFromHfConfig(cfg, 'm', 'm.json'), hardware: getHardware(gpu), tp: 1 });
  const out = new Float64Array(BASIS_SIZE);
  if (decode) b.decode!(tokens, tokens * 512, out);
  else b({ size: 1, newTokens: Int32Array.of(tokens), contextTokens: Int32Array.of(0), isPrefill: Uint8Array.of(1), totalNewTokens: tokens, numPrefill: 1 }, out);
  const at = (name: string) => out[ROOFLINE_BASIS.indexOf(name as (typeof ROOFLINE_BASIS)[number])]!;
  return { gemm: at('gemm_us'), moe: at('moe_us'), act: at('act_us'), kernels: at('kernels_us') };
}

/** The smooth roofline by hand (p = 1.5): bytes at the GPU's streaming rate, FLOPs at the given GEMM rate. */
function smoothUs(bytes: number, flops: number, tbps: number, tflops: number): number {
  const tm = bytes / (tbps * 1e6);
  const tc = flops / (tflops * 1e6);
  return (tm ** 1.5 + tc ** 1.5) ** (2 / 3);
}

/** One layer's QKV, output, gate-up and down GEMMs (K × N) of the dense model, at M tokens, all layers. */
function denseGemmUs(m: number, weightBytes: number, tbps: number, tflops: number): number {
  const shapes: Array<[number, number]> = [[4096, 6144], [4096, 4096], [4096, 2 * 14336], [14336, 4096]];
  let us = 0;
  for (const [k, n] of shapes) us += smoothUs(k * n * weightBytes + m * (k + n) * 2, 2 * m * k * n, tbps, tflops);
  return 32 * us;
}

describe('nvfp4 dense model in the roofline', () => {
  const b200 = getHardware('B200');
  const h100 = getHardware('H100');

  it('B200 runs the GEMMs at its fp4 rate, H100 at its bf16 rate with the 4-bit bytes (Marlin)', () => {
    const T = 8192;
    expect(terms({ ...dense, quantization_config: NVFP4 }, 'B200', T, false).gemm).toBeCloseTo(denseGemmUs(T, 0.5625, b200.hbmAchievedTBps, b200.fp4AchievedTflops), 6);
    expect(terms({ ...dense, quantization_config: NVFP4 }, 'H100', T, false).gemm).toBeCloseTo(denseGemmUs(T, 0.5625, h100.hbmAchievedTBps, h100.bf16AchievedTflops), 6);
    // Hand arithmetic at T = 8192 on B200: 13.96 GFLOP per token (2 × 218.1 M MACs × 32 layers) at
    // 3779 TFLOP/s is 30.26 ms of tensor-core time; the 40.4 GB of weights and activations the
    // layers stream (5.4 ms at 7.54 TB/s) add the knee's 5 %: 31.76 ms.
    expect(denseGemmUs(T, 0.5625, 7.54, 3779) / 1000).toBeCloseTo(31.761, 3);
  });

  it('compute-bound prefill: the nvfp4 / bf16 GEMM time on B200 follows the fp4 / bf16 rate; nothing changes on H100 but the bytes', () => {
    const T = 8192;
    const b200Ratio = terms({ ...dense, quantization_config: NVFP4 }, 'B200', T, false).gemm / terms(dense, 'B200', T, false).gemm;
    const rateRatio = b200.bf16AchievedTflops / b200.fp4AchievedTflops; // 1607.7 / 4275.5 = 0.376
    expect(b200Ratio).toBeGreaterThan(rateRatio);
    expect(b200Ratio).toBeLessThan(rateRatio * 1.05);
    // H100 has no fp4 tensor cores: the same math as bf16, only the weight bytes shrink.
    const h100Ratio = terms({ ...dense, quantization_config: NVFP4 }, 'H100', T, false).gemm / terms(dense, 'H100', T, false).gemm;
    expect(h100Ratio).toBeGreaterThan(0.95);
    expect(h100Ratio).toBeLessThan(1);
    // B200 against H100 on the nvfp4 checkpoint: the fp4 rate against H100's bf16 (732 / 4275.5 = 0.171).
    const across = terms({ ...dense, quantization_config: NVFP4 }, 'B200', T, false).gemm / terms({ ...dense, quantization_config: NVFP4 }, 'H100', T, false).gemm;
    expect(across).toBeGreaterThan(h100.bf16AchievedTflops / b200.fp4AchievedTflops);
    expect(across).toBeLessThan((h100.bf16AchievedTflops / b200.fp4AchievedTflops) * 1.05);
  });

  it('memory-bound decode barely moves: fp4 math costs the same as the weight-only path streaming the same bytes', () => {
    const w4a16 = { ...dense, quantization_config: { quant_method: 'compressed-tensors', config_groups: { g: { weights: NVFP4_WEIGHTS, input_activations: null } } } };
    const ratios = [1, 8, 32].map((batch) => terms({ ...dense, quantization_config: NVFP4 }, 'B200', batch, true).gemm / terms(w4a16, 'B200', batch, true).gemm);
    // Batches of 1 and 8 stream the same 0.5625-byte weights either way (within 0.2 % and 3 %); at 32
    // the 16-bit math of 4-bit weights reaches B200's knee (3.6 FLOPs per weight byte per token,
    // against 188 for the bf16 ridge), which the fp4 rate relieves: the saving grows with the batch.
    expect(ratios).toEqual([...ratios].sort((a, b) => b - a));
    expect(ratios[0]).toBeGreaterThan(0.998);
    expect(ratios[1]).toBeGreaterThan(0.97);
    expect(ratios[2]).toBeLessThan(0.9);
    // ... so across GPUs decode follows the streaming rates (3.16 / 7.54 TB/s), not the tensor cores.
    const across = terms({ ...dense, quantization_config: NVFP4 }, 'B200', 1, true).gemm / terms({ ...dense, quantization_config: NVFP4 }, 'H100', 1, true).gemm;
    expect(across).toBeCloseTo(h100.hbmAchievedTBps / b200.hbmAchievedTBps, 2);
  });

  it('the activation pass: on B200 each quantised GEMM input is read at 16 bits and written at 4.5 (4 kernels per layer); none on H100', () => {
    const T = 1024;
    const quantised = terms({ ...dense, quantization_config: NVFP4 }, 'B200', T, false);
    const bf16 = terms(dense, 'B200', T, false);
    // Inputs per token per layer: QKV and gate-up read the 4096-wide hidden state, o_proj 4096, down 14336.
    const bytesPerToken = 32 * (4096 + 4096 + 4096 + 14336) * (2 + 0.5625);
    expect(quantised.act - bf16.act).toBeCloseTo((T * bytesPerToken) / (b200.hbmAchievedTBps * 1e6), 6);
    expect(quantised.kernels - bf16.kernels).toBeCloseTo(32 * 4 * 5.7, 9);
    const onH100 = terms({ ...dense, quantization_config: NVFP4 }, 'H100', T, false);
    expect([onH100.act, onH100.kernels]).toEqual([terms(dense, 'H100', T, false).act, terms(dense, 'H100', T, false).kernels]);
  });
});

/** Mixtral-8x7B's shapes. */
const moeCfg = { ...dense, num_local_experts: 8, num_experts_per_tok: 2, vocab_size: 32000, max_position_embeddings: 32768 };

describe('4-bit float MoE experts in the roofline', () => {
  const b200 = getHardware('B200');
  const h100 = getHardware('H100');
  const T = 8192;

  it('nvfp4 experts on B200 run at the fp4 rate (FlashInfer / CUTLASS nvfp4 MoE): prefill follows the fp4 / bf16 rate', () => {
    const ratio = terms({ ...moeCfg, quantization_config: NVFP4 }, 'B200', T, false).moe / terms(moeCfg, 'B200', T, false).moe;
    const rateRatio = b200.bf16AchievedTflops / b200.fp4AchievedTflops;
    expect(ratio).toBeGreaterThan(rateRatio);
    expect(ratio).toBeLessThan(rateRatio * 1.05);
    // Hand arithmetic: 8192 tokens × 2 experts × 2 × 3 × 4096 × 14336 FLOPs × 32 layers = 184.7 TFLOP
    // at 4275.5 TFLOP/s = 43.20 ms; each layer streams 0.79 GB of expert weights (8 × 3 × 4096 × 14336
    // × 0.5625) and 1.68 GB of activations (16384 slots × (2·4096 + 3·14336) × 2 bytes), 328 µs
    // against 1350 µs of math: the knee ((328^1.5 + 1350^1.5)^(2/3) = 1457.5 µs) adds 8.0 %, 46.6 ms.
    const moeMs = terms({ ...moeCfg, quantization_config: NVFP4 }, 'B200', T, false).moe / 1000;
    expect((T * 2 * 2 * 3 * 4096 * 14336 * 32) / 4275.5e9).toBeCloseTo(43.2, 1);
    expect(moeMs).toBeCloseTo(46.6, 1);
  });

  it("mxfp4 experts stay 16-bit math on B200 (vLLM 0.15's default SM100 backend is mxfp4 × bf16): prefill follows the bf16 rates of B200 and H100", () => {
    const mxfp4 = { ...moeCfg, quantization_config: { quant_method: 'mxfp4', modules_to_not_convert: ['model.layers.*.self_attn', 'model.layers.*.mlp.router', 'model.embed_tokens', 'lm_head'] } };
    const onB200 = terms(mxfp4, 'B200', T, false).moe;
    const onH100 = terms(mxfp4, 'H100', T, false).moe;
    const bf16Rate = h100.bf16AchievedTflops / b200.bf16AchievedTflops; // 732 / 1417
    expect(onB200 / onH100).toBeGreaterThan(bf16Rate * 0.98);
    expect(onB200 / onH100).toBeLessThan(bf16Rate * 1.02);
    // Within B200, mxfp4 saves only the weight bytes against bf16: compute-bound, the ratio is about 1.
    expect(onB200 / terms(moeCfg, 'B200', T, false).moe).toBeGreaterThan(0.97);
    // And no activation pass on any GPU.
    expect(terms(mxfp4, 'B200', T, false).act).toBe(terms(moeCfg, 'B200', T, false).act);
  });
});
