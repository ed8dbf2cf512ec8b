import { describe, expect, test } from 'vitest';
import { getHardware } from '../../src/model/hardware-catalog.js';
import type { HardwareSpec } from '../../src/model/hardware.js';

/*
 * The catalog's achieved rates are parameters of the smooth roofline fitted to vidur's per-operator
 * profiles (src/model/gemm.ts), not raw "max achievable" numbers. Where a GPU has no such profile,
 * its rate is another kind of measurement converted by the same measurement's ratio on a fitted GPU:
 * rate = measured(target) × catalog(reference) / measured(reference). These cases recompute every
 * such entry of hardware.json from the published numbers its achievedSource cites.
 */

/** te42kyfo/gpu-benches@977b0870f388aa409d8af78fb2159376128a982c gpu-stream/*.txt, GB/s, best over occupancies. */
const gpuStream = {
  l40: { read: 845, triad: 831 },
  a40: { read: 680, triad: 671 },
  a100_80: { read: 1776, triad: 1794, init: 1908 },
  a100_40: { read: 1500, triad: 1375, init: 1539 },
} as const;

/** The A40's fit of vidur's a40 profiles (microsoft/vidur@7d47513, data/profiling/compute/a40), TB/s; the A40 is not a catalog entry. */
const A40_FITTED_TBPS = 0.555;

/** stas00/ml-engineering@744d01e18b79512572f64a6bbd8b5f4a725203a7 compute/accelerator/README.md, MAMF TFLOP/s. */
const mamf = {
  bf16: { h100: 794.5, a100Sxm: 271.2, a100Pcie: 252.9, b200: 1745 },
  fp8: { h100: 1402.6, h200: 1453.4, b200: 3432.5 },
} as const;

/** zzc0721/torch-performance-test-data@9d82827637262c4351e3f9483f96b8cff57a601f database.md, bf16 TFLOP/s. */
const torchMatmul = {
  l40s: 269.15,
  a100Sxm80: 264.53,
  a100Pcie40: 234.14,
  h100Sxm: [797.51, 783.66],
  h100Pcie: 495.93,
  h200: 790.29,
} as const;

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;
const h100 = getHardware('H100');
const a100 = getHardware('A100-80');

describe('achieved rates converted from other measurements', () => {
  const cases: Array<[string, keyof HardwareSpec, number, number]> = [
    // [GPU, field, recomputed value, decimals stored]
    ['L40S', 'hbmAchievedTBps', A40_FITTED_TBPS * (gpuStream.l40.triad / gpuStream.a40.triad), 3],
    ['L40S', 'bf16AchievedTflops', a100.bf16AchievedTflops * (torchMatmul.l40s / torchMatmul.a100Sxm80), 1],
    ['L40S', 'fp8AchievedTflops', round(a100.bf16AchievedTflops * (torchMatmul.l40s / torchMatmul.a100Sxm80), 1) * (733 / 362.05), 1],
    ['A100-40', 'hbmAchievedTBps', a100.hbmAchievedTBps * (gpuStream.a100_40.triad / gpuStream.a100_80.triad), 3],
    ['H200', 'fp8AchievedTflops', h100.fp8AchievedTflops * (mamf.fp8.h200 / mamf.fp8.h100), 1],
    ['B200', 'bf16AchievedTflops', h100.bf16AchievedTflops * (mamf.bf16.b200 / mamf.bf16.h100), 1],
    ['B200', 'fp8AchievedTflops', h100.fp8AchievedTflops * (mamf.fp8.b200 / mamf.fp8.h100), 1],
    ['H100-PCIe', 'bf16AchievedTflops', h100.bf16AchievedTflops * (torchMatmul.h100Pcie / mean(torchMatmul.h100Sxm)), 1],
    ['H100-PCIe', 'fp8AchievedTflops', round(h100.bf16AchievedTflops * (torchMatmul.h100Pcie / mean(torchMatmul.h100Sxm)), 1) * (h100.fp8AchievedTflops / h100.bf16AchievedTflops), 1],
    ['A100-PCIe-80', 'bf16AchievedTflops', a100.bf16AchievedTflops * (mamf.bf16.a100Pcie / mamf.bf16.a100Sxm), 1],
    ['A100-PCIe-40', 'bf16AchievedTflops', a100.bf16AchievedTflops * (torchMatmul.a100Pcie40 / torchMatmul.a100Sxm80), 1],
  ];

  test.each(cases)('%s %s is the cited measurement × the fitted reference / the same measurement of the reference', (gpu, field, value, digits) => {
    expect(getHardware(gpu)[field]).toBeCloseTo(round(value, digits), digits);
  });

  test('each converted entry says which measurements it rests on', () => {
    expect(getHardware('L40S').achievedSource).toMatch(/gpu-benches@977b087.*torch-performance-test-data@9d82827/);
    expect(getHardware('B200').achievedSource).toMatch(/ml-engineering@744d01e/);
    expect(getHardware('A100-PCIe-40').achievedSource).toMatch(/A100-PCIE-40GB 234\.14/);
  });
});

