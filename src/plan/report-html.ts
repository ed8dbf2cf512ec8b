/**
 * report.html: a sweep as pictures a planner reads at a glance. The Pareto front (fleet cost
 * against SLO attainment, or against p99 TTFT without targets), latency against rate per
 * configuration (when rate is swept; else p50/p99 TTFT per configuration), heatmaps of
 * attainment over the two most-valued grid axes (one per combination of the other axes), and
 * the full table. Knee and overloaded configurations are marked everywhere. Self-contained
 * (inline SVG and CSS, no script) and a pure function of the results.
 */
import { rankLines } from './halving.js';
import { costBasis, finalLines, perRequestReason, type ParetoPoint } from './pareto.js';
import { sloJudged, sloVerdict, type ResultLine } from './results.js';
import type { SweepValue } from './sweep-spec.js';
import { REGIME_COLOURS, SERIES_COLOURS, esc, f2, frame, goodColour, plot, scale } from './svg.js';

export interface ReportInput {
  readonly title: string;
  readonly lines: readonly ResultLine[];
  readonly points: readonly ParetoPoint[];
  /** Swept flags in spec order, with their values (grid axes have a list; random ones null). */
  readonly axes: ReadonlyArray<{ readonly flag: string; readonly values: readonly SweepValue[] | null }>;
  readonly sloText: string | null;
  readonly costUnit: string;
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)}%`);
const ms = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : x >= 100 ? x.toFixed(0) : x.toFixed(1));

function label(l: ResultLine, axes: readonly string[]): string {
  return axes.map((a) => `${a}=${String(l.axes[a])}`).join(' ');
}

function regimeMark(l: ResultLine): string {
  const s = l.regime?.state;
  return s === 'near-knee' ? ' ◆ knee' : s === 'overloaded' ? ' ✕ overloaded' : '';
}

function metric(l: ResultLine, block: string, stat: string): number | null {
  const v = (l.metrics?.[block] as Record<string, unknown> | undefined)?.[stat];
  return typeof v === 'number' ? v : null;
}

function paretoChart(input: ReportInput, axes: readonly string[]): string {
  const withSlo = input.points.some((p) => p.attainment !== null);
  const pts = input.points.filter((p) => p.cost !== null && (withSlo ? p.attainment !== null : p.ttftP99Ms !== null));
  // Configurations serving different traffic, or autoscaled, are compared by what a served request costs (pareto.ts).
  const reason = perRequestReason(input.lines);
  const perRequest = input.points[0]?.costBasis === 'per_thousand_requests';
  if (pts.length === 0) return '<p>No configuration has both a cost and a result to plot (prices missing?).</p>';
  const fr = frame(760, 380);
  const q = (p: ParetoPoint): number => (withSlo ? p.attainment! * 100 : p.ttftP99Ms!);
  const x = scale(pts.map((p) => p.cost!), fr.left, fr.right);
  // Attainment axis: from a little under the worst configuration to 100%, so near misses stay apart.
  const y = withSlo ? scale(pts.map(q), fr.bottom, fr.top, { min: Math.max(0, Math.floor((Math.min(...pts.map(q)) - 2) / 5) * 5), max: 100.5 }) : scale(pts.map(q), fr.bottom, fr.top, { log: true });
  const onFront = (p: ParetoPoint): boolean => (withSlo ? p.onAttainmentFront : p.onTtftFront);
  const front = pts.filter(onFront).sort((a, b) => a.cost! - b.cost!);
  let body = '';
  if (front.length > 1) {
    let d = `M${f2(x(front[0]!.cost!))},${f2(y(q(front[0]!)))}`;
    for (let i = 1; i < front.length; i++) d += ` H${f2(x(front[i]!.cost!))} V${f2(y(q(front[i]!)))}`;
    body += `<path d="${d}" fill="none" stroke="#333" stroke-width="1.5" stroke-dasharray="4 3"/>`;
  }
  for (const p of pts) {
    const colour = REGIME_COLOURS[p.line.regime?.state ?? 'stable'] ?? '#555';
    body += `<circle cx="${f2(x(p.cost!))}" cy="${f2(y(q(p)))}" r="${onFront(p) ? 6 : 4}" fill="${colour}" fill-opacity="${onFront(p) ? 1 : 0.45}" stroke="${onFront(p) ? '#000' : 'none'}"><title>${esc(`#${p.line.index} ${label(p.line, axes)}: ${p.cost!.toFixed(2)} ${perRequest ? `${input.costUnit} per 1,000 requests` : `${input.costUnit}/h`}, ${withSlo ? pct(p.attainment) : `${ms(p.ttftP99Ms)} ms`}`)}</title></circle>`;
  }
  // One label per spot: configurations at the same cost and quality share it.
  const spots = new Map<string, ParetoPoint[]>();
  for (const p of front) {
    const k = `${f2(x(p.cost!))},${f2(y(q(p)))}`;
    spots.set(k, [...(spots.get(k) ?? []), p]);
  }
  [...spots.values()].forEach((same, i) => {
    const p = same[0]!;
    // Labels on the right half of the plot go to the left of their point, so they stay inside.
    const right = x(p.cost!) > (fr.left + fr.right) / 2;
    const text = `${label(p.line, axes)}${same.length > 1 ? ` (+${same.length - 1} more)` : ''}`;
    body += `<text x="${f2(x(p.cost!) + (right ? -8 : 8))}" y="${f2(y(q(p)) + (i % 2 === 0 ? 14 : -6))}" text-anchor="${right ? 'end' : 'start'}" class="lbl">${esc(text)}</text>`;
  });
  return plot(fr, x, y, perRequest ? `cost per 1,000 served requests (${input.costUnit}; ${reason === 'autoscaled' ? 'autoscaled fleets change size as they run' : 'the configurations serve different traffic'})` : `fleet cost (${input.costUnit} per hour)`, withSlo ? 'SLO attainment (%)' : 'p99 TTFT (ms, log)', body, 'Pareto front');
}

function latencyChart(input: ReportInput, lines: readonly ResultLine[], axes: readonly string[]): string {
  const ran = lines.filter((l) => l.error === undefined && metric(l, 'ttft_ms', 'p99') !== null);
  if (ran.length === 0) return '';
  const fr = frame(760, 380);
  if (axes.includes('rate')) {
    const others = axes.filter((a) => a !== 'rate');
    const series = new Map<string, ResultLine[]>();
    for (const l of ran) {
      const k = others.map((a) => `${a}=${String(l.axes[a])}`).join(' ') || 'all';
      series.set(k, [...(series.get(k) ?? []), l]);
    }
    const x = scale(ran.map((l) => Number(l.axes['rate'])), fr.left, fr.right);
    const y = scale(ran.map((l) => metric(l, 'ttft_ms', 'p99')!), fr.bottom, fr.top, { log: true });
    let body = '';
    let legend = '';
    [...series.entries()].forEach(([k, ls], i) => {
      const colour = SERIES_COLOURS[i % SERIES_COLOURS.length]!;
      const sorted = [...ls].sort((a, b) => Number(a.axes['rate']) - Number(b.axes['rate']));
      body += `<polyline fill="none" stroke="${colour}" stroke-width="1.8" points="${sorted.map((l) => `${f2(x(Number(l.axes['rate'])))},${f2(y(metric(l, 'ttft_ms', 'p99')!))}`).join(' ')}"/>`;
      for (const l of sorted) {
        const st = l.regime?.state;
        body += `<circle cx="${f2(x(Number(l.axes['rate'])))}" cy="${f2(y(metric(l, 'ttft_ms', 'p99')!))}" r="${st === 'stable' ? 3 : 5}" fill="${st === 'stable' ? colour : REGIME_COLOURS[st ?? 'stable']}"><title>${esc(`${k} rate ${String(l.axes['rate'])}: p99 TTFT ${ms(metric(l, 'ttft_ms', 'p99'))} ms, ${st}`)}</title></circle>`;
      }
      legend += `<li><span class="sw" style="background:${colour}"></span>${esc(k)}</li>`;
    });
    return plot(fr, x, y, 'offered rate (req/s)', 'p99 TTFT (ms, log)', body, 'latency against rate') + `<ul class="legend">${legend}</ul>`;
  }
  // Rate not swept: p50 and p99 TTFT per configuration, cheapest first.
  const sorted = [...ran].sort((a, b) => a.index - b.index);
  const h = Math.max(120, 22 * sorted.length + 60);
  // Room for the longest label (about 6.5 px a character at 11 px).
  const left = Math.min(480, 16 + 6.5 * Math.max(...sorted.map((l) => `#${l.index} ${label(l, axes)}`.length)));
  const fr2 = { ...frame(Math.max(760, left + 420), h), left };
  const x = scale(sorted.flatMap((l) => [metric(l, 'ttft_ms', 'p50')!, metric(l, 'ttft_ms', 'p99')!]), fr2.left, fr2.right, { log: true });
  const rowY = (i: number): number => fr2.top + 14 + i * 22;
  let body = '';
  sorted.forEach((l, i) => {
    const p50 = metric(l, 'ttft_ms', 'p50')!;
    const p99 = metric(l, 'ttft_ms', 'p99')!;
    body += `<text x="${fr2.left - 6}" y="${f2(rowY(i) + 4)}" text-anchor="end" class="lbl">${esc(`#${l.index} ${label(l, axes)}`)}</text>`;
    body += `<line x1="${f2(x(p50))}" x2="${f2(x(p99))}" y1="${f2(rowY(i))}" y2="${f2(rowY(i))}" stroke="#888" stroke-width="2"/>`;
    body += `<circle cx="${f2(x(p50))}" cy="${f2(rowY(i))}" r="3" fill="#4e79a7"/><circle cx="${f2(x(p99))}" cy="${f2(rowY(i))}" r="4" fill="${REGIME_COLOURS[l.regime?.state ?? 'stable']}"/>`;
  });
  const y = Object.assign(() => 0, { ticks: [] as number[], log: false });
  return plot(fr2, x, y, 'TTFT (ms, log): p50 (blue) to p99 (coloured by regime)', '', body, 'TTFT per configuration');
}

