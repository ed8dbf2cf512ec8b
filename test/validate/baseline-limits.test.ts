import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkGate, parseBaseline, updateBaseline, type Baseline } from '../../src/validate/baseline.js';
import { checkLimits, knownFailures } from '../../src/validate/baseline-limits.js';
import { buildValidationDocument, type ValidationExperiment } from '../../src/validate/validation.js';

/** A simulated experiment: whole-run errors (actual 100 ms, TTFT p99 actual 50 ms) and request counts. */
function exp(id: string, e: { ttft?: number; e2e?: number; p99?: number }, requests?: { predicted: [number, number]; actual?: [number, number] }, truth_status = 'active'): ValidationExperiment {
  const m = (err: number, actual = 100) => ({ predicted: actual * (1 + err / 100), actual, error_pct: err });
  return {
    id, status: 'ok', truth_status,
    stages: [{
      index: 'summary',
      metrics: { ttft_mean: m(e.ttft ?? 0), ttft_p99: m(e.p99 ?? 0, 50), e2e_mean: m(e.e2e ?? 0) },
      ...(requests ? { requests: { predicted: { ok: requests.predicted[0], failed: requests.predicted[1] }, ...(requests.actual ? { actual: { ok: requests.actual[0], failed: requests.actual[1] } } : {}) } } : {}),
    }],
  };
}

