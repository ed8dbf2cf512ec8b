import { describe, expect, test } from 'vitest';
import { getModel, findModel, listModels, modelNames } from '../../src/model/catalog.js';
import { InputError } from '../../src/kernel/errors.js';

const B = 1e9;

describe('model catalog facts', () => {
  test.each([
    ['meta-llama/llama-2-7b-hf', 6.74, 6.74],
    ['meta-llama/llama-2-70b-hf', 68.98, 68.98],
    ['meta-llama/llama-3.1-8b-instruct', 8.03, 8.03],
    ['meta-llama/llama-3.1-70b-instruct', 70.55, 70.55],
    ['mistralai/mixtral-8x7b-v0.1', 46.7, 12.88],
    ['mistralai/mixtral-8x22b-v0.1', 140.6, 39.15],
    ['qwen/qwen3-14b', 14.77, 14.77],
    ['qwen/qwen3-30b-a3b', 30.53, 3.35],
    ['qwen/qwen2.5-7b-instruct', 7.62, 7.62],
    ['codellama/codellama-34b-instruct-hf', 33.74, 33.74],
    ['01-ai/yi-34b', 34.39, 34.39],
    ['mistralai/mistral-nemo-instruct-2407', 12.25, 12.25],
    ['meta-llama/llama-4-scout-17b-16e-instruct', 107.8, 17.17],
    ['deepseek-ai/deepseek-v2-lite', 15.71, 2.66],
  ])('%s has %fB total / %fB active parameters', (name, total, active) => {
    const m = getModel(name);
    expect(m.totalParams / B).toBeCloseTo(total, 1);
    expect(m.activeParams / B).toBeCloseTo(active, 1);
  });

  test('shapes follow the config: Llama-3.1-70B GQA, Mixtral experts, Qwen3 explicit head_dim', () => {
    const l = getModel('meta-llama/llama-3.1-70b-instruct');
    expect([l.numLayers, l.numAttentionHeads, l.numKvHeads, l.headDim, l.maxPositionEmbeddings]).toEqual([80, 64, 8, 128, 131072]);
    const mx = getModel('mistralai/mixtral-8x7b-v0.1');
    expect([mx.numExperts, mx.expertsPerToken, mx.moeIntermediateSize, mx.sharedExpertIntermediateSize]).toEqual([8, 2, 14336, 0]);
    const q = getModel('qwen/qwen3-14b');
    expect([q.headDim, q.numKvHeads, q.weightBytes, q.kvBytes]).toEqual([128, 8, 2, 2]);
  });

  test('Llama 4 Scout reads text_config and has a shared expert; the fp8 variant has 1-byte weights', () => {
    const s = getModel('meta-llama/llama-4-scout-17b-16e-instruct');
    expect([s.numExperts, s.expertsPerToken, s.sharedExpertIntermediateSize, s.weightBytes]).toEqual([16, 1, 8192, 2]);
    const f8 = getModel('redhatai/llama-4-scout-17b-16e-instruct-fp8-dynamic');
    expect(f8.weightBytes).toBe(1);
    // RedHatAI's ignore list keeps every self_attn projection, the router and the lm head 16-bit; activations are quantised per token
    expect([f8.attentionWeightBytes, f8.lmHeadWeightBytes, f8.activationQuant]).toEqual([2, 2, true]);
    // 102.6 B expert, shared-expert and router weights at 1 byte; 3.0 B attention and 2.1 B embedding + lm head at 2: ~113 GB, not 107.8;
    // plus the vision tower vLLM loads unquantised (0.87 B parameters at 2 bytes, 1.74 GB; test/model/rope-cache.test.ts)
    expect(f8.weightMemoryBytes / 1e9).toBeGreaterThan(112 + 1.74);
    expect(f8.weightMemoryBytes / 1e9).toBeLessThan(114 + 1.75);
  });

  test('DeepSeek-V2-Lite MLA caches one 576-element latent per token per layer', () => {
    const d = getModel('deepseek-ai/deepseek-v2-lite');
    expect(2 * d.numKvHeads * d.headDim).toBe(576);
  });
});

describe('model lookup', () => {
  test('is case-insensitive and accepts HF-cased names from the calibration experiments', () => {
    // `model` fields of ../shared/groundtruth/calibration/*.json
    for (const n of ['meta-llama/Llama-2-7b-hf', 'meta-llama/Llama-2-70b-hf', 'mistralai/Mixtral-8x7B-v0.1', 'codellama/CodeLlama-34b-Instruct-hf']) {
      expect(findModel(n)?.name).toBe(n.toLowerCase());
    }
    expect(getModel('QWEN/QWEN3-14B').name).toBe('qwen/qwen3-14b');
  });

  test('accepts short aliases without the organisation', () => {
    expect(getModel('llama-2-7b').name).toBe('meta-llama/llama-2-7b-hf');
    expect(getModel('mixtral-8x7b').name).toBe('mistralai/mixtral-8x7b-v0.1');
    expect(getModel('Meta-Llama/Meta-Llama-3.1-8B-Instruct').name).toBe('meta-llama/llama-3.1-8b-instruct');
  });

  test('an unknown model raises UNKNOWN_MODEL with close names', () => {
    try {
      getModel('qwen/qwen3-13b');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).code).toBe('UNKNOWN_MODEL');
      expect((e as InputError).where).toBe('--model');
      expect((e as InputError).message).toContain('qwen/qwen3-14b');
    }
  });

  test('listModels has one row per catalogued model with experts shown for MoE', () => {
    const rows = listModels();
    expect(rows.map((r) => r.name)).toEqual(modelNames());
    expect(rows.find((r) => r.name === 'mistralai/mixtral-8x7b-v0.1')?.experts).toBe('2/8');
    expect(rows.find((r) => r.name === 'qwen/qwen3-14b')?.experts).toBe('-');
    expect(new Set(modelNames()).size).toBe(rows.length);
  });
});
