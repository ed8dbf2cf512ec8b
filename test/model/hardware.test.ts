import { describe, expect, test } from 'vitest';
import { getHardware, hardwareNameKey, hardwareSpecFromJson, listHardware } from '../../src/model/hardware-catalog.js';
import { InputError } from '../../src/kernel/errors.js';

describe('hardware catalog', () => {
  test('carries the datasheet figures', () => {
    const h = getHardware('H100');
    expect([h.bf16Tflops, h.fp8Tflops, h.hbmTBps, h.memoryGB, h.interconnectGBps]).toEqual([989.5, 1979, 3.35, 80, 450]);
    expect(getHardware('A100-80').fp8Tflops).toBe(0);
    expect(getHardware('L40S').interconnectGBps).toBeLessThan(64);
    for (const g of listHardware()) expect(g.source.length).toBeGreaterThan(10);
  });

  test('a GPU linked by PCIe reaches its peers over its own PCIe link (the H100 PCIe card is Gen5 x16: 64 GB/s a direction, not Gen4\'s 32)', () => {
    const pcie = listHardware().filter((g) => g.interconnect === 'pcie');
    expect(pcie.map((g) => g.name).sort()).toEqual(['A100-PCIe-40', 'A100-PCIe-80', 'H100-PCIe', 'L40S']);
    for (const g of pcie) expect(g.interconnectGBps, g.name).toBe(g.pcieGBps);
    expect(getHardware('H100-PCIe').interconnectGBps).toBe(64);
  });

  test('carries the measured rates with their sources, below the datasheet', () => {
    for (const g of listHardware()) {
      expect(g.achievedSource.length).toBeGreaterThan(30);
      expect(g.hbmAchievedTBps).toBeLessThan(g.hbmTBps);
      expect(g.bf16AchievedTflops).toBeLessThan(g.bf16Tflops);
      expect(g.fp8AchievedTflops).toBeLessThanOrEqual(g.fp8Tflops);
      expect(g.fp8AchievedTflops > 0).toBe(g.fp8Tflops > 0);
    }
    // vidur profiles: the A100 streams at 0.81 of its datasheet, the H100 at 0.94
    expect(getHardware('H100').hbmAchievedTBps / getHardware('A100-80').hbmAchievedTBps).toBeCloseTo(1.9, 1);
    expect(getHardware('H100').achievedSource).toMatch(/microsoft\/vidur@7d47513/);
    expect(getHardware('L40S').interconnect).toBe('pcie');
    expect(getHardware('H100').interconnect).toBe('nvlink');
  });

  test('lookup is case-insensitive and accepts aliases', () => {
    expect(getHardware('h100-sxm').name).toBe('H100');
    expect(getHardware('A100-80GB').name).toBe('A100-80');
    expect(getHardware('H100-SXM-80GB').name).toBe('H100');
    expect(getHardware('b200').name).toBe('B200');
  });

  test('reads the names GPUs report (nvidia-smi, torch.cuda.get_device_name) and other spellings', () => {
    const cases: Array<[string, string]> = [
      ['NVIDIA H100 80GB HBM3', 'H100'],
      ['NVIDIA A100-SXM4-80GB', 'A100-80'],
      ['NVIDIA A100-SXM4-40GB', 'A100-40'],
      ['A100_80GB_SXM', 'A100-80'],
      ['a100 sxm 80gb', 'A100-80'],
      ['NVIDIA L40S', 'L40S'],
      ['NVIDIA H200', 'H200'],
      ['H200-SXM-141GB', 'H200'],
      ['Tesla B200', 'B200'],
      ['NVIDIA L40S PCIe 48GB', 'L40S'], // a PCIe card by make: its pcie word names the catalogued part
      ['A100 80G', 'A100-80'], // "80G" is the memory size "80GB"
      ['A100-40G', 'A100-40'],
      ['NVIDIA A100 SXM4 80 GB', 'A100-80'], // a spaced unit: "80 GB" is "80GB"
      ['NVIDIA A100-SXM4-40 GB', 'A100-40'],
      ['H200 141 GB', 'H200'],
      ['NVIDIA L40S 48 GB', 'L40S'],
    ];
    for (const [name, gpu] of cases) expect([name, getHardware(name).name]).toEqual([name, gpu]);
    expect(hardwareNameKey('NVIDIA A100-SXM4-80GB')).toBe(hardwareNameKey('a100_80gb-sxm'));
  });

  test('PCIe and NVL cards are their own entries, never the SXM part; one the catalog lacks is refused with the reason', () => {
    const cases: Array<[string, string]> = [
      ['NVIDIA A100 80GB PCIe', 'A100-PCIe-80'],
      ['NVIDIA A100-PCIE-40GB', 'A100-PCIe-40'],
      ['NVIDIA H100 PCIe', 'H100-PCIe'],
      ['NVIDIA H100 NVL', 'H100-NVL'],
      ['NVIDIA H200 NVL', 'H200-NVL'],
    ];
    for (const [name, gpu] of cases) expect([name, getHardware(name).name]).toEqual([name, gpu]);
    // The PCIe A100 streams its HBM2e at the SXM part's measured fraction of its own datasheet figure.
    const pcie = getHardware('A100-PCIe-80');
    const sxm = getHardware('A100-80');
    expect(pcie.hbmAchievedTBps / pcie.hbmTBps).toBeCloseTo(sxm.hbmAchievedTBps / sxm.hbmTBps, 3);
    expect([pcie.interconnect, sxm.interconnect]).toEqual(['pcie', 'nvlink']);
    for (const name of ['NVIDIA A10 PCIe', 'NVIDIA L4 PCIe']) {
      expect(() => getHardware(name)).toThrowError(/PCIe or NVL card has its own clocks.*--hardware-config/);
      expect(() => getHardware(name)).not.toThrowError(/did you mean/);
    }
  });

  test('an unknown GPU raises UNKNOWN_HARDWARE with close names', () => {
    expect(() => getHardware('H10')).toThrowError(/did you mean.*h100/i);
    try {
      getHardware('MI300X');
    } catch (e) {
      expect((e as InputError).code).toBe('UNKNOWN_HARDWARE');
    }
  });

  test('hardwareSpecFromJson validates fields and names the file', () => {
    const ok = hardwareSpecFromJson({ name: 'X1', bf16Tflops: 100, hbmTBps: 1, memoryGB: 24, interconnectGBps: 32 }, 'x1.json');
    expect(ok.fp8Tflops).toBe(0);
    expect(ok.source).toBe('x1.json');
    // no measured rates: the datasheet × the measured GPUs' median fractions, and the source says so
    expect(ok.hbmAchievedTBps).toBeCloseTo(0.814, 9);
    expect(ok.bf16AchievedTflops).toBeCloseTo(74, 9);
    expect(ok.fp8AchievedTflops).toBe(0);
    expect(ok.interconnect).toBe('pcie');
    expect(ok.achievedSource).toMatch(/derived: hbmAchievedTBps, bf16AchievedTflops/);
    const given = hardwareSpecFromJson({ name: 'X2', bf16Tflops: 100, hbmTBps: 1, memoryGB: 24, interconnectGBps: 200, hbmAchievedTBps: 0.9, achievedSource: 'my stream benchmark' }, 'x2.json');
    expect([given.hbmAchievedTBps, given.interconnect]).toEqual([0.9, 'nvlink']);
    expect(given.achievedSource).toMatch(/^my stream benchmark; derived: bf16AchievedTflops/);
    expect(() => hardwareSpecFromJson({ name: 'X1', bf16Tflops: 100, hbmTBps: 1, memoryGB: 24, interconnectGBps: 32, interconnect: 'ib' }, 'x1.json')).toThrowError(/x1\.json: interconnect.*'nvlink' or 'pcie'/);
    expect(() => hardwareSpecFromJson({ name: 'X1', bf16Tflops: 100, hbmTBps: 1, memoryGB: 24 }, 'x1.json')).toThrowError(/x1\.json: interconnectGBps/);
    // nvlinkGpus: how many GPUs one NVLink domain joins (absent: an HGX board's 8).
    expect(hardwareSpecFromJson({ name: 'X3', bf16Tflops: 100, hbmTBps: 1, memoryGB: 24, interconnectGBps: 300, nvlinkGpus: 2 }, 'x3.json').nvlinkGpus).toBe(2);
    expect(given.nvlinkGpus).toBeUndefined();
    expect(() => hardwareSpecFromJson({ name: 'X3', bf16Tflops: 100, hbmTBps: 1, memoryGB: 24, interconnectGBps: 300, nvlinkGpus: 1.5 }, 'x3.json')).toThrowError(/x3\.json: nvlinkGpus: found 1\.5; expected a whole number of GPUs/);
    expect(() => hardwareSpecFromJson({ name: 'X1', bf16Tflops: -1, hbmTBps: 1, memoryGB: 24, interconnectGBps: 1 }, 'x1.json')).toThrowError(/bf16Tflops/);
    expect(() => hardwareSpecFromJson({ name: 'X1', bf16Tflop: 1 }, 'x1.json')).toThrowError(/did you mean bf16Tflops/);
  });
});
