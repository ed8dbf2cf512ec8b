import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { getModel } from '../../src/model/catalog.js';
import { getHardware, hardwareSpecFromJson } from '../../src/model/hardware-catalog.js';
import { ROOFLINE_DEFAULTS } from '../../src/model/roofline-params.js';
import { rooflineShapes } from '../../src/model/roofline-shapes.js';
import { kernelsTermUs } from './helpers.js';

/*
 * The duration floor of a small kernel that is neither a GEMM nor attention follows the GPU
 * (HardwareSpec.smallKernelFloorRatio): the same norms, rotary and activation kernels last 1.31×
 * as long on an A100 as on an H100 in vidur's kernel-duration profiles, where the GEMMs' floor
 * does not move (the GEMM law's intercept, 5.8 against 5.7 µs). These cases recompute the
 * catalog's ratios from the published numbers and cost the kernels term by hand.
 */
const fixture = JSON.parse(readFileSync(new URL('../fixtures/model/vidur-small-kernel-medians.json', import.meta.url), 'utf8')) as {
  rows: Array<[string, string, number, number, string, number]>;
};
const sumMs = (gpu: string): number => fixture.rows.filter((r) => r[0] === gpu).reduce((s, r) => s + r[5], 0);

/**
 * te42kyfo/gpu-benches@1c36d509ee717dca9215c27135fa1e611bb03ed1 gpu-small-kernels/*_graph.txt: µs per
 * kernel of a CUDA-graph replay of 10,000 scale kernels over 64-70 kB (the fastest size and block
 * size: bytes moved / GB/s printed).
 */
const graphReplayUsPerKernel = { a100_80: 1.3352, h200: 1.2603, l40: 0.9261, a40: 1.0923 } as const;

const round2 = (x: number): number => Math.round(x * 100) / 100;
const FLOOR = ROOFLINE_DEFAULTS.kernelFloorUs;

