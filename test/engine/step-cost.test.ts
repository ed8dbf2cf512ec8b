import { describe, expect, it } from 'vitest';
import { StepCost } from '../../src/engine/step-cost.js';
import { StepBatch } from '../../src/engine/step-batch.js';
import type { BatchShape, StepTimeModel } from '../../src/model/step-time.js';

/** A batch of `tokens` new tokens in one slot, formed as formation `seq`. */
function batch(seq: number, tokens: number): StepBatch {
  const b = new StepBatch(4);
  b.clear(seq);
  b.totalNewTokens = tokens;
  b.size = 1;
  return b;
}

describe('StepCost', () => {
  it('splits a step into GPU and CPU parts when the model does, computing each formation once', () => {
    let calls = 0;
    const model: StepTimeModel = {
      stepTimeUs: (b: BatchShape) => 1000 + b.totalNewTokens,
      split: { asyncSyncUs: 7, stepCostUs: (b: BatchShape, out: Float64Array) => { calls++; out[0] = 600 + b.totalNewTokens; out[1] = 400; } },
    };
    const cost = new StepCost(model);
    expect([cost.split, cost.syncUs]).toEqual([true, 7]);
    const b = batch(1, 10);
    expect(cost.cpuUs(b)).toBe(400);
    expect(cost.parts(b)).toBe(610);
    expect([cost.out[0], cost.out[1], calls]).toEqual([610, 400, 1]);
    // Another batch in between overwrites `out`; asking again for b gives b's parts, still from the first call.
    cost.parts(batch(2, 50));
    expect(cost.parts(b)).toBe(610);
    expect([cost.out[1], calls]).toEqual([400, 2]);
    // The same buffer re-formed (a new seq) is costed again.
    b.clear(3);
    b.totalNewTokens = 20;
    b.size = 1;
    expect(cost.parts(b)).toBe(620);
    expect(calls).toBe(3);
  });

  it('without a split the whole step is GPU time and the CPU part is 0', () => {
    const cost = new StepCost({ stepTimeUs: (b: BatchShape) => 1000 + b.totalNewTokens });
    expect([cost.split, cost.syncUs]).toEqual([false, 0]);
    const b = batch(1, 10);
    expect(cost.stepUs(b)).toBe(1010);
    expect(cost.cpuUs(b)).toBe(0);
    expect(cost.parts(b)).toBe(1010);
    expect(cost.out[1]).toBe(0);
  });

  it('adds the CPU tier connector bookkeeping of the formation to the CPU part of a model that splits, and to its synchronous step', () => {
    const model: StepTimeModel = {
      stepTimeUs: (b: BatchShape) => 1000 + b.totalNewTokens,
      split: { asyncSyncUs: 0, stepCostUs: (b: BatchShape, out: Float64Array) => { out[0] = 600 + b.totalNewTokens; out[1] = 400; } },
    };
    const cost = new StepCost(model);
    const b = batch(1, 10);
    b.connectorUs = 27.5;
    expect(cost.parts(b)).toBe(610);
    expect(cost.out[1]).toBe(427.5);
    expect(cost.stepUs(b)).toBe(1037.5);
  });

  it('a model without a split is a fixed clock: the connector bookkeeping adds nothing', () => {
    const cost = new StepCost({ stepTimeUs: (b: BatchShape) => 1000 + b.totalNewTokens });
    const b = batch(1, 10);
    b.connectorUs = 27.5;
    expect(cost.stepUs(b)).toBe(1010);
    expect(cost.parts(b)).toBe(1010);
    expect(cost.out[1]).toBe(0);
  });
});
