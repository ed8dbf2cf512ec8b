import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/kernel/errors.js';
import { getModel } from '../../src/model/catalog.js';
import { getHardware, hardwareSpecFromJson } from '../../src/model/hardware-catalog.js';
import { ROOFLINE_DEFAULTS } from '../../src/model/roofline-params.js';
import { rooflineShapes } from '../../src/model/roofline-shapes.js';
import { kernelsTermUs } from './helpers.js';

/*
 * A dense GEMM's floor is the GPU's gemmFloorRatio × the kernel floor (HardwareSpec.gemmFloorRatio).
 * vLLM 0.14's own linear, timed at M = 1 in a CUDA graph by one collector on each system
 * (ai-dynamo/aiconfigurator's gemm_perf tables), has a fixed cost per call 1.29 × H100's on the
 * A100-80: the intercept of the same latency = intercept + bytes / rate fit whose rate gives the
 * A100's gemmBandwidthRatio. These cases recompute it from the published rows, show that it is not
 * the launch gap of a graph replay, and cost the kernels term by hand.
 */
const fixture = JSON.parse(readFileSync(new URL('../fixtures/model/aiconfigurator-vllm-dense.json', import.meta.url), 'utf8')) as {
  gemm: Array<[string, number, number, number]>;
  gemmSmall: Array<[string, number, number, number, number]>;
};
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
/** Least-squares latency = intercept + bytes / rate over a system's M = 1 rows of at least `minBytes` of weights: the intercept, µs. */
function interceptUs(system: string, minBytes: number): number {
  const pts = fixture.gemm.filter((r) => r[0] === system && r[1] * r[2] * 2 >= minBytes).map((r) => [r[1] * r[2] * 2, r[3]] as const);
  const mx = pts.reduce((a, p) => a + p[0], 0) / pts.length;
  const my = pts.reduce((a, p) => a + p[1], 0) / pts.length;
  const slope = pts.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0) / pts.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return my - slope * mx;
}
const FLOOR = ROOFLINE_DEFAULTS.kernelFloorUs;

