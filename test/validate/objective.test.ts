import { describe, expect, it } from 'vitest';
import { calibrationLoss } from '../../src/validate/objective.js';
import type { ValidationExperiment } from '../../src/validate/validation.js';

const e = (id: string, pred: number | null, truth_status = 'active'): ValidationExperiment => ({
  id, status: 'ok', truth_status,
  stages: [
    { index: 0, metrics: { ttft_mean: { predicted: 1, actual: 100, error_pct: -99 } } },
    { index: 'summary', metrics: { ttft_mean: { predicted: pred, actual: 10, error_pct: pred === null ? null : ((pred - 10) / 10) * 100 } } },
  ],
});

describe('calibration loss', () => {
  it('log loss is symmetric: ×2 and ÷2 cost the same', () => {
    expect(calibrationLoss({ experiments: [e('a', 20)] }, { metrics: ['ttft_mean'] })).toBeCloseTo(Math.log(2), 12);
    expect(calibrationLoss({ experiments: [e('a', 5)] }, { metrics: ['ttft_mean'] })).toBeCloseTo(Math.log(2), 12);
  });
  it('ape loss is the mean |error %|; excluded experiments and stage rows are left out by default', () => {
    const doc = { experiments: [e('a', 11), e('b', 13), e('x', 1000, 'excluded_overload')] };
    expect(calibrationLoss(doc, { metrics: ['ttft_mean'], kind: 'ape' })).toBeCloseTo(20, 10);
    expect(calibrationLoss(doc, { metrics: ['ttft_mean'], kind: 'ape', stages: true })).toBeCloseTo((10 + 30 + 99 + 99) / 4, 10);
  });
  it('a missing prediction costs missingCost; nothing to fit is Infinity', () => {
    expect(calibrationLoss({ experiments: [e('a', null)] }, { metrics: ['ttft_mean'], missingCost: 7 })).toBe(7);
    expect(calibrationLoss({ experiments: [] })).toBe(Infinity);
  });
});
