import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkGate, updateBaseline } from '../../src/validate/baseline.js';
import { renderJunit } from '../../src/validate/junit.js';
import { errorColour, renderHtml, svgScatter } from '../../src/validate/report-html.js';
import { renderMarkdown } from '../../src/validate/report-md.js';
import { renderComparisonText } from '../../src/validate/report-text.js';
import type { ExperimentSource } from '../../src/validate/validate.js';
import { validateExperiments } from '../../src/validate/validate.js';
import { fakeRecords } from './fake-sim.js';

const fx = (name: string): string => readFileSync(new URL(`../fixtures/validate/${name}`, import.meta.url), 'utf8');
const sources = (): ExperimentSource[] => [
  { file: 'small.json', json: JSON.parse(fx('small.json')), requests: fx('small.requests.csv') },
  { file: 'broken.json', loadError: 'not valid JSON: Unexpected end' },
];

async function runs() {
  const good = await validateExperiments(sources().slice(0, 1), { simulate: async (p) => fakeRecords(p, 1.1, 1.0) });
  const baseline = updateBaseline(good.document, { relative: 0, absolute_pct: 1 });
  const bad = await validateExperiments(sources(), { simulate: async (p) => fakeRecords(p, 2, 1.0), baseline });
  return { good, bad, baseline };
}

describe('reports', () => {
  it('report.md has the gate, the summary MAPE with limits, experiments, failures and errors', async () => {
    const { bad, baseline } = await runs();
    const md = renderMarkdown({ document: bad.document, details: bad.details, baseline });
    expect(md).toContain('❌ **Gate failed**');
    expect(md).toMatch(/\| ttft_mean \| 100\.00% \| 100\.00% \| 1 \| ❌ 11\.0% \|/);
    expect(md).toContain('| fixture-llama-2-7b-tp1-small | ok | +100.0%');
    expect(md).toContain('## Gate failures');
    expect(md).toContain('- **broken**: broken.json: not valid JSON: Unexpected end');
    expect(md).toContain('Distribution distances');
  });

  it('the per-stage table and the text comparison give the requests in decode on both sides, none for a stage with failures', async () => {
    const { good } = await runs();
    const md = renderMarkdown({ document: good.document });
    expect(md).toContain('| tpot_mean | in decode |');
    // fakeRecords keeps each request's last token and delays its first by a tenth of its TTFT:
    // every decode span a few ms shorter, so slightly fewer requests in decode on average.
    const stage0 = good.document.experiments[0]!.stages.find((s) => s.index === 0)!.decode_concurrency!;
    expect(stage0.actual).toBeGreaterThan(5);
    expect(stage0.predicted).toBeLessThan(stage0.actual);
    expect(stage0.predicted).toBeGreaterThan(stage0.actual * 0.99);
    expect(md).toContain(`| ${stage0.predicted!.toFixed(1)} / ${stage0.actual.toFixed(1)} |`);
    // Stage 1 of the fixture has requests that failed: no figure.
    expect(good.document.experiments[0]!.stages.find((s) => s.index === 1)!.decode_concurrency).toBeUndefined();
    expect(renderComparisonText(good.document)).toContain(`in decode: predicted ${stage0.predicted!.toFixed(1)}, actual ${stage0.actual.toFixed(1)}`);
    // report.html: a row for stage 0 (a ramp shows its stages), none for stage 1.
    const html = renderHtml({ document: good.document });
    const section = html.slice(html.indexOf('<h2>Requests in decode</h2>'));
    const table = section.slice(0, section.indexOf('</table>'));
    expect(table).toContain(`<td>stage 0</td><td class="n">${stage0.predicted!.toFixed(1)}</td><td class="n">${stage0.actual.toFixed(1)}</td>`);
    expect(table).not.toContain('<td>stage 1</td>');
  });

  it('report.md says passed when a baseline gate passes, and "not gated" without a baseline (never "passed")', async () => {
    const { good, baseline } = await runs();
    expect(renderMarkdown({ document: good.document })).toContain('⚪ **Not gated** (no baseline)');
    expect(renderMarkdown({ document: good.document })).not.toContain('passed');
    expect(renderHtml({ document: good.document })).toContain('Not gated (no baseline)');
    const gated = { ...good.document, gate: { gated: true, ...checkGate(good.document, baseline) } };
    expect(renderMarkdown({ document: gated, baseline })).toContain('✅ **Gate passed**');
  });

  it('report.html is self-contained with scatter, heat map and CDF plots', async () => {
    const { bad, baseline } = await runs();
    const html = renderHtml({ document: bad.document, details: bad.details, baseline });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|src="http|href="http/);
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(5 + 1 + 3);
    expect(html).toContain('Gate failed');
    expect(html).toContain('Distributions (whole run)');
  });

  it('scatter draws one point per value and the y = x line; errors colour by sign', () => {
    const svg = svgScatter('t', [{ actual: 10, predicted: 20, label: 'a', group: 0, summary: true }, { actual: 100, predicted: 50, label: 'b', group: 1, summary: false }]);
    expect((svg.match(/<circle/g) ?? []).length).toBe(2);
    expect(errorColour(0)).toBe('rgb(255,255,255)');
    expect(errorColour(150)).toBe('rgb(214,39,40)');
    expect(errorColour(-100)).toBe('rgb(31,119,180)');
  });

  it('junit.xml: one testcase per experiment × metric, failures where the gate failed, errors for broken experiments', async () => {
    const { bad } = await runs();
    const xml = renderJunit(bad.document);
    const summaryRow = bad.document.experiments[0]!.stages.find((s) => s.index === 'summary')!;
    const perExperiment = Object.keys(summaryRow.metrics).length;
    const summaryCases = Object.keys(bad.document.summary).length;
    expect(xml).toContain(`tests="${perExperiment + summaryCases + 1}"`);
    expect(xml).toContain('<testcase classname="fixture-llama-2-7b-tp1-small" name="ttft_mean" time="0"><failure');
    expect(xml).toContain('<testcase classname="broken" name="status" time="0"><error message="broken.json: not valid JSON: Unexpected end"/>');
    expect(xml).toMatch(/<testcase classname="fixture-llama-2-7b-tp1-small" name="e2e_mean" time="0"><system-out>/);
    expect(xml).toContain('errors="1"');
  });
});
