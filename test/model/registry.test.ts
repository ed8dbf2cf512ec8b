import { describe, expect, test } from 'vitest';
import { getModel } from '../../src/model/catalog.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { createStepTimeModel, defaultStepTimeModelName, resolveStepTime } from '../../src/model/registry.js';
import { decodes } from './helpers.js';

const ctx = { model: getModel('llama-2-7b'), hardware: getHardware('H100'), tp: 1 };

function file(step: number): object {
  return {
    schema: 'blis.step-coefficients/v1',
    provenance: { status: 'test', source: 'test', date: '2026-01-01', inputs: [], objective: 'none' },
    entries: [{ match: {}, coefficients: { step } }],
  };
}

describe('resolveStepTime: the one place that decides the step-time model', () => {
  test('absent or "default" → the registry default, never the word "default"', () => {
    expect(resolveStepTime().name).toBe(defaultStepTimeModelName());
    expect(resolveStepTime({ name: 'default' }).name).toBe(defaultStepTimeModelName());
    expect(resolveStepTime({ name: 'Roofline' }).name).toBe('roofline');
  });

  test('a coefficients document implies fitted, is validated once, and reaches the model', () => {
    const choice = resolveStepTime({ coefficients: file(1234), coefficientsSource: 'c.json' });
    expect(choice).toMatchObject({ name: 'fitted', coefficientsSource: 'c.json' });
    // Only the `step` coefficient is non-zero: a one-token decode costs exactly 1234 µs.
    expect(createStepTimeModel(choice, ctx).stepTimeUs(decodes(1, 1))).toBe(1234);
    expect(Object.isFrozen(choice)).toBe(true);
  });

  test("with linear or roofline named, the document is that model's options, checked against its table", () => {
    const choice = resolveStepTime({ name: 'linear', coefficients: { alpha0Us: 700, alpha1UsPerPrefillToken: 0, alpha2UsPerDecodeToken: 50, alpha3UsPerContextToken: 0 }, coefficientsSource: 'lin.json' });
    expect(choice).toMatchObject({ name: 'linear', coefficientsSource: 'lin.json' });
    // α0 + α2 × 4 decodes, by hand.
    expect(createStepTimeModel(choice, ctx).stepTimeUs(decodes(4, 1))).toBe(700 + 4 * 50);
    const slow = resolveStepTime({ name: 'roofline', coefficients: { stepOverheadUs: 5000 }, coefficientsSource: 'r.json' });
    const base = resolveStepTime({ name: 'roofline' });
    expect(createStepTimeModel(slow, ctx).stepTimeUs(decodes(1, 1)) - createStepTimeModel(base, ctx).stepTimeUs(decodes(1, 1))).toBeGreaterThan(4000);
    expect(() => resolveStepTime({ name: 'linear', coefficients: [1, 2], coefficientsSource: 'a.json' })).toThrow(/a\.json: expected a JSON object of linear options \(alpha0Us/);
    expect(() => resolveStepTime({ name: 'linear', coefficients: { alpha0Us: -1 }, coefficientsSource: 'n.json' })).toThrow(/n\.json: alpha0Us: found -1; expected a non-negative number/);
  });

  test('errors name the flag or the file', () => {
    expect(() => resolveStepTime({ name: 'linar' })).toThrow(/--latency-model: unknown step-time model 'linar'; did you mean linear/);
    expect(() => resolveStepTime({ name: 'linear', coefficients: file(1) })).toThrow(/--latency-coefficients: a coefficients file \(blis.step-coefficients\/v1\) applies to --latency-model fitted, not 'linear'/);
    expect(() => resolveStepTime({ coefficients: { schema: 'nope' }, coefficientsSource: 'mine.json' })).toThrow(/mine\.json: schema/);
  });
});
