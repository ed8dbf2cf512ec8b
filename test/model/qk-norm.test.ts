import { describe, expect, test } from 'vitest';
import { getModel } from '../../src/model/catalog.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { modelSpecFromHfConfig } from '../../src/model/hf-config.js';
import { qkNormLayerCount } from '../../src/model/qk-norm.js';
import { ROOFLINE_DEFAULTS } from '../../src/model/roofline-params.js';
import { rooflineShapes } from '../../src/model/roofline-shapes.js';

// A Qwen3-14B-shaped config (40 layers, 40 query heads, 8 KV heads of 128).
const qwen3Like = {
  model_type: 'qwen3', hidden_size: 5120, num_hidden_layers: 40, num_attention_heads: 40, num_key_value_heads: 8,
  head_dim: 128, intermediate_size: 17408, vocab_size: 151936, max_position_embeddings: 40960,
};

describe('per-head query and key norms before the rotary embedding (vLLM 0.15 model code, Inductor combo kernels)', () => {
  test('Qwen3, Qwen3-MoE and Gemma 3 in every layer; other models with use_qk_norm; never Llama 4 (its norm follows the rotary)', () => {
    expect(qkNormLayerCount({}, 'qwen3', 40)).toBe(40);
    expect(qkNormLayerCount({}, 'qwen3_moe', 48)).toBe(48);
    expect(qkNormLayerCount({}, 'gemma3_text', 62)).toBe(62);
    expect(qkNormLayerCount({}, 'llama', 32)).toBe(0);
    expect(qkNormLayerCount({}, 'qwen2', 28)).toBe(0);
    expect(qkNormLayerCount({ use_qk_norm: true }, 'glm4_moe', 46)).toBe(46);
    expect(qkNormLayerCount({ use_qk_norm: false }, 'glm4_moe', 46)).toBe(0);
    expect(qkNormLayerCount({ use_qk_norm: true }, 'llama4_text', 48)).toBe(0);
    expect(qkNormLayerCount({ use_qk_norm: true }, 'llama4', 48)).toBe(0);
  });

  test('the catalog reads them: Qwen3-14B 40, Qwen3-30B-A3B 48; Scout, Llama-3.1-8B and Mixtral none', () => {
    expect(getModel('qwen/qwen3-14b').qkNormLayers).toBe(40);
    expect(getModel('qwen/qwen3-30b-a3b').qkNormLayers).toBe(48);
    expect(getModel('redhatai/llama-4-scout-17b-16e-instruct-fp8-dynamic').qkNormLayers).toBe(0);
    expect(getModel('meta-llama/llama-3.1-8b-instruct').qkNormLayers).toBe(0);
    expect(getModel('mistralai/mixtral-8x7b-v0.1').qkNormLayers).toBe(0);
  });

  test('each such layer adds one small kernel and reads and writes q and k once more (by hand, Qwen3-14B)', () => {
    const withNorm = modelSpecFromHfConfig(qwen3Like, 'q', 'q.json');
    // The same shapes without the per-head norm (its 2 × 128 weights per layer kept, so the GEMMs are equal).
    const without = { ...withNorm, qkNormLayers: 0 };
    for (const [hw, tp] of [['H100', 1], ['H100', 2], ['A100-80', 4]] as const) {
      const a = rooflineShapes(withNorm, getHardware(hw), tp, ROOFLINE_DEFAULTS);
      const b = rooflineShapes(without, getHardware(hw), tp, ROOFLINE_DEFAULTS);
      expect(a.kernelsPerStep - b.kernelsPerStep).toBe(40);
      expect(a.smallKernelsPerStep - b.smallKernelsPerStep).toBe(40);
      // 40 layers × (read + write) × (40 + 8 heads) / tp × 128 × 2 bytes: 983,040 bytes a token at TP 1.
      expect(a.elementwiseBytesPerToken - b.elementwiseBytesPerToken).toBeCloseTo((40 * 2 * 48 * 128 * 2) / tp, 6);
      expect(a.layerGemms).toEqual(b.layerGemms);
    }
  });

  test('Qwen3-14B at TP 1 on H100: 40 layers × 11 kernels + the fixed 24 (hand count)', () => {
    // Per layer: 2 add+RMSNorm, QKV, q/k norm, rotary, cache write, attention, O, gate-up, SiLU-and-mul, down = 11.
    // Per step: embedding, final norm, lm head, 6 sampler passes, the top-p sort's 12 and top-k's 3 (generation_config top_k 20) = 24.
    const s = rooflineShapes(getModel('qwen/qwen3-14b'), getHardware('H100'), 1, ROOFLINE_DEFAULTS);
    expect(s.kernelsPerStep).toBe(40 * 11 + 24);
    // The small ones: 2 norms, q/k norm, rotary, cache write, SiLU-and-mul a layer; every fixed kernel but the lm head.
    expect(s.smallKernelsPerStep).toBe(40 * 6 + 23);
  });
});
