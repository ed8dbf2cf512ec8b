import { describe, expect, test } from 'vitest';
import { collectiveCost } from '../../src/model/collective.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { ROOFLINE_DEFAULTS as P } from '../../src/model/roofline-params.js';

const params = { efficiency: P.interconnectEfficiency, nvlinkLatencyUs: P.collectiveLatencyUs, pcieLatencyUs: P.pcieCollectiveLatencyUs };
const allReduceUs = (gpu: string, tp: number, bytes: number): number => {
  const c = collectiveCost(getHardware(gpu), tp, params);
  return c.latencyUs + bytes * c.allReduceUsPerByte;
};

describe('TP all-reduce cost', () => {
  test('hand-computed: 7 µs + 2(tp − 1)/tp × bytes / (0.7 × 450 GB/s) on H100', () => {
    expect(allReduceUs('H100', 2, 1e6)).toBeCloseTo(7 + 1e6 / 315e3, 9);
    expect(allReduceUs('H100', 8, 1e6)).toBeCloseTo(7 + (1.75 * 1e6) / 315e3, 9);
    expect(collectiveCost(getHardware('H100'), 1, params).latencyUs).toBe(0);
  });

  test("within 30 % of vLLM's own H100 TP4 benchmark (vllm-project/vllm#24111, best of custom / symm-mem / NCCL, bf16 × 8192 hidden)", () => {
    const measured: Array<[number, number]> = [
      [0.5, 10],
      [1, 15],
      [2, 22],
      [3, 25],
      [4, 29],
    ];
    for (const [mb, us] of measured) expect(Math.abs(Math.log(allReduceUs('H100', 4, mb * 2 ** 20) / us))).toBeLessThan(Math.log(1.3));
  });

  test('small messages: latency is flat in ranks (custom all-reduce), not a per-hop ring latency', () => {
    expect(allReduceUs('H100', 8, 16384) / allReduceUs('H100', 2, 16384)).toBeLessThan(1.05);
  });

  test('without NVLink (L40S) NCCL rings through PCIe: a latency that grows with the ring, and bytes at a 14th of the NVLink rate', () => {
    expect(getHardware('L40S').interconnect).toBe('pcie');
    expect(allReduceUs('L40S', 4, 0) / allReduceUs('L40S', 2, 0)).toBeGreaterThan(2);
    expect(allReduceUs('L40S', 2, 1e6) / allReduceUs('H100', 2, 1e6)).toBeGreaterThan(5);
  });

  test('an NVL pair is NVLink; a TP group across pairs is not fully connected, so NCCL crosses PCIe (custom_all_reduce.py: world_size > 2 and not fully_connected)', () => {
    const nvl = getHardware('H100-NVL');
    expect(nvl.nvlinkGpus).toBe(2);
    // TP 2 within a bridge: 7 µs + bytes / (0.7 × 300 GB/s).
    expect(allReduceUs('H100-NVL', 2, 1e6)).toBeCloseTo(P.collectiveLatencyUs + 1e6 / (0.7 * 300e3), 9);
    // TP 4 over two pairs: PCIe's NCCL latency and the 64 GB/s Gen5 link, 2(tp − 1)/tp of the bytes.
    expect(allReduceUs('H100-NVL', 4, 1e6)).toBeCloseTo(P.pcieCollectiveLatencyUs + (1.5 * 1e6) / (0.7 * 64e3), 9);
    // An HGX board's NVSwitch joins all eight.
    expect(collectiveCost(getHardware('H100'), 8, params).latencyUs).toBe(P.collectiveLatencyUs);
  });
});
