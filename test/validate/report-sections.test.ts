/** report.html's added sections on hand-built documents: every number checked by hand. */
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/validate/report-html.js';
import { distributionTable, failedRequestsTable, headToHead, stageView } from '../../src/validate/report-sections.js';
import type { ValidationDocument, ValidationExperiment } from '../../src/validate/validation.js';

const metric = (error_pct: number, actual = 100) => ({ predicted: actual * (1 + error_pct / 100), actual, error_pct });
function exp(id: string, errs: Record<string, number>, extra: Partial<ValidationExperiment> = {}): ValidationExperiment {
  return { id, status: 'ok', truth_status: 'active', stages: [{ index: 'summary', metrics: Object.fromEntries(Object.entries(errs).map(([k, v]) => [k, metric(v)])) }], ...extra };
}
const doc = (experiments: ValidationExperiment[]): ValidationDocument => ({ schema: 'blis.validation/v1', experiments, summary: {}, gate: { passed: true, failures: [] } });

describe('other simulators on the same experiments', () => {
  it('scores blis and the competitor over the experiments both have, per metric', () => {
    const ours = doc([exp('a', { ttft_mean: 10, e2e_mean: -2 }), exp('b', { ttft_mean: -20, e2e_mean: 4 }), exp('c', { ttft_mean: 90 })]);
    // the competitor predicted a and b only (and z, which blis did not run): blis over {a, b} is 15% / 3%
    const theirs = { sim: [exp('a', { ttft_mean: 5, e2e_mean: 10 }), exp('b', { ttft_mean: -45, e2e_mean: 20 }), exp('z', { ttft_mean: 1 })] };
    const html = headToHead(ours, theirs);
    expect(html).toContain('<td>sim</td><td class="n">2</td>');
    expect(html).toContain('<span class="good">15.0%</span> · 25.0%<br><span class="note">n=2</span>');
    expect(html).toContain('<span class="good">3.0%</span> · 15.0%');
    expect(html).toMatch(/<th>ttft_p90<\/th>/);
    expect(headToHead(ours, { other: [exp('a', { ttft_mean: 1 })] })).toContain('<span class="bad">10.0%</span> · 1.0%');
    expect(headToHead(ours, undefined)).toBe('');
  });

  it('leaves out experiments excluded from the summary (overloaded) and errors', () => {
    const ours = doc([exp('a', { ttft_mean: 10 }), exp('o', { ttft_mean: 500 }, { truth_status: 'excluded_overload' })]);
    const html = headToHead(ours, { sim: [exp('a', { ttft_mean: 20 }), exp('o', { ttft_mean: 1 })] });
    expect(html).toContain('<span class="good">10.0%</span> · 20.0%<br><span class="note">n=1</span>');
  });
});

describe('failed requests, distributions and stages', () => {
  it('lists failures of the whole run, and per stage only for ramps', () => {
    const one = exp('one', {}, { stages: [
      { index: 'summary', metrics: {}, requests: { predicted: { ok: 90, failed: 10 }, actual: { ok: 95, failed: 5 } } },
      { index: 0, metrics: {}, requests: { predicted: { ok: 90, failed: 10 }, actual: { ok: 95, failed: 5 } } },
    ] });
    const ramp = exp('ramp', {}, { stages: [
      { index: 'summary', metrics: {}, requests: { predicted: { ok: 190, failed: 10 }, actual: { ok: 180, failed: 20 } } },
      { index: 0, metrics: {}, requests: { predicted: { ok: 100, failed: 0 }, actual: { ok: 100, failed: 0 } } },
      { index: 1, metrics: {}, requests: { predicted: { ok: 90, failed: 10 }, actual: { ok: 80, failed: 20 } } },
    ] });
    const html = failedRequestsTable(doc([one, ramp, exp('fine', { ttft_mean: 1 })]));
    const rows = [...html.matchAll(/<tr><td>([^<]+)<\/td><td>(.*?)<\/td><td class="n">([^<]+)<\/td><td class="n">([^<]+)<\/td><td class="n">([^<]+)<\/td>/g)].map((m) => m.slice(1));
    expect(rows).toEqual([
      ['one', '<b>whole run</b>', '10 / 100 (10.0%)', '5 / 100 (5.0%)', '+5'],
      ['ramp', '<b>whole run</b>', '10 / 200 (5.0%)', '20 / 200 (10.0%)', '-10'],
      ['ramp', 'stage 1', '10 / 100 (10.0%)', '20 / 100 (20.0%)', '-10'],
    ]);
    expect(failedRequestsTable(doc([exp('fine', { ttft_mean: 1 })]))).toBe('');
  });

  it('tabulates KS and W1 per metric, shading KS', () => {
    const e = exp('d', {}, { stages: [{ index: 'summary', metrics: {}, distributions: { ttft: { ks: 0.25, w1_ms: 12.5, n_predicted: 10, n_actual: 12 }, e2e: { ks: 0.6, w1_ms: 1500, n_predicted: 10, n_actual: 12 } } }] });
    const html = distributionTable(doc([e]));
    expect(html).toContain('<th colspan="2">TTFT</th><th colspan="2">E2E</th></tr>');
    expect(html).not.toContain('TPOT');
    expect(html).toContain('style="background:rgba(214,39,40,0.25);color:#222" title="n = 10 predicted, 12 actual">0.250</td><td class="n">12.5 ms</td>');
    expect(html).toContain('rgba(214,39,40,0.60);color:#fff');
    expect(html).toContain('1500 ms');
  });

  it('draws a stage view for ramps only, one point per stage and side', () => {
    const stage = (index: number, a: number, p: number) => ({ index, metrics: { ttft_mean: { predicted: p, actual: a, error_pct: 0 }, ttft_p99: { predicted: 2 * p, actual: 2 * a, error_pct: 0 }, e2e_mean: { predicted: 10 * p, actual: 10 * a, error_pct: 0 }, e2e_p99: { predicted: 20 * p, actual: 20 * a, error_pct: 0 } } });
    const ramp = exp('ramp', {}, { stages: [{ index: 'summary', metrics: {} }, stage(0, 10, 12), stage(1, 20, 25), stage(2, 40, 30)] });
    const html = stageView(doc([ramp, exp('flat', { ttft_mean: 1 })]));
    expect((html.match(/<div class="cdf">/g) ?? []).length).toBe(1);
    expect((html.match(/<circle /g) ?? []).length).toBe(2 * 4 * 3); // 2 charts × 4 series × 3 stages
    expect(html).toContain('<title>pred. mean 2: 30</title>');
    expect(stageView(doc([exp('flat', { ttft_mean: 1 })]))).toBe('');
  });

  it('are part of the page', () => {
    const page = renderHtml({ document: doc([exp('a', { ttft_mean: 10 })]), competitorRuns: { sim: [exp('a', { ttft_mean: 20 })] } });
    expect(page).toContain('<h2>Other simulators on the same experiments</h2>');
  });
});
