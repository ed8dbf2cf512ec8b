/**
 * fp4 tensor cores in the GPU catalog and in `--hardware-config` files: B200's dense fp4 peak and
 * measured nvfp4 GEMM rate, 0 on every GPU before Blackwell, and a hardware file's fp4 fields
 * (derived rate, refused when inconsistent, absent by default).
 */
import { describe, expect, it } from 'vitest';
import { FP4_ACHIEVED_FRACTION, getHardware, hardwareSpecFromJson, listHardware } from '../../src/model/hardware-catalog.js';
import { errorOf } from '../validate/helpers.js';

const base = { name: 'X', bf16Tflops: 2500, fp8Tflops: 5000, hbmTBps: 8, memoryGB: 186, interconnectGBps: 900 };

describe('fp4 tensor cores in the catalog', () => {
  it('B200 has the HGX datasheet dense fp4 peak (twice fp8, four times bf16) and the measured nvfp4 GEMM rate', () => {
    const b = getHardware('B200');
    expect([b.fp4Tflops, b.fp8Tflops * 2, b.bf16Tflops * 4]).toEqual([9000, 9000, 9000]);
    // 3779 TFLOP/s measured beside torch bf16 at 1421, converted by the catalog's B200 bf16 (1607.7).
    expect(b.fp4AchievedTflops).toBeCloseTo((3779 * b.bf16AchievedTflops) / 1421, 1);
    expect(b.achievedSource).toMatch(/vllm-project\/vllm#20578/);
    expect(b.achievedSource).not.toMatch(/derived: fp4/);
  });

  it('every GPU before Blackwell has neither an fp4 peak nor an fp4 rate', () => {
    for (const g of listHardware()) {
      expect([g.name, g.fp4Tflops > 0]).toEqual([g.name, g.computeCapability >= 10]);
      expect([g.name, g.fp4AchievedTflops > 0]).toEqual([g.name, g.fp4Tflops > 0]);
      expect(g.fp4AchievedTflops).toBeLessThanOrEqual(g.fp4Tflops);
    }
  });

  it("the derivation fraction for hardware files is B200's measured share", () => {
    const b = getHardware('B200');
    expect(FP4_ACHIEVED_FRACTION).toBeCloseTo(b.fp4AchievedTflops / b.fp4Tflops, 2);
  });
});

describe('fp4 fields of a hardware file', () => {
  it('none given: no fp4 tensor cores, and the achieved-rate note does not mention fp4', () => {
    const g = hardwareSpecFromJson(base, 'x.json');
    expect([g.fp4Tflops, g.fp4AchievedTflops]).toEqual([0, 0]);
    expect(g.achievedSource).not.toMatch(/fp4/);
  });

  it('a peak without a measured rate reaches 0.475 of it, and says so', () => {
    const g = hardwareSpecFromJson({ ...base, fp4Tflops: 10000 }, 'x.json');
    expect(g.fp4AchievedTflops).toBeCloseTo(4750, 9);
    expect(g.achievedSource).toMatch(/derived: fp4AchievedTflops = fp4Tflops × 0\.475, B200's measured fp4 share/);
  });

  it('a measured rate is kept as given', () => {
    const g = hardwareSpecFromJson({ ...base, fp4Tflops: 10000, fp4AchievedTflops: 5100, achievedSource: 'my fp4 bench' }, 'x.json');
    expect(g.fp4AchievedTflops).toBe(5100);
    expect(g.achievedSource).toMatch(/^my fp4 bench; derived: hbmAchievedTBps/);
    expect(g.achievedSource).not.toMatch(/fp4AchievedTflops = /);
  });

  it('a rate without the peak, a zero or negative rate, and a misspelt name are InputErrors naming the field', () => {
    const orphan = errorOf(() => hardwareSpecFromJson({ ...base, fp4AchievedTflops: 4000 }, 'x.json'));
    expect([orphan.code, orphan.where]).toEqual(['HARDWARE_CONFIG_FIELD', 'x.json: fp4AchievedTflops']);
    expect(orphan.message).toMatch(/without fp4Tflops/);
    expect(errorOf(() => hardwareSpecFromJson({ ...base, fp4Tflops: 10000, fp4AchievedTflops: 0 }, 'x.json')).where).toBe('x.json: fp4AchievedTflops');
    expect(errorOf(() => hardwareSpecFromJson({ ...base, fp4Tflops: -1 }, 'x.json')).where).toBe('x.json: fp4Tflops');
    expect(errorOf(() => hardwareSpecFromJson({ ...base, fp4Tflop: 9000 }, 'x.json')).message).toMatch(/did you mean fp4Tflops/);
  });
});
