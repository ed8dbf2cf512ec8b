/**
 * The model memory vLLM counts besides the language model's weights (src/model/rope-cache.ts):
 * the RoPE cos/sin cache every rank holds, and a multimodal checkpoint's vision tower. Expected
 * values are the buffer and parameter shapes worked by hand from vLLM 0.15's rotary embedding
 * classes and the published config.json fields.
 */
import { describe, expect, it } from 'vitest';
import { getModel } from '../../src/model/catalog.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { modelSpecFromHfConfig } from '../../src/model/hf-config.js';
import { kvSizing } from '../../src/model/kv-sizing.js';
import { ropeCacheBytes, visionTowerParams } from '../../src/model/rope-cache.js';

describe('RoPE cos/sin cache: [positions, rotary_dim] in 16 bits on every GPU', () => {
  it('default and llama3 RoPE: max_position_embeddings positions (llama3 rescales frequencies, not positions)', () => {
    expect(ropeCacheBytes({}, 'qwen2', 32768, 128)).toBe(32768 * 128 * 2);
    const llama3 = { rope_scaling: { rope_type: 'llama3', factor: 16, original_max_position_embeddings: 8192 } };
    expect(ropeCacheBytes(llama3, 'llama4_text', 10485760, 128)).toBe(2684354560);
    expect(getModel('redhatai/llama-4-scout-17b-16e-instruct-fp8-dynamic').ropeCacheBytes).toBe(2684354560);
    expect(getModel('meta-llama/llama-3.1-8b-instruct').ropeCacheBytes).toBe(131072 * 128 * 2);
  });

  it('linear and dynamic scaling extend the table by the factor; yarn spans original x factor', () => {
    expect(ropeCacheBytes({ rope_scaling: { type: 'linear', factor: 4 } }, 'llama', 4096, 128)).toBe(4 * 4096 * 128 * 2);
    expect(ropeCacheBytes({ rope_scaling: { type: 'dynamic', factor: 2 } }, 'llama', 4096, 128)).toBe(2 * 4096 * 128 * 2);
    // Qwen2.5's long-context recipe: yarn factor 4 over 32,768 original positions, whatever max_position_embeddings says.
    expect(ropeCacheBytes({ rope_scaling: { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32768 } }, 'qwen2', 131072, 128)).toBe(131072 * 128 * 2);
    expect(ropeCacheBytes({ rope_scaling: { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32768 } }, 'qwen2', 32768, 128)).toBe(131072 * 128 * 2);
    // transformers 5 names the same object rope_parameters.
    expect(ropeCacheBytes({ rope_parameters: { rope_type: 'linear', factor: 3 } }, 'llama', 1000, 64)).toBe(3000 * 64 * 2);
  });

  it('partial rotary dimensions and MLA: only the rotated part is cached', () => {
    expect(ropeCacheBytes({ partial_rotary_factor: 0.5 }, 'phi', 2048, 80)).toBe(2048 * 40 * 2);
    expect(ropeCacheBytes({ rotary_pct: 0.25 }, 'gpt_neox', 2048, 128)).toBe(2048 * 32 * 2);
    expect(ropeCacheBytes({ rope_parameters: { rope_type: 'default', partial_rotary_factor: 0.5 } }, 'glm4', 4096, 128)).toBe(4096 * 64 * 2);
    // DeepSeek-V2-Lite: yarn (vLLM's deepseek_yarn) over 4,096 x 40 positions, qk_rope_head_dim 64 wide.
    expect(getModel('deepseek-ai/deepseek-v2-lite').ropeCacheBytes).toBe(4096 * 40 * 64 * 2);
  });

  it('ALiBi and learned positions have none', () => {
    for (const t of ['bloom', 'mpt', 'gpt2', 'gpt_bigcode', 'opt']) expect(ropeCacheBytes({}, t, 2048, 128), t).toBe(0);
    expect(ropeCacheBytes({ alibi: true }, 'falcon', 2048, 64)).toBe(0);
    expect(ropeCacheBytes({ alibi: false }, 'falcon', 2048, 64)).toBe(2048 * 64 * 2);
  });
});

