/**
 * The validation report's charts: predicted-vs-actual scatter on log axes, the signed-error
 * heat map, per-experiment CDFs. Inline SVG strings (report-html.ts assembles the page).
 */
import { fmtMs, fmtPct } from './report-md.js';
import type { ValidationExperiment } from './validation.js';
import { summaryMetric } from './validation.js';
import { PALETTE, esc, f1 } from '../report/svg.js';
import { MS_PER_S, msToS } from '../kernel/units.js';
import { powerOfTen } from '../kernel/powers.js';

export interface ScatterPoint {
  readonly actual: number;
  readonly predicted: number;
  readonly label: string;
  readonly group: number;
  readonly summary: boolean;
}

/** Predicted (y) vs actual (x) on log–log axes with y = x and ±25% guides. */
export function svgScatter(title: string, points: readonly ScatterPoint[], w = 320, h = 300): string {
  const m = { l: 52, r: 22, t: 26, b: 40 };
  const vals = points.flatMap((p) => [p.actual, p.predicted]).filter((v) => v > 0);
  if (vals.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><text x="10" y="20" font-size="12">${esc(title)}: no data</text></svg>`;
  let lo = Math.floor(Math.log10(Math.min(...vals)));
  let hi = Math.ceil(Math.log10(Math.max(...vals)));
  if (hi === lo) hi = lo + 1;
  if (hi - lo > 7) lo = hi - 7;
  const pw = w - m.l - m.r;
  const ph = h - m.t - m.b;
  const floor = powerOfTen(lo);
  const sx = (v: number): number => m.l + ((Math.log10(Math.max(v, floor)) - lo) / (hi - lo)) * pw;
  const sy = (v: number): number => m.t + ph - ((Math.log10(Math.max(v, floor)) - lo) / (hi - lo)) * ph;
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" class="plot">`];
  out.push(`<text x="${w / 2}" y="16" text-anchor="middle" font-size="13" font-weight="600">${esc(title)}</text>`);
  out.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="#fafafa" stroke="#ccc"/>`);
  for (let d = lo; d <= hi; d++) {
    const v = powerOfTen(d);
    const label = v >= MS_PER_S ? `${msToS(v)}s` : `${v}ms`;
    out.push(`<line x1="${f1(sx(v))}" y1="${m.t}" x2="${f1(sx(v))}" y2="${m.t + ph}" stroke="#e4e4e4"/>`);
    out.push(`<line x1="${m.l}" y1="${f1(sy(v))}" x2="${m.l + pw}" y2="${f1(sy(v))}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${f1(sx(v))}" y="${m.t + ph + 14}" text-anchor="middle" font-size="10">${label}</text>`);
    out.push(`<text x="${m.l - 4}" y="${f1(sy(v) + 3)}" text-anchor="end" font-size="10">${label}</text>`);
  }
  const a = powerOfTen(lo);
  const b = powerOfTen(hi);
  out.push(`<line x1="${f1(sx(a))}" y1="${f1(sy(a))}" x2="${f1(sx(b))}" y2="${f1(sy(b))}" stroke="#333" stroke-width="1"/>`);
  for (const k of [1.25, 0.8]) out.push(`<line x1="${f1(sx(a))}" y1="${f1(sy(a * k))}" x2="${f1(sx(b / Math.max(k, 1)))}" y2="${f1(sy((b / Math.max(k, 1)) * k))}" stroke="#999" stroke-dasharray="3,3"/>`);
  out.push(`<text x="${m.l + pw / 2}" y="${h - 6}" text-anchor="middle" font-size="11">actual</text>`);
  out.push(`<text x="12" y="${m.t + ph / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 12 ${m.t + ph / 2})">predicted</text>`);
  for (const p of points) {
    if (!(p.actual > 0) || !(p.predicted > 0)) continue;
    const c = PALETTE[p.group % PALETTE.length]!;
    const x = f1(sx(p.actual));
    const y = f1(sy(p.predicted));
    out.push(p.summary
      ? `<circle cx="${x}" cy="${y}" r="4.5" fill="${c}" fill-opacity="0.85" stroke="#fff"><title>${esc(p.label)}</title></circle>`
      : `<circle cx="${x}" cy="${y}" r="3" fill="none" stroke="${c}"><title>${esc(p.label)}</title></circle>`);
  }
  out.push('</svg>');
  return out.join('');
}

/** Colour for a signed error %: blue under-predicts, red over-predicts, white at 0; saturates at ±100%. */
export function errorColour(pct: number | null): string {
  if (pct === null) return '#eeeeee';
  const t = Math.min(1, Math.abs(pct) / 100);
  const mix = (c: number): number => Math.round(255 + (c - 255) * t);
  return pct >= 0 ? `rgb(${mix(214)},${mix(39)},${mix(40)})` : `rgb(${mix(31)},${mix(119)},${mix(180)})`;
}

export function svgHeatmap(experiments: readonly ValidationExperiment[], metrics: readonly string[]): string {
  const cw = metrics.length > 12 ? 54 : 70;
  const ch = 20;
  // The label column fits the longest id (about 6.5 px a character at 11 px, with ' *'); ids past ~45 characters were cut at the left edge.
  const left = Math.max(300, Math.ceil(12 + 6.5 * Math.max(0, ...experiments.map((e) => e.id.length + 2))));
  const top = 70;
  const w = left + cw * metrics.length + 10;
  const h = top + ch * experiments.length + 10;
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" class="plot">`];
  metrics.forEach((m, j) => {
    const x = left + j * cw + cw / 2;
    out.push(`<text x="${x}" y="${top - 8}" font-size="11" text-anchor="start" transform="rotate(-35 ${x} ${top - 8})">${esc(m)}</text>`);
  });
  experiments.forEach((e, i) => {
    const y = top + i * ch;
    out.push(`<text x="${left - 6}" y="${y + 15}" font-size="11" text-anchor="end">${esc(e.id)}${e.truth_status && e.truth_status !== 'active' ? ' *' : ''}</text>`);
    metrics.forEach((m, j) => {
      const x = left + j * cw;
      if (e.status === 'error') {
        out.push(`<rect x="${x}" y="${y}" width="${cw - 2}" height="${ch - 2}" fill="#fbe3e3"/><text x="${x + cw / 2}" y="${y + 15}" font-size="10" text-anchor="middle" fill="#a00">error</text>`);
        return;
      }
      const c = summaryMetric(e, m);
      const v = c ? c.error_pct : null;
      out.push(`<rect x="${x}" y="${y}" width="${cw - 2}" height="${ch - 2}" fill="${errorColour(v)}"><title>${esc(`${e.id} ${m}: ${c ? `${fmtMs(c.predicted)} vs ${fmtMs(c.actual)}` : 'not in ground truth'}`)}</title></rect>`);
      out.push(`<text x="${x + cw / 2 - 1}" y="${y + 14}" font-size="${cw < 60 ? 9 : 10}" text-anchor="middle" fill="${v !== null && Math.abs(v) > 60 ? '#fff' : '#222'}">${c ? esc(fmtPct(v)) : ''}</text>`);
    });
  });
  out.push('</svg>');
  return out.join('');
}

