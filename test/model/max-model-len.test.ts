/**
 * vLLM 0.15's default max_model_len from a config.json (config/model.py _get_and_verify_max_len):
 * the smallest length key, RoPE scaling (yarn from original_max_position_embeddings; linear and
 * dynamic by factor; llama3 and LongRoPE not), LongRoPE's default of the original length, Gemma 3
 * left alone; hand-computed from the published configs in test/fixtures/model.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contextLength } from '../../src/model/max-model-len.js';
import { configContextLength, modelSpecFromHfConfig } from '../../src/model/hf-config.js';
import { defaultMaxModelLen } from '../../src/model/kv-sizing.js';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { errorOf } from '../validate/helpers.js';

const config = (dir: string): Record<string, unknown> => JSON.parse(readFileSync(`test/fixtures/model/${dir}/config.json`, 'utf8')) as Record<string, unknown>;
const spec = (dir: string) => modelSpecFromHfConfig(config(dir), dir, `${dir}/config.json`);

describe('default max_model_len from the config, as vLLM derives it', () => {
  it('yarn stretches original_max_position_embeddings by its factor: Qwen3-32B with the model card\'s block serves 32768 x 4', () => {
    const s = spec('qwen3-32b-yarn');
    expect(s.maxPositionEmbeddings).toBe(40960);
    expect(s.maxModelLen).toBe(32768 * 4);
    expect(defaultMaxModelLen(s)).toBe(131072);
    expect(s.maxModelLenRule).toMatch(/yarn: original_max_position_embeddings 32768, x rope factor 4 = 131072/);
    // Without the block: max_position_embeddings, no rule to report.
    expect([spec('qwen3-32b').maxModelLen, spec('qwen3-32b').maxModelLenRule]).toEqual([40960, null]);
  });

  it('gpt-oss: yarn 4096 x 32 = 131072, the same as its max_position_embeddings', () => {
    expect(spec('gpt-oss-20b').maxModelLen).toBe(4096 * 32);
  });

  it('llama3 rope scaling is not applied again: Llama 3.2 and 3.3 stay at 131072', () => {
    expect(spec('llama-3.2-3b-instruct').maxModelLen).toBe(131072);
    expect(spec('llama-3.3-70b-instruct').maxModelLen).toBe(131072);
    expect(spec('llama-3.2-3b-instruct').maxModelLenRule).toBeNull();
  });

  it('LongRoPE (Phi-3.5-mini) defaults to original_max_position_embeddings 4096 of the 131072 allowed', () => {
    const s = spec('phi-3.5-mini-instruct');
    expect([s.maxPositionEmbeddings, s.maxModelLen]).toEqual([131072, 4096]);
    expect(configContextLength(config('phi-3.5-mini-instruct'))).toMatchObject({ derived: 131072, maxModelLen: 4096 });
    // phi-4 has rope_scaling null: its max_position_embeddings.
    expect(spec('phi-4').maxModelLen).toBe(16384);
  });

  it('Gemma 3 is already scaled: its linear factor 8 is not applied to the class default 131072', () => {
    expect(spec('gemma-3-27b-it').maxModelLen).toBe(131072);
    expect(configContextLength(config('gemma-3-27b-it'))?.maxModelLen).toBe(131072);
  });

  it('linear and dynamic scaling multiply by the factor; "type" (old configs) and rope_parameters (Transformers v5, per layer type) are read', () => {
    expect(contextLength({ max_position_embeddings: 2048, rope_scaling: { type: 'dynamic', factor: 2.0 } }, 'llama', 'c').maxModelLen).toBe(4096);
    expect(contextLength({ max_position_embeddings: 4096, rope_scaling: { rope_type: 'linear', factor: 4 } }, 'llama', 'c').maxModelLen).toBe(16384);
    expect(contextLength({ max_position_embeddings: 40960, rope_parameters: { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32768, rope_theta: 1e6 } }, 'qwen3', 'c').maxModelLen).toBe(131072);
    const nested = { max_position_embeddings: 8192, rope_parameters: { full_attention: { rope_type: 'default', rope_theta: 1e6 }, sliding_attention: { rope_type: 'linear', factor: 2 } } };
    expect(contextLength(nested, 'x', 'c').maxModelLen).toBe(16384);
    expect(contextLength({ max_position_embeddings: 8192, rope_parameters: { rope_type: 'default', rope_theta: 1e6 } }, 'x', 'c')).toEqual({ derived: 8192, maxModelLen: 8192, rule: null });
  });

  it('the smallest length key wins, model_max_length overrides, a config with no length key is refused', () => {
    expect(contextLength({ seq_length: 32768 }, 'chatglm', 'c')).toMatchObject({ maxModelLen: 32768, rule: expect.stringMatching(/seq_length 32768/) });
    expect(contextLength({ max_position_embeddings: 4096, n_positions: 2048 }, 'x', 'c').maxModelLen).toBe(2048);
    expect(contextLength({ max_position_embeddings: 8192, model_max_length: 131072 }, 'cohere', 'c').maxModelLen).toBe(131072);
    expect(errorOf(() => contextLength({ hidden_size: 8 }, 'x', 'm.json'))).toMatchObject({ code: 'MODEL_CONFIG_FIELD', where: 'm.json: max_position_embeddings' });
  });

  it('a run on the yarn config derives 131072 and says why in the config derivations', () => {
    const c = resolveClusterConfig({ modelSpec: spec('qwen3-32b-yarn'), hardware: 'H100', tp: 2 });
    expect(c.engine.maxModelLen).toBe(131072);
    expect(c.derivations['maxModelLen']).toMatch(/yarn/);
    expect(resolveClusterConfig({ modelSpec: spec('qwen3-32b'), hardware: 'H100', tp: 2 }).derivations['maxModelLen']).toBeUndefined();
  });
});
