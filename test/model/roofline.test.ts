import { describe, expect, test } from 'vitest';
import { getModel } from '../../src/model/catalog.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { BASIS_SIZE, ROOFLINE_BASIS, createRoofline, rooflineBasis } from '../../src/model/roofline.js';
import { ROOFLINE_DEFAULTS, resolveRooflineParams } from '../../src/model/roofline-params.js';
import { batchOf, decodes } from './helpers.js';

const h100 = getHardware('H100');
const a100 = getHardware('A100-80');
const llama7 = getModel('llama-2-7b');

describe('roofline', () => {
  test('a 7B decode step on H100 is about weights / bandwidth (13.5 GB / 3.35 TB/s ≈ 4 ms, 4-8 ms with efficiency)', () => {
    const t = createRoofline({ model: llama7, hardware: h100, tp: 1 }).stepTimeUs(decodes(1, 100));
    expect(t).toBeGreaterThan(4000);
    expect(t).toBeLessThan(8000);
  });

  test('A100-80 is slower by about the bandwidth ratio in decode and the compute ratio in prefill', () => {
    const h = createRoofline({ model: llama7, hardware: h100, tp: 1 });
    const a = createRoofline({ model: llama7, hardware: a100, tp: 1 });
    const dec = decodes(8, 500);
    const decRatio = a.stepTimeUs(dec) / h.stepTimeUs(dec);
    expect(decRatio).toBeGreaterThan(1.4); // 3.35 / 2.039 = 1.64, diluted by fixed overhead
    expect(decRatio).toBeLessThan(1.7);
    const pre = batchOf([[2048, 0, 1]]);
    expect(a.stepTimeUs(pre) / h.stepTimeUs(pre)).toBeGreaterThan(2.5); // 989 / 312 = 3.2
  });

  test('fp8 weights halve the weight read and use fp8 peak', () => {
    const bf = createRoofline({ model: getModel('meta-llama/llama-4-scout-17b-16e-instruct'), hardware: h100, tp: 4 });
    const f8 = createRoofline({ model: getModel('redhatai/llama-4-scout-17b-16e-instruct-fp8-dynamic'), hardware: h100, tp: 4 });
    const b = decodes(64, 500);
    expect(f8.stepTimeUs(b)).toBeLessThan(bf.stepTimeUs(b));
    const p = batchOf([[4096, 0, 1]]);
    expect(f8.stepTimeUs(p)).toBeLessThan(bf.stepTimeUs(p));
  });

  test('MoE decode reads only the experts the batch touches', () => {
    const mx = createRoofline({ model: getModel('mixtral-8x7b'), hardware: h100, tp: 2 });
    const one = mx.stepTimeUs(decodes(1, 10));
    const many = mx.stepTimeUs(decodes(32, 10));
    // one token touches 2 of 8 experts; 32 tokens touch nearly all 8
    expect(many / one).toBeGreaterThan(2);
    expect(many / one).toBeLessThan(4.5);
  });

  test('TP splits the per-GPU work and adds all-reduce', () => {
    const m = getModel('llama-3.1-70b');
    const tp4 = createRoofline({ model: m, hardware: h100, tp: 4 }).stepTimeUs(decodes(16, 1000));
    const tp8 = createRoofline({ model: m, hardware: h100, tp: 8 }).stepTimeUs(decodes(16, 1000));
    expect(tp8).toBeLessThan(tp4);
    expect(tp8).toBeGreaterThan(tp4 / 2);
    const basis = rooflineBasis({ model: m, hardware: h100, tp: 1 });
    const out = new Float64Array(BASIS_SIZE);
    basis(decodes(4, 10), out);
    expect(out[ROOFLINE_BASIS.indexOf('allreduce_us')]).toBe(0);
  });

  test('prefill attention grows with context (causal part plus cached prefix)', () => {
    const r = createRoofline({ model: getModel('qwen/qwen3-14b'), hardware: h100, tp: 1 });
    expect(r.stepTimeUs(batchOf([[2048, 30000, 1]]))).toBeGreaterThan(r.stepTimeUs(batchOf([[2048, 0, 1]])) * 1.5);
  });

  test('options override the parameter table and are validated', () => {
    const slow = createRoofline({ model: llama7, hardware: h100, tp: 1 }, { bandwidthEfficiency: 0.4 });
    const fast = createRoofline({ model: llama7, hardware: h100, tp: 1 });
    expect(slow.stepTimeUs(decodes(1, 10))).toBeGreaterThan(fast.stepTimeUs(decodes(1, 10)) * 1.7);
    expect(() => resolveRooflineParams({ bandwidthEfficiency: 1.5 })).toThrowError(/fraction/);
    expect(() => resolveRooflineParams({ bandwithEfficiency: 0.5 })).toThrowError(/did you mean bandwidthEfficiency/);
    expect(Object.isFrozen(ROOFLINE_DEFAULTS)).toBe(true);
  });

  test('the basis with roofline coefficients reproduces the roofline', () => {
    const ctx = { model: getModel('mixtral-8x7b'), hardware: h100, tp: 2 };
    const basis = rooflineBasis(ctx);
    const r = createRoofline(ctx);
    const out = new Float64Array(BASIS_SIZE);
    for (const b of [decodes(3, 700), batchOf([[512, 64, 1], [1, 900, 0], [1, 20, 0]])]) {
      basis(b, out);
      const sum = out[0]! * ROOFLINE_DEFAULTS.stepOverheadUs + out[1]! + out[2]! + out[3]! + out[4]! + out[5]! + out[6]! * ROOFLINE_DEFAULTS.perRequestUs;
      expect(r.stepTimeUs(b)).toBe(Math.round(sum));
    }
  });
});
