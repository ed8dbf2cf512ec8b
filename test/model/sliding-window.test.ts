/**
 * Sliding-window attention: which layers slide and by how much, as transformers and vLLM read
 * the config, and the roofline's attention at the window (hand-computed pairs, a brute-force
 * property, and a windowed decode at a long context costing what the whole-context one costs at
 * the window). Such a model has no decode-only aggregate, so the engine steps it request by
 * request, and a run completes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { modelSpecFromHfConfig } from '../../src/model/hf-config.js';
import { createStepTimeModel } from '../../src/model/registry.js';
import { rooflineBasis, ROOFLINE_BASIS, BASIS_SIZE, windowPairs } from '../../src/model/roofline.js';

const base = {
  model_type: 'mistral', hidden_size: 2048, num_hidden_layers: 24, num_attention_heads: 16, num_key_value_heads: 8,
  intermediate_size: 8192, vocab_size: 32000, max_position_embeddings: 32768, tie_word_embeddings: false,
};

describe('which layers slide', () => {
  it('reads layer_types, Gemma 2 and 3 patterns, Qwen use_sliding_window, and every layer otherwise', () => {
    const spec = (extra: object) => modelSpecFromHfConfig({ ...base, ...extra }, 'm', 'm.json');
    const alternating = Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? 'sliding_attention' : 'full_attention'));
    expect([spec({ model_type: 'gpt_oss', sliding_window: 128, layer_types: alternating }).slidingLayers, spec({ sliding_window: 128, layer_types: alternating }).slidingWindow]).toEqual([12, 128]);
    expect(spec({ model_type: 'gemma2', sliding_window: 4096 }).slidingLayers).toBe(12);
    expect(spec({ model_type: 'gemma3_text', num_hidden_layers: 62, sliding_window: 1024 }).slidingLayers).toBe(52);
    expect(spec({ model_type: 'gemma3_text', num_hidden_layers: 62, sliding_window: 1024, sliding_window_pattern: 2 }).slidingLayers).toBe(31);
    // Command R7B (cohere2): 32 layers, every 4th global.
    expect(spec({ model_type: 'cohere2', num_hidden_layers: 32, sliding_window: 4096, sliding_window_pattern: 4 }).slidingLayers).toBe(24);
    expect(spec({ model_type: 'cohere2', sliding_window: 4096 }).slidingLayers).toBe(18);
    expect(spec({ sliding_window: 4096 }).slidingLayers).toBe(24);
    expect(spec({ model_type: 'qwen2', sliding_window: 4096 }).slidingLayers).toBe(0);
    expect(spec({ model_type: 'qwen2', sliding_window: 4096, use_sliding_window: true }).slidingLayers).toBe(24);
    expect(spec({ sliding_window: 32768 }).slidingLayers).toBe(0); // as long as the context: no window
    expect(spec({ sliding_window: null }).slidingWindow).toBe(0);
  });

  it("Gemma 3 27B as published: a multimodal wrapper whose text_config leaves vocabulary and context to the config class", () => {
    const gemma3 = modelSpecFromHfConfig({
      model_type: 'gemma3',
      text_config: {
        head_dim: 128, hidden_size: 5376, intermediate_size: 21504, model_type: 'gemma3_text', num_attention_heads: 32,
        num_hidden_layers: 62, num_key_value_heads: 16, query_pre_attn_scalar: 168, sliding_window: 1024,
      },
    }, 'google/gemma-3-27b-it', 'g.json');
    expect([gemma3.vocabSize, gemma3.maxPositionEmbeddings, gemma3.tieWordEmbeddings]).toEqual([262208, 131072, true]);
    // 62 layers, every 6th global: 52 slide over 1,024 tokens.
    expect([gemma3.slidingWindow, gemma3.slidingLayers]).toEqual([1024, 52]);
    // Google publishes Gemma 3 27B as 27B parameters (the language model; the vision tower is not counted here).
    expect(gemma3.totalParams / 1e9).toBeGreaterThan(26.5);
    expect(gemma3.totalParams / 1e9).toBeLessThan(27.5);
  });

  it('Gemma ties its embeddings when the config does not say (the config class default)', () => {
    const { tie_word_embeddings: _, ...untied } = base;
    const gemma = modelSpecFromHfConfig({ ...untied, model_type: 'gemma2' }, 'g', 'g.json');
    const mistral = modelSpecFromHfConfig(untied, 'x', 'x.json');
    expect(gemma.tieWordEmbeddings).toBe(true);
    expect(mistral.tieWordEmbeddings).toBe(false);
  });
});

describe('attention at the window', () => {
  it('windowPairs: hand-computed and against the sum it stands for', () => {
    // 10 tokens from an empty cache, window 4: 1 + 2 + 3 + 4 × 7 keys.
    expect(windowPairs(0, 10, 4)).toBe(34);
    expect(windowPairs(10, 1, 4)).toBe(4);
    expect(windowPairs(2, 2, 10)).toBe(7);
    fc.assert(fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 400 }), (c, t, W) => {
      let sum = 0;
      for (let j = 0; j < t; j++) sum += Math.min(c + j + 1, W);
      return windowPairs(c, t, W) === sum;
    }));
  });

  it('a decode far past the window costs what a whole-context one costs at the window; the other terms are unchanged', () => {
    const windowed = modelSpecFromHfConfig({ ...base, sliding_window: 128 }, 'w', 'w.json');
    const plain = modelSpecFromHfConfig(base, 'p', 'p.json');
    const batch = (ctx: number) => ({ size: 4, newTokens: Int32Array.of(1, 1, 1, 1), contextTokens: Int32Array.of(ctx, ctx, ctx, ctx), isPrefill: Uint8Array.of(0, 0, 0, 0), totalNewTokens: 4, numPrefill: 0 });
    const run = (m: typeof plain, ctx: number) => {
      const out = new Float64Array(BASIS_SIZE);
      rooflineBasis({ model: m, hardware: getHardware('H100'), tp: 1 })(batch(ctx), out);
      return out;
    };
    const far = run(windowed, 4000);
    const atWindow = run(plain, 127);
    const att = ROOFLINE_BASIS.indexOf('attn_decode_us');
    expect(far[att]).toBe(atWindow[att]);
    const plainFar = run(plain, 4000);
    for (let i = 0; i < BASIS_SIZE; i++) if (i !== att) expect(far[i], ROOFLINE_BASIS[i]).toBe(plainFar[i]);
    expect(plainFar[att]).toBeGreaterThan(20 * far[att]!);
  });

  it('the config echo says how the sliding layers keep their blocks', () => {
    const windowed = modelSpecFromHfConfig({ ...base, sliding_window: 128 }, 'w', 'w.json');
    const all = resolveClusterConfig({ modelSpec: windowed, hardware: 'H100' });
    expect(all.derivations['kvCacheGroups']).toMatch(/24 of 24 layers attend to 128 tokens; 0 full-attention and 1 sliding-window KV cache groups of 24 layers/);
    // Behind the CPU tier (a KV connector) a model whose every layer slides is approximated with whole contexts, and says so.
    expect(resolveClusterConfig({ modelSpec: windowed, hardware: 'H100', kvCpuBytes: 2 ** 30 }).derivations['kvCacheGroups']).toMatch(/approximated behind a KV connector/);
    const plain = resolveClusterConfig({ modelSpec: modelSpecFromHfConfig(base, 'p', 'p.json'), hardware: 'H100' });
    expect(plain.derivations['kvCacheGroups']).toBeUndefined();
    expect(plain.engine.kvGroups).toBeNull();
    // Every layer slides: one group of every layer, so the block count is the whole-context one.
    expect(all.engine.totalKvBlocks).toBe(plain.engine.totalKvBlocks);
  });

  it('no decode-only aggregate for a windowed model (the engine steps it request by request)', () => {
    const ctx = { model: modelSpecFromHfConfig({ ...base, sliding_window: 128 }, 'w', 'w.json'), hardware: getHardware('H100'), tp: 1 };
    expect(createStepTimeModel({ name: 'roofline', options: {} }, ctx).decode).toBeUndefined();
    expect(createStepTimeModel({ name: 'roofline', options: {} }, { ...ctx, model: modelSpecFromHfConfig(base, 'p', 'p.json') }).decode).toBeDefined();
  });
});
