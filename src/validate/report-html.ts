/**
 * report.html: a self-contained page (inline CSS and SVG, no scripts, no external resources):
 * summary MAPE and gate, other simulators against blis on the experiments they share,
 * predicted-vs-actual scatter per metric on log axes with the y = x line, a heat map of signed
 * errors (experiments × metrics), predicted and actual per stage, failed requests, KS and
 * Wasserstein distances, and per-experiment CDFs of predicted vs actual TTFT / E2E / TPOT.
 */
import { describeAssumption } from './assumptions.js';
import type { ReportInput } from './report-md.js';
import { fmtMs, fmtPct, HEADLINE_METRICS } from './report-md.js';
import type { ValidationExperiment } from './validation.js';
import { sortMetricKeys } from './validation.js';
import { PAGE_CSS, PALETTE, esc } from '../report/svg.js';
import { svgCdf, svgHeatmap, svgScatter, type ScatterPoint } from './report-charts.js';
import { decodingTable, distributionTable, failedRequestsTable, headToHead, stageView } from './report-sections.js';

export { errorColour, svgCdf, svgHeatmap, svgScatter, type ScatterPoint } from './report-charts.js';

const SCATTER_METRICS = ['ttft_mean', 'ttft_p99', 'e2e_mean', 'e2e_p99', 'tpot_mean'];

function modelOf(e: ValidationExperiment, input: ReportInput): string {
  return input.details?.find((d) => d.id === e.id)?.model ?? e.id.replace(/^\d{8}-\d{6}-/, '').replace(/-(general|codegen|roleplay|reasoning)$/, '');
}

