/**
 * model/step-explain.ts: the terms `blis step-time` prints must be the model's own, to the bit:
 * their GPU and CPU sums equal the model's StepCostSplit, and the synchronous step its stepTimeUs,
 * for every catalog model, three GPUs, fitted and roofline, on random batches; a linear step worked by hand.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { explainBatch, explainStep } from '../../src/model/step-explain.js';
import { createStepTimeModel, resolveStepTime } from '../../src/model/registry.js';
import { listModels, getModel } from '../../src/model/catalog.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { coefficientsFromJson } from '../../src/model/fitted.js';
import type { StepTimeContext } from '../../src/model/step-time.js';
import { batchOf, tpFor } from './helpers.js';

const reqArb = fc.tuple(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 0, max: 16384 }), fc.constantFrom<0 | 1>(0, 1));

describe.each(['fitted', 'roofline'])('%s: the terms are the model', (name) => {
  test.each(listModels().map((r) => [r.name]))('%s on H100, A100-80 and L40S', (modelName) => {
    const m = getModel(modelName);
    const choice = resolveStepTime({ name });
    for (const gpu of ['H100', 'A100-80', 'L40S']) {
      const ctx: StepTimeContext = { model: m, hardware: getHardware(gpu), tp: tpFor(m) };
      let model;
      try {
        model = createStepTimeModel(choice, ctx);
      } catch (err) {
        // A model this GPU cannot run (an FP8 sparse-attention model before Hopper): refused alike.
        expect(() => explainStep(choice, ctx, explainBatch(1, 10, 0, 0))).toThrow((err as Error).message);
        continue;
      }
      const split = new Float64Array(2);
      fc.assert(
        fc.property(fc.array(reqArb, { minLength: 1, maxLength: 12 }), (reqs) => {
          const b = batchOf(reqs);
          const e = explainStep(choice, ctx, b);
          model.split!.stepCostUs(b, split);
          expect(e.gpuUs).toBe(split[0]);
          expect(e.cpuUs).toBe(split[1]);
          expect(e.synchronousStepUs).toBe(model.stepTimeUs(b));
          // Rounded as the engine rounds each step it launches (engine/batch-queue.ts).
          expect(e.asynchronousStepUs).toBe(Math.max(1, Math.round(Math.max(split[0]!, split[1]!) + model.split!.asyncSyncUs)));
          // Each term is its coefficient times its basis, and only the engine core's terms are CPU.
          for (const t of e.terms) expect(t.us).toBe(t.coefficient * t.basis);
          expect(e.terms.filter((t) => t.side === 'cpu').map((t) => t.term)).toEqual(['step', 'requests']);
        }),
        { numRuns: 8, seed: 11 },
      );
    }
  });
});

test('a fitted file with per-layer and per-hop terms: both are GPU terms, summed first as the model sums them', () => {
  const doc = {
    schema: 'blis.step-coefficients/v1',
    provenance: { status: 'fitted', source: 'test', date: '2026-12-07', inputs: [], objective: 'none' },
    entries: [{ match: {}, coefficients: { step: 1000, gemm_us: 1, attn_decode_us: 1, requests: 20, layers: 3.5, allreduce_hops: 0.7 }, overheads: { firstTokenUs: 5000 } }],
  };
  coefficientsFromJson(doc, 'test');
  const choice = resolveStepTime({ coefficients: doc, coefficientsSource: 'test.json' });
  const m = getModel('meta-llama/llama-3.1-70b-instruct');
  const ctx: StepTimeContext = { model: m, hardware: getHardware('H100'), tp: 4 };
  const b = explainBatch(16, 2000, 512, 0);
  const e = explainStep(choice, ctx, b);
  const layers = e.terms.find((t) => t.term === 'layers')!;
  const hops = e.terms.find((t) => t.term === 'allreduce_hops')!;
  // 80 layers; 2 collectives a layer × 2(tp − 1) = 6 hops each.
  expect(layers).toMatchObject({ side: 'gpu', basis: 80, coefficient: 3.5, us: 280 });
  expect(hops.basis).toBeCloseTo(80 * 2 * 6, 9);
  expect(hops.us).toBeCloseTo(0.7 * 960, 9);
  const model = createStepTimeModel(choice, ctx);
  const split = new Float64Array(2);
  model.split!.stepCostUs(b, split);
  expect(e.gpuUs).toBe(split[0]);
  expect(e.synchronousStepUs).toBe(model.stepTimeUs(b));
  expect(e.firstTokenUs).toBe(5000);
});

test('linear, worked by hand: 10,000 + 10 × 50 prompt tokens + 5 × 2 decodes + 0.5 × (100 + 100 + 20) context = 10,620 µs', () => {
  const choice = resolveStepTime({ name: 'linear', coefficients: { alpha0Us: 10000, alpha1UsPerPrefillToken: 10, alpha2UsPerDecodeToken: 5, alpha3UsPerContextToken: 0.5 }, coefficientsSource: 'l.json' });
  const ctx: StepTimeContext = { model: getModel('qwen/qwen3-14b'), hardware: getHardware('H100'), tp: 1 };
  const e = explainStep(choice, ctx, explainBatch(2, 100, 50, 20));
  expect(e.terms.map((t) => [t.term, t.basis, t.us])).toEqual([['alpha0', 1, 10000], ['alpha1', 50, 500], ['alpha2', 2, 10], ['alpha3', 220, 110]]);
  expect(e.synchronousStepUs).toBe(10620);
  // No CPU/GPU split: the engine runs the whole step as GPU time, overlapped with nothing.
  expect(e.asynchronousStepUs).toBe(10620);
  expect(e.cpuUs).toBe(0);
});

test('explainBatch: the decodes first, then the chunk', () => {
  const b = explainBatch(3, 700, 256, 64);
  expect(b.size).toBe(4);
  expect([...b.newTokens]).toEqual([1, 1, 1, 256]);
  expect([...b.contextTokens]).toEqual([700, 700, 700, 64]);
  expect([...b.isPrefill]).toEqual([0, 0, 0, 1]);
  expect(b.totalNewTokens).toBe(259);
  expect(b.numPrefill).toBe(1);
});