describe('dense GEMM floor per GPU', () => {
  test("the A100-80's ratio is the published measurement: its linear's intercept over H100's, weights of 32 MB and more", () => {
    expect(fixture.gemm.filter((r) => r[0] === 'a100_sxm')).toHaveLength(114);
    const h100 = interceptUs('h100_sxm', 32e6);
    const a100 = interceptUs('a100_sxm', 32e6);
    expect(h100).toBeCloseTo(4.656, 3);
    expect(a100).toBeCloseTo(6.001, 3);
    const ratio = Math.round((a100 / h100) * 100) / 100;
    expect(ratio).toBe(1.29);
    expect(getHardware('A100-80').gemmFloorRatio).toBe(ratio);
    // The 64 MB-and-more rows alone (the bandwidth fit's) give 1.42: the ratio is uncertain by about a tenth.
    expect(interceptUs('a100_sxm', 64e6) / interceptUs('h100_sxm', 64e6)).toBeCloseTo(1.417, 3);
    // Not measured: the 40 GB and PCIe A100s have no table; H100 is the reference.
    for (const gpu of ['H100', 'H200', 'B200', 'L40S', 'A100-40', 'A100-PCIe-80', 'A100-PCIe-40']) expect(getHardware(gpu).gemmFloorRatio).toBeUndefined();
  });

  test("not a graph replay's launch gap: near-empty GEMMs take 1.09 × H100's on the A100-80", () => {
    const tiny = (system: string) => median(fixture.gemmSmall.filter((r) => r[0] === system).map((r) => r[4]));
    expect(fixture.gemmSmall.filter((r) => r[0] === 'a100_sxm')).toHaveLength(36);
    expect(tiny('h100_sxm')).toBeCloseTo(2.56, 2);
    expect(tiny('a100_sxm') / tiny('h100_sxm')).toBeCloseTo(1.09, 2);
    // The gap is ~0.2 µs of the 1.3 µs the intercepts differ by.
    expect(tiny('a100_sxm') - tiny('h100_sxm')).toBeLessThan(0.25 * (interceptUs('a100_sxm', 32e6) - interceptUs('h100_sxm', 32e6)));
  });

  test("the L40S's tables give no intercept: its 96 MB L2 holds part of the 32-64 MB rows' six copies, and the fit's intercept is 2.7 µs", () => {
    const l40s = interceptUs('l40s', 32e6);
    expect(l40s).toBeGreaterThan(0);
    expect(l40s).toBeLessThan(interceptUs('h100_sxm', 32e6));
    expect(getHardware('L40S').gemmFloorRatio).toBeUndefined();
  });

  test('Llama-3.1-8B on the A100-80: its 129 dense GEMMs (4 a layer and the lm head) cost 1.29 × 5.7 µs, nothing else moves', () => {
    const s = rooflineShapes(getModel('meta-llama/llama-3.1-8b-instruct'), getHardware('A100-80'), 1, ROOFLINE_DEFAULTS);
    expect(s.gemmKernelsPerStep).toBe(32 * 4 + 1);
    const a100 = kernelsTermUs('meta-llama/llama-3.1-8b-instruct', 'A100-80');
    const a100s40 = kernelsTermUs('meta-llama/llama-3.1-8b-instruct', 'A100-40'); // same small-kernel ratio, no GEMM ratio
    expect(a100 - a100s40).toBeCloseTo(129 * 0.29 * FLOOR, 9); // 213.2 µs, × the fitted kernel coefficient in the default model
  });

  test("Mixtral's MoE layers: the router, w13 and w2 are not among the dense GEMMs; Qwen3-14B TP 2: 40 × 4 + 1", () => {
    const mix = rooflineShapes(getModel('mistralai/mixtral-8x7b-v0.1'), getHardware('A100-80'), 2, ROOFLINE_DEFAULTS);
    expect(mix.gemmKernelsPerStep).toBe(32 * 2 + 1);
    const q = rooflineShapes(getModel('qwen/qwen3-14b'), getHardware('A100-80'), 2, ROOFLINE_DEFAULTS);
    expect(q.gemmKernelsPerStep).toBe(40 * 4 + 1);
    expect(kernelsTermUs('qwen/qwen3-14b', 'A100-80', 2) - kernelsTermUs('qwen/qwen3-14b', 'A100-40', 2)).toBeCloseTo(161 * 0.29 * FLOOR, 9);
  });

  test('without the field the floor is bit-for-bit the product it was; a hardware file may give it with its source', () => {
    const h = rooflineShapes(getModel('meta-llama/llama-3.1-8b-instruct'), getHardware('H100'), 1, ROOFLINE_DEFAULTS);
    expect(h.kernelFloorUsPerStep).toBe(h.kernelsPerStep * FLOOR);
    const base = { name: 'X', bf16Tflops: 100, hbmTBps: 1, memoryGB: 10, interconnectGBps: 100 };
    const spec = hardwareSpecFromJson({ ...base, gemmFloorRatio: 1.5, gemmFloorSource: 'an nsys trace' }, 'x.json');
    expect([spec.gemmFloorRatio, spec.gemmFloorSource]).toEqual([1.5, 'an nsys trace']);
    expect(hardwareSpecFromJson(base, 'x.json').gemmFloorRatio).toBeUndefined();
    const x = rooflineShapes(getModel('meta-llama/llama-3.1-8b-instruct'), spec, 1, ROOFLINE_DEFAULTS);
    expect(x.kernelFloorUsPerStep).toBeCloseTo(x.kernelsPerStep * FLOOR + 129 * 0.5 * FLOOR, 9);
    expect(() => hardwareSpecFromJson({ ...base, gemmFloorRatio: 'slow' }, 'x.json')).toThrow(InputError);
    expect(() => hardwareSpecFromJson({ ...base, gemmFloorRatio: 0 }, 'x.json')).toThrow(/x\.json: gemmFloorRatio/);
    expect(() => hardwareSpecFromJson({ ...base, gemmFloorSource: 3 }, 'x.json')).toThrow(/x\.json: gemmFloorSource/);
  });
});
