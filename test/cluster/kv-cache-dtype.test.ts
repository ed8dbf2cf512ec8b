/**
 * `--kv-cache-dtype` (and an experiment file's `vllm.kv_cache_dtype`): an fp8 KV cache stores one
 * byte per element, so vLLM's memory profiling fits twice the blocks and decode attention reads
 * half the bytes; `auto` is the model's 16-bit dtype and changes nothing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeClusterConfig } from '../../src/cluster/config-echo.js';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { InputError } from '../../src/kernel/errors.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { getModel } from '../../src/model/catalog.js';
import { withKvCacheDtype } from '../../src/model/kv-sizing.js';
import { rooflineBasis, ROOFLINE_BASIS, BASIS_SIZE } from '../../src/model/roofline.js';
import { parseExperiment } from '../../src/validate/experiment.js';
import { buildPlan } from '../../src/validate/plan.js';
import { planClusterOptions } from '../../src/validate/simulate-plan.js';
import { runCli } from '../cli/helpers.js';

describe('KV cache dtype', () => {
  it('fp8 doubles the blocks memory profiling finds; auto and bfloat16 change nothing', () => {
    const at = (kvCacheDtype?: string) => resolveClusterConfig({ model: 'qwen/qwen3-14b', hardware: 'H100', ...(kvCacheDtype ? { kvCacheDtype } : {}) });
    const auto = at();
    const fp8 = at('fp8_e4m3');
    // floor(free / (bytes / 2)) is 2·floor(free / bytes) or one more.
    expect(fp8.engine.totalKvBlocks - 2 * auto.engine.totalKvBlocks).toBeGreaterThanOrEqual(0);
    expect(fp8.engine.totalKvBlocks - 2 * auto.engine.totalKvBlocks).toBeLessThanOrEqual(1);
    expect(at('bfloat16').engine.totalKvBlocks).toBe(auto.engine.totalKvBlocks);
    expect(at('bfloat16').model).toBe(auto.model);
    expect(describeClusterConfig(fp8)['kv_cache_dtype']).toBe('fp8_e4m3');
    expect('kv_cache_dtype' in describeClusterConfig(auto)).toBe(false);
  });

  it('decode attention reads half the bytes', () => {
    const attention = (dtype: string) => {
      const b = rooflineBasis({ model: withKvCacheDtype(getModel('meta-llama/llama-3.1-8b-instruct'), dtype), hardware: getHardware('H100'), tp: 1 });
      const out = new Float64Array(BASIS_SIZE);
      b.decode!(64, 64 * 4000, out);
      return out[ROOFLINE_BASIS.indexOf('attn_decode_us')]!;
    };
    const ratio = attention('fp8') / attention('auto');
    // Memory-bound: half, plus the same FLOPs in the smooth roofline.
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(0.56);
  });

  it('an unknown dtype is refused by name', () => {
    let e: unknown;
    try {
      resolveClusterConfig({ model: 'qwen/qwen3-14b', hardware: 'H100', kvCacheDtype: 'fp4' });
    } catch (x) {
      e = x;
    }
    expect((e as InputError).where).toBe('--kv-cache-dtype');
    expect((e as InputError).message).toMatch(/expected one of auto, .*fp8_e5m2/);
  });

  it("an experiment file's vllm.kv_cache_dtype is simulated, and a value it cannot model names the field", () => {
    const file = new URL('../../baselines/trainval-experiments/64-qwen2-5-7b-instruct-tp1-roleplay-1-1.json', import.meta.url);
    const j = JSON.parse(readFileSync(file, 'utf8'));
    j.vllm.kv_cache_dtype = 'fp8';
    expect(planClusterOptions(buildPlan(parseExperiment(j, 'k.json'), { seed: 1, arrivals: 'synthetic' })).options.kvCacheDtype).toBe('fp8');
    j.vllm.kv_cache_dtype = 'fp8_inc';
    expect(() => parseExperiment(j, 'k.json')).toThrowError(/vllm\.kv_cache_dtype/);
  });

  it('the CLI flag', async () => {
    const r = await runCli(['run', '--num-requests', '50', '--kv-cache-dtype', 'fp8', '--output', 'json', '--quiet']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).config.kv_cache_dtype).toBe('fp8');
    const bad = await runCli(['run', '--num-requests', '5', '--kv-cache-dtype', 'int4', '--quiet']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--kv-cache-dtype/);
  });
});
