import { describe, expect, test } from 'vitest';
import { modelSpecFromHfConfig } from '../../src/model/hf-config.js';
import { inputErrorOf } from '../kernel/helpers.js';

const tiny = {
  hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
  intermediate_size: 128, vocab_size: 100, max_position_embeddings: 512, tie_word_embeddings: false,
};

const err = inputErrorOf;

describe('modelSpecFromHfConfig', () => {
  test('counts a dense GQA model by hand', () => {
    const m = modelSpecFromHfConfig(tiny, 'Org/Tiny', 'tiny.json');
    // attention 2·64·64 + 2·64·32 = 12288; MLP 3·64·128 = 24576; norms 128 → 36992 per layer
    const expected = 100 * 64 * 2 + 64 + 2 * 36992;
    expect(m.totalParams).toBe(expected);
    expect(m.activeParams).toBe(expected);
    expect(m.name).toBe('org/tiny');
    expect(m.headDim).toBe(16);
  });

  test('tied embeddings drop the lm head', () => {
    const a = modelSpecFromHfConfig(tiny, 't', 't.json');
    const b = modelSpecFromHfConfig({ ...tiny, tie_word_embeddings: true }, 't', 't.json');
    expect(a.totalParams - b.totalParams).toBe(100 * 64);
  });

  test('MoE counts every expert in total and k experts in active, plus the router', () => {
    const m = modelSpecFromHfConfig({ ...tiny, num_local_experts: 4, num_experts_per_tok: 2 }, 'moe', 'moe.json');
    const expert = 3 * 64 * 128;
    expect(m.totalParams - m.activeParams).toBe(2 * 2 * expert);
    expect(m.numExperts).toBe(4);
  });

  test('a plain two-matrix MLP (StarCoder2, Phi-2, GPT-NeoX) counts no gate projection', () => {
    const gated = modelSpecFromHfConfig(tiny, 'g', 'g.json');
    for (const model_type of ['starcoder2', 'phi', 'gpt_neox']) {
      expect(gated.totalParams - modelSpecFromHfConfig({ ...tiny, model_type }, 'p', 'p.json').totalParams).toBe(2 * 64 * 128);
    }
    expect(modelSpecFromHfConfig({ ...tiny, model_type: 'llama' }, 'l', 'l.json').totalParams).toBe(gated.totalParams);
  });

  test('MoE layers as the architectures interleave them: Llama 4 Maverick every other layer, Qwen sparse steps, DeepSeek dense first layers', () => {
    // Llama-4-Maverick-17B-128E (its published config.json): 48 layers, every 2nd routed over 128
    // experts (+ a shared expert of 8192), the others dense at intermediate_size_mlp 16384.
    // Meta publishes it as 400B total, 17B active.
    const maverick = modelSpecFromHfConfig({
      model_type: 'llama4_text', hidden_size: 5120, num_hidden_layers: 48, num_attention_heads: 40, num_key_value_heads: 8, head_dim: 128,
      intermediate_size: 8192, intermediate_size_mlp: 16384, num_local_experts: 128, num_experts_per_tok: 1, interleave_moe_layer_step: 2,
      vocab_size: 202048, max_position_embeddings: 1048576, tie_word_embeddings: false,
    }, 'maverick', 'm.json');
    expect(maverick.moeLayers).toBe(24);
    expect(maverick.totalParams / 1e9).toBeCloseTo(400.7, 1);
    expect(maverick.activeParams / 1e9).toBeCloseTo(17.2, 1);
    const moe = { ...tiny, num_hidden_layers: 8, num_experts: 4, num_experts_per_tok: 2 };
    expect(modelSpecFromHfConfig(moe, 'q', 'q.json').moeLayers).toBe(8);
    // Qwen MoE: layer i routes when (i + 1) % decoder_sparse_step == 0 and i is not in mlp_only_layers.
    expect(modelSpecFromHfConfig({ ...moe, decoder_sparse_step: 2, mlp_only_layers: [3] }, 'q', 'q.json').moeLayers).toBe(3);
    // DeepSeek: the first k layers dense, then every moe_layer_freq-th (i % freq == 0).
    expect(modelSpecFromHfConfig({ ...moe, first_k_dense_replace: 1, moe_layer_freq: 2 }, 'd', 'd.json').moeLayers).toBe(3);
    expect(modelSpecFromHfConfig(tiny, 'dense', 'x.json').moeLayers).toBe(0);
    // gpt-oss spells the top-k experts_per_token.
    const { num_experts_per_tok: _, ...gptOss } = { ...moe, experts_per_token: 2 };
    expect(modelSpecFromHfConfig(gptOss, 'g', 'g.json').expertsPerToken).toBe(2);
  });

  test('kv heads default to attention heads (MHA) when absent', () => {
    const { num_key_value_heads: _, ...mha } = tiny;
    expect(modelSpecFromHfConfig(mha, 'mha', 'mha.json').numKvHeads).toBe(4);
  });

  test('a missing field raises an InputError naming the file and the field', () => {
    const { num_hidden_layers: _, ...bad } = tiny;
    const e = err(() => modelSpecFromHfConfig(bad, 'x', 'my-config.json'));
    expect(e.code).toBe('MODEL_CONFIG_FIELD');
    expect(e.message).toContain('my-config.json');
    expect(e.message).toContain('num_hidden_layers');
  });

  test('a non-integer field and a non-object config are rejected', () => {
    expect(err(() => modelSpecFromHfConfig({ ...tiny, hidden_size: '64' }, 'x', 'c.json')).where).toBe('c.json: hidden_size');
    expect(err(() => modelSpecFromHfConfig([], 'x', 'c.json')).code).toBe('MODEL_CONFIG_INVALID');
    expect(err(() => modelSpecFromHfConfig({ ...tiny, num_key_value_heads: 3 }, 'x', 'c.json')).where).toBe('c.json: num_key_value_heads');
  });
  test('fp8 checkpoints: quantised linears at 1 byte, ignored attention and the lm head at 2, w8a8 activations quantised', () => {
    const quant = { quant_method: 'compressed-tensors', config_groups: { g: { weights: { num_bits: 8, type: 'float' }, input_activations: { num_bits: 8, type: 'float', dynamic: true } } } };
    const all = modelSpecFromHfConfig({ ...tiny, quantization_config: quant }, 'q', 'q.json');
    expect([all.weightBytes, all.attentionWeightBytes, all.lmHeadWeightBytes, all.activationQuant]).toEqual([1, 1, 2, true]);
    const attnKept = modelSpecFromHfConfig({ ...tiny, quantization_config: { ...quant, ignore: ['vision_model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.q_proj', 'lm_head'] } }, 'q', 'q.json');
    expect(attnKept.attentionWeightBytes).toBe(2);
    const regex = modelSpecFromHfConfig({ ...tiny, quantization_config: { ...quant, ignore: ['re:.*self_attn.*'] } }, 'q', 'q.json');
    expect(regex.attentionWeightBytes).toBe(2);
    const visionOnly = modelSpecFromHfConfig({ ...tiny, quantization_config: { ...quant, ignore: ['vision_model.layers.0.self_attn.q_proj'] } }, 'q', 'q.json');
    expect(visionOnly.attentionWeightBytes).toBe(1);
    const weightOnly = modelSpecFromHfConfig({ ...tiny, quantization_config: { quant_method: 'compressed-tensors', weights: { num_bits: 8, type: 'float' } } }, 'q', 'q.json');
    expect(weightOnly.activationQuant).toBe(false);
    expect(modelSpecFromHfConfig(tiny, 'b', 'b.json').activationQuant).toBe(false);
  });

  test('weight memory counts embedding, lm head, norms and kept attention at 2 bytes, the rest at the quantised width', () => {
    const bf = modelSpecFromHfConfig(tiny, 'b', 'b.json');
    expect(bf.weightMemoryBytes).toBe(bf.totalParams * 2);
    expect(bf.attentionParamsPerLayer).toBe(12288);
    const quant = { quant_method: 'fp8', ignore: ['re:.*self_attn.*'] };
    const q = modelSpecFromHfConfig({ ...tiny, quantization_config: quant }, 'q', 'q.json');
    // MLP 2 × 24576 at 1 byte; everything else (2 × (12288 + 128) + 2 × 6400 + 64) at 2 bytes
    expect(q.weightMemoryBytes).toBe(2 * 24576 + 2 * (2 * (12288 + 128) + 2 * 6400 + 64));
  });

  test('a model with linear-attention or state-space layers is refused by the field that shows them, never simulated as attention', () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      // Qwen3-Next: three Gated DeltaNet layers to every full-attention one.
      [{ model_type: 'qwen3_next', layer_types: ['linear_attention', 'linear_attention', 'linear_attention', 'full_attention'] }, 'layer_types', /3 of 4 layers are 'linear_attention'/],
      // Nemotron-H: M Mamba-2, * attention, - MLP.
      [{ model_type: 'nemotron_h', hybrid_override_pattern: 'M-M-M*-' }, 'hybrid_override_pattern', /3 Mamba layers \('M'\)/],
      // MiniMax-Text-01: 0 a lightning (linear) attention layer, 1 softmax.
      [{ model_type: 'minimax', attn_type_list: [0, 0, 1] }, 'attn_type_list', /2 linear-attention layers/],
      [{ model_type: 'jamba' }, 'model_type', /'jamba' has recurrent/],
    ];
    for (const [extra, field, found] of cases) {
      const e = err(() => modelSpecFromHfConfig({ ...tiny, ...extra }, 'x', 'x.json'));
      expect([e.code, e.where]).toEqual(['MODEL_UNSUPPORTED_LAYERS', `x.json: ${field}`]);
      expect(e.message).toMatch(found);
      expect(e.message).toMatch(/MambaSpec/);
    }
    // layer_types that are all attention (gpt-oss, Gemma 3, recent Qwen configs) are read as before.
    const sliding = modelSpecFromHfConfig({ ...tiny, sliding_window: 128, layer_types: ['sliding_attention', 'full_attention'] }, 's', 's.json');
    expect(sliding.numLayers).toBe(2);
  });

  test('experts per token without an expert count is a MoE config missing its size, not a dense model', () => {
    const e = err(() => modelSpecFromHfConfig({ ...tiny, num_experts_per_tok: 2 }, 'x', 'x.json'));
    expect([e.code, e.where]).toEqual(['MODEL_CONFIG_FIELD', 'x.json: num_local_experts']);
    expect(e.message).toMatch(/num_experts_per_tok is 2, so this is a mixture of experts, but no expert count is given/);
    // One expert per token with no count stays dense (some dense configs carry the key).
    expect(modelSpecFromHfConfig({ ...tiny, num_experts_per_tok: 1 }, 'y', 'y.json').numExperts).toBe(1);
  });
});