describe('vision tower of a multimodal checkpoint', () => {
  const scoutVision = { hidden_size: 1408, intermediate_size: 5632, num_hidden_layers: 34, patch_size: 14, num_channels: 3, projector_input_dim: 4096, projector_output_dim: 4096, vision_output_dim: 4096 };

  it("Llama 4 Scout's: 34 ViT layers, patch embedding, pixel-shuffle adapter and projector into the 5,120-wide text model", () => {
    const layers = 34 * (4 * 1408 * 1408 + 2 * 1408 * 5632); // 808,845,312
    const patch = 3 * 14 * 14 * 1408; // 827,904
    const adapter = 5632 * 4096 + 4096 * 4096; // 39,845,888
    const projector = 4096 * 5120; // 20,971,520
    expect(visionTowerParams({ vision_config: scoutVision }, 5120)).toBe(layers + patch + adapter + projector);
    expect(layers + patch + adapter + projector).toBe(870490624);
  });

  it('a generic ViT (Qwen2-VL names: embed_dim, depth, mlp_ratio) projects its own width into the text model', () => {
    const v = { embed_dim: 1280, depth: 32, mlp_ratio: 4, patch_size: 14, in_channels: 3 };
    expect(visionTowerParams({ vision_config: v }, 3584)).toBe(32 * (4 * 1280 * 1280 + 2 * 1280 * 5120) + 3 * 14 * 14 * 1280 + 1280 * 3584);
  });

  it('none without a vision_config (or one without a width or depth)', () => {
    expect(visionTowerParams({}, 4096)).toBe(0);
    expect(visionTowerParams({ vision_config: { patch_size: 14 } }, 4096)).toBe(0);
  });

  it('counts in the model memory at 2 bytes, not in the language model parameters', () => {
    const text = { model_type: 'llama4_text', hidden_size: 5120, num_hidden_layers: 48, num_attention_heads: 40, num_key_value_heads: 8, head_dim: 128, intermediate_size: 8192, intermediate_size_mlp: 16384, vocab_size: 202048, max_position_embeddings: 8192, num_local_experts: 16, num_experts_per_tok: 1 };
    const plain = modelSpecFromHfConfig({ model_type: 'llama4', text_config: text }, 'plain', 'test');
    const mm = modelSpecFromHfConfig({ model_type: 'llama4', text_config: text, vision_config: scoutVision }, 'mm', 'test');
    expect(mm.weightMemoryBytes - plain.weightMemoryBytes).toBe(870490624 * 2);
    expect(mm.totalParams).toBe(plain.totalParams);
  });
});

describe("Llama 4 Scout FP8's KV capacity (vLLM logged 8,253 blocks at TP 2, max_num_batched_tokens 2048)", () => {
  it('the RoPE cache and the vision tower take 2,260 of the 3,574 blocks the derivation used to give beyond the log', () => {
    const model = getModel('redhatai/llama-4-scout-17b-16e-instruct-fp8-dynamic');
    const at = (m: typeof model): number => kvSizing({ model: m, hardware: getHardware('H100'), tp: 2, gpuMemoryUtilization: 0.9, blockSize: 16, maxNumBatchedTokens: 2048, maxNumSeqs: 128 }).totalKvBlocks;
    const without = { ...model, ropeCacheBytes: 0, weightMemoryBytes: model.weightMemoryBytes - 870490624 * 2 };
    expect(at(without)).toBe(11827);
    // Per GPU: 2,684,354,560 bytes of cache + half the tower's 1,740,981,248 bytes, in 1,572,864-byte blocks.
    expect(at(without) - at(model)).toBe(Math.ceil((2684354560 + 870490624) / 1572864) - 1);
    expect(at(model)).toBe(9567);
  });
});
