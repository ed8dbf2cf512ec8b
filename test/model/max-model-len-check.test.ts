/**
 * vLLM 0.15 refuses to start when its KV cache cannot hold one request of max_model_len tokens
 * (v1/core/kv_cache_utils.py check_enough_kv_cache_memory, max_memory_usage_bytes summed over
 * layers; estimate_max_model_len's binary search names what fits). blis refuses the same
 * configurations with KV_CAPACITY, against hand-computed bytes; validate (whose server did start)
 * notes the shortfall instead; a given block count (num_gpu_blocks_override, which 0.15's check
 * does not read) is not checked.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { getModel } from '../../src/model/catalog.js';
import { kvCacheGroups } from '../../src/model/kv-groups.js';
import { kvSizing, maxRequestKvBytes } from '../../src/model/kv-sizing.js';
import { modelSpecFromHfConfig } from '../../src/model/hf-config.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { runCli } from '../cli/helpers.js';
import { inputErrorOf } from '../kernel/helpers.js';

const llama70 = getModel('meta-llama/llama-3.1-70b-instruct');
const H100 = getHardware('H100');
const GiB = 2 ** 30;

const refusal = inputErrorOf;

describe('max_model_len against the KV cache, as vLLM 0.15 checks it at start-up', () => {
  it('Llama-3.1-70B on 2 x H100: 131,072 tokens need 20 GiB per GPU; the 738 blocks that fit hold 11,808 tokens', () => {
    // Per GPU at TP 2: K and V x 4 kv heads x 128 dims x 2 bytes = 2,048 bytes per token per layer; x 80 layers x 16 tokens = 2,621,440 per block.
    expect(maxRequestKvBytes(llama70, 2, 16, null, 131072, 8192)).toBe(8192 * 2621440);
    expect(8192 * 2621440 / GiB).toBe(20);
    // Loading also leaves the RoPE cos/sin cache on each GPU: 131,072 positions x 128 x 2 bytes (33.6 MB, 13 blocks).
    const k = kvSizing({ model: llama70, hardware: H100, tp: 2 });
    expect(k.totalKvBlocks).toBe(738);
    const e = refusal(() => resolveClusterConfig({ model: 'meta-llama/llama-3.1-70b-instruct', hardware: 'H100', tp: 2 }));
    expect(e.code).toBe('KV_CAPACITY');
    expect(e.where).toBe('--max-model-len');
    // A uniform model's longest length is whole blocks: 738 x 16.
    expect(e.message).toMatch(/vLLM refuses to start: one request of max_model_len 131072 tokens needs 20.00 GiB of KV cache per GPU, .* leaves 1.80 GiB; the longest that fits is 11808 tokens. Pass --max-model-len 11808 or less/);
    // The boundary: 11,808 tokens fit (738 blocks), 11,809 need a 739th.
    expect(resolveClusterConfig({ model: 'meta-llama/llama-3.1-70b-instruct', hardware: 'H100', tp: 2, maxModelLen: 11808 }).engine.totalKvBlocks).toBe(738);
    expect(refusal(() => resolveClusterConfig({ model: 'meta-llama/llama-3.1-70b-instruct', hardware: 'H100', tp: 2, maxModelLen: 11809 })).message).toMatch(/longest that fits is 11808/);
    // TP 4 holds the whole context.
    expect(resolveClusterConfig({ model: 'meta-llama/llama-3.1-70b-instruct', hardware: 'H100', tp: 4 }).engine.maxModelLen).toBe(131072);
  });

  it('a sliding-window layer needs the window and one step of tokens (+1 block), not the whole context', () => {
    const gptOss = modelSpecFromHfConfig(JSON.parse(readFileSync('test/fixtures/model/gpt-oss-20b/config.json', 'utf8')) as object, 'openai/gpt-oss-20b', 'config.json');
    const groups = kvCacheGroups(gptOss);
    expect(groups).not.toBeNull();
    // A layer's page: 16 tokens x K and V x 8 kv heads x 64 dims x 2 bytes = 32,768 bytes. 12 full layers hold
    // cdiv(131072, 16) = 8,192 blocks; 12 sliding layers cdiv(min(128 - 1 + 8192, 131072), 16) + 1 = 521.
    expect(maxRequestKvBytes(gptOss, 1, 16, groups, 131072, 8192)).toBe(32768 * (12 * 8192 + 12 * 521));
    // Short requests: the window term is capped by the length itself.
    expect(maxRequestKvBytes(gptOss, 1, 16, groups, 100, 8192)).toBe(32768 * (12 * 7 + 12 * 8));
    // With the hybrid manager off every layer keeps the whole context.
    expect(maxRequestKvBytes(gptOss, 1, 16, null, 131072, 8192)).toBe(32768 * 24 * 8192);
  });

  it('validate notes a derived cache short of max_model_len instead of refusing (the measured server started)', () => {
    const c = resolveClusterConfig({ model: 'meta-llama/llama-3.1-70b-instruct', hardware: 'H100', tp: 2, noteUnservableMaxModelLen: true });
    expect(c.engine.totalKvBlocks).toBe(738);
    expect(c.derivations['maxModelLenShortfall']).toMatch(/short of one max_model_len request .*longest that fits is 11808 tokens.*simulated anyway/);
    // A given block count is vLLM's num_gpu_blocks_override, which 0.15's start-up check does not read.
    expect(resolveClusterConfig({ model: 'meta-llama/llama-3.1-70b-instruct', hardware: 'H100', tp: 2, totalKvBlocks: 500 }).engine.totalKvBlocks).toBe(500);
  });

  it('each pool with a derived cache is checked: a prefill pool on smaller GPUs is refused by name', () => {
    const e = refusal(() => resolveClusterConfig({
      model: 'meta-llama/llama-3.1-70b-instruct', hardware: 'H100', tp: 4,
      pools: [{ role: 'prefill', count: 1, tp: 2 }, { role: 'decode', count: 1 }],
    }));
    expect(e.message).toMatch(/at TP 2 on H100 .* the longest that fits is/);
  });

  it('the CLI exits 2 with the fix; capacity reports the fleet as one that cannot run', async () => {
    const r = await runCli(['run', '--model', 'meta-llama/llama-3.1-70b-instruct', '--hardware', 'H100', '--tp', '2', '--num-requests', '3']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[KV_CAPACITY\] --max-model-len: vLLM refuses to start.*Pass --max-model-len 11808 or less, or raise --tp or --gpu-memory-utilization/);
    const ok = await runCli(['run', '--model', 'meta-llama/llama-3.1-70b-instruct', '--hardware', 'H100', '--tp', '2', '--max-model-len', '8192', '--num-requests', '3', '--output', 'json', '--quiet']);
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.out) as { requests: { completed: number } }).requests.completed).toBe(3);
  });

  it("a max_model_len above the config's limit, which vLLM refuses without VLLM_ALLOW_LONG_MAX_MODEL_LEN, is simulated as given and noted", async () => {
    // Llama-2-7B: max_position_embeddings 4096, no RoPE scaling.
    const c = resolveClusterConfig({ model: 'meta-llama/llama-2-7b-hf', hardware: 'H100', maxModelLen: 4097 });
    expect(c.engine.maxModelLen).toBe(4097);
    expect(c.derivations['maxModelLen']).toBe("4097 is simulated as given; meta-llama/llama-2-7b-hf's config allows 4096 tokens, and vLLM refuses a longer max_model_len unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1");
    expect(resolveClusterConfig({ model: 'meta-llama/llama-2-7b-hf', hardware: 'H100', maxModelLen: 4096 }).derivations['maxModelLen']).toBeUndefined();
    const r = await runCli(['run', '--model', 'meta-llama/llama-2-7b-hf', '--max-model-len', '8192', '--num-requests', '2', '--output', 'json', '--quiet']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { config: { derivations: Record<string, string> } }).config.derivations['maxModelLen']).toMatch(/^8192 is simulated as given/);
  });
});