/** Empirical CDFs, predicted (dashed) vs actual (solid), linear ms axis. */
export function svgCdf(title: string, predicted: ReadonlyArray<readonly [number, number]>, actual: ReadonlyArray<readonly [number, number]>, w = 300, h = 190): string {
  const m = { l: 40, r: 24, t: 22, b: 30 };
  const all = [...predicted, ...actual].map((p) => p[0]);
  const lo = Math.min(...all);
  let hi = Math.max(...all);
  if (hi === lo) hi = lo + 1;
  const pw = w - m.l - m.r;
  const ph = h - m.t - m.b;
  const sx = (v: number): number => m.l + ((v - lo) / (hi - lo)) * pw;
  const sy = (q: number): number => m.t + ph - q * ph;
  const line = (pts: ReadonlyArray<readonly [number, number]>): string => {
    // A polyline through the (thinned) CDF points; steps would double the page size for no visible gain.
    let d = pts.length > 0 ? `M${f1(sx(pts[0]![0]))},${f1(sy(0))}` : '';
    for (const [v, q] of pts) d += `L${f1(sx(v))},${f1(sy(q))}`;
    return d;
  };
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" class="plot">`];
  out.push(`<text x="${w / 2}" y="14" text-anchor="middle" font-size="11" font-weight="600">${esc(title)}</text>`);
  out.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="#fafafa" stroke="#ccc"/>`);
  for (const q of [0.5, 0.9, 0.99]) out.push(`<line x1="${m.l}" y1="${f1(sy(q))}" x2="${m.l + pw}" y2="${f1(sy(q))}" stroke="#e4e4e4"/>${q === 0.99 ? '' : `<text x="${m.l - 3}" y="${f1(sy(q) + 3)}" font-size="9" text-anchor="end">${q}</text>`}`);
  out.push(`<text x="${m.l - 3}" y="${f1(sy(0) + 3)}" font-size="9" text-anchor="end">0</text><text x="${m.l - 3}" y="${f1(sy(1) + 3)}" font-size="9" text-anchor="end">1</text>`);
  [lo, (lo + hi) / 2, hi].forEach((t, i) => out.push(`<text x="${f1(sx(t))}" y="${m.t + ph + 12}" font-size="9" text-anchor="${['start', 'middle', 'end'][i]}">${esc(fmtMs(t))}</text>`));
  out.push(`<path d="${line(actual)}" fill="none" stroke="#222" stroke-width="1.6"/>`);
  out.push(`<path d="${line(predicted)}" fill="none" stroke="#d62728" stroke-width="1.6" stroke-dasharray="5,3"/>`);
  out.push(`<text x="${m.l + pw - 4}" y="${m.t + ph - 18}" font-size="9" text-anchor="end" fill="#222">— actual</text><text x="${m.l + pw - 4}" y="${m.t + ph - 6}" font-size="9" text-anchor="end" fill="#d62728">- - predicted</text>`);
  out.push('</svg>');
  return out.join('');
}

