import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/kernel/errors.js';
import { getModel } from '../../src/model/catalog.js';
import { getHardware, hardwareSpecFromJson } from '../../src/model/hardware-catalog.js';
import { ROOFLINE_DEFAULTS } from '../../src/model/roofline-params.js';
import { rooflineShapes } from '../../src/model/roofline-shapes.js';

/*
 * A dense GEMM streams its weights at the GPU's gemmBandwidthRatio × hbmAchievedTBps
 * (HardwareSpec.gemmBandwidthRatio). vLLM 0.14's own linear, timed at M = 1 in a CUDA graph by
 * one collector on each system (ai-dynamo/aiconfigurator's gemm_perf tables), streams at 0.487 of
 * H100's rate on an A100 where the catalog's hbmAchievedTBps give 0.525; vLLM's decode attention on
 * the same systems (FA2 against FA3) keeps the catalog's ratio. These cases recompute both from
 * the published rows and check where the ratio is applied.
 */
const fixture = JSON.parse(readFileSync(new URL('../fixtures/model/aiconfigurator-vllm-dense.json', import.meta.url), 'utf8')) as {
  gemm: Array<[string, number, number, number]>;
  decodeAttention: Array<[string, number, number, number, number, number]>;
};
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
/** A system's M = 1 rows with 64 MB and more of weights (the fixture holds those from 32 MB). */
const rows64 = (system: string) => fixture.gemm.filter((r) => r[0] === system && r[1] * r[2] * 2 >= 64e6);
/** TB/s: 1 / the least-squares slope of µs on weight bytes over a system's M = 1 rows of 64 MB and more. */
function weightStreamTBps(system: string): number {
  const pts = rows64(system).map((r) => [r[1] * r[2] * 2, r[3]] as const);
  const mx = pts.reduce((a, p) => a + p[0], 0) / pts.length;
  const my = pts.reduce((a, p) => a + p[1], 0) / pts.length;
  const slope = pts.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0) / pts.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return 1 / slope / 1e6;
}

