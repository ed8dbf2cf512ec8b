import { describe, expect, test } from 'vitest';
import { getModel } from '../../src/model/catalog.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { createRoofline } from '../../src/model/roofline.js';
import { coefficientsFromJson, createFitted, defaultCoefficients, rooflineEntryCoefficients, selectCoefficients } from '../../src/model/fitted.js';
import { createLinear, linearFromRoofline } from '../../src/model/linear.js';
import { getStepTimeModel, stepTimeModelNames } from '../../src/model/registry.js';
import { batchOf, decodes } from './helpers.js';

const ctx = { model: getModel('llama-2-7b'), hardware: getHardware('H100'), tp: 1 };

function file(entries: unknown[]): object {
  return { schema: 'blis.step-coefficients/v1', provenance: { status: 'fitted', source: 'test', date: '2026-01-01', inputs: ['a'], objective: 'mape' }, entries };
}

describe('fitted step-time model', () => {
  test('roofline coefficients (1 on each time term, its CPU costs) reproduce the roofline', () => {
    const f = createFitted(ctx, { coefficients: file([{ match: {}, coefficients: rooflineEntryCoefficients().coefficients }]) });
    const r = createRoofline(ctx);
    for (const b of [decodes(1, 0), decodes(40, 900), batchOf([[2048, 0, 1]]), batchOf([[300, 512, 1], [1, 50, 0]])]) {
      expect(f.stepTimeUs(b)).toBe(r.stepTimeUs(b));
    }
    expect(f.overheads).toEqual({ preScheduleUs: 0, firstTokenUs: 0, perOutputTokenUs: 0 });
  });

  test('the embedded coefficients are fitted (blis calibrate) and carry their provenance', () => {
    const f = createFitted(ctx);
    expect(f.provenance.status).toBe('fitted');
    expect(f.provenance.inputs.length).toBeGreaterThan(0);
    expect(f.overheads.firstTokenUs).toBeGreaterThan(0);
    expect(defaultCoefficients().entries.length).toBeGreaterThan(0);
  });

  test('coefficients scale their basis terms and overheads come from the entry', () => {
    const f = createFitted(ctx, { coefficients: file([{ match: {}, coefficients: { step: 1000, requests: 5 }, overheads: { firstTokenUs: 12000 } }]) });
    expect(f.stepTimeUs(decodes(4, 10))).toBe(1020);
    expect(f.overheads.firstTokenUs).toBe(12000);
    expect(f.overheads.perStreamedTokenUs).toBeUndefined();
    const g = createFitted(ctx, { coefficients: file([{ match: {}, coefficients: { step: 1000 }, overheads: { firstTokenUs: 9000, perStreamedTokenUs: 35 } }]) });
    expect(g.overheads).toEqual({ preScheduleUs: 0, firstTokenUs: 9000, perOutputTokenUs: 0, perStreamedTokenUs: 35 });
    expect(() => coefficientsFromJson(file([{ match: {}, coefficients: {}, overheads: { perStreamTokenUs: 1 } }]), 'c.json')).toThrow(/overheads\.perStreamTokenUs.*known: .*perStreamedTokenUs/);
  });

  test('every term is a cost from 0 to 1e6: a negative one (negative latencies) or a huge one (a clock past integer µs) names its field', () => {
    const bad = (entry: object): string => {
      try {
        coefficientsFromJson(file([entry]), 'c.json');
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(bad({ match: {}, coefficients: { step: -1e6 } })).toMatch(/c\.json: entries\[0\]\.coefficients\.step: found -1000000; expected .* from 0 to 1e\+6/);
    expect(bad({ match: {}, coefficients: { step: 1e300 } })).toMatch(/entries\[0\]\.coefficients\.step: found 1e\+300/);
    expect(bad({ match: {}, coefficients: {}, overheads: { firstTokenUs: -1e7 } })).toMatch(/entries\[0\]\.overheads\.firstTokenUs: found -10000000/);
    expect(bad({ match: {}, coefficients: { step: 1e6, gemm_us: 0 }, overheads: { firstTokenUs: 0 } })).toBe('accepted');
    expect(() => createLinear(ctx, { alpha0Us: 1e300 })).toThrow(/linear: alpha0Us: found 1e\+300; expected a non-negative number \(us\) up to 1e9/);
  });

  test('the most specific matching entry wins', () => {
    const c = coefficientsFromJson(
      file([
        { match: {}, coefficients: { step: 1 } },
        { match: { model: 'meta-llama/Llama-2-7b-hf' }, coefficients: { step: 2 } },
        { match: { model: 'meta-llama/llama-2-7b-hf', hardware: 'h100', tp: 1 }, coefficients: { step: 3 } },
        { match: { hardware: 'a100-80gb' }, coefficients: { step: 4 } },
        { match: { model: 'qwen3-14b', tp: 2 }, coefficients: { step: 5 } },
      ]),
      'c.json',
    );
    expect(selectCoefficients(c, ctx)?.coefficients[0]).toBe(3);
    expect(selectCoefficients(c, { ...ctx, tp: 2 })?.coefficients[0]).toBe(2);
    expect(selectCoefficients(c, { ...ctx, model: getModel('qwen/qwen3-14b'), hardware: getHardware('A100-80') })?.coefficients[0]).toBe(4);
    expect(selectCoefficients(c, { ...ctx, model: getModel('qwen/qwen3-14b'), hardware: getHardware('A100-80'), tp: 2 })?.coefficients[0]).toBe(5);
  });

  test('bad coefficient files raise COEFFICIENTS_INVALID naming the file and field', () => {
    expect(() => coefficientsFromJson({ schema: 'x' }, 'c.json')).toThrowError(/c\.json: schema/);
    expect(() => coefficientsFromJson(file([{ match: {}, coefficients: { gemm: 1 } }]), 'c.json')).toThrowError(/did you mean gemm_us/);
    expect(() => coefficientsFromJson(file([{ match: {}, coefficients: { step: 'a' } }]), 'c.json')).toThrowError(/entries\[0\]\.coefficients\.step/);
    expect(() => createFitted(ctx, { coefficients: file([{ match: { tp: 8 }, coefficients: {} }]) })).toThrowError(/no entry matches/);
  });
});

describe('linear step-time model', () => {
  test('uses the given α coefficients', () => {
    const l = createLinear(ctx, { alpha0Us: 1000, alpha1UsPerPrefillToken: 2, alpha2UsPerDecodeToken: 30, alpha3UsPerContextToken: 0.5 });
    expect(l.stepTimeUs(batchOf([[100, 0, 1], [1, 200, 0], [1, 200, 0]]))).toBe(1000 + 200 + 60 + 200);
  });

  test('defaults linearise the roofline', () => {
    const a = linearFromRoofline(ctx);
    expect(a.alpha0Us).toBeGreaterThan(3000);
    // a prefill token costs the GEMM compute slope: 2 × (6.74e9 − 2 × 32000 × 4096) FLOPs at 732 TFLOP/s ≈ 17.7 µs
    const slope = (2 * (ctx.model.totalParams - 2 * 32000 * 4096)) / 732e6;
    expect(a.alpha1UsPerPrefillToken).toBeGreaterThan(0.95 * slope);
    expect(a.alpha1UsPerPrefillToken).toBeLessThan(1.4 * slope);
    expect(a.alpha3UsPerContextToken).toBeGreaterThan(0);
    const r = createRoofline(ctx);
    const l = createLinear(ctx);
    const b = decodes(1, 0);
    expect(Math.abs(l.stepTimeUs(b) - r.stepTimeUs(b))).toBeLessThanOrEqual(1);
  });

  test('rejects unknown options', () => {
    expect(() => createLinear(ctx, { alpha0: 1 })).toThrowError(/did you mean alpha0Us/);
  });
});

describe('step-time registry', () => {
  test('knows roofline, fitted and linear', () => {
    expect(stepTimeModelNames()).toEqual(['roofline', 'fitted', 'linear']);
    expect(getStepTimeModel('Roofline').name).toBe('roofline');
  });

  test('an unknown name raises UNKNOWN_STEP_TIME_MODEL listing the known names', () => {
    expect(() => getStepTimeModel('roofine')).toThrowError(/unknown step-time model 'roofine'; did you mean roofline\? known: roofline, fitted, linear/);
  });
});

describe('fitted model: retired backlog slowdown', () => {
  test('backlog terms at 0 (what fits wrote with the term off) are accepted; a non-zero slowdown is an error naming the field', () => {
    const f = createFitted(ctx, { coefficients: file([{ match: {}, coefficients: { step: 1000, backlog: 0, backlog_tau_s: 200 } }]) });
    expect(f.stepTimeUs(decodes(4, 10))).toBe(1000);
    expect('backlog' in f).toBe(false);
    expect(() => coefficientsFromJson(file([{ match: {}, coefficients: { backlog: 0.15 } }]), 'c.json')).toThrow(/c\.json: entries\[0\]\.coefficients\.backlog.*was removed/);
  });
});

describe('fitted model: CPU/GPU split', () => {
  test('CPU = step + requests, GPU = the rest (per-layer and per-hop terms included); stepTimeUs = max(1, round(gpu + cpu))', () => {
    const ctx2 = { model: getModel('llama-2-70b'), hardware: getHardware('H100'), tp: 4 };
    const f = createFitted(ctx2, { coefficients: file([{ match: {}, coefficients: { step: 300, requests: 20, gemm_us: 1, layers: 2, allreduce_hops: 1, async_sync_us: 90 } }]) });
    const pair = new Float64Array(2);
    const b = decodes(8, 400);
    f.split.stepCostUs(b, pair);
    expect(pair[1]).toBeCloseTo(300 + 8 * 20, 9);
    const gemmOnly = createFitted(ctx2, { coefficients: file([{ match: {}, coefficients: { gemm_us: 1 } }]) });
    const g = new Float64Array(2);
    gemmOnly.split.stepCostUs(b, g);
    // 80 layers × 2 µs + 2 collectives × 80 layers × 2(4 − 1) hops × 1 µs
    expect(pair[0]! - g[0]!).toBeCloseTo(160 + 960, 6);
    expect(f.stepTimeUs(b)).toBe(Math.max(1, Math.round(pair[0]! + pair[1]!)));
    expect(f.split.asyncSyncUs).toBe(90);
    expect(createFitted(ctx2, { coefficients: file([{ match: {}, coefficients: {} }]) }).split.asyncSyncUs).toBe(160);
  });

  test('the embedded coefficients honour the split contract on random batches', () => {
    const f = createFitted(ctx);
    const pair = new Float64Array(2);
    for (const b of [decodes(1, 0), decodes(100, 2000), batchOf([[2048, 0, 1]]), batchOf([[700, 300, 1], [1, 50, 0], [1, 900, 0]])]) {
      f.split.stepCostUs(b, pair);
      expect(pair[0]).toBeGreaterThanOrEqual(0);
      expect(pair[1]).toBeGreaterThanOrEqual(0);
      expect(f.stepTimeUs(b)).toBe(Math.max(1, Math.round(pair[0]! + pair[1]!)));
    }
  });
});
