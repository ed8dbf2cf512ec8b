import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { STEP_TIME_MODELS } from '../../src/model/registry.js';
import { listModels, getModel } from '../../src/model/catalog.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { batchOf, tpFor } from './helpers.js';

/**
 * Models with a decode-only aggregate. Left out: sparse attention (GLM-5.2), whose decode reads
 * min(context, index_topk) keys per request, so its cost needs more than the summed context; the
 * engine steps it request by request (roofline-sparse.ts; sparse-attention.test.ts checks it has none).
 */
const aggregateModels = listModels().filter((r) => getModel(r.name).sparseAttention === null);

const reqArb = fc.tuple(fc.integer({ min: 1, max: 2048 }), fc.integer({ min: 0, max: 8192 }), fc.constantFrom<0 | 1>(0, 1));

describe.each(STEP_TIME_MODELS.map((e) => [e.name, e] as const))('step-time model %s', (_name, entry) => {
  test('has a description and documented options', () => {
    expect(entry.describe.length).toBeGreaterThan(10);
    for (const o of Object.values(entry.options)) expect(o.unit.length).toBeGreaterThan(0);
  });

  test.each(listModels().map((r) => [r.name]))('%s: positive integer µs, non-decreasing in tokens and context', (name) => {
    const m = getModel(name);
    const model = entry.create({ model: m, hardware: getHardware('H100'), tp: tpFor(m) });
    fc.assert(
      fc.property(fc.array(reqArb, { minLength: 1, maxLength: 16, size: 'max' }), fc.nat({ max: 15 }), fc.integer({ min: 1, max: 512 }), (reqs, pick, extra) => {
        const b = batchOf(reqs);
        const t = model.stepTimeUs(b);
        expect(Number.isInteger(t)).toBe(true);
        expect(t).toBeGreaterThanOrEqual(1);
        const i = pick % reqs.length;
        const more = reqs.map((r, j) => (j === i ? ([r[0] + extra, r[1], r[2]] as const) : r));
        expect(model.stepTimeUs(batchOf(more))).toBeGreaterThanOrEqual(t);
        const longer = reqs.map((r, j) => (j === i ? ([r[0], r[1] + extra, r[2]] as const) : r));
        expect(model.stepTimeUs(batchOf(longer))).toBeGreaterThanOrEqual(t);
        expect(model.stepTimeUs(batchOf([...reqs, [1, 100, 0] as const]))).toBeGreaterThanOrEqual(t);
        expect(model.stepTimeUs(b)).toBe(t); // pure
      }),
      { numRuns: 25, seed: 7 },
    );
  });

  test.each(aggregateModels.map((r) => [r.name]))('%s: a decode-only batch costs exactly its aggregates (requests, summed context)', (name) => {
    const m = getModel(name);
    const model = entry.create({ model: m, hardware: getHardware('H100'), tp: tpFor(m) });
    // Every registry model offers the capability event leaping needs; its answer must equal the per-slot path bit for bit.
    expect(model.decode).toBeDefined();
    const out = new Float64Array(2);
    const viaSplit = new Float64Array(2);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: 1, maxLength: 300, size: 'max' }), (contexts) => {
        const b = batchOf(contexts.map((c) => [1, c, 0] as const));
        const sum = contexts.reduce((a, c) => a + c, 0);
        expect(model.decode!.decodeStepUs(contexts.length, sum)).toBe(model.stepTimeUs(b));
        if (model.split !== undefined) {
          model.split.stepCostUs(b, viaSplit);
          model.decode!.decodeCostUs!(contexts.length, sum, out);
          expect([...out]).toEqual([...viaSplit]);
        }
      }),
      { numRuns: 40, seed: 11 },
    );
  });

  test.each(aggregateModels.map((r) => [r.name]))('%s: leading decodes given by their sums (decodePrefix) cost exactly what their written contexts cost', (name) => {
    const m = getModel(name);
    const model = entry.create({ model: m, hardware: getHardware('H100'), tp: tpFor(m) });
    // A decode run admitting requests: its decodes' contexts are not written, only their sum.
    expect(model.decode?.decodePrefix).toBe(true);
    const viaPrefix = new Float64Array(2);
    const viaSlots = new Float64Array(2);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: 1, maxLength: 300, size: 'max' }), fc.array(reqArb, { minLength: 1, maxLength: 8 }), (contexts, admitted) => {
        const written = batchOf([...contexts.map((c) => [1, c, 0] as const), ...admitted]);
        const sum = contexts.reduce((a, c) => a + c, 0);
        const prefixed = batchOf([...contexts.map(() => [1, 0, 0] as const), ...admitted]);
        // Stale entries where the contexts would be: the model must not read them.
        prefixed.contextTokens.fill(987_654, 0, contexts.length);
        const shape = { ...prefixed, decodePrefix: contexts.length, decodePrefixContext: sum };
        expect(model.stepTimeUs(shape)).toBe(model.stepTimeUs(written));
        if (model.split !== undefined) {
          model.split.stepCostUs(shape, viaPrefix);
          model.split.stepCostUs(written, viaSlots);
          expect([...viaPrefix]).toEqual([...viaSlots]);
        }
      }),
      { numRuns: 40, seed: 13 },
    );
  });

  test.each(aggregateModels.map((r) => [r.name]))('%s: a decode run\'s steps (same requests, growing context) cost what the per-slot path gives, step after step', (name) => {
    const m = getModel(name);
    const model = entry.create({ model: m, hardware: getHardware('H100'), tp: tpFor(m) });
    const out = new Float64Array(2);
    const viaSplit = new Float64Array(2);
    // The aggregate path may keep per-request-count parts between calls: ask each count many times,
    // interleaved, with contexts a run walks through, and counts past any table (5000 requests).
    const counts = [1, 7, 64, 7, 1, 5000, 64];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30_000 }), { minLength: 5000, maxLength: 5000, size: 'max' }), fc.integer({ min: 1, max: 40 }), (contexts, steps) => {
        for (const n of counts) {
          const ctx = contexts.slice(0, n);
          for (let f = 0; f < steps; f += 9) {
            const b = batchOf(ctx.map((c) => [1, c + f, 0] as const));
            const sum = ctx.reduce((a, c) => a + c + f, 0);
            expect(model.decode!.decodeStepUs(n, sum)).toBe(model.stepTimeUs(b));
            if (model.split !== undefined) {
              model.split.stepCostUs(b, viaSplit);
              model.decode!.decodeCostUs!(n, sum, out);
              expect([...out]).toEqual([...viaSplit]);
            }
          }
        }
      }),
      { numRuns: 3, seed: 5 },
    );
  });
});

