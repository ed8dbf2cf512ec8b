import { describe, expect, test } from 'vitest';
import { getModel } from '../../src/model/catalog.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { defaultMaxModelLen, deriveTotalKvBlocks, kvBytesPerBlock, kvSizing, validateTp, vllmBatchDefaults } from '../../src/model/kv-sizing.js';
import { InputError } from '../../src/kernel/errors.js';

const h100 = getHardware('H100');

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as InputError).code;
  }
  return 'none';
}

describe('KV sizing', () => {
  test('bytes per block: 2 × layers × kv heads × head dim × 2 bytes × 16 / TP', () => {
    expect(kvBytesPerBlock(getModel('llama-2-7b'), 1, 16)).toBe(2 * 32 * 32 * 128 * 2 * 16);
    expect(kvBytesPerBlock(getModel('llama-2-70b'), 4, 16)).toBe((2 * 80 * 8 * 128 * 2 * 16) / 4);
    // kv heads replicate once TP exceeds them (8 kv heads at TP 16: one per GPU)
    expect(kvBytesPerBlock(getModel('llama-3.1-70b'), 16, 16)).toBe(2 * 80 * 1 * 128 * 2 * 16);
  });

  // vllm.total_kv_blocks_gpu as vLLM logged it (../shared/groundtruth calibration and trainval;
  // H100-SXM-80GB, util 0.9, block 16, max_num_seqs 128), with each run's max_num_batched_tokens.
  test.each([
    ['meta-llama/Llama-2-7b-hf', 1, 2048, 7462],
    ['mistralai/Mixtral-8x7B-v0.1', 2, 2048, 27510],
    ['codellama/CodeLlama-34b-Instruct-hf', 2, 2048, 26602],
    ['meta-llama/Llama-2-70b-hf', 4, 2048, 31356],
    ['meta-llama/Llama-3.1-70B-Instruct', 4, 8192, 30251],
    ['meta-llama/Llama-3.1-70B-Instruct', 4, 2048, 30425],
    ['mistralai/Mistral-Nemo-Instruct-2407', 2, 1024, 48009],
    ['mistralai/Mistral-Nemo-Instruct-2407', 1, 2048, 19251],
    ['Qwen/Qwen2.5-7B-Instruct', 1, 2048, 65352],
    ['Qwen/Qwen2.5-7B-Instruct', 1, 1024, 65368],
    ['01-ai/Yi-34B', 2, 2048, 20793],
  ])('derived blocks for %s TP%i (max_num_batched_tokens %i) are within 1%% of the measured %i', (name, tp, mbt, measured) => {
    const blocks = deriveTotalKvBlocks({ model: getModel(name), hardware: h100, tp, gpuMemoryUtilization: 0.9, blockSize: 16, maxNumBatchedTokens: mbt, maxNumSeqs: 128 });
    expect(Math.abs(blocks / measured - 1)).toBeLessThan(0.01);
  });

  test('the profiled reserve grows with the token budget and with max_num_seqs × vocabulary', () => {
    const m = getModel('qwen/qwen2.5-7b-instruct');
    const at = (mbt: number, mss: number): number => deriveTotalKvBlocks({ model: m, hardware: h100, tp: 1, maxNumBatchedTokens: mbt, maxNumSeqs: mss });
    expect(at(8192, 128)).toBeLessThan(at(2048, 128));
    expect(at(2048, 1024)).toBeLessThan(at(2048, 128));
    // 896 more dummy requests × 152,064 vocabulary entries × 21 bytes, in 917,504-byte blocks
    expect(Math.abs(at(2048, 128) - at(2048, 1024) - (896 * 152064 * 21) / 917504)).toBeLessThanOrEqual(1);
  });

  test('vLLM serve batch defaults follow the GPU: 8192/1024 on >= 70 GiB GPUs other than A100, else 2048/256', () => {
    expect(vllmBatchDefaults(h100)).toMatchObject({ maxNumBatchedTokens: 8192, maxNumSeqs: 1024 });
    expect(vllmBatchDefaults(getHardware('H200'))).toMatchObject({ maxNumBatchedTokens: 8192, maxNumSeqs: 1024 });
    expect(vllmBatchDefaults(getHardware('A100-80'))).toMatchObject({ maxNumBatchedTokens: 2048, maxNumSeqs: 256 });
    expect(vllmBatchDefaults(getHardware('L40S'))).toMatchObject({ maxNumBatchedTokens: 2048, maxNumSeqs: 256 });
    expect(getHardware('L40S').deviceMemoryGiB).toBeLessThan(45);
  });

  test('more memory utilisation, more blocks; larger blocks, fewer', () => {
    const m = getModel('qwen/qwen3-14b');
    const a = deriveTotalKvBlocks({ model: m, hardware: h100, tp: 1, gpuMemoryUtilization: 0.8 });
    const b = deriveTotalKvBlocks({ model: m, hardware: h100, tp: 1, gpuMemoryUtilization: 0.95 });
    expect(b).toBeGreaterThan(a);
    expect(deriveTotalKvBlocks({ model: m, hardware: h100, tp: 1, blockSize: 32 })).toBeLessThan(b / 2 + 1);
  });

  test('a model that does not fit raises KV_CAPACITY', () => {
    expect(code(() => deriveTotalKvBlocks({ model: getModel('llama-2-70b'), hardware: h100, tp: 1 }))).toBe('KV_CAPACITY');
    expect(code(() => deriveTotalKvBlocks({ model: getModel('llama-2-70b'), hardware: getHardware('A100-40'), tp: 2 }))).toBe('KV_CAPACITY');
  });

  test('KV_CAPACITY says what would fit: the utilisation at this TP when one exists, and the smallest larger TP the heads allow, each for one max_model_len request', () => {
    const message = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    };
    const fits = (f: () => unknown): boolean => message(f) === '';
    const m70 = getModel('llama-2-70b');
    // 70B in bf16 is ~140 GB: no utilisation fits one H100. Without a max_model_len one block decides (TP 2);
    // with vLLM's 4,096 tokens of Llama-2 it still is TP 2, and the hint's TP then starts.
    const big = message(() => deriveTotalKvBlocks({ model: m70, hardware: h100, tp: 1 }));
    expect(big).not.toMatch(/utilisation of/);
    expect(big).toMatch(/TP 2 would at this utilisation \(69\.\d GB of weights per GPU\)/);
    const withLen = message(() => kvSizing({ model: m70, hardware: h100, tp: 1, maxModelLen: 4096 }));
    expect(withLen).toMatch(/for one request of max_model_len 4096, TP 2 would/);
    expect(fits(() => kvSizing({ model: m70, hardware: h100, tp: 2, maxModelLen: 4096 }))).toBe(true);
    // Llama-3.1-70B's 131,072 tokens need TP 4 on H100, and TP 4 does start.
    const m31 = getModel('meta-llama/llama-3.1-70b-instruct');
    expect(message(() => kvSizing({ model: m31, hardware: h100, tp: 1, maxModelLen: 131072 }))).toMatch(/max_model_len 131072, TP 4 would/);
    expect(fits(() => kvSizing({ model: m31, hardware: h100, tp: 2, maxModelLen: 131072 }))).toBe(false);
    expect(fits(() => kvSizing({ model: m31, hardware: h100, tp: 4, maxModelLen: 131072 }))).toBe(true);
    // 8B at a tenth of an H100: the utilisation named starts it.
    const m8 = getModel('meta-llama/llama-3.1-8b-instruct');
    const low = message(() => kvSizing({ model: m8, hardware: h100, tp: 1, gpuMemoryUtilization: 0.1, maxModelLen: 131072 }));
    const u = Number(/utilisation of (0\.\d+) would leave room at TP 1/.exec(low)![1]);
    expect(fits(() => kvSizing({ model: m8, hardware: h100, tp: 1, gpuMemoryUtilization: u, maxModelLen: 131072 }))).toBe(true);
    expect(fits(() => kvSizing({ model: m8, hardware: h100, tp: 1, gpuMemoryUtilization: u - 0.02, maxModelLen: 131072 }))).toBe(false);
  });

  test('defaultMaxModelLen is max_position_embeddings', () => {
    expect(defaultMaxModelLen(getModel('llama-2-7b'))).toBe(4096);
    expect(defaultMaxModelLen(getModel('qwen/qwen3-14b'))).toBe(40960);
  });
});

describe('validateTp', () => {
  test('accepts TP that divides heads and kv heads, and TP beyond kv heads (replication)', () => {
    expect(() => validateTp(getModel('llama-3.1-70b'), 8)).not.toThrow();
    expect(() => validateTp(getModel('llama-3.1-70b'), 16)).not.toThrow();
    expect(() => validateTp(getModel('qwen/qwen3-14b'), 2)).not.toThrow();
  });

  test('rejects TP that does not divide the attention heads, or zero', () => {
    expect(code(() => validateTp(getModel('qwen/qwen3-14b'), 3))).toBe('TP_INVALID'); // 40 heads
    expect(code(() => validateTp(getModel('qwen/qwen2.5-7b-instruct'), 8))).toBe('TP_INVALID'); // 28 heads
    expect(code(() => validateTp(getModel('llama-2-7b'), 0))).toBe('TP_INVALID');
  });

  test('rejects TP that neither divides nor is a multiple of the kv heads', () => {
    // Yi-34B: 56 heads, 8 kv heads; TP 28 divides 56 but is not a multiple of 8
    expect(code(() => validateTp(getModel('01-ai/yi-34b'), 28))).toBe('TP_INVALID');
  });
});
