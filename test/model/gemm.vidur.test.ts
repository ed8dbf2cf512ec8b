import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { gemmShape, gemmUs, smoothRooflineUs } from '../../src/model/gemm.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { ROOFLINE_DEFAULTS } from '../../src/model/roofline-params.js';

/*
 * The GEMM cost model against microsoft/vidur's measured per-operator medians (copied into the
 * fixture with their source): Llama-2-7B TP1 and Llama-2-70B TP4 projections on A100 and H100,
 * M = 1…4096 tokens. The model is the catalog's per-GPU rates (hardware.json, which were fitted
 * to vidur's full profiles of 6-8 models) plus the per-kernel floor, nothing fitted here.
 */
const fixture = JSON.parse(readFileSync(new URL('../fixtures/model/vidur-gemm-medians.json', import.meta.url), 'utf8')) as { columns: string[]; rows: Array<[string, string, number, string, number, number, number, number]> };
const points = fixture.rows.map(([gpu, model, tp, op, m, k, n, ms]) => ({ gpu, model, tp, op, m, k, n, us: ms * 1000 }));
const hw = { a100: getHardware('A100-80'), h100: getHardware('H100') } as const;

function modelUs(p: (typeof points)[number]): number {
  const h = hw[p.gpu as keyof typeof hw];
  const rates = { bytesPerUs: h.hbmAchievedTBps * 1e6, flopsPerUs: h.bf16AchievedTflops * 1e6, exponent: ROOFLINE_DEFAULTS.gemmTransitionExponent };
  return ROOFLINE_DEFAULTS.kernelFloorUs + gemmUs(gemmShape(p.k, p.n, 2, 2, rates), p.m);
}

describe('smooth roofline (hand-computed)', () => {
  const rates = { bytesPerUs: 1e6, flopsPerUs: 1e8, exponent: 1.5 };
  test('pure bandwidth and pure compute are bytes/BW and FLOPs/F', () => {
    expect(smoothRooflineUs(2e6, 0, rates)).toBe(2);
    expect(smoothRooflineUs(0, 3e8, rates)).toBe(3);
  });

  test('equal memory and compute time cost 2^(1/p) of either (p = 1.5: ×1.587), not their max', () => {
    expect(smoothRooflineUs(4e6, 4e8, rates)).toBeCloseTo(4 * 2 ** (1 / 1.5), 9);
  });

  test('the p = 1.5 fast path equals the general formula', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.double({ min: 0, max: 1e12, noNaN: true }), (bytes, flops) => {
        const fast = smoothRooflineUs(bytes, flops, rates);
        const tm = bytes / rates.bytesPerUs;
        const tc = flops / rates.flopsPerUs;
        const general = tm === 0 ? tc : tc === 0 ? tm : Math.pow(Math.pow(tm, 1.5) + Math.pow(tc, 1.5), 1 / 1.5);
        expect(Math.abs(fast - general)).toBeLessThanOrEqual(1e-12 * Math.max(1, general));
      }),
      { numRuns: 200, seed: 3 },
    );
  });

  test('a GEMM reads its weights once and its activations per token', () => {
    // K = N = 1000, bf16: 2 MB of weights, 4 kB of activations and 2 MFLOP per token.
    const g = gemmShape(1000, 1000, 2, 2, { bytesPerUs: 1e6, flopsPerUs: 1e12, exponent: 1.5 });
    expect(gemmUs(g, 1)).toBeCloseTo(2.004, 6);
    expect(gemmUs(g, 0)).toBe(0);
  });
});

describe('GEMM model vs vidur per-operator medians', () => {
  test.each(['a100', 'h100'])('%s: every point within ×1.6 and mean |ln error| under 0.15', (gpu) => {
    const errs = points.filter((p) => p.gpu === gpu).map((p) => Math.log(modelUs(p) / p.us));
    for (const e of errs) expect(Math.abs(e)).toBeLessThan(Math.log(1.6));
    expect(errs.reduce((s, e) => s + Math.abs(e), 0) / errs.length).toBeLessThan(0.15);
  });

  test('weight-bound small batches: A100 is ~1.9× H100 (measured bandwidth ratio), not the datasheet 1.64×', () => {
    const ratio = (m: number): { measured: number; model: number } => {
      const at = (gpu: string) => points.filter((p) => p.gpu === gpu && p.m === m && p.model.includes('7b') && p.op === 'mlp_up_proj')[0]!;
      return { measured: at('a100').us / at('h100').us, model: modelUs(at('a100')) / modelUs(at('h100')) };
    };
    const r = ratio(1);
    expect(r.measured).toBeGreaterThan(1.75);
    expect(r.model).toBeGreaterThan(1.75);
    expect(Math.abs(Math.log(r.model / r.measured))).toBeLessThan(0.1);
  });

  test('compute-bound large M: A100 is ~3× H100 (measured throughput ratio)', () => {
    const at = (gpu: string) => points.filter((p) => p.gpu === gpu && p.m === 4096 && p.model.includes('7b') && p.op === 'mlp_up_proj')[0]!;
    const measured = at('a100').us / at('h100').us;
    const model = modelUs(at('a100')) / modelUs(at('h100'));
    expect(measured).toBeGreaterThan(2.8);
    expect(Math.abs(Math.log(model / measured))).toBeLessThan(0.1);
  });

  test('time is flat in M until the knee, then linear (M = 1 vs 64 vs 4096 on H100 up-projection)', () => {
    const up = (m: number) => points.filter((p) => p.gpu === 'h100' && p.m === m && p.model.includes('7b') && p.op === 'mlp_up_proj')[0]!;
    expect(modelUs(up(64)) / modelUs(up(1))).toBeLessThan(1.15);
    expect(up(64).us / up(1).us).toBeLessThan(1.15);
    const slope = (modelUs(up(4096)) - modelUs(up(2048))) / 2048;
    const measuredSlope = (up(4096).us - up(2048).us) / 2048;
    expect(Math.abs(Math.log(slope / measuredSlope))).toBeLessThan(0.15);
  });
});
