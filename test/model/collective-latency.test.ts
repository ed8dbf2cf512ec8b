import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { collectiveCost, latencyRatioAt } from '../../src/model/collective.js';
import { getHardware, hardwareSpecFromJson } from '../../src/model/hardware-catalog.js';
import { ROOFLINE_DEFAULTS as P } from '../../src/model/roofline-params.js';

/*
 * The fixed cost of a TP all-reduce follows the GPU (HardwareSpec.collectiveLatencyRatio): the
 * same vLLM collective, captured in a CUDA graph by one collector on each system
 * (ai-dynamo/aiconfigurator's custom_allreduce_perf tables), costs 1.14-1.25 × H100's on an A100,
 * 1.25-5.6 × on an L40S (NCCL through the host, growing with the ring) and 1.56-1.64 × on a B200.
 * These cases recompute the catalog's ratios from the published rows and cost collectives by hand.
 */
const fixture = JSON.parse(readFileSync(new URL('../fixtures/model/aiconfigurator-vllm-allreduce.json', import.meta.url), 'utf8')) as {
  rows: Array<[string, string, number, number, number]>;
};
const series = (system: string, vllm: string): Map<string, number> =>
  new Map(fixture.rows.filter((r) => r[0] === system && r[1] === vllm).map((r) => [`${r[2]}/${r[3]}`, r[4]]));
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const SIZES = [256, 512, 1024, 2048, 4096, 8192];
/** Median over the latency-bound messages (256 B - 8 KB) of the per-size latency ratio against H100 at the same TP and vLLM. */
function measuredRatio(system: string, vllm: string, tp: number): number {
  const gpu = series(system, vllm);
  const h100 = series('h100_sxm', vllm);
  return median(SIZES.map((b) => gpu.get(`${tp}/${b}`)! / h100.get(`${tp}/${b}`)!));
}
const round2 = (x: number): number => Math.round(x * 100) / 100;
const params = { efficiency: P.interconnectEfficiency, nvlinkLatencyUs: P.collectiveLatencyUs, pcieLatencyUs: P.pcieCollectiveLatencyUs };
const allReduceUs = (gpu: string, tp: number, bytes: number): number => {
  const c = collectiveCost(getHardware(gpu), tp, params);
  return c.latencyUs + bytes * c.allReduceUsPerByte;
};

