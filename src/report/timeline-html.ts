/**
 * The autoscaler timeline as a page (`--timeline-out timeline.html`): per model, on one shared
 * time axis, the replicas in each lifecycle state with the analyzer's recommendation and the
 * desired count (scaling decisions as marks, their reasons in tooltips and in a table), the
 * arrival rate, the queue, and p99 TTFT against the SLO. Self-contained (inline SVG, no scripts).
 */
import type { AutoscalerSummary } from '../control/accounting.js';
import type { TimelineRow } from '../control/timeline.js';
import { esc, htmlPage, lineChart, stackedAreaChart } from './svg.js';

export interface TimelineReport {
  readonly rows: readonly TimelineRow[];
  readonly title?: string;
  /** TTFT SLO per model, ms (the policy's `ttft_ms`). */
  readonly ttftSloMs?: Readonly<Record<string, number>>;
  readonly summary?: AutoscalerSummary;
  /** Simulated end of the run, s (default: the last row). */
  readonly endS?: number;
}

const STATES = [
  { key: 'ready', name: 'ready', color: '#2ca02c' },
  { key: 'warming', name: 'warming', color: '#bcbd22' },
  { key: 'loading', name: 'loading', color: '#ff7f0e' },
  { key: 'provisioning', name: 'provisioning', color: '#9edae5' },
  { key: 'draining', name: 'draining', color: '#d62728' },
] as const;

function decisionMarks(rows: readonly TimelineRow[]): Array<{ x: number; color: string; label: string }> {
  return rows.filter((r) => r.decisions !== '').map((r) => ({
    x: r.timeS,
    color: r.decisions.startsWith('-') ? '#d62728' : '#1f77b4',
    label: `${r.timeS.toFixed(0)} s: ${r.decisions}${r.reason ? ` (${r.reason})` : ''}`,
  }));
}

function modelSection(model: string, rows: readonly TimelineRow[], domain: readonly [number, number], slo: number | undefined): string {
  const marks = decisionMarks(rows);
  const x = { xDomain: domain, xLabel: 'simulated time (s)' } as const;
  const replicas = stackedAreaChart({
    ...x,
    title: `${model}: replicas by lifecycle state`,
    yLabel: 'replicas',
    layers: STATES.map((s) => ({ name: s.name, color: s.color })),
    rows: rows.map((r) => ({ x: r.timeS, values: STATES.map((s) => r[s.key]) })),
    lines: [
      { name: 'desired', color: '#222', step: true, points: rows.map((r) => [r.timeS, r.desired] as const) },
      { name: 'recommended', color: '#9467bd', step: true, dash: '4,3', points: rows.map((r) => [r.timeS, r.recommended] as const) },
    ],
    markers: marks,
    frame: { h: 230 },
  });
  const load = lineChart({
    ...x,
    title: 'arrival rate (now, not as the analyzer saw it)',
    yLabel: 'req/s',
    series: [{ name: 'arrivals/s', color: '#1f77b4', points: rows.map((r) => [r.timeS, r.arrivalRps] as const) }],
    markers: marks,
    frame: { h: 150 },
  });
  const queue = lineChart({
    ...x,
    title: 'waiting requests (sum over the model\'s replicas)',
    yLabel: 'requests',
    series: [{ name: 'queue depth', color: '#8c564b', step: true, points: rows.map((r) => [r.timeS, r.queueDepth] as const) }],
    markers: marks,
    frame: { h: 150 },
  });
  const ttftPoints = rows.map((r) => [r.timeS, Number.isFinite(r.ttftP99Ms) ? r.ttftP99Ms : NaN] as const);
  const ttft = lineChart({
    ...x,
    title: 'p99 TTFT of recently completed requests (log scale)',
    yLabel: 'ms',
    yLog: true,
    series: [{ name: 'p99 TTFT', color: '#e377c2', points: ttftPoints }],
    ...(slo !== undefined ? { hlines: [{ y: slo, label: `SLO ${slo} ms`, color: '#d62728' }] } : {}),
    markers: marks,
    frame: { h: 170 },
  });
  const table = marks.length === 0 ? '<p class="note">No scaling decision in this run.</p>' : `<details><summary>${marks.length} scaling decisions</summary><table><tr><th>time (s)</th><th>decision</th><th>reason</th><th>desired</th><th>ready</th><th>arrivals/s</th><th>queue</th></tr>${rows.filter((r) => r.decisions !== '').map((r) => `<tr><td class="n">${r.timeS.toFixed(0)}</td><td>${esc(r.decisions)}</td><td>${esc(r.reason)}</td><td class="n">${r.desired}</td><td class="n">${r.ready}</td><td class="n">${r.arrivalRps.toFixed(1)}</td><td class="n">${r.queueDepth}</td></tr>`).join('')}</table></details>`;
  return `<h2>${esc(model)}</h2>${replicas}${load}${queue}${ttft}${table}`;
}

function summaryList(s: AutoscalerSummary): string {
  const gpuH = Object.entries(s.gpu_hours).map(([h, v]) => `${v} ${esc(h)}`).join(', ') || '0';
  const peak = Object.entries(s.peak_replicas).map(([m, v]) => `${esc(m)} ${v}`).join(', ');
  return `<p class="meta">GPU-hours ${gpuH} · cost ${s.cost} · SLO attainment ${(100 * s.slo_attainment.overall).toFixed(1)}% · ${s.scaling_actions.scale_up} scale-ups, ${s.scaling_actions.scale_down} scale-downs · peak replicas ${peak}</p>`;
}

export function renderTimelineHtml(r: TimelineReport): string {
  const title = r.title ?? 'blis autoscaler timeline';
  const models = [...new Set(r.rows.map((x) => x.model))];
  const last = r.rows.length > 0 ? r.rows[r.rows.length - 1]!.timeS : 1;
  const domain = [0, Math.max(r.endS ?? last, last, 1)] as const;
  const body = [
    `<h1>${esc(title)}</h1>`,
    r.summary ? summaryList(r.summary) : '',
    '<p class="note">One row per control decision. Blue marks: scale up; red: scale down (hover for the reason). The analyzer decides on lagged metrics; the lines here are the state at each decision.</p>',
    ...models.map((m) => modelSection(m, r.rows.filter((x) => x.model === m), domain, r.ttftSloMs?.[m])),
  ];
  return htmlPage(title, body.join('\n'));
}
