/**
 * The KV block size vLLM 0.15 runs with: 16 on CUDA when none is given, except that an MLA
 * model's default attention backend forces its page size (platforms/cuda.py
 * check_and_update_config): FlashMLA (Hopper only) 64, FlashInfer MLA (Blackwell,
 * qk_nope_head_dim 128) 64, CUTLASS MLA (other Blackwell) 128; A100 and L40S run Triton MLA at 16.
 * The same code forces those sizes over a given --block-size the backend cannot page
 * (`block_size % 64 != 0` for FlashMLA, `!= 32 and % 64 != 0` for FlashInfer MLA, `% 128 != 0`
 * for CUTLASS MLA, `!= 64` for FlashMLASparse).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { getModel } from '../../src/model/catalog.js';
import { getHardware, hardwareSpecFromJson, listHardware } from '../../src/model/hardware-catalog.js';
import { modelSpecFromHfConfig } from '../../src/model/hf-config.js';
import { vllmBlockSize, vllmGivenBlockSize } from '../../src/model/kv-block-size.js';
import { InputError } from '../../src/kernel/errors.js';
import { parseExperiment } from '../../src/validate/experiment.js';
import { buildPlan } from '../../src/validate/plan.js';
import { planClusterOptions } from '../../src/validate/simulate-plan.js';

const deepseek = getModel('deepseek-ai/deepseek-v2-lite');
const catalog = JSON.parse(readFileSync(new URL('../../src/model/models.json', import.meta.url), 'utf8')) as { models: Array<{ name: string; config: Record<string, unknown> }> };
const deepseekConfig = catalog.models.find((m) => m.name === 'deepseek-ai/deepseek-v2-lite')!.config;

describe('vLLM KV block size', () => {
  it('is 16 for every non-MLA catalog model on every catalog GPU, with no rule to report', () => {
    for (const name of ['qwen/qwen3-14b', 'qwen/qwen3-30b-a3b', 'meta-llama/llama-3.1-8b-instruct', 'mistralai/mixtral-8x22b-v0.1']) {
      for (const gpu of listHardware()) {
        expect(vllmBlockSize(getModel(name), getHardware(gpu.name))).toEqual({ blockSize: 16, rule: null });
      }
    }
  });

  it('reads the MLA shape from the config: DeepSeek-V2-Lite caches a 512 + 64 latent with qk_nope_head_dim 128', () => {
    expect(deepseek.mla).toEqual({ kvLoraRank: 512, qkRopeHeadDim: 64, qkNopeHeadDim: 128, replicatedParamsPerLayer: 2048 * 576 });
    expect(getModel('qwen/qwen3-14b').mla).toBeNull();
  });

  it('forces 64 for DeepSeek-V2-Lite on every Hopper GPU (FlashMLA) and keeps 16 on A100 and L40S (Triton MLA)', () => {
    for (const gpu of ['H100', 'H200', 'H100-PCIe', 'H100-NVL']) {
      const b = vllmBlockSize(deepseek, getHardware(gpu));
      expect(b.blockSize).toBe(64);
      expect(b.rule).toMatch(/FlashMLA/);
    }
    for (const gpu of ['A100-80', 'A100-40', 'A100-PCIe-80', 'A100-PCIe-40', 'L40S']) {
      const b = vllmBlockSize(deepseek, getHardware(gpu));
      expect(b.blockSize).toBe(16);
      expect(b.rule).toMatch(/Triton MLA/);
    }
  });

  it('on Blackwell picks FlashInfer MLA (64) for qk_nope_head_dim 128 and CUTLASS MLA (128) otherwise', () => {
    expect(vllmBlockSize(deepseek, getHardware('B200')).blockSize).toBe(64);
    const narrow = modelSpecFromHfConfig({ ...deepseekConfig, qk_nope_head_dim: 64 }, 'narrow-mla', 'narrow.json');
    const b = vllmBlockSize(narrow, getHardware('B200'));
    expect(b.blockSize).toBe(128);
    expect(b.rule).toMatch(/CUTLASS MLA/);
    // Outside Blackwell qk_nope_head_dim does not matter.
    expect(vllmBlockSize(narrow, getHardware('H100')).blockSize).toBe(64);
  });

  it('keeps a given size each MLA backend can page and forces its own over the others', () => {
    const narrow = modelSpecFromHfConfig({ ...deepseekConfig, qk_nope_head_dim: 64 }, 'narrow-mla', 'narrow.json');
    const sizes = [1, 8, 16, 32, 64, 128, 256];
    const run = (m: typeof deepseek, gpu: string) => sizes.map((b) => vllmGivenBlockSize(m, getHardware(gpu), b).blockSize);
    // FlashMLA (Hopper): block_size % 64 != 0 → 64.
    expect(run(deepseek, 'H200')).toEqual([64, 64, 64, 64, 64, 128, 256]);
    // FlashInfer MLA (Blackwell, qk_nope_head_dim 128): != 32 and % 64 != 0 → 64.
    expect(run(deepseek, 'B200')).toEqual([64, 64, 64, 32, 64, 128, 256]);
    // CUTLASS MLA (other Blackwell): % 128 != 0 → 128.
    expect(run(narrow, 'B200')).toEqual([128, 128, 128, 128, 128, 128, 256]);
    // Triton MLA (A100, L40S) and every non-MLA model: as given, no rule.
    expect(run(deepseek, 'L40S')).toEqual(sizes);
    expect(sizes.every((b) => vllmGivenBlockSize(getModel('qwen/qwen3-14b'), getHardware('H100'), b).rule === null)).toBe(true);
    expect(vllmGivenBlockSize(deepseek, getHardware('H100'), 128).rule).toBeNull();
  });

  it('assumes no architecture-specific backend for a hardware file without a compute capability, and says so', () => {
    const custom = hardwareSpecFromJson({ name: 'lab-gpu', bf16Tflops: 400, hbmTBps: 2, memoryGB: 64, interconnectGBps: 100 }, 'lab.json');
    expect(custom.computeCapability).toBe(0);
    const b = vllmBlockSize(deepseek, custom);
    expect(b.blockSize).toBe(16);
    expect(b.rule).toMatch(/gives no compute capability/);
    expect(vllmBlockSize(deepseek, hardwareSpecFromJson({ name: 'lab-hopper', bf16Tflops: 400, hbmTBps: 2, memoryGB: 64, interconnectGBps: 100, computeCapability: 9.0 }, 'lab.json')).blockSize).toBe(64);
    expect(() => hardwareSpecFromJson({ name: 'x', bf16Tflops: 400, hbmTBps: 2, memoryGB: 64, interconnectGBps: 100, computeCapability: -1 }, 'lab.json')).toThrow(InputError);
  });
});

describe('cluster config: block size', () => {
  it('DeepSeek-V2-Lite on H100 runs 64-token blocks holding the same tokens as 16-token ones, reported as derived', () => {
    const h100 = resolveClusterConfig({ model: 'deepseek-ai/deepseek-v2-lite', hardware: 'H100' });
    expect(h100.engine.blockSize).toBe(64);
    expect(h100.sources['blockSize']).toBe('derived');
    expect(h100.derivations['blockSize']).toMatch(/forces 64 .*FlashMLA/);
    // On an A100 (Triton MLA) a given 16 is what vLLM runs.
    const at16 = resolveClusterConfig({ model: 'deepseek-ai/deepseek-v2-lite', hardware: 'A100-80', blockSize: 16 });
    expect(at16.engine.blockSize).toBe(16);
    expect(at16.sources['blockSize']).toBe('flag');
    expect(at16.derivations['blockSize']).toBeUndefined();
  });

  it('forces 64 over a given --block-size 16 for DeepSeek-V2-Lite on H100, as vLLM\'s FlashMLA check does, so the blocks are vLLM\'s', () => {
    const h100 = resolveClusterConfig({ model: 'deepseek-ai/deepseek-v2-lite', hardware: 'H100' });
    const given16 = resolveClusterConfig({ model: 'deepseek-ai/deepseek-v2-lite', hardware: 'H100', blockSize: 16 });
    expect(given16.engine.blockSize).toBe(64);
    expect(given16.engine.totalKvBlocks).toBe(h100.engine.totalKvBlocks);
    expect(given16.sources['blockSize']).toBe('derived');
    expect(given16.derivations['blockSize']).toMatch(/--block-size 16 given, but vLLM forces 64 .*FlashMLA/);
    // A multiple of 64 is a page FlashMLA takes: kept as given.
    const given128 = resolveClusterConfig({ model: 'deepseek-ai/deepseek-v2-lite', hardware: 'H100', blockSize: 128 });
    expect([given128.engine.blockSize, given128.sources['blockSize'], given128.derivations['blockSize']]).toEqual([128, 'flag', undefined]);
    // A size vLLM's flag does not accept stays a what-if, simulated as given.
    expect(resolveClusterConfig({ model: 'deepseek-ai/deepseek-v2-lite', hardware: 'H100', blockSize: 48 }).engine.blockSize).toBe(48);
  });

  it('keeps vLLM\'s plain default (source default) for a GQA model and for DeepSeek-V2-Lite on A100 says why it stays 16', () => {
    const qwen = resolveClusterConfig({ model: 'qwen/qwen3-14b', hardware: 'H100' });
    expect(qwen.engine.blockSize).toBe(16);
    expect(qwen.sources['blockSize']).toBe('default');
    expect(qwen.derivations['blockSize']).toBeUndefined();
    const a100 = resolveClusterConfig({ model: 'deepseek-ai/deepseek-v2-lite', hardware: 'A100-80' });
    expect(a100.engine.blockSize).toBe(16);
    expect(a100.derivations['blockSize']).toMatch(/FlashMLA needs Hopper/);
  });
});

describe('experiment files: a null vllm.block_size', () => {
  // A trainval file turned into a DeepSeek-V2-Lite run whose block size is unknown.
  const file = new URL('../../baselines/trainval-experiments/64-qwen2-5-7b-instruct-tp1-roleplay-1-1.json', import.meta.url);
  const asDeepseek = (gpu: string, blockSize: number | null) => {
    const j = JSON.parse(readFileSync(file, 'utf8'));
    j.model = 'deepseek-ai/DeepSeek-V2-Lite';
    j.hf_config = deepseekConfig;
    j.hardware = { gpu, num_gpus: 1 };
    j.vllm.block_size = blockSize;
    j.vllm.total_kv_blocks_gpu = null;
    j.vllm.total_kv_blocks_gpu_alt = null;
    j.vllm.cpu_offload = { enabled: false };
    return buildPlan(parseExperiment(j, 'ds.json'), { seed: 1, arrivals: 'synthetic' });
  };

  it('is left to the simulator, which runs the size vLLM forces on the experiment GPU', () => {
    const h100 = asDeepseek('H100-SXM-80GB', null);
    expect(h100.derive).toContain('blockSize');
    expect(resolveClusterConfig(planClusterOptions(h100).options).engine.blockSize).toBe(64);
    expect(resolveClusterConfig(planClusterOptions(asDeepseek('A100-SXM4-80GB', null)).options).engine.blockSize).toBe(16);
    // A stated size is the server's and wins where its backend can page it (A100: Triton MLA).
    const stated = asDeepseek('A100-SXM4-80GB', 16);
    expect(stated.derive).not.toContain('blockSize');
    expect(resolveClusterConfig(planClusterOptions(stated).options).engine.blockSize).toBe(16);
    // On an H100 a stated 16 is the launch flag FlashMLA overrode: the server ran 64-token blocks.
    expect(resolveClusterConfig(planClusterOptions(asDeepseek('H100-SXM-80GB', 16)).options).engine.blockSize).toBe(64);
  });
});
