/**
 * KV capacity of models with sliding-window layers as vLLM 0.15 computes it (kv_cache_utils.py
 * get_num_blocks: available memory / per-layer page / layers per group), on the published configs
 * of gpt-oss-20b and Gemma 3 27B on an H100, against the hand-computed page bytes; the cases where
 * vLLM turns the hybrid manager off (the flag, a KV connector: CPU offload, P/D); and the CLI flag.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { describeClusterConfig } from '../../src/cluster/config-echo.js';
import { modelSpecFromHfConfig } from '../../src/model/hf-config.js';
import { kvSizing } from '../../src/model/kv-sizing.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { runCli } from '../cli/helpers.js';

const fixture = (dir: string, name: string) => modelSpecFromHfConfig(JSON.parse(readFileSync(`test/fixtures/model/${dir}/config.json`, 'utf8')) as object, name, `${dir}/config.json`);
const gptOss = fixture('gpt-oss-20b', 'openai/gpt-oss-20b');
const gemma3 = fixture('gemma-3-27b-it', 'google/gemma-3-27b-it');
const H100 = getHardware('H100');

/** vLLM's block count from memory: (available bytes) // (page bytes of one layer) // layers per group. */
function vllmBlocks(model: typeof gptOss, tp: number, layersPerGroup: number, pageBytesPerLayer: number): number {
  const whole = kvSizing({ model, hardware: H100, tp });
  const available = whole.usableBytes - whole.weightBytesPerGpu - whole.reserveBytes;
  return Math.floor(Math.floor(available / pageBytesPerLayer) / layersPerGroup);
}

describe('KV capacity with hybrid KV cache groups', () => {
  it('gpt-oss-20b: 12 sliding (window 128) and 12 full layers, 2 groups of 12: twice the blocks of whole contexts', () => {
    const c = resolveClusterConfig({ modelSpec: gptOss, hardware: 'H100' });
    expect(c.engine.kvGroups).toEqual({ layersPerGroup: 12, fullGroups: 1, slidingGroups: 1, slidingWindow: 128 });
    // A page of one layer: 16 tokens x K and V x 8 kv heads x 64 dims x 2 bytes = 32,768 bytes.
    expect(c.engine.totalKvBlocks).toBe(vllmBlocks(gptOss, 1, 12, 32768));
    const whole = resolveClusterConfig({ modelSpec: gptOss, hardware: 'H100', disableHybridKvCacheManager: true });
    expect(whole.engine.kvGroups).toBeNull();
    expect(whole.engine.totalKvBlocks).toBe(vllmBlocks(gptOss, 1, 24, 32768));
    expect(Math.abs(c.engine.totalKvBlocks - 2 * whole.engine.totalKvBlocks)).toBeLessThanOrEqual(1);
    // TP 2 halves the kv heads per GPU: the page halves.
    expect(resolveClusterConfig({ modelSpec: gptOss, hardware: 'H100', tp: 2 }).engine.totalKvBlocks).toBe(vllmBlocks(gptOss, 2, 12, 16384));
    expect(c.derivations['kvCacheGroups']).toMatch(/12 of 24 layers attend to 128 tokens; 1 full-attention and 1 sliding-window KV cache groups of 12 layers share the pool/);
  });

  it('Gemma 3 27B: 52 sliding (window 1024) and 10 full layers: 7 groups of 10 (8 padding layers), 6.2x the blocks', () => {
    const c = resolveClusterConfig({ modelSpec: gemma3, hardware: 'H100' });
    expect(c.engine.kvGroups).toEqual({ layersPerGroup: 10, fullGroups: 1, slidingGroups: 6, slidingWindow: 1024 });
    // 16 tokens x 2 x 16 kv heads x 128 dims x 2 bytes = 131,072 bytes per layer.
    expect(c.engine.totalKvBlocks).toBe(vllmBlocks(gemma3, 1, 10, 131072));
    // Whole contexts in every layer: 131,072 tokens need 62 GiB per GPU, which vLLM refuses to start with (--max-model-len 16384 fits).
    const whole = resolveClusterConfig({ modelSpec: gemma3, hardware: 'H100', disableHybridKvCacheManager: true, maxModelLen: 16384 });
    expect(whole.engine.totalKvBlocks).toBe(vllmBlocks(gemma3, 1, 62, 131072));
    expect(c.derivations['kvCacheGroups']).toMatch(/\(8 padding layers\)/);
  });

  it('vLLM turns the hybrid manager off behind a KV connector: the CPU tier, P/D pools', () => {
    const cpu = resolveClusterConfig({ modelSpec: gptOss, hardware: 'H100', kvCpuBytes: 8 * 2 ** 30 });
    expect(cpu.engine.kvGroups).toBeNull();
    expect(cpu.engine.totalKvBlocks).toBe(vllmBlocks(gptOss, 1, 24, 32768));
    expect(cpu.derivations['kvCacheGroups']).toMatch(/KV connector .* turns vLLM 0.15's hybrid KV cache manager off/);
    const pd = resolveClusterConfig({ modelSpec: gptOss, hardware: 'H100', prefillInstances: 1, decodeInstances: 1 });
    expect(pd.pools.map((p) => [p.role, p.engine.kvGroups, p.engine.totalKvBlocks])).toEqual([
      ['prefill', null, vllmBlocks(gptOss, 1, 24, 32768)],
      ['decode', null, vllmBlocks(gptOss, 1, 24, 32768)],
    ]);
  });

  it('echoes the groups and the flag; a model without sliding layers echoes neither', () => {
    const echo = describeClusterConfig(resolveClusterConfig({ modelSpec: gptOss, hardware: 'H100' }));
    expect(echo['kv_cache_groups']).toEqual({ layers_per_group: 12, full_attention: 1, sliding_window: 1, window_tokens: 128 });
    expect((echo['pools'] as Record<string, unknown>[])[0]!['kv_cache_groups']).toEqual(echo['kv_cache_groups']);
    const off = describeClusterConfig(resolveClusterConfig({ modelSpec: gptOss, hardware: 'H100', disableHybridKvCacheManager: true }));
    expect([off['disable_hybrid_kv_cache_manager'], off['kv_cache_groups']]).toEqual([true, undefined]);
    const plain = describeClusterConfig(resolveClusterConfig({ model: 'qwen/qwen3-14b' }));
    expect(Object.keys(plain).filter((k) => k.includes('hybrid') || k.includes('groups'))).toEqual([]);
  });

  it('blis run --disable-hybrid-kv-cache-manager serves a gpt-oss config with whole contexts', async () => {
    const args = ['run', '--model-config', 'test/fixtures/model/gpt-oss-20b/config.json', '--num-requests', '20', '--rate', '5', '--output', 'json', '--quiet'];
    const on = await runCli(args);
    const off = await runCli([...args, '--disable-hybrid-kv-cache-manager']);
    expect([on.code, off.code]).toEqual([0, 0]);
    const [a, b] = [JSON.parse(on.out), JSON.parse(off.out)];
    expect(a.config.total_kv_blocks).toBe(vllmBlocks(gptOss, 1, 12, 32768));
    expect(b.config.total_kv_blocks).toBe(vllmBlocks(gptOss, 1, 24, 32768));
    expect(b.config.sources.disableHybridKvCacheManager).toBe('flag');
    expect([a.requests.completed, b.requests.completed]).toEqual([20, 20]);
  });
});
