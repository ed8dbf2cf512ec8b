import { describe, expect, test } from 'vitest';
import { modelSpecFromHfConfig } from '../../src/model/hf-config.js';
import { InputError } from '../../src/kernel/errors.js';

const tiny = {
  hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
  intermediate_size: 128, vocab_size: 100, max_position_embeddings: 512, tie_word_embeddings: false,
};

function err(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

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
});