describe('absolute limits (baseline limits block)', () => {
  it('median MAPE per metric: a limit the median exceeds fails, named as a median check', () => {
    // |ttft| = 2, 10, 30 → median 10; |e2e| = 1, 1, 9 → median 1.
    const doc = buildValidationDocument([exp('a', { ttft: 2, e2e: 1 }), exp('b', { ttft: -10, e2e: -1 }), exp('c', { ttft: 30, e2e: 9 })]);
    expect(checkLimits(doc, { median_mape: { ttft_mean: 12, e2e_mean: 5 } })).toEqual([]);
    expect(checkLimits(doc, { median_mape: { ttft_mean: 9.5, e2e_mean: 5, tpot_mean: 5 } })).toEqual([
      { metric: 'ttft_mean', check: 'median_mape', value: 10, limit: 9.5 },
      { metric: 'tpot_mean', check: 'median_mape', value: null, limit: 5, reason: 'metric missing from the summary' },
    ]);
  });

  it('an overloaded run (real vLLM failed > 10%) must fail within ×/÷ ratio as many requests', () => {
    const run = (predictedFailed: number) => buildValidationDocument([exp('o', {}, { predicted: [4800 - predictedFailed, predictedFailed], actual: [1506, 3294] }, 'excluded_overload')]);
    expect(checkLimits(run(1149), { overload_failure_ratio: 3 })).toEqual([]); // 3294 / 1149 = 2.87
    const f = checkLimits(run(1000), { overload_failure_ratio: 3 });
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ check: 'overload', experiment: 'o', value: 1000, limit: 1098 });
    expect(checkLimits(run(9883), { overload_failure_ratio: 3 })[0]).toMatchObject({ limit: 9882 });
  });

  it('a listed overload gap is a known failure, not a gate failure; unlisted runs still fail; a bad entry is named', () => {
    const doc = buildValidationDocument([
      exp('gap', {}, { predicted: [4800, 0], actual: [1506, 3294] }, 'excluded_overload'),
      exp('other', {}, { predicted: [4800, 0], actual: [3200, 1600] }, 'excluded_overload'),
    ]);
    const limits = { overload_failure_ratio: 3, overload_known_gaps: { gap: 'decode under-predicted at long context' } };
    expect(checkLimits(doc, limits).map((f) => f.experiment)).toEqual(['other']);
    expect(knownFailures(doc, limits, [])).toEqual([{ experiment: 'gap', metric: 'failed_requests', error_pct: -100, limit: 200 }]);
    // once reproduced, the gap no longer shows
    const fixed = buildValidationDocument([exp('gap', {}, { predicted: [2800, 2000], actual: [1506, 3294] }, 'excluded_overload')]);
    expect(knownFailures(fixed, limits, [])).toEqual([]);
    expect(() => parseBaseline({ schema: 'blis.baseline/v1', note: '', slack: { relative: 0.1, absolute_pct: 2 }, limits: { overload_known_gaps: { gap: '' } }, summary: {}, experiments: {} }, 'b.json')).toThrow(/b\.json: limits\.overload_known_gaps\.gap/);
  });

  it('a run real vLLM served is not predicted overloaded: no timeouts beyond the fraction, TTFT p99 within the ratio', () => {
    const served = (failed: number, p99: number, actual: [number, number] | undefined = [1000, 0]) => buildValidationDocument([exp('s', { p99 }, { predicted: [1000 - failed, failed], ...(actual ? { actual } : {}) })]);
    const limits = { served_failed_fraction: 0.01, served_ttft_p99_ratio: 10 };
    expect(checkLimits(served(10, 800), limits)).toEqual([]); // 10 of 1000 allowed; p99 450 ms against 50 × 10
    expect(checkLimits(served(11, 800), limits)[0]).toMatchObject({ check: 'served', metric: 'failed_requests', value: 11, limit: 10 });
    expect(checkLimits(served(0, 950), limits)[0]).toMatchObject({ check: 'served', metric: 'ttft_p99', value: 525, limit: 500 });
    // Aggregate-only truth (no counts), active: treated as served.
    expect(checkLimits(served(50, 0, undefined), limits)[0]).toMatchObject({ check: 'served', value: 50 });
    // At the edge (a few real failures, under 10%): neither overloaded nor served without failures.
    expect(checkLimits(served(300, 0, [996, 4]), limits)).toEqual([]);
  });

  it('known failures: every counted experiment × gated metric beyond the stated error, excluded runs left out', () => {
    const doc = buildValidationDocument([exp('a', { ttft: 30, e2e: -2 }), exp('b', { ttft: -26, e2e: 40 }), exp('x', { ttft: 900 }, undefined, 'excluded_overload')]);
    expect(knownFailures(doc, { known_failure_abs_error_pct: 25 }, ['ttft_mean', 'e2e_mean'])).toEqual([
      { experiment: 'a', metric: 'ttft_mean', error_pct: 30, limit: 25 },
      { experiment: 'b', metric: 'ttft_mean', error_pct: -26, limit: 25 },
      { experiment: 'b', metric: 'e2e_mean', error_pct: 40, limit: 25 },
    ]);
    expect(knownFailures(doc, {}, ['ttft_mean'])).toEqual([]);
  });

  it('checkGate adds the limits to the ratchet; --update-baseline keeps the hand-set limits', () => {
    const doc = buildValidationDocument([exp('a', { ttft: 30, e2e: 1 }), exp('b', { ttft: 10, e2e: 1 })]);
    const limits = { median_mape: { ttft_mean: 15 }, known_failure_abs_error_pct: 25 };
    const b: Baseline = { ...updateBaseline(doc, { relative: 0.25, absolute_pct: 5 }), limits };
    const g = checkGate(doc, b);
    expect(g.failures).toEqual([{ metric: 'ttft_mean', check: 'median_mape', value: 20, limit: 15 }]);
    expect(g.known_failures).toEqual([{ experiment: 'a', metric: 'ttft_mean', error_pct: 30, limit: 25 }]);
    expect(updateBaseline(doc, b.slack, { limits }).limits).toEqual(limits);
  });

  it('parseBaseline names a bad limit', () => {
    const base = { schema: 'blis.baseline/v1', slack: { relative: 0, absolute_pct: 0 }, summary: {} };
    expect(() => parseBaseline({ ...base, limits: { median_mape: { ttft_mean: 'x' } } }, 'b.json')).toThrow(/b\.json: limits\.median_mape\.ttft_mean/);
    expect(() => parseBaseline({ ...base, limits: { overload_failure_ratio: 0.5 } }, 'b.json')).toThrow(/limits\.overload_failure_ratio: found 0\.5; expected a number >= 1/);
    expect(() => parseBaseline({ ...base, limits: { medianmape: {} } }, 'b.json')).toThrow(/limits\.medianmape: unknown limit/);
  });

  it('both shipped baselines parse and carry absolute limits', () => {
    for (const f of ['calibration', 'trainval']) {
      const b = parseBaseline(JSON.parse(readFileSync(new URL(`../../baselines/${f}.json`, import.meta.url), 'utf8')), `${f}.json`);
      expect(Object.keys(b.limits?.median_mape ?? {})).toEqual(expect.arrayContaining(['ttft_mean', 'ttft_p90', 'ttft_p99', 'e2e_mean', 'e2e_p90', 'e2e_p99', 'tpot_mean']));
      expect(b.limits?.known_failure_abs_error_pct).toBeGreaterThan(0);
    }
  });
});
