/**
 * Weight formats as checkpoints declare them (quantization.ts): bytes per weight with scales,
 * the GEMM math, activation quantisation; the experiment files' trimmed `quantization` object and
 * `weight_dtype` text; unknown methods refused by name; and what the roofline does with each
 * (hand-computed GEMM bytes, fp8 falling back to weight-only on A100, int8 tensor cores).
 */
import { describe, expect, it } from 'vitest';
import { errorOf } from '../validate/helpers.js';
import { getHardware, hardwareSpecFromJson } from '../../src/model/hardware-catalog.js';
import { modelSpecFromHfConfig } from '../../src/model/hf-config.js';
import { quantizationFromPrecision, readQuantization } from '../../src/model/quantization.js';
import { rooflineBasis, ROOFLINE_BASIS, BASIS_SIZE } from '../../src/model/roofline.js';

const q = (quantization_config: object) => readQuantization({ quantization_config }, 'c.json');

describe('readQuantization', () => {
  it('16-bit when the config declares nothing', () => {
    expect(readQuantization({}, 'c.json')).toMatchObject({ weightBytes: 2, gemm: '16bit', activationQuant: false, label: 'bf16' });
  });

  it('fp8 and fbgemm_fp8: one byte, fp8 math, activations quantised per token', () => {
    for (const m of ['fp8', 'fbgemm_fp8']) expect(q({ quant_method: m })).toMatchObject({ weightBytes: 1, gemm: 'fp8', activationQuant: true });
  });

  it("compressed-tensors config groups: RedHatAI's FP8-dynamic, int8 w8a8, fp8 weight-only", () => {
    const group = (weights: object, input_activations: object | null) => q({ quant_method: 'compressed-tensors', config_groups: { group_0: { targets: ['Linear'], weights, input_activations } } });
    expect(group({ num_bits: 8, type: 'float', strategy: 'channel' }, { num_bits: 8, type: 'float', strategy: 'token', dynamic: true })).toMatchObject({ weightBytes: 1, gemm: 'fp8', activationQuant: true, label: 'fp8 w8a8' });
    expect(group({ num_bits: 8, type: 'int', strategy: 'channel', symmetric: true }, { num_bits: 8, type: 'int', dynamic: true })).toMatchObject({ weightBytes: 1, gemm: 'int8', activationQuant: true, label: 'int8 w8a8' });
    expect(group({ num_bits: 8, type: 'float', strategy: 'channel' }, null)).toMatchObject({ weightBytes: 1, gemm: '16bit', activationQuant: false, label: 'fp8 w8a16' });
  });

  it('4-bit integer weights stream half a byte plus an fp16 scale per group (and a zero point when asymmetric)', () => {
    const w4a16 = q({ quant_method: 'compressed-tensors', config_groups: { g: { weights: { num_bits: 4, type: 'int', strategy: 'group', group_size: 128, symmetric: true }, input_activations: null } } });
    expect(w4a16).toMatchObject({ weightBytes: 0.5 + 2 / 128, gemm: '16bit', activationQuant: false });
    expect(q({ quant_method: 'gptq', bits: 4, group_size: 128, sym: true }).weightBytes).toBe(0.515625);
    expect(q({ quant_method: 'gptq', bits: 4, group_size: -1, sym: true }).weightBytes).toBe(0.5);
    expect(q({ quant_method: 'gptq', bits: 8, group_size: 128, sym: false }).weightBytes).toBe(1 + 2 / 128 + 1 / 128);
    // AWQ: zero points by default (4 bits per group of 128).
    expect(q({ quant_method: 'awq', bits: 4, group_size: 128, zero_point: true, version: 'gemm' }).weightBytes).toBe(0.5 + 2 / 128 + 0.5 / 128);
    expect(q({ quant_method: 'awq_marlin', w_bit: 4, q_group_size: 64, zero_point: false }).weightBytes).toBe(0.5 + 2 / 64);
  });

  it('4-bit floats: nvfp4 (fp8 scale per 16), mxfp4 (one byte per 32), bitsandbytes nf4', () => {
    expect(q({ quant_method: 'modelopt', quant_algo: 'NVFP4' }).weightBytes).toBe(0.5625);
    expect(q({ quant_method: 'mxfp4' }).weightBytes).toBe(0.53125);
    expect(q({ quant_method: 'bitsandbytes', load_in_4bit: true }).weightBytes).toBe(0.5625);
    expect(q({ quant_method: 'bitsandbytes', load_in_8bit: true }).weightBytes).toBe(1);
  });

  it("experiment files' trimmed form: `quantization` with only the method and the serialisation format", () => {
    const trimmed = readQuantization({ quantization: { quant_method: 'compressed-tensors', format: 'float-quantized' } }, 'e.json: hf_config');
    expect(trimmed).toMatchObject({ weightBytes: 1, gemm: 'fp8', activationQuant: true });
    expect(readQuantization({ quantization: { quant_method: 'compressed-tensors', format: 'pack-quantized' } }, 'e').weightBytes).toBe(0.515625);
    expect(readQuantization({ quantization: { quant_method: 'compressed-tensors', format: 'int-quantized' } }, 'e').gemm).toBe('int8');
  });

  it('an unknown method, or compressed-tensors with nothing to read, is an InputError naming the field', () => {
    const e = errorOf(() => q({ quant_method: 'hqq', nbits: 4 }));
    expect(e.code).toBe('MODEL_CONFIG_FIELD');
    expect(e.where).toBe('c.json: quantization_config.quant_method');
    expect(e.message).toMatch(/'hqq' is not modelled; known: fp8, /);
    expect(errorOf(() => q({ bits: 4 })).message).toMatch(/missing quant_method/);
    expect(errorOf(() => q({ quant_method: 'compressed-tensors', format: 'marlin-24' })).where).toBe('c.json: quantization_config.format');
    expect(errorOf(() => q({ quant_method: 'compressed-tensors', weights: { num_bits: 3 } })).where).toBe('c.json: quantization_config.weights.num_bits');
  });
});

