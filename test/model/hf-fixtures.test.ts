/**
 * Published config.json files of models outside the catalog (test/fixtures/model, sources in
 * SOURCES.md) read as vLLM loads them: parameter counts, weight bytes, KV bytes per token, tied
 * embeddings, sliding-window layers, experts, sampler defaults, each hand-computed from the
 * config's numbers (and the weights set against the checkpoints' published sizes).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { modelSpecFromHfConfig } from '../../src/model/hf-config.js';
import { familyGenerationDefaults } from '../../src/model/generation-families.js';

const config = (dir: string): Record<string, unknown> => JSON.parse(readFileSync(`test/fixtures/model/${dir}/config.json`, 'utf8')) as Record<string, unknown>;
const spec = (dir: string, name = dir) => modelSpecFromHfConfig(config(dir), name, `${dir}/config.json`, familyGenerationDefaults(name, config(dir)));
const kvBytesPerToken = (s: ReturnType<typeof spec>) => 2 * s.numLayers * s.numKvHeads * s.headDim * s.kvBytes;

describe('published configs outside the catalog', () => {
  it('Llama-3.2-3B-Instruct: tied embeddings count once, 3.21 B parameters, 114,688 KV bytes per token', () => {
    const s = spec('llama-3.2-3b-instruct', 'meta-llama/llama-3.2-3b-instruct');
    const h = 3072;
    const perLayer = 2 * h * (24 * 128) + 2 * h * (8 * 128) + 3 * h * 8192 + 2 * h;
    expect(s.tieWordEmbeddings).toBe(true);
    expect(s.totalParams).toBe(128256 * h + h + 28 * perLayer);
    expect(s.totalParams).toBe(3_212_749_824);
    expect(kvBytesPerToken(s)).toBe(2 * 28 * 8 * 128 * 2);
    expect([s.generation.temperature, s.generation.topP]).toEqual([0.6, 0.9]);
  });

  it('Qwen2.5-32B-Instruct-AWQ: 4-bit weights with an fp16 scale and a 4-bit zero per 128, 16-bit embedding and lm head: 19.3 GB as published', () => {
    const s = spec('qwen2.5-32b-instruct-awq', 'qwen/qwen2.5-32b-instruct-awq');
    const h = 5120;
    const attn = 2 * h * 5120 + 2 * h * 1024 + 5120 + 2 * 1024; // q/k/v/o plus Qwen2's q/k/v biases
    const mlp = 3 * h * 27648;
    const perWeight = 0.5 + 2 / 128 + 0.5 / 128;
    expect(s.weightBytes).toBeCloseTo(perWeight, 12);
    const sixteenBit = 2 * 152064 * h + h + 64 * 2 * h;
    expect(s.weightMemoryBytes).toBeCloseTo(64 * (attn + mlp) * perWeight + 2 * sixteenBit, 0);
    expect(s.weightMemoryBytes / 1e9).toBeCloseTo(19.3, 1);
    expect(s.totalParams / 1e9).toBeCloseTo(32.76, 2);
  });

  it('Qwen3-235B-A22B-FP8: 128 experts, 8 active, in all 94 layers; 128x128-block fp8 weights, 236 GB as published', () => {
    const s = spec('qwen3-235b-a22b-fp8', 'qwen/qwen3-235b-a22b-fp8');
    expect([s.numExperts, s.expertsPerToken, s.moeLayers, s.moeIntermediateSize]).toEqual([128, 8, 94, 1536]);
    expect(s.quantization).toBe('fp8 w8a8 (block 128x128)');
    expect(s.totalParams / 1e9).toBeCloseTo(235.09, 2);
    expect(s.activeParams / 1e9).toBeCloseTo(22.2, 1);
    expect(s.weightMemoryBytes / 1e9).toBeCloseTo(236.4, 1);
    expect(kvBytesPerToken(s)).toBe(2 * 94 * 4 * 128 * 2);
  });

  it('gemma-2-9b-it: every other layer of 42 slides over 4096 tokens, embeddings tied, 256-wide heads', () => {
    const s = spec('gemma-2-9b-it', 'google/gemma-2-9b-it');
    expect([s.slidingLayers, s.slidingWindow, s.tieWordEmbeddings, s.headDim]).toEqual([21, 4096, true, 256]);
    expect(kvBytesPerToken(s)).toBe(344_064);
    expect(s.totalParams / 1e9).toBeCloseTo(9.24, 2);
  });

  it('no sliding window where vLLM uses none: Qwen2 with use_sliding_window false (R1-Distill), a window as long as the context (phi-4, Phi-3.5)', () => {
    for (const dir of ['deepseek-r1-distill-qwen-7b', 'phi-4', 'phi-3.5-mini-instruct', 'qwen2.5-72b-instruct', 'mistral-7b-instruct-v0.3']) {
      expect(spec(dir).slidingLayers, dir).toBe(0);
    }
  });

  it('granite ties its embeddings; phi-4 keeps 10 KV heads of 128 (hidden / heads)', () => {
    const g = spec('granite-3.1-8b-instruct');
    expect(g.tieWordEmbeddings).toBe(true);
    expect(g.totalParams / 1e9).toBeCloseTo(8.17, 2);
    const p = spec('phi-4');
    expect([p.numKvHeads, p.headDim]).toEqual([10, 128]);
    expect(kvBytesPerToken(p)).toBe(2 * 40 * 10 * 128 * 2);
  });

  it('Mistral-Small-24B: head_dim 128 from the config, not hidden / heads (160)', () => {
    const s = spec('mistral-small-24b-instruct-2501');
    expect(s.headDim).toBe(128);
    expect(s.totalParams / 1e9).toBeCloseTo(23.57, 2);
  });

  it('families without a shared generation_config get the plain sampler (R1-Distill under qwen2, Mistral, Gemma 2)', () => {
    for (const [dir, name] of [['deepseek-r1-distill-qwen-7b', 'deepseek-ai/deepseek-r1-distill-qwen-7b'], ['mistral-7b-instruct-v0.3', 'mistralai/mistral-7b-instruct-v0.3'], ['gemma-2-9b-it', 'google/gemma-2-9b-it']] as const) {
      expect(spec(dir, name).generation.topP, dir).toBeUndefined();
    }
  });
});