describe('dense GEMM weight streaming per GPU', () => {
  test("the A100's ratio is the published measurement: its linear's rate against H100's over the catalog's bandwidth ratio", () => {
    expect(rows64('a100_sxm')).toHaveLength(68);
    const h100 = weightStreamTBps('h100_sxm');
    const a100 = weightStreamTBps('a100_sxm');
    expect(h100).toBeCloseTo(3.145, 3);
    expect(a100).toBeCloseTo(1.531, 3);
    const catalog = getHardware('A100-80').hbmAchievedTBps / getHardware('H100').hbmAchievedTBps;
    const ratio = Math.round((a100 / h100 / catalog) * 1000) / 1000;
    expect(ratio).toBe(0.927);
    expect(getHardware('A100-80').gemmBandwidthRatio).toBe(ratio);
    // Not measured: the 40 GB parts stream at most 1.27 TB/s, below the rate the A100-80's GEMM reaches, and the PCIe 80 GB card has no table.
    for (const gpu of ['A100-40', 'A100-PCIe-80', 'A100-PCIe-40']) expect(getHardware(gpu).gemmBandwidthRatio).toBeUndefined();
    // H100 is the reference; the L40S measures within 5 % of its catalog ratio (1.047) and keeps it.
    const l40s = weightStreamTBps('l40s') / h100 / (getHardware('L40S').hbmAchievedTBps / getHardware('H100').hbmAchievedTBps);
    expect(Math.abs(Math.log(l40s))).toBeLessThan(Math.log(1.05));
    for (const gpu of ['H100', 'H200', 'L40S', 'B200']) expect(getHardware(gpu).gemmBandwidthRatio).toBeUndefined();
  });

  test("the A100's decode attention keeps the catalog's bandwidth ratio: FA2 reads KV at 0.52-0.53 of H100's FA3 rate", () => {
    const rows = (system: string) => new Map(fixture.decodeAttention.filter((r) => r[0] === system).map((r) => [r.slice(1, 5).join('/'), r[5]]));
    const h100 = rows('h100_sxm');
    const a100 = rows('a100_sxm');
    expect(a100.size).toBe(621);
    const rate = median([...a100].map(([key, us]) => h100.get(key)! / us));
    const catalog = getHardware('A100-80').hbmAchievedTBps / getHardware('H100').hbmAchievedTBps;
    expect(Math.abs(Math.log(rate / catalog))).toBeLessThan(Math.log(1.03));
  });

  test('applied to the dense GEMMs and the lm head only: attention, elementwise and fused-MoE kernels keep hbmAchievedTBps', () => {
    const a100 = getHardware('A100-80');
    const dense = rooflineShapes(getModel('meta-llama/llama-3.1-8b-instruct'), a100, 1, ROOFLINE_DEFAULTS);
    for (const g of dense.layerGemms) expect(g.rates.bytesPerUs).toBe(1.66e6 * 0.927);
    expect(dense.lmHead.rates.bytesPerUs).toBe(1.66e6 * 0.927);
    expect(dense.attnRates.bytesPerUs).toBe(1.66e6);
    expect(dense.bytesPerUs).toBe(1.66e6);
    const moe = rooflineShapes(getModel('mistralai/mixtral-8x7b-v0.1'), a100, 2, ROOFLINE_DEFAULTS);
    expect(moe.moe!.rates.bytesPerUs).toBe(1.66e6);
    expect(moe.layerGemms[0]!.rates.bytesPerUs).toBe(1.66e6 * 0.927);
    // Without the field (H100) the GEMMs stream at hbmAchievedTBps itself.
    const h100 = rooflineShapes(getModel('meta-llama/llama-3.1-8b-instruct'), getHardware('H100'), 1, ROOFLINE_DEFAULTS);
    for (const g of h100.layerGemms) expect(g.rates.bytesPerUs).toBe(3.16e6);
  });

  test('hand-computed: Llama-3.1-8B QKV at M = 1 on an A100 streams 50.3 MB at 1.539 TB/s', () => {
    const s = rooflineShapes(getModel('meta-llama/llama-3.1-8b-instruct'), getHardware('A100-80'), 1, ROOFLINE_DEFAULTS);
    const qkv = s.layerGemms[0]!;
    expect(qkv.weightBytes).toBe(4096 * 6144 * 2);
    // Weight read plus one token's input and output rows, in µs; the compute side (2 × 4096 × 6144 FLOPs) is negligible at this size.
    expect((qkv.weightBytes + qkv.activationBytesPerToken) / qkv.rates.bytesPerUs).toBeCloseTo((50331648 + 20480) / 1.53882e6, 6);
  });

  test('a hardware config may give gemmBandwidthRatio and its source; a non-number is refused', () => {
    const base = { name: 'X', bf16Tflops: 100, hbmTBps: 1, memoryGB: 10, interconnectGBps: 100 };
    const spec = hardwareSpecFromJson({ ...base, gemmBandwidthRatio: 0.9, gemmBandwidthSource: 'a measurement' }, 'x.json');
    expect(spec.gemmBandwidthRatio).toBe(0.9);
    expect(spec.gemmBandwidthSource).toBe('a measurement');
    expect(hardwareSpecFromJson(base, 'x.json').gemmBandwidthRatio).toBeUndefined();
    expect(() => hardwareSpecFromJson({ ...base, gemmBandwidthRatio: 'fast' }, 'x.json')).toThrow(InputError);
    expect(() => hardwareSpecFromJson({ ...base, gemmBandwidthRatio: 0 }, 'x.json')).toThrow(/gemmBandwidthRatio/);
    expect(() => hardwareSpecFromJson({ ...base, gemmBandwidthSource: 3 }, 'x.json')).toThrow(/gemmBandwidthSource/);
  });
});