describe('quantizationFromPrecision (an experiment file’s weight_dtype / precision)', () => {
  it('reads the quantised formats and leaves 16-bit names alone', () => {
    expect(quantizationFromPrecision('fp8 (W8A8 dynamic, compressed-tensors)')).toEqual({ quant_method: 'compressed-tensors', format: 'float-quantized' });
    expect(quantizationFromPrecision('FP8 W8A16 weight-only')).toMatchObject({ input_activations: null });
    expect(quantizationFromPrecision('int8 w8a8')).toEqual({ quant_method: 'compressed-tensors', format: 'int-quantized' });
    expect(quantizationFromPrecision('int4 (w4a16)')).toEqual({ quant_method: 'compressed-tensors', format: 'pack-quantized' });
    expect(quantizationFromPrecision('AWQ 4-bit')).toMatchObject({ quant_method: 'awq' });
    for (const t of ['16bit', 'bf16', 'bfloat16', 'fp16', 'float16']) expect(quantizationFromPrecision(t)).toBeUndefined();
  });
});

const dense = {
  hidden_size: 4096, num_hidden_layers: 32, num_attention_heads: 32, num_key_value_heads: 8,
  intermediate_size: 14336, vocab_size: 128256, max_position_embeddings: 8192,
};

describe('model specs and the roofline', () => {
  it('the attention projections stay 16-bit when modules_to_not_convert names them (a * is one name part)', () => {
    const keep = modelSpecFromHfConfig({ ...dense, quantization_config: { quant_method: 'mxfp4', modules_to_not_convert: ['model.layers.*.self_attn', 'lm_head'] } }, 'm', 'm.json');
    expect([keep.weightBytes, keep.attentionWeightBytes]).toEqual([0.53125, 2]);
    const head = modelSpecFromHfConfig({ ...dense, quantization_config: { quant_method: 'awq', bits: 4, group_size: 128, modules_to_not_convert: ['lm_head'] } }, 'm', 'm.json');
    expect(head.attentionWeightBytes).toBe(head.weightBytes);
    expect(head.quantization).toBe('int4 w4a16 (awq, group 128)');
    // The quantised weights shrink the memory vLLM loads, so more is left for KV blocks.
    const bf16 = modelSpecFromHfConfig(dense, 'm', 'm.json');
    expect(head.weightMemoryBytes / bf16.weightMemoryBytes).toBeLessThan(0.4);
  });

  const gemmUs = (cfg: object, gpu: string, tokens: number, decode: boolean) => {
    const b = rooflineBasis({ model: modelSpecFromHfConfig(cfg, 'm', 'm.json'), hardware: getHardware(gpu), tp: 1 });
    const out = new Float64Array(BASIS_SIZE);
    if (decode) b.decode!(tokens, tokens * 512, out);
    else b({ size: 1, newTokens: Int32Array.of(tokens), contextTokens: Int32Array.of(0), isPrefill: Uint8Array.of(1), totalNewTokens: tokens, numPrefill: 1 }, out);
    return { gemm: out[ROOFLINE_BASIS.indexOf('gemm_us')]!, act: out[ROOFLINE_BASIS.indexOf('act_us')]! };
  };

  it('a 4-bit model decodes its GEMMs in about a quarter of the 16-bit time (weight-bound)', () => {
    const w4 = { ...dense, quantization_config: { quant_method: 'gptq', bits: 4, group_size: 128, sym: true } };
    const ratio = gemmUs(w4, 'H100', 1, true).gemm / gemmUs(dense, 'H100', 1, true).gemm;
    // 0.515625 / 2 of the bytes; activations and the transition keep it slightly above.
    expect(ratio).toBeGreaterThan(0.2578);
    expect(ratio).toBeLessThan(0.3);
  });

  it('fp8 w8a8 on an A100 runs weight-only: no activation quantisation pass, 16-bit math', () => {
    const fp8 = { ...dense, quantization_config: { quant_method: 'fp8' } };
    expect(gemmUs(fp8, 'A100-80', 64, true).act).toBe(gemmUs({ ...dense, quantization_config: { quant_method: 'compressed-tensors', config_groups: { g: { weights: { num_bits: 8, type: 'float' }, input_activations: null } } } }, 'A100-80', 64, true).act);
    expect(gemmUs(fp8, 'H100', 64, true).act).toBeGreaterThan(gemmUs(dense, 'H100', 64, true).act);
  });

  it('int8 w8a8 prefill runs on int8 tensor cores: about twice the 16-bit GEMM throughput on an A100', () => {
    const int8 = { ...dense, quantization_config: { quant_method: 'compressed-tensors', format: 'int-quantized' } };
    const ratio = gemmUs(int8, 'A100-80', 8192, false).gemm / gemmUs(dense, 'A100-80', 8192, false).gemm;
    expect(ratio).toBeGreaterThan(0.45);
    expect(ratio).toBeLessThan(0.6);
  });
});

