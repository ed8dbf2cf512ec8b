/**
 * `--generation-config auto|vllm|FILE`: the model's default sampling parameters, as vLLM's flag.
 * Qwen2.5-7B's published defaults (top_p 0.8, top_k 20, repetition_penalty 1.05) make vLLM sort
 * and mask the 152k-token vocabulary every step; `vllm` (no defaults) must make its decode faster.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers.js';
import { modelNameFromConfigPath } from '../../src/cli/cluster-flags.js';

const RUN = ['run', '--model', 'qwen/qwen2.5-7b-instruct', '--workload', 'chatbot', '--rate', '10', '--num-requests', '200', '--output', 'json', '--quiet'];

function file(name: string, content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'blis-gen-'));
  writeFileSync(join(dir, name), JSON.stringify(content));
  return join(dir, name);
}

describe('--generation-config', () => {
  it('auto is the catalog default; vllm (no sampling defaults) drops the sort and shortens every token; the echo says which', async () => {
    const auto = JSON.parse((await runCli([...RUN])).out);
    const explicit = JSON.parse((await runCli([...RUN, '--generation-config', 'auto'])).out);
    const none = await runCli([...RUN, '--generation-config', 'vllm']);
    expect(none.code, none.err).toBe(0);
    const plain = JSON.parse(none.out);
    expect(explicit.tpot_ms).toEqual(auto.tpot_ms);
    expect(auto.config.generation_config).toBeUndefined();
    expect(plain.config.generation_config).toEqual({ source: 'none (--generation-config vllm)' });
    expect(plain.tpot_ms.mean).toBeLessThan(auto.tpot_ms.mean);
  });

  it('a file with the same defaults as the catalog reproduces it; a greedy one (temperature 0) equals vllm', async () => {
    const auto = JSON.parse((await runCli([...RUN])).out);
    const same = JSON.parse((await runCli([...RUN, '--generation-config', file('generation_config.json', { temperature: 0.7, top_p: 0.8, top_k: 20, repetition_penalty: 1.05, bos_token_id: 151643 })])).out);
    expect(same.tpot_ms).toEqual(auto.tpot_ms);
    const greedy = JSON.parse((await runCli([...RUN, '--generation-config', file('g.json', { temperature: 0, top_p: 0.8 })])).out);
    const none = JSON.parse((await runCli([...RUN, '--generation-config', 'vllm'])).out);
    expect(greedy.tpot_ms).toEqual(none.tpot_ms);
  });

  it('a bad value exits 2 naming the file and field', async () => {
    const bad = file('g.json', { top_p: 'high' });
    const r = await runCli([...RUN, '--generation-config', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('GENERATION_CONFIG_INVALID');
    expect(r.err).toContain('g.json: top_p');
  });

  it('--model-config reads generation_config.json beside it, as vLLM reads the model directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-model-'));
    const config = { model_type: 'qwen2', hidden_size: 3584, num_hidden_layers: 28, num_attention_heads: 28, num_key_value_heads: 4, intermediate_size: 18944, vocab_size: 152064, max_position_embeddings: 32768, tie_word_embeddings: false, torch_dtype: 'bfloat16' };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    const argv = ['run', '--model-config', join(dir, 'config.json'), '--workload', 'chatbot', '--rate', '10', '--num-requests', '200', '--output', 'json', '--quiet'];
    const without = JSON.parse((await runCli(argv)).out);
    // Named as a Qwen2.5 Instruct checkpoint, the family's file is inferred (generation-families.ts).
    const named = JSON.parse((await runCli([...argv, '--model', 'Qwen/Qwen2.5-14B-Instruct'])).out);
    writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ top_p: 0.8, top_k: 20, repetition_penalty: 1.05 }));
    const withGen = JSON.parse((await runCli(argv)).out);
    expect(withGen.config.model_spec.generation.topP).toBe(0.8);
    expect(without.config.model_spec.generation.source).toBe('none');
    expect(withGen.tpot_ms.mean).toBeGreaterThan(without.tpot_ms.mean);
    expect(named.config.model_spec.generation.source).toMatch(/^inferred from the Qwen2\.5 Instruct family/);
    expect(named.tpot_ms).toEqual(withGen.tpot_ms);
  });

  it('names a config.json by its checkpoint directory, so a Llama 3.1 Instruct checkout gets its family\'s top-p sort as the catalog model does', async () => {
    expect(modelNameFromConfigPath('/models/Llama-3.1-8B-Instruct/config.json')).toBe('Llama-3.1-8B-Instruct');
    expect(modelNameFromConfigPath('/root/.cache/huggingface/hub/models--meta-llama--Llama-3.1-8B-Instruct/snapshots/0e9e39f249a16976918f6564b8830bc894c89659/config.json')).toBe('meta-llama/Llama-3.1-8B-Instruct');
    expect(modelNameFromConfigPath('my-model.json')).toBe('my-model');
    expect(modelNameFromConfigPath('config.json')).toBe('config');
    const catalog = JSON.parse(readFileSync(new URL('../../src/model/models.json', import.meta.url), 'utf8')) as { models: Array<{ name: string; config: unknown }> };
    const dir = join(mkdtempSync(join(tmpdir(), 'blis-ckpt-')), 'Llama-3.1-8B-Instruct');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(catalog.models.find((m) => m.name === 'meta-llama/llama-3.1-8b-instruct')!.config));
    const fromFile = JSON.parse((await runCli(['run', '--model-config', join(dir, 'config.json'), '--workload', 'chatbot', '--rate', '10', '--num-requests', '200', '--output', 'json', '--quiet'])).out);
    const fromCatalog = JSON.parse((await runCli(['run', '--model', 'meta-llama/llama-3.1-8b-instruct', '--workload', 'chatbot', '--rate', '10', '--num-requests', '200', '--output', 'json', '--quiet'])).out);
    expect(fromFile.config.model).toBe('llama-3.1-8b-instruct');
    expect(fromFile.config.model_spec.generation.source).toMatch(/^inferred from the Llama 3 Instruct family/);
    expect(fromFile.tpot_ms).toEqual(fromCatalog.tpot_ms);
  });
});
