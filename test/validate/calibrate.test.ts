import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { calibrate, coefficientsDocument, DEFAULT_FIT_PARAMETERS, searchCase, startFromDocument, startVector, caseLoss } from '../../src/validate/calibrate.js';
import { coefficientsFromJson } from '../../src/model/fitted.js';
import { runPlanJob } from '../../src/validate/plan-job.js';
import { prepareExperiment } from '../../src/validate/validate.js';
import { planJobRunner } from '../../src/validate/validate-workers.node.js';

const fx = (n: string): string => readFileSync(new URL(`../fixtures/validate/${n}`, import.meta.url), 'utf8');
const pick = (names: string[]) => DEFAULT_FIT_PARAMETERS.filter((p) => names.includes(p.name));

describe('calibration', () => {
  it('writes a valid coefficients file; tied keys share one parameter; unfitted terms keep the base', () => {
    const params = pick(['gemm_us', 'firstTokenUs']);
    const doc = coefficientsDocument([1.25, 9000], params) as any;
    expect(doc.entries[0].coefficients).toMatchObject({ gemm_us: 1.25, lm_head_us: 1.25, step: 600, attn_decode_us: 1 });
    expect(doc.entries[0].overheads.firstTokenUs).toBe(9000);
    const parsed = coefficientsFromJson(doc, 'doc');
    expect(parsed.entries[0]!.firstTokenSteps).toBe(0);
    expect(startVector(params, startFromDocument(doc))).toEqual([1.25, 9000]);
  });

  it('cuts a case to the start of each stage on both sides (same requests)', () => {
    const p = prepareExperiment({ file: 'small.json', json: JSON.parse(fx('small.json')), requests: fx('small.requests.csv') }, { plan: { arrivals: 'trace' } });
    const half = searchCase(p, 0.5);
    expect(half.plan.arrivals.length).toBeLessThan(p.plan.arrivals.length);
    const c = half.truth.summary.counts!;
    expect(c.ok + c.failed).toBe(half.plan.arrivals.length);
  });

  it('recovers known coefficients from ground truth the simulator produced (GEMM factor and first-token overhead within 3%)', async () => {
    const p = prepareExperiment({ file: 'small.json', json: JSON.parse(fx('small.json')), requests: fx('small.requests.csv') }, { plan: { arrivals: 'trace' } });
    const params = pick(['gemm_us', 'firstTokenUs']);
    const known = [1.4, 12000];
    const truth = await runPlanJob({ plan: p.plan, stepTime: { name: 'fitted', coefficients: coefficientsDocument(known, params) } });
    const runnerFor = (coefficients: Record<string, unknown>) => planJobRunner(undefined, 1, { name: 'fitted', coefficients });
    const r = await calibrate([{ exp: p.exp, plan: p.plan, rows: truth.rows! }], { runnerFor, params, x0: [1.0, 5000], fraction: 1, maxEvaluations: 80 });
    expect(r.x[0]).toBeGreaterThan(known[0]! * 0.97);
    expect(r.x[0]).toBeLessThan(known[0]! * 1.03);
    expect(r.x[1]).toBeGreaterThan(known[1]! * 0.97);
    expect(r.x[1]).toBeLessThan(known[1]! * 1.03);
    expect(r.loss).toBeLessThan(0.1); // what is left is the KS term's step-time discreteness
  });

  it('the loss is zero for a perfect prediction and grows with the error', () => {
    const exp = (pred: number) => ({ id: 'x', status: 'ok' as const, truth_status: 'active', stages: [{ index: 'summary' as const, metrics: { ttft_mean: { predicted: pred, actual: 10, error_pct: (pred - 10) * 10 } } }] });
    expect(caseLoss([exp(10)])).toBe(0);
    expect(caseLoss([exp(20)])).toBeCloseTo(Math.log(2), 9);
    expect(caseLoss([exp(5)])).toBeCloseTo(Math.log(2), 9);
  });
});

describe('fitted model terms added for calibration', () => {
  it('layers, allreduce_hops and firstTokenSteps are per-model constants: L·µs and 4·L·(tp−1)·µs per step, k minimum steps on the first token', async () => {
    const { createFitted } = await import('../../src/model/fitted.js');
    const { getModel } = await import('../../src/model/catalog.js');
    const { getHardware } = await import('../../src/model/hardware-catalog.js');
    const ctx = { model: getModel('meta-llama/llama-2-70b-hf'), hardware: getHardware('H100'), tp: 4 };
    const batch = { size: 1, newTokens: Int32Array.of(1), contextTokens: Int32Array.of(100), isPrefill: Uint8Array.of(0), totalNewTokens: 1, numPrefill: 0 };
    const doc = (extra: Record<string, number>, overheads: Record<string, number> = {}) => ({ ...coefficientsDocument([], [], { coefficients: { step: 600, gemm_us: 1, attn_prefill_us: 1, attn_decode_us: 1, lm_head_us: 1, allreduce_us: 1, requests: 10, ...extra }, overheads }) });
    const base = createFitted(ctx, { coefficients: doc({}) }).stepTimeUs(batch);
    const L = ctx.model.numLayers;
    expect(createFitted(ctx, { coefficients: doc({ layers: 10 }) }).stepTimeUs(batch) - base).toBe(10 * L);
    expect(createFitted(ctx, { coefficients: doc({ allreduce_hops: 2 }) }).stepTimeUs(batch) - base).toBe(2 * 2 * L * 2 * 3);
    const tp1 = { ...ctx, model: getModel('meta-llama/llama-2-7b-hf'), tp: 1 };
    expect(createFitted(tp1, { coefficients: doc({ allreduce_hops: 2 }) }).stepTimeUs(batch)).toBe(createFitted(tp1, { coefficients: doc({}) }).stepTimeUs(batch));
    const m = createFitted(ctx, { coefficients: doc({}, { firstTokenUs: 1000, firstTokenSteps: 2 }) });
    const one = { ...batch, contextTokens: Int32Array.of(1) };
    expect(m.overheads.firstTokenUs).toBe(1000 + 2 * m.stepTimeUs(one));
  });
});