describe('the conversions agree with the measurements they do not use', () => {
  test('L40S GDDR6: the read stream gives the triad-based rate within 1 % (both GDDR6 cards saturate it)', () => {
    const byRead = A40_FITTED_TBPS * (gpuStream.l40.read / gpuStream.a40.read);
    expect(Math.abs(byRead / getHardware('L40S').hbmAchievedTBps - 1)).toBeLessThan(0.01);
  });

  test('the same torch.matmul benchmark reproduces MAMF on H100 and A100 within 2.5 %, so its L40S row is the same kind of number', () => {
    expect(Math.abs(mean(torchMatmul.h100Sxm) / mamf.bf16.h100 - 1)).toBeLessThan(0.025);
    expect(Math.abs(torchMatmul.a100Sxm80 / mamf.bf16.a100Sxm - 1)).toBeLessThan(0.025);
  });

  test('H200 computes as H100: its torch.matmul row is within 0.5 % of H100s, so it keeps H100s fitted bf16 rate', () => {
    expect(Math.abs(torchMatmul.h200 / mean(torchMatmul.h100Sxm) - 1)).toBeLessThan(0.005);
    expect(getHardware('H200').bf16AchievedTflops).toBe(h100.bf16AchievedTflops);
  });

  test('L40S bf16 by H200s row instead of A100s lands within 8 %: the reference GPU is the conversion uncertainty', () => {
    const byH200 = h100.bf16AchievedTflops * (torchMatmul.l40s / torchMatmul.h200);
    expect(byH200 / getHardware('L40S').bf16AchievedTflops).toBeGreaterThan(1);
    expect(byH200 / getHardware('L40S').bf16AchievedTflops).toBeLessThan(1.08);
  });

  test('A100-40 HBM: the suite\'s read and write columns bracket the triad-based rate from above, within 11 %', () => {
    const a40 = getHardware('A100-40').hbmAchievedTBps;
    for (const col of ['read', 'init'] as const) {
      const r = a100.hbmAchievedTBps * (gpuStream.a100_40[col] / gpuStream.a100_80[col]) / a40;
      expect(r).toBeGreaterThanOrEqual(1);
      expect(r).toBeLessThan(1.11);
    }
  });

  test('power-capped PCIe cards reach less of the same silicon than their SXM parts (H100 PCIe 350 W, A100 PCIe 250-300 W)', () => {
    const share = (g: HardwareSpec): number => g.bf16AchievedTflops / g.bf16Tflops;
    expect(share(getHardware('H100-PCIe'))).toBeLessThan(share(h100));
    expect(share(getHardware('A100-PCIe-80'))).toBeLessThan(share(a100));
    expect(getHardware('A100-PCIe-40').bf16AchievedTflops).toBeLessThan(getHardware('A100-PCIe-80').bf16AchievedTflops);
  });
});