describe('MoE layers in the roofline', () => {
  it('the fused-MoE term scales with the layers that route: every other layer costs half', () => {
    const cfg = { ...dense, num_local_experts: 16, num_experts_per_tok: 1, model_type: 'llama4_text', intermediate_size_mlp: 16384 };
    const moeUs = (step: number) => {
      const b = rooflineBasis({ model: modelSpecFromHfConfig({ ...cfg, interleave_moe_layer_step: step }, 'm', 'm.json'), hardware: getHardware('H100'), tp: 2 });
      const out = new Float64Array(BASIS_SIZE);
      b.decode!(32, 32 * 1000, out);
      return { moe: out[ROOFLINE_BASIS.indexOf('moe_us')]!, gemm: out[ROOFLINE_BASIS.indexOf('gemm_us')]! };
    };
    const every = moeUs(1);
    const half = moeUs(2);
    expect(half.moe / every.moe).toBeCloseTo(0.5, 12);
    // The dense layers' MLP (16384 wide) is added to the always-on GEMMs instead.
    expect(half.gemm).toBeGreaterThan(every.gemm);
  });
});

describe('int8 rates of the GPU catalog', () => {
  it('datasheet int8 peaks, reached at the GPU’s own measured tensor share', () => {
    const a100 = getHardware('A100-80');
    expect(a100.int8Tops).toBe(624);
    expect(a100.int8AchievedTops).toBeCloseTo((624 * a100.bf16AchievedTflops) / a100.bf16Tflops, 6);
    const h100 = getHardware('H100');
    expect(h100.int8AchievedTops).toBeCloseTo((1979 * h100.fp8AchievedTflops) / h100.fp8Tflops, 6);
  });

  it('a hardware file without int8Tops gets twice its bf16 peak, and says so', () => {
    const g = hardwareSpecFromJson({ name: 'X', bf16Tflops: 100, hbmTBps: 1, memoryGB: 24, interconnectGBps: 32 }, 'x.json');
    expect(g.int8Tops).toBe(200);
    expect(g.achievedSource).toMatch(/int8Tops = 2 × bf16Tflops/);
  });
});
