import { describe, expect, test } from 'vitest';
import { getModel } from '../../src/model/catalog.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { defaultMaxModelLen, deriveTotalKvBlocks, kvBytesPerBlock, validateTp } from '../../src/model/kv-sizing.js';
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

  // vllm.total_kv_blocks_gpu of ../shared/groundtruth/calibration/*.json (vLLM 0.15.1, H100-SXM-80GB, util 0.9, block 16)
  test.each([
    ['meta-llama/Llama-2-7b-hf', 1, 7462],
    ['mistralai/Mixtral-8x7B-v0.1', 2, 27510],
    ['codellama/CodeLlama-34b-Instruct-hf', 2, 26602],
    ['meta-llama/Llama-2-70b-hf', 4, 31356],
  ])('derived blocks for %s TP%i are within 2%% of the measured %i', (name, tp, measured) => {
    const blocks = deriveTotalKvBlocks({ model: getModel(name), hardware: h100, tp, gpuMemoryUtilization: 0.9, blockSize: 16 });
    expect(Math.abs(blocks / measured - 1)).toBeLessThan(0.02);
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