describe('small-kernel floor per GPU', () => {
  test('the catalog ratios are the published measurements: A100 from vidur\'s kernel durations, L40S by the A40 and a graph-replay ratio', () => {
    // 312 points (6 models, TP 1-8, 1-4 tokens, 5 small operators) on each GPU.
    expect(fixture.rows.filter((r) => r[0] === 'h100')).toHaveLength(312);
    const a100 = sumMs('a100') / sumMs('h100');
    const a40 = sumMs('a40') / sumMs('h100');
    expect(a100).toBeCloseTo(1.313, 3);
    expect(a40).toBeCloseTo(1.006, 3);
    for (const gpu of ['A100-80', 'A100-40', 'A100-PCIe-80', 'A100-PCIe-40']) expect(getHardware(gpu).smallKernelFloorRatio).toBe(round2(a100));
    expect(getHardware('L40S').smallKernelFloorRatio).toBe(round2(a40 * (graphReplayUsPerKernel.l40 / graphReplayUsPerKernel.a40)));
    // The reference GPU is the conversion's uncertainty: H200's replay gives 0.73, A100's 0.91.
    expect(graphReplayUsPerKernel.l40 / graphReplayUsPerKernel.h200).toBeCloseTo(0.735, 3);
    expect((a100 * graphReplayUsPerKernel.l40) / graphReplayUsPerKernel.a100_80).toBeCloseTo(0.911, 3);
    expect(getHardware('H100').smallKernelFloorRatio).toBe(1);
  });

  test('Llama-3.1-8B: 341 kernels, 180 of them small; on A100 the small ones cost 1.31 × 5.7 µs, on L40S 0.85 ×, on H100 the plain 341 × 5.7', () => {
    // Per layer: 2 norms, rotary, cache write, SiLU-and-mul (small) and QKV, output, gate-up, down,
    // attention; per step: embedding, final norm, 6 sampler passes, 12 top-p sort kernels (small) and the lm head.
    const shapes = rooflineShapes(getModel('meta-llama/llama-3.1-8b-instruct'), getHardware('A100-80'), 1, ROOFLINE_DEFAULTS);
    expect([shapes.kernelsPerStep, shapes.smallKernelsPerStep]).toEqual([32 * 10 + 21, 32 * 5 + 20]);
    expect(kernelsTermUs('meta-llama/llama-3.1-8b-instruct', 'H100')).toBe(341 * FLOOR);
    // The A100-80's 129 dense GEMMs (4 a layer and the lm head) pay its gemmFloorRatio (gemm-floor.test.ts), its 32 attention calls the floor.
    expect(kernelsTermUs('meta-llama/llama-3.1-8b-instruct', 'A100-80')).toBeCloseTo(32 * FLOOR + 129 * 1.29 * FLOOR + 180 * 1.31 * FLOOR, 9); // 2475.0 µs
    expect(kernelsTermUs('meta-llama/llama-3.1-8b-instruct', 'A100-40')).toBeCloseTo(161 * FLOOR + 180 * 1.31 * FLOOR, 9); // 2261.8 µs
    expect(kernelsTermUs('meta-llama/llama-3.1-8b-instruct', 'L40S')).toBeCloseTo(161 * FLOOR + 180 * 0.85 * FLOOR, 9); // 1789.8 µs
  });

  test('Qwen3-14B at TP 2 on A100-40: 40 layers of 5 small kernels plus 20 per step; the GEMMs, attention and all-reduces keep the floor', () => {
    const shapes = rooflineShapes(getModel('qwen/qwen3-14b'), getHardware('A100-40'), 2, ROOFLINE_DEFAULTS);
    expect(shapes.smallKernelsPerStep).toBe(40 * 5 + shapes.kernelsPerStep - 40 * 10 - 1);
    const extra = kernelsTermUs('qwen/qwen3-14b', 'A100-40', 2) - kernelsTermUs('qwen/qwen3-14b', 'H100', 2);
    expect(extra).toBeCloseTo(shapes.smallKernelsPerStep * 0.31 * FLOOR, 6);
  });

  test('an MoE layer adds its routing, alignment, activation and top-k sum to the small kernels, not its three GEMMs', () => {
    const m = getModel('mistralai/mixtral-8x7b-v0.1');
    const s = rooflineShapes(m, getHardware('A100-80'), 2, ROOFLINE_DEFAULTS);
    // Mixtral has no dense MLP: per layer 2 norms, rotary, cache write + 4 MoE kernels small; QKV, output, attention + router, w13, w2 not.
    expect(s.kernelsPerStep - s.smallKernelsPerStep).toBe(32 * 6 + 1);
  });

  test('a hardware file without the ratio gets H100\'s floor; a given one is read and must be positive', () => {
    const base = { name: 'X1', bf16Tflops: 100, hbmTBps: 1, memoryGB: 24, interconnectGBps: 32 };
    expect(hardwareSpecFromJson(base, 'x1.json').smallKernelFloorRatio).toBeUndefined();
    const given = hardwareSpecFromJson({ ...base, smallKernelFloorRatio: 1.2, smallKernelFloorSource: 'my nsys trace' }, 'x1.json');
    expect([given.smallKernelFloorRatio, given.smallKernelFloorSource]).toEqual([1.2, 'my nsys trace']);
    expect(() => hardwareSpecFromJson({ ...base, smallKernelFloorRatio: 0 }, 'x1.json')).toThrowError(/x1\.json: smallKernelFloorRatio: found 0; expected a positive number/);
    expect(() => hardwareSpecFromJson({ ...base, smallKernelFloorSource: 3 }, 'x1.json')).toThrowError(/x1\.json: smallKernelFloorSource/);
    const plain = rooflineShapes(getModel('meta-llama/llama-3.1-8b-instruct'), hardwareSpecFromJson(base, 'x1.json'), 1, ROOFLINE_DEFAULTS);
    expect(plain.kernelFloorUsPerStep).toBe(plain.kernelsPerStep * FLOOR);
  });
});