/** With rate swept and targets given: per combination of the other axes, the highest rate that held. */
function maxRateTable(lines: readonly ResultLine[], axes: readonly string[]): string {
  if (!axes.includes('rate') || !lines.some((l) => l.slo !== undefined)) return '';
  const others = axes.filter((a) => a !== 'rate');
  const groups = new Map<string, ResultLine[]>();
  for (const l of lines) {
    const k = others.map((a) => String(l.axes[a])).join('\u0000');
    groups.set(k, [...(groups.get(k) ?? []), l]);
  }
  const rows = [...groups.values()].map((ls) => {
    const held = ls.filter((l) => sloVerdict(l) === 'holds').map((l) => Number(l.axes['rate']));
    const missed = ls.filter((l) => l.error === undefined && sloVerdict(l) === 'missed').map((l) => Number(l.axes['rate']));
    const best = held.length ? Math.max(...held) : null;
    const next = missed.filter((r) => best === null || r > best);
    return [...others.map((a) => String(ls[0]!.axes[a])), best === null ? 'none' : String(best), next.length ? String(Math.min(...next)) : '–'];
  });
  const head = [...others, 'highest rate holding', 'next rate (missed)'];
  return `<h2 id="max-rate">Highest swept rate that holds the SLO</h2><p>Between the two columns lies each configuration's capacity; <code>blis capacity</code> finds it to within 2%.</p>
<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/**
 * The configuration a heatmap cell shows. Random axes are not faceted, so a cell holds every
 * sample drawn at its grid point: it shows the best (highest attainment, else lowest p99 TTFT;
 * the lower index on a tie) and its tooltip names the others, rather than whichever came first.
 */
function bestInCell(here: readonly ResultLine[], withSlo: boolean): ResultLine | undefined {
  const ran = here.filter((l) => l.error === undefined);
  if (ran.length === 0) return here[0];
  const badness = (l: ResultLine): number => (withSlo ? -(l.slo?.attainment.attainment ?? -1) : metric(l, 'ttft_ms', 'p99') ?? Infinity);
  return ran.reduce((a, b) => (badness(b) < badness(a) ? b : a));
}

function heatmaps(input: ReportInput, lines: readonly ResultLine[]): string {
  const grid = input.axes.filter((a) => a.values !== null && a.values.length > 1) as Array<{ flag: string; values: readonly SweepValue[] }>;
  if (grid.length < 2) return '<p>Heatmaps need two grid axes with several values each.</p>';
  const [xa, ya, ...rest] = [...grid].sort((a, b) => b.values.length - a.values.length);
  const withSlo = lines.some((l) => l.slo !== undefined);
  let facets: Array<Record<string, SweepValue>> = [{}];
  for (const a of rest) facets = facets.flatMap((f) => a.values.map((v) => ({ ...f, [a.flag]: v })));
  const allP99 = lines.map((l) => metric(l, 'ttft_ms', 'p99')).filter((v): v is number => v !== null && v > 0);
  const logLo = Math.log10(Math.min(...allP99));
  const logHi = Math.log10(Math.max(...allP99));
  // Room for the column's value and for the longest cell text ('cannot run', '36552 ms ✕': 10 characters at about 7.5 px in 12 px bold).
  const cellW = Math.max(92, 16 + 7 * Math.max(...xa!.values.map((v) => String(v).length)));
  const cellH = 40;
  const labelW = 24 + 7 * Math.max(...ya!.values.map((v) => String(v).length), ya!.flag.length);
  // Attainment in the range planners target: 80% or less red, 90% amber, 100% green.
  const attColour = (a: number): string => goodColour((a - 0.8) / 0.2);
  let out = '';
  for (const f of facets) {
    const title = Object.entries(f).map(([k, v]) => `${k}=${String(v)}`).join(', ') || 'all';
    const w = labelW + cellW * xa!.values.length;
    const h = 44 + cellH * ya!.values.length;
    let s = `<figure class="heat"><figcaption>${esc(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`;
    s += `<text x="${labelW + (cellW * xa!.values.length) / 2}" y="12" text-anchor="middle" class="axis">${esc(xa!.flag)} →</text><text x="${labelW - 6}" y="12" text-anchor="end" class="axis">${esc(ya!.flag)} ↓</text>`;
    xa!.values.forEach((xv, i) => { s += `<text x="${labelW + cellW * i + (cellW - 4) / 2}" y="28" text-anchor="middle" class="tick">${esc(String(xv))}</text>`; });
    ya!.values.forEach((yv, j) => {
      s += `<text x="${labelW - 6}" y="${34 + cellH * j + (cellH - 4) / 2 + 4}" text-anchor="end" class="tick">${esc(String(yv))}</text>`;
      xa!.values.forEach((xv, i) => {
        const here = lines.filter((c) => String(c.axes[xa!.flag]) === String(xv) && String(c.axes[ya!.flag]) === String(yv) && Object.entries(f).every(([k, v]) => String(c.axes[k]) === String(v)));
        const l = bestInCell(here, withSlo);
        const x0 = labelW + cellW * i;
        const y0 = 34 + cellH * j;
        let fill = '#ddd';
        let text = l === undefined ? '' : l.error !== undefined ? 'cannot run' : '';
        if (l !== undefined && l.error === undefined) {
          const p99 = metric(l, 'ttft_ms', 'p99');
          if (withSlo) {
            const a = l.slo?.attainment.attainment ?? null;
            fill = a === null ? '#ddd' : attColour(a);
            text = pct(a);
          } else if (p99 !== null && p99 > 0) {
            fill = goodColour(logHi > logLo ? 1 - (Math.log10(p99) - logLo) / (logHi - logLo) : 1);
            text = `${ms(p99)} ms`;
          }
        }
        const st = l?.regime?.state;
        s += `<rect x="${x0}" y="${y0}" width="${cellW - 4}" height="${cellH - 4}" fill="${fill}" stroke="${st === 'near-knee' ? '#000' : 'none'}" stroke-width="2" stroke-dasharray="${st === 'near-knee' ? '4 2' : ''}"><title>${esc(l === undefined ? 'not run' : `#${l.index}${here.length > 1 ? ` (best of ${here.map((c) => `#${c.index}`).join(', ')})` : ''}: ${text}${regimeMark(l)}`)}</title></rect>`;
        s += `<text x="${x0 + (cellW - 4) / 2}" y="${y0 + (cellH - 4) / 2 + 4}" text-anchor="middle" class="cell"${fill === '#ddd' ? ' style="fill:#333"' : ''}>${esc(text)}${st === 'near-knee' ? ' ◆' : st === 'overloaded' ? ' ✕' : ''}</text>`;
      });
    });
    out += s + '</svg></figure>';
  }
  return out;
}

function tableHtml(input: ReportInput, lines: readonly ResultLine[], axes: readonly string[]): string {
  const head = ['#', ...axes, 'SLO', 'attained', 'TTFT p50', 'TTFT p99', 'TPOT p50', 'goodput req/s', `${input.costUnit}/h`, 'regime', 'rung'];
  const rows = lines.map((l) => {
    const cells = [String(l.index), ...axes.map((a) => String(l.axes[a]))];
    if (l.error !== undefined) return [...cells, `cannot run: ${l.error}`, '', '', '', '', '', '', '', String(l.rung)];
    const cost = l.cost?.['fleet_per_hour'];
    return [...cells, sloVerdict(l) ?? '–', pct(l.slo?.attainment.attainment), ms(metric(l, 'ttft_ms', 'p50')), ms(metric(l, 'ttft_ms', 'p99')),
      ms(metric(l, 'tpot_ms', 'p50')), l.slo === undefined ? '–' : l.slo.goodput.requests_per_s.toFixed(2), typeof cost === 'number' ? cost.toFixed(2) : '–', l.regime?.state ?? '', String(l.rung)];
  });
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r, i) => {
    const st = lines[i]!.regime?.state;
    return `<tr class="${st ?? ''}">${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
  }).join('')}</tbody></table>`;
}

export function reportHtml(input: ReportInput): string {
  const axes = input.axes.map((a) => a.flag);
  const lines = finalLines(input.lines);
  // The final lines of a halving sweep mix rungs: the cost basis comes from all of them (pareto.ts costBasis).
  const best = rankLines(lines, costBasis(input.lines))[0];
  const knees = lines.filter((l) => l.regime?.state === 'near-knee').length;
  const over = lines.filter((l) => l.regime?.state === 'overloaded').length;
  const errors = lines.filter((l) => l.error !== undefined).length;
  const css = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
.tick{font-size:11px;fill:#555}.axis{font-size:12px;fill:#222}.lbl{font-size:11px;fill:#222}.cell{font-size:12px;fill:#fff;font-weight:600}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#f3f3f3}
tr.near-knee td{background:#fff4e0}tr.overloaded td{background:#fde8e8}.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:12px;font-size:12px}
.sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}figure.heat{display:inline-block;margin:8px 16px 8px 0}figcaption{font-size:12px;font-weight:600}
code{background:#f3f3f3;padding:1px 4px}.key span{margin-right:14px}`;
  const key = `<p class="key"><span style="color:${REGIME_COLOURS['stable']}">● stable</span><span style="color:${REGIME_COLOURS['near-knee']}">● near the knee (◆)</span><span style="color:${REGIME_COLOURS['overloaded']}">● overloaded (✕)</span></p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)}</title><style>${css}</style></head><body>
<h1>${esc(input.title)}</h1>
<p>${lines.length} configurations${errors ? `, ${errors} could not run` : ''}; ${knees} near the knee, ${over} overloaded. SLO: ${input.sloText === null ? 'none (ranked by p99 TTFT)' : esc(input.sloText)}.</p>
${best !== undefined && best.error === undefined ? `<p>Best: <b>${esc(label(best, axes))}</b>${best.slo ? ` (SLO ${sloVerdict(best)!}${sloJudged(best) ? `, ${pct(best.slo.attainment.attainment)} attained` : ''})` : ''}; reproduce with <code>${esc(best.command)}</code></p>` : ''}
${key}
<h2 id="pareto">Cost against ${input.points.some((p) => p.attainment !== null) ? 'SLO attainment' : 'p99 TTFT'}: the Pareto front</h2>
<p>Each point is a configuration; the dashed staircase joins the non-dominated ones (nothing cheaper is as good).</p>
${paretoChart(input, axes)}
<h2 id="latency">${axes.includes('rate') ? 'Latency against rate, per configuration' : 'TTFT per configuration'}</h2>
${latencyChart(input, lines, axes)}
${maxRateTable(lines, axes)}
<h2 id="heatmaps">${lines.some((l) => l.slo !== undefined) ? 'SLO attainment' : 'p99 TTFT'} over the swept axes</h2>
${heatmaps(input, lines)}
<h2 id="table">Every configuration</h2>
${tableHtml(input, lines, axes)}
</body></html>
`;
}
