import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkGate, limitFor, parseBaseline, updateBaseline } from '../../src/validate/baseline.js';
import type { ValidationExperiment } from '../../src/validate/validation.js';
import { buildValidationDocument } from '../../src/validate/validation.js';

const exp = (id: string, ttftErr: number, e2eErr: number, truth_status = 'active'): ValidationExperiment => ({
  id, status: 'ok', truth_status,
  stages: [{ index: 'summary', metrics: {
    ttft_mean: { predicted: 100 + ttftErr, actual: 100, error_pct: ttftErr },
    e2e_mean: { predicted: 100 + e2eErr, actual: 100, error_pct: e2eErr },
  } }],
});

describe('summary MAPE and gate', () => {
  it('MAPE is the mean and median of |error %| over active experiments only', () => {
    const doc = buildValidationDocument([exp('a', 10, -5), exp('b', -30, 5), exp('c', 2, 1), exp('x', 500, 500, 'excluded_overload')]);
    expect(doc.summary['ttft_mean']).toEqual({ mape_mean: 14, mape_median: 10, n: 3 });
    expect(doc.summary['e2e_mean']).toEqual({ mape_mean: 3.6667, mape_median: 5, n: 3 });
    expect(Object.keys(doc.summary)).toEqual(['ttft_mean', 'e2e_mean']);
  });

  it('limits = measured × (1 + relative) + absolute', () => {
    expect(limitFor(10, { relative: 0.1, absolute_pct: 2 })).toBe(13);
  });

  it('the baseline written from a run passes that run and fails a worse one', () => {
    const run = buildValidationDocument([exp('a', 10, -5), exp('b', -30, 5)]);
    const b = updateBaseline(run, { relative: 0.1, absolute_pct: 1 });
    expect(b.summary['ttft_mean']).toEqual({ max_mape: 23, measured: 20 });
    expect(b.experiments!['b']!['ttft_mean']).toEqual({ max_abs_error_pct: 34, measured: 30 });
    expect(checkGate(run, b)).toEqual({ passed: true, failures: [] });
    const worse = buildValidationDocument([exp('a', 10, -5), exp('b', -40, 5)]);
    const g = checkGate(worse, b);
    expect(g.passed).toBe(false);
    expect(g.failures).toEqual([
      { metric: 'ttft_mean', value: 25, limit: 23 },
      { metric: 'ttft_mean', experiment: 'b', value: 40, limit: 34 },
    ]);
  });

  it('a metric that disappears fails; an errored experiment fails; an experiment not run is skipped', () => {
    const b = updateBaseline(buildValidationDocument([exp('a', 10, -5), exp('b', 1, 1)]));
    const broken: ValidationExperiment = { id: 'a', status: 'error', error: 'a.json: model: missing', stages: [] };
    const onlyTtft: ValidationExperiment = { id: 'c', status: 'ok', stages: [{ index: 'summary', metrics: { ttft_mean: { predicted: 1, actual: 1, error_pct: 0 } } }] };
    const g = checkGate(buildValidationDocument([broken, onlyTtft]), b);
    expect(g.failures).toContainEqual({ metric: 'status', experiment: 'a', value: null, limit: 0, reason: 'a.json: model: missing' });
    expect(g.failures).toContainEqual({ metric: 'e2e_mean', value: null, limit: expect.any(Number), reason: 'metric missing from the summary' });
    expect(g.failures.some((f) => f.experiment === 'b')).toBe(false);
  });

  it('a counted experiment without a prediction for a gated metric fails even when the baseline does not list it (the MAPE would leave it out)', () => {
    const b = updateBaseline(buildValidationDocument([exp('a', 10, -5)]), { relative: 0, absolute_pct: 0 }, { perExperiment: false });
    const unpredicted: ValidationExperiment = { id: 'new', status: 'ok', stages: [{ index: 'summary', metrics: {
      ttft_mean: { predicted: null, actual: 100, error_pct: null },
      e2e_mean: { predicted: 105, actual: 100, error_pct: 5 },
    } }] };
    const doc = buildValidationDocument([exp('a', 10, -5), unpredicted]);
    // ttft_mean's MAPE counts only 'a' (10 %, at its limit): the gate passed before.
    expect(doc.summary['ttft_mean']).toEqual({ mape_mean: 10, mape_median: 10, n: 1 });
    const g = checkGate(doc, b);
    expect(g.passed).toBe(false);
    expect(g.failures).toEqual([{ metric: 'ttft_mean', experiment: 'new', value: null, limit: 10, reason: 'no prediction for a metric the truth has' }]);
    // One with no prediction at all is reported once, as such, not once per metric.
    const none: ValidationExperiment = { id: 'none', status: 'ok', stages: [{ index: 'summary', metrics: { ttft_mean: { predicted: null, actual: 100, error_pct: null }, e2e_mean: { predicted: null, actual: 100, error_pct: null } } }] };
    expect(checkGate(buildValidationDocument([exp('a', 10, -5), none]), b).failures.map((f) => f.metric)).toEqual(['prediction']);
    // Not counted (an excluded_overload run): not gated.
    expect(checkGate(buildValidationDocument([exp('a', 10, -5), { ...unpredicted, truth_status: 'excluded_overload' }]), b).passed).toBe(true);
  });

  it('parseBaseline names the bad field', () => {
    expect(() => parseBaseline({ schema: 'blis.baseline/v1', slack: { relative: 0, absolute_pct: 0 }, summary: { ttft_mean: {} } }, 'b.json')).toThrow(/b\.json: summary\.ttft_mean\.max_mape/);
    expect(() => parseBaseline({ schema: 'nope' }, 'b.json')).toThrow(/b\.json: schema/);
  });

  it('the shipped baselines/calibration.json parses', () => {
    const b = parseBaseline(JSON.parse(readFileSync(new URL('../../baselines/calibration.json', import.meta.url), 'utf8')), 'calibration.json');
    expect(Object.keys(b.summary).length).toBeGreaterThan(0);
  });
});
