/**
 * Sections of report.html beyond the summary: other simulators against blis on the experiments
 * both predicted (same experiments, same metric definitions, so the MAPEs compare), predicted
 * and actual per stage, requests in decode, failed requests, and the KS / Wasserstein distances
 * of the per-request distributions. Each returns '' when the document has nothing for it.
 */
import { fmtMs, fmtPct, HEADLINE_METRICS } from './report-md.js';
import type { ValidationDocument, ValidationExperiment } from './validation.js';
import { countsTowardsSummary } from './validation.js';
import { esc, lineChart } from '../report/svg.js';

const summaryOf = (e: ValidationExperiment): ValidationExperiment['stages'][number] | undefined => e.stages.find((s) => s.index === 'summary');

/** Mean |error %| of `metric` over the experiments where it exists. */
function mape(experiments: readonly ValidationExperiment[], metric: string): number | undefined {
  const xs = experiments.map((e) => summaryOf(e)?.metrics[metric]?.error_pct).filter((v): v is number => typeof v === 'number');
  return xs.length === 0 ? undefined : xs.reduce((a, b) => a + Math.abs(b), 0) / xs.length;
}

export function headToHead(doc: ValidationDocument, runs: Readonly<Record<string, readonly ValidationExperiment[]>> | undefined): string {
  const names = Object.keys(runs ?? {});
  if (names.length === 0) return '';
  const ours = new Map(doc.experiments.filter((e) => countsTowardsSummary(e)).map((e) => [e.id, e]));
  const rows: string[] = [];
  for (const name of names) {
    const theirs = runs![name]!.filter((e) => ours.has(e.id) && countsTowardsSummary(e));
    if (theirs.length === 0) continue;
    const cells = HEADLINE_METRICS.map((m) => {
      const both = theirs.filter((e) => summaryOf(e)?.metrics[m]?.error_pct != null && summaryOf(ours.get(e.id)!)?.metrics[m]?.error_pct != null);
      if (both.length === 0) return '<td class="n">–</td>';
      const us = mape(both.map((e) => ours.get(e.id)!), m)!;
      const them = mape(both, m)!;
      const cls = us < them ? 'good' : us > them ? 'bad' : '';
      return `<td class="n"><span class="${cls}">${us.toFixed(1)}%</span> · ${them.toFixed(1)}%<br><span class="note">n=${both.length}</span></td>`;
    });
    rows.push(`<tr><td>${esc(name)}</td><td class="n">${theirs.length}</td>${cells.join('')}</tr>`);
  }
  if (rows.length === 0) return '';
  return `<h2>Other simulators on the same experiments</h2>
<p class="note">Each cell: blis MAPE · the other simulator's MAPE, over the active experiments both predicted (n), scored with the same comparator. Green: blis is closer to the measurements; red: the other simulator is.</p>
<table><tr><th>simulator</th><th>shared experiments</th>${HEADLINE_METRICS.map((m) => `<th>${esc(m)}</th>`).join('')}</tr>
${rows.join('\n')}</table>`;
}

export function stageView(doc: ValidationDocument): string {
  const staged = doc.experiments.filter((e) => e.status === 'ok' && e.stages.filter((s) => s.index !== 'summary').length >= 2);
  if (staged.length === 0) return '';
  const panels = staged.map((e) => {
    const stages = e.stages.filter((s) => s.index !== 'summary');
    const pts = (metric: string, side: 'actual' | 'predicted'): Array<readonly [number, number]> =>
      stages.map((s) => [s.index as number, s.metrics[metric]?.[side] ?? NaN] as const);
    const chart = (family: 'ttft' | 'e2e', title: string): string => lineChart({
      title,
      xDomain: [stages[0]!.index as number, stages[stages.length - 1]!.index as number],
      xLabel: 'stage',
      xTicks: stages.map((s) => s.index as number),
      yLabel: 'ms',
      yLog: true,
      series: [
        { name: 'actual mean', color: '#222', dots: true, points: pts(`${family}_mean`, 'actual') },
        { name: 'pred. mean', color: '#d62728', dash: '5,3', dots: true, points: pts(`${family}_mean`, 'predicted') },
        { name: 'actual p99', color: '#1f77b4', dots: true, points: pts(`${family}_p99`, 'actual') },
        { name: 'pred. p99', color: '#ff7f0e', dash: '5,3', dots: true, points: pts(`${family}_p99`, 'predicted') },
      ],
      frame: { w: 440, h: 160, r: 115, l: 52 },
    });
    return `<div class="cdf"><h3>${esc(e.id)}${e.truth_status && e.truth_status !== 'active' ? ` (${esc(e.truth_status)})` : ''}</h3>${chart('ttft', 'TTFT per stage')}${chart('e2e', 'E2E per stage')}</div>`;
  });
  return `<h2>Per stage</h2><p class="note">Each stage of a ramp: predicted (dashed) against actual (solid), mean and p99, log scale. The summary plots above show whole runs.</p><div class="grid">${panels.join('')}</div>`;
}