describe('all-reduce latency per GPU', () => {
  test("the catalog ratios are the published measurements: each GPU's vLLM all-reduce against H100's, 256 B - 8 KB", () => {
    expect(fixture.rows).toHaveLength(270);
    const expected: Array<[string, string, string[]]> = [
      ['a100_sxm', '0.14.0', ['A100-80', 'A100-40']],
      ['l40s', '0.14.0', ['L40S']],
      ['b200_sxm', '0.19.0', ['B200']],
    ];
    for (const [system, vllm, gpus] of expected) {
      for (const tp of [2, 4, 8]) {
        for (const gpu of gpus) expect(getHardware(gpu).collectiveLatencyRatio?.[String(tp)]).toBe(round2(measuredRatio(system, vllm, tp)));
      }
    }
    expect([2, 4, 8].map((tp) => measuredRatio('a100_sxm', '0.14.0', tp))).toEqual([expect.closeTo(1.141, 3), expect.closeTo(1.141, 3), expect.closeTo(1.255, 3)]);
    expect([2, 4, 8].map((tp) => measuredRatio('l40s', '0.14.0', tp))).toEqual([expect.closeTo(1.25, 3), expect.closeTo(2.98, 3), expect.closeTo(5.597, 3)]);
    // H200 measures as H100 (1.04, 0.98, 1.04), so it keeps H100's latency; H100 is the reference.
    for (const tp of [2, 4, 8]) expect(Math.abs(Math.log(measuredRatio('h200_sxm', '0.14.0', tp)))).toBeLessThan(Math.log(1.05));
    expect(getHardware('H200').collectiveLatencyRatio).toBeUndefined();
    expect(getHardware('H100').collectiveLatencyRatio).toBeUndefined();
  });

  test('hand-computed: A100 TP 2 is 1.14 × 7 µs + bytes / (0.7 × 300 GB/s); TP 8 1.25 × 7 µs; H100 keeps 7 µs', () => {
    expect(allReduceUs('A100-80', 2, 1e6)).toBeCloseTo(1.14 * 7 + 1e6 / 210e3, 9);
    expect(allReduceUs('A100-80', 4, 0)).toBeCloseTo(1.14 * 7, 12);
    expect(allReduceUs('A100-40', 8, 0)).toBeCloseTo(1.25 * 7, 12);
    expect(allReduceUs('H100', 2, 1e6)).toBeCloseTo(7 + 1e6 / 315e3, 9);
    expect(collectiveCost(getHardware('A100-80'), 1, params).latencyUs).toBe(0);
  });

  test('L40S: NCCL through the host, its latency measured per ring size (8.75, 20.86, 39.2 µs), bytes at 0.7 × 32 GB/s', () => {
    expect(allReduceUs('L40S', 2, 1e6)).toBeCloseTo(1.25 * 7 + 1e6 / 22.4e3, 9);
    expect(allReduceUs('L40S', 4, 0)).toBeCloseTo(2.98 * 7, 12);
    expect(allReduceUs('L40S', 8, 0)).toBeCloseTo(5.6 * 7, 12);
    // The measured latencies this stands for: 5.2-5.7, 13.3-14.3 and 25.0-27.6 µs against H100's 4.2-4.8.
    const l40s = series('l40s', '0.14.0');
    expect(SIZES.map((b) => l40s.get(`4/${b}`)!).every((us) => us > 13 && us < 14.5)).toBe(true);
  });

  test('a degree not measured takes the next measured one up, above the largest the largest', () => {
    const r = { '2': 1.1, '4': 1.2, '8': 1.3 };
    expect([2, 3, 4, 5, 6, 8, 16].map((tp) => latencyRatioAt(r, tp))).toEqual([1.1, 1.2, 1.2, 1.3, 1.3, 1.3, 1.3]);
    expect(latencyRatioAt(undefined, 4)).toBeUndefined();
    expect(allReduceUs('A100-80', 6, 0)).toBeCloseTo(1.25 * 7, 12);
  });

  test("A100 against H100 over the decode range (8 KB - 1 MB): the modelled ratio is within 20 % of the measured one at every size and TP; H100's latency alone missed by up to 40 %", () => {
    const a100 = series('a100_sxm', '0.14.0');
    const h100 = series('h100_sxm', '0.14.0');
    let worstWithout = 0;
    for (const tp of [2, 4, 8]) {
      for (let bytes = 8192; bytes <= 1048576; bytes *= 2) {
        const measured = a100.get(`${tp}/${bytes}`)! / h100.get(`${tp}/${bytes}`)!;
        const modelled = allReduceUs('A100-80', tp, bytes) / allReduceUs('H100', tp, bytes);
        expect(Math.abs(Math.log(modelled / measured))).toBeLessThan(Math.log(1.2));
        const c = collectiveCost(getHardware('A100-80'), tp, params);
        const without = (P.collectiveLatencyUs + bytes * c.allReduceUsPerByte) / allReduceUs('H100', tp, bytes);
        worstWithout = Math.max(worstWithout, Math.abs(Math.log(without / measured)));
      }
    }
    expect(worstWithout).toBeGreaterThan(Math.log(1.35));
  });

  test('an NVLink part measured on NVLink: its group across pairs crosses PCIe at the PCIe latency, not its NVLink multiple', () => {
    const nvlPair = hardwareSpecFromJson(
      { name: 'pair', bf16Tflops: 800, hbmTBps: 3.9, memoryGB: 94, interconnectGBps: 300, pcieGBps: 64, interconnect: 'nvlink', nvlinkGpus: 2, collectiveLatencyRatio: { '2': 1.5 } },
      'pair.json',
    );
    expect(collectiveCost(nvlPair, 2, params).latencyUs).toBeCloseTo(1.5 * 7, 12);
    expect(collectiveCost(nvlPair, 4, params).latencyUs).toBe(P.pcieCollectiveLatencyUs);
  });

  test('--hardware-config: the field is optional, checked and named when wrong', () => {
    const base = { name: 'x', bf16Tflops: 100, hbmTBps: 1, memoryGB: 40, interconnectGBps: 300 };
    expect(hardwareSpecFromJson(base, 'x1.json').collectiveLatencyRatio).toBeUndefined();
    const given = hardwareSpecFromJson({ ...base, collectiveLatencyRatio: { '2': 1.2, '8': 1.5 }, collectiveLatencySource: 'my nccl-tests' }, 'x1.json');
    expect([given.collectiveLatencyRatio, given.collectiveLatencySource]).toEqual([{ '2': 1.2, '8': 1.5 }, 'my nccl-tests']);
    expect(() => hardwareSpecFromJson({ ...base, collectiveLatencyRatio: 1.2 }, 'x1.json')).toThrowError(/x1\.json: collectiveLatencyRatio: found 1\.2; expected an object of TP degree/);
    expect(() => hardwareSpecFromJson({ ...base, collectiveLatencyRatio: {} }, 'x1.json')).toThrowError(/x1\.json: collectiveLatencyRatio: found \{\}/);
    expect(() => hardwareSpecFromJson({ ...base, collectiveLatencyRatio: { '1': 1.2 } }, 'x1.json')).toThrowError(/x1\.json: collectiveLatencyRatio\.1: found TP degree '1'; expected a whole number >= 2/);
    expect(() => hardwareSpecFromJson({ ...base, collectiveLatencyRatio: { tp2: 1.2 } }, 'x1.json')).toThrowError(/collectiveLatencyRatio\.tp2/);
    expect(() => hardwareSpecFromJson({ ...base, collectiveLatencyRatio: { '2': 0 } }, 'x1.json')).toThrowError(/x1\.json: collectiveLatencyRatio\.2: found 0; expected a positive number/);
    expect(() => hardwareSpecFromJson({ ...base, collectiveLatencySource: 3 }, 'x1.json')).toThrowError(/x1\.json: collectiveLatencySource/);
  });
});