export function renderHtml(input: ReportInput): string {
  const doc = input.document;
  const title = input.title ?? 'blis validation';
  const ok = doc.experiments.filter((e) => e.status === 'ok');
  const models = [...new Set(doc.experiments.map((e) => modelOf(e, input)))];
  const groupOf = (e: ValidationExperiment): number => models.indexOf(modelOf(e, input));
  const metrics = sortMetricKeys(Object.keys(doc.summary));
  const comps = Object.keys(input.competitors ?? {});

  const scatter = SCATTER_METRICS.map((m) => {
    const pts: ScatterPoint[] = [];
    for (const e of ok) {
      for (const s of e.stages) {
        const c = s.metrics[m];
        if (!c || c.predicted === null) continue;
        pts.push({ actual: c.actual, predicted: c.predicted, group: groupOf(e), summary: s.index === 'summary', label: `${e.id} stage ${s.index}: predicted ${fmtMs(c.predicted)}, actual ${fmtMs(c.actual)} (${fmtPct(c.error_pct)})` });
      }
    }
    return svgScatter(m, pts);
  });

  const summaryRows = metrics.map((m) => {
    const s = doc.summary[m]!;
    const limit = input.baseline?.summary[m]?.max_mape;
    const over = limit !== undefined && s.mape_mean > limit;
    return `<tr><td>${esc(m)}</td><td class="n${over ? ' bad' : ''}">${s.mape_mean.toFixed(2)}%</td><td class="n">${s.mape_median.toFixed(2)}%</td><td class="n">${s.n}</td>${input.baseline ? `<td class="n">${limit !== undefined ? `${limit.toFixed(2)}%` : '–'}</td>` : ''}${comps.map((c) => `<td class="n">${input.competitors![c]![m] ? `${input.competitors![c]![m]!.mape_mean.toFixed(1)}% (${input.competitors![c]![m]!.n})` : '–'}</td>`).join('')}</tr>`;
  });

  const cdfBlocks = (input.details ?? []).filter((d) => d.cdfs).map((d) => {
    const plots = (['ttft', 'e2e', 'tpot'] as const).filter((k) => d.cdfs![k]).map((k) => svgCdf(`${k.toUpperCase()}`, d.cdfs![k]!.predicted, d.cdfs![k]!.actual)).join('');
    return `<div class="cdf"><h3>${esc(d.id)}</h3>${plots}</div>`;
  });

  const failures = doc.gate.failures.map((f) => `<li><b>${esc(f.metric)}</b>${f.experiment ? ` · ${esc(f.experiment)}` : ' · summary'}: ${f.value === null ? esc(f.reason ?? 'missing') : `${f.value.toFixed(2)}% &gt; limit ${f.limit.toFixed(2)}%`}</li>`);
  const errors = doc.experiments.filter((e) => e.status === 'error').map((e) => `<li><b>${esc(e.id)}</b>: ${esc(e.error ?? '')}</li>`);
  const assumed = doc.experiments.filter((e) => (e.assumptions?.length ?? 0) > 0).map((e) => `<li><b>${esc(e.id)}</b><ul>${e.assumptions!.map((a) => `<li>${esc(describeAssumption(a))}</li>`).join('')}</ul></li>`);
  const known = (doc.gate.known_failures ?? []).map((k) => `<tr><td>${esc(k.experiment)}</td><td>${esc(k.metric)}</td><td class="n">${fmtPct(k.error_pct)}</td></tr>`);
  const verdict = doc.gate.gated === false
    ? `<span class="gate none">Not gated (no baseline)${doc.gate.failures.length > 0 ? `; ${doc.gate.failures.length} experiment(s) failed` : ''}</span>`
    : `<span class="gate ${doc.gate.passed ? 'pass' : 'fail'}">${doc.gate.passed ? 'Gate passed' : `Gate failed: ${doc.gate.failures.length} failure(s)`}</span>`;
  const legend = models.map((m, i) => `<span class="lg"><i style="background:${PALETTE[i % PALETTE.length]}"></i>${esc(m)}</span>`).join('');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
${PAGE_CSS}
</style></head><body>
<h1>${esc(title)}</h1>
<p>${verdict}
 &nbsp;${ok.length}/${doc.experiments.length} experiments simulated (schema ${esc(doc.schema)})</p>
<h2>Summary MAPE</h2>
<table><tr><th>metric</th><th>MAPE mean</th><th>MAPE median</th><th>n</th>${input.baseline ? '<th>limit</th>' : ''}${comps.map((c) => `<th>${esc(c)} (n)</th>`).join('')}</tr>
${summaryRows.join('\n')}</table>
<p class="note">MAPE = mean |predicted − actual|/actual over the whole-run rows of active experiments (excluded_overload runs are shown but not counted). TPOT is per token from means with the configured output length; ITL compares only its mean.</p>
${headToHead(doc, input.competitorRuns)}
${failures.length > 0 ? `<h2>Gate failures</h2><ul>${failures.join('')}</ul>` : ''}
${errors.length > 0 ? `<h2>Errors</h2><ul>${errors.join('')}</ul>` : ''}
${known.length > 0 ? `<h2>Known failures</h2><p class="note">Counted experiments beyond ${doc.gate.known_failures![0]!.limit}% whole-run error (the baseline's limits.known_failure_abs_error_pct): listed, not failing the gate.</p><table><tr><th>experiment</th><th>metric</th><th>error</th></tr>${known.join('')}</table>` : ''}
${assumed.length > 0 ? `<h2>Derived and assumed values</h2><ul>${assumed.join('')}</ul>` : ''}
<h2>Predicted vs actual</h2>
<div>${legend}</div><p class="note">Filled: whole run; hollow: one stage. Solid line y = x, dashed ±25%.</p>
<div class="grid">${scatter.join('')}</div>
<h2>Signed error by experiment and metric</h2>
<p class="note">Red over-predicts, blue under-predicts (saturating at ±100%). * excluded_overload in the ground truth.</p>
${svgHeatmap(doc.experiments, metrics.length > 0 ? metrics.filter((m) => m !== 'itl_mean') : [...HEADLINE_METRICS])}
${stageView(doc)}
${decodingTable(doc)}
${failedRequestsTable(doc)}
${distributionTable(doc)}
${cdfBlocks.length > 0 ? `<h2>Distributions (whole run)</h2><p class="note">Empirical CDFs over successful requests.</p><div class="grid">${cdfBlocks.join('')}</div>` : ''}
</body></html>
`;
}