export function failedRequestsTable(doc: ValidationDocument): string {
  const rows: string[] = [];
  for (const e of doc.experiments) {
    if (e.status !== 'ok') continue;
    // A one-stage run's stage 0 repeats the whole run: show stages only for ramps.
    const multi = e.stages.filter((s) => s.index !== 'summary').length >= 2;
    const failing = e.stages.filter((s) => (multi || s.index === 'summary') && ((s.requests?.predicted?.failed ?? 0) > 0 || (s.requests?.actual?.failed ?? 0) > 0));
    if (failing.length === 0) continue;
    const ordered = [...failing].sort((a, b) => (a.index === 'summary' ? -1 : b.index === 'summary' ? 1 : (a.index as number) - (b.index as number)));
    for (const s of ordered) {
      const cell = (x?: { ok: number; failed: number }): string => (x ? `${x.failed} / ${x.ok + x.failed} (${((100 * x.failed) / Math.max(1, x.ok + x.failed)).toFixed(1)}%)` : '–');
      const p = s.requests?.predicted;
      const a = s.requests?.actual;
      const off = p && a ? p.failed - a.failed : undefined;
      rows.push(`<tr><td>${esc(e.id)}</td><td>${s.index === 'summary' ? '<b>whole run</b>' : `stage ${s.index}`}</td><td class="n">${cell(p)}</td><td class="n">${cell(a)}</td><td class="n">${off === undefined ? '–' : `${off > 0 ? '+' : ''}${off}`}</td></tr>`);
    }
  }
  if (rows.length === 0) return '';
  return `<h2>Failed requests</h2>
<p class="note">Requests that did not finish within the client timeout (overload). The simulator should fail about as many as the real server did, in the same stages.</p>
<table><tr><th>experiment</th><th>stage</th><th>predicted failed / sent</th><th>actual failed / sent</th><th>predicted − actual</th></tr>
${rows.join('\n')}</table>`;
}

/** Requests in decode per stage (one row per stage; the whole run for a one-stage experiment), with the TPOT error beside it. */
export function decodingTable(doc: ValidationDocument): string {
  const rows: string[] = [];
  for (const e of doc.experiments) {
    if (e.status !== 'ok') continue;
    const multi = e.stages.filter((s) => s.index !== 'summary').length >= 2;
    for (const s of e.stages) {
      const dc = s.decode_concurrency;
      if (dc === undefined || dc.predicted === null || (multi ? s.index === 'summary' : s.index !== 'summary')) continue;
      const tpot = s.metrics['tpot_mean']?.error_pct;
      rows.push(`<tr><td>${esc(e.id)}</td><td>${s.index === 'summary' ? 'whole run' : `stage ${s.index}`}</td><td class="n">${dc.predicted.toFixed(1)}</td><td class="n">${dc.actual.toFixed(1)}</td><td class="n">${fmtPct(dc.error_pct)}</td><td class="n">${fmtPct(tpot)}</td></tr>`);
    }
  }
  if (rows.length === 0) return '';
  return `<h2>Requests in decode</h2>
<p class="note">Requests between their first and last token, time-averaged over the middle of each stage (both sides need per-request rows; none where over 1 % of the requests failed). Under load the batch and the step feed each other (the batch is rate × tokens × TPOT), so a TPOT error that comes with a larger batch error is mostly that loop, not the step at a given batch (docs/calibration.md, <i>Operating points</i>).</p>
<table><tr><th>experiment</th><th>stage</th><th>predicted</th><th>actual</th><th>error</th><th>TPOT error</th></tr>
${rows.join('\n')}</table>`;
}

const KS_SHADE = (ks: number): string => `rgba(214,39,40,${Math.min(0.85, ks).toFixed(2)})`;

export function distributionTable(doc: ValidationDocument): string {
  const withDist = doc.experiments.filter((e) => e.status === 'ok' && summaryOf(e)?.distributions && Object.keys(summaryOf(e)!.distributions!).length > 0);
  if (withDist.length === 0) return '';
  const metrics = (['ttft', 'e2e', 'tpot'] as const).filter((m) => withDist.some((e) => summaryOf(e)!.distributions![m]));
  const rows = withDist.map((e) => {
    const d = summaryOf(e)!.distributions!;
    const cells = metrics.map((m) => {
      const x = d[m];
      if (!x) return '<td class="n">–</td><td class="n">–</td>';
      return `<td class="n" style="background:${KS_SHADE(x.ks)};color:${x.ks > 0.5 ? '#fff' : '#222'}" title="n = ${x.n_predicted} predicted, ${x.n_actual} actual">${x.ks.toFixed(3)}</td><td class="n">${esc(fmtMs(x.w1_ms))}</td>`;
    });
    return `<tr><td>${esc(e.id)}</td>${cells.join('')}</tr>`;
  });
  return `<h2>Distributions: KS and Wasserstein</h2>
<p class="note">Whole-run per-request distributions, predicted against actual: KS is the largest gap between the two CDFs (0 = identical, 1 = disjoint; shaded), W1 the Wasserstein-1 distance (the mean shift needed to turn one into the other, in ms).</p>
<table><tr><th rowspan="2">experiment</th>${metrics.map((m) => `<th colspan="2">${m.toUpperCase()}</th>`).join('')}</tr><tr>${metrics.map(() => '<th>KS</th><th>W1</th>').join('')}</tr>
${rows.join('\n')}</table>`;
}
