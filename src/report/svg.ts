/**
 * Chart primitives for the self-contained HTML reports (no scripts, no network: inline SVG, the
 * numbers in `<title>` tooltips): line charts with shared time axes, stacked step areas, grouped
 * bars. Pure string building; every report in src/report/ and src/validate/ draws with these.
 */
import { powerOfTen } from '../kernel/powers.js';

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
export const f1 = (x: number): string => (Math.round(x * 10) / 10).toString();

/** Colour-blind-safe enough categorical palette (Tableau 10). */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

/** Up to ~n round tick values covering [lo, hi] (1, 2, 5 × 10^k steps). */
export function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = powerOfTen(Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

export const fmtNum = (v: number): string => {
  const a = Math.abs(v);
  if (a >= 1e6) return `${f1(v / 1e6)}M`;
  if (a >= 1e4) return `${f1(v / 1e3)}k`;
  if (a >= 100 || Number.isInteger(v)) return String(Math.round(v));
  return a >= 1 ? v.toFixed(1) : v.toPrecision(2);
};

export interface Frame {
  readonly w: number;
  readonly h: number;
  readonly l: number;
  readonly r: number;
  readonly t: number;
  readonly b: number;
}

const FRAME: Frame = { w: 900, h: 190, l: 64, r: 150, t: 24, b: 28 };

export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
  readonly dash?: string;
  /** Hold each value until the next point (states, counts) instead of joining points. */
  readonly step?: boolean;
  readonly width?: number;
  /** A dot at every point (few points: stages). */
  readonly dots?: boolean;
}

export interface Marker {
  readonly x: number;
  readonly color: string;
  /** Tooltip. */
  readonly label: string;
}

export interface LineChart {
  readonly title: string;
  readonly xDomain: readonly [number, number];
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly series: readonly Series[];
  /** Horizontal reference lines (an SLO). */
  readonly hlines?: ReadonlyArray<{ readonly y: number; readonly label: string; readonly color: string }>;
  readonly markers?: readonly Marker[];
  readonly yMin?: number;
  /** Logarithmic y axis (latencies spanning orders of magnitude); values ≤ 0 are not drawn. */
  readonly yLog?: boolean;
  /** Explicit x ticks (e.g. stage numbers); default: round values. */
  readonly xTicks?: readonly number[];
  readonly frame?: Partial<Frame>;
}

function scale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** A line chart: x is usually simulated seconds; legend on the right. */
export function lineChart(c: LineChart): string {
  const fr = { ...FRAME, ...c.frame };
  const pw = fr.w - fr.l - fr.r;
  const ph = fr.h - fr.t - fr.b;
  const tf = c.yLog ? (v: number): number => (v > 0 ? Math.log10(v) : NaN) : (v: number): number => v;
  const ys = c.series.flatMap((s) => s.points.map((p) => tf(p[1]))).concat((c.hlines ?? []).map((h) => tf(h.y))).filter(Number.isFinite);
  let yLo = c.yLog ? Math.floor(Math.min(...ys, Infinity)) : Math.min(c.yMin ?? 0, ...ys);
  if (!Number.isFinite(yLo)) yLo = 0;
  let yHi = ys.length > 0 ? Math.max(...ys) : yLo + 1;
  if (c.yLog) yHi = Math.ceil(yHi);
  if (!(yHi > yLo)) yHi = yLo + 1;
  if (!c.yLog) yHi += (yHi - yLo) * 0.05;
  const sx = scale(c.xDomain[0], c.xDomain[1], fr.l, fr.l + pw);
  const lin = scale(yLo, yHi, fr.t + ph, fr.t);
  const sy = (v: number): number => lin(tf(v));
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${fr.w}" height="${fr.h}" class="chart" role="img" aria-label="${esc(c.title)}">`];
  out.push(`<text x="${fr.l}" y="15" font-size="13" font-weight="600">${esc(c.title)}</text>`);
  out.push(`<rect x="${fr.l}" y="${fr.t}" width="${pw}" height="${ph}" fill="#fbfbfb" stroke="#ccc"/>`);
  const yTicks = c.yLog ? Array.from({ length: yHi - yLo + 1 }, (_, i) => powerOfTen(yLo + i)) : niceTicks(yLo, yHi, 4);
  for (const v of yTicks) {
    out.push(`<line x1="${fr.l}" x2="${fr.l + pw}" y1="${f1(sy(v))}" y2="${f1(sy(v))}" stroke="#e6e6e6"/><text x="${fr.l - 5}" y="${f1(sy(v) + 3)}" font-size="10" text-anchor="end">${esc(fmtNum(v))}</text>`);
  }
  for (const v of c.xTicks ?? niceTicks(c.xDomain[0], c.xDomain[1], 8)) {
    out.push(`<line y1="${fr.t}" y2="${fr.t + ph}" x1="${f1(sx(v))}" x2="${f1(sx(v))}" stroke="#efefef"/><text x="${f1(sx(v))}" y="${fr.t + ph + 12}" font-size="10" text-anchor="middle">${esc(fmtNum(v))}</text>`);
  }
  if (c.xLabel) out.push(`<text x="${fr.l + pw}" y="${fr.h - 2}" font-size="10" text-anchor="end" fill="#555">${esc(c.xLabel)}</text>`);
  if (c.yLabel) out.push(`<text x="12" y="${fr.t + ph / 2}" font-size="10" text-anchor="middle" fill="#555" transform="rotate(-90 12 ${fr.t + ph / 2})">${esc(c.yLabel)}</text>`);
  for (const h of c.hlines ?? []) {
    out.push(`<line x1="${fr.l}" x2="${fr.l + pw}" y1="${f1(sy(h.y))}" y2="${f1(sy(h.y))}" stroke="${h.color}" stroke-dasharray="6,3" stroke-width="1.2"><title>${esc(h.label)}</title></line>`);
  }
  for (const m of c.markers ?? []) {
    out.push(`<line x1="${f1(sx(m.x))}" x2="${f1(sx(m.x))}" y1="${fr.t}" y2="${fr.t + ph}" stroke="${m.color}" stroke-opacity="0.55" stroke-width="2"><title>${esc(m.label)}</title></line>`);
  }
  for (const s of c.series) {
    if (s.points.length === 0) continue;
    let d = '';
    let prevY: number | undefined;
    for (const [x, y] of s.points) {
      if (!Number.isFinite(tf(y))) {
        prevY = undefined;
        continue;
      }
      const X = f1(sx(x));
      const Y = f1(sy(y));
      if (prevY === undefined) d += `M${X},${Y}`;
      else if (s.step) d += `H${X}V${Y}`;
      else d += `L${X},${Y}`;
      prevY = y;
    }
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 1.6}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}><title>${esc(s.name)}</title></path>`);
    if (s.dots) {
      for (const [x, y] of s.points) {
        if (Number.isFinite(tf(y))) out.push(`<circle cx="${f1(sx(x))}" cy="${f1(sy(y))}" r="2.6" fill="${s.color}"><title>${esc(`${s.name} ${fmtNum(x)}: ${fmtNum(y)}`)}</title></circle>`);
      }
    }
  }
  legend(out, fr, [...c.series.map((s) => ({ name: s.name, color: s.color, dash: s.dash })), ...(c.hlines ?? []).map((h) => ({ name: h.label, color: h.color, dash: '6,3' }))]);
  out.push('</svg>');
  return out.join('');
}

function legend(out: string[], fr: Frame, items: ReadonlyArray<{ name: string; color: string; dash?: string | undefined; area?: boolean }>): void {
  items.forEach((it, i) => {
    const y = fr.t + 8 + i * 15;
    const x = fr.w - fr.r + 12;
    out.push(it.area
      ? `<rect x="${x}" y="${y - 6}" width="16" height="9" fill="${it.color}" fill-opacity="0.75"/>`
      : `<line x1="${x}" x2="${x + 16}" y1="${y - 2}" y2="${y - 2}" stroke="${it.color}" stroke-width="2"${it.dash ? ` stroke-dasharray="${it.dash}"` : ''}/>`);
    out.push(`<text x="${x + 21}" y="${y + 2}" font-size="11">${esc(it.name)}</text>`);
  });
}

export interface StackedAreaChart {
  readonly title: string;
  readonly xDomain: readonly [number, number];
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly layers: ReadonlyArray<{ readonly name: string; readonly color: string }>;
  /** Each row: x and one value per layer, held until the next row (counts of replicas per state). */
  readonly rows: ReadonlyArray<{ readonly x: number; readonly values: readonly number[] }>;
  readonly lines?: readonly Series[];
  readonly markers?: readonly Marker[];
  readonly frame?: Partial<Frame>;
}

/** Step-wise stacked areas (bottom layer first) with optional overlaid lines and markers. */
export function stackedAreaChart(c: StackedAreaChart): string {
  const fr = { ...FRAME, ...c.frame };
  const pw = fr.w - fr.l - fr.r;
  const ph = fr.h - fr.t - fr.b;
  const totals = c.rows.map((r) => r.values.reduce((a, b) => a + b, 0));
  const lineYs = (c.lines ?? []).flatMap((s) => s.points.map((p) => p[1]));
  let yHi = Math.max(1, ...totals, ...lineYs);
  yHi += yHi * 0.08;
  const sx = scale(c.xDomain[0], c.xDomain[1], fr.l, fr.l + pw);
  const sy = scale(0, yHi, fr.t + ph, fr.t);
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${fr.w}" height="${fr.h}" class="chart" role="img" aria-label="${esc(c.title)}">`];
  out.push(`<text x="${fr.l}" y="15" font-size="13" font-weight="600">${esc(c.title)}</text>`);
  out.push(`<rect x="${fr.l}" y="${fr.t}" width="${pw}" height="${ph}" fill="#fbfbfb" stroke="#ccc"/>`);
  for (const v of niceTicks(0, yHi, 4)) {
    out.push(`<line x1="${fr.l}" x2="${fr.l + pw}" y1="${f1(sy(v))}" y2="${f1(sy(v))}" stroke="#e6e6e6"/><text x="${fr.l - 5}" y="${f1(sy(v) + 3)}" font-size="10" text-anchor="end">${esc(fmtNum(v))}</text>`);
  }
  for (const v of niceTicks(c.xDomain[0], c.xDomain[1], 8)) {
    out.push(`<text x="${f1(sx(v))}" y="${fr.t + ph + 12}" font-size="10" text-anchor="middle">${esc(fmtNum(v))}</text>`);
  }
  if (c.xLabel) out.push(`<text x="${fr.l + pw}" y="${fr.h - 2}" font-size="10" text-anchor="end" fill="#555">${esc(c.xLabel)}</text>`);
  if (c.yLabel) out.push(`<text x="12" y="${fr.t + ph / 2}" font-size="10" text-anchor="middle" fill="#555" transform="rotate(-90 12 ${fr.t + ph / 2})">${esc(c.yLabel)}</text>`);
  const end = c.xDomain[1];
  c.layers.forEach((layer, k) => {
    // Polygon of the band between the cumulative sums below and including layer k, as steps.
    const top: string[] = [];
    const bottom: string[] = [];
    c.rows.forEach((r, i) => {
      const x0 = sx(r.x);
      const x1 = sx(i + 1 < c.rows.length ? c.rows[i + 1]!.x : end);
      const below = r.values.slice(0, k).reduce((a, b) => a + b, 0);
      const upto = below + (r.values[k] ?? 0);
      top.push(`${f1(x0)},${f1(sy(upto))}`, `${f1(x1)},${f1(sy(upto))}`);
      bottom.unshift(`${f1(x1)},${f1(sy(below))}`, `${f1(x0)},${f1(sy(below))}`);
    });
    if (top.length > 0) out.push(`<polygon points="${[...top, ...bottom].join(' ')}" fill="${layer.color}" fill-opacity="0.75" stroke="none"><title>${esc(layer.name)}</title></polygon>`);
  });
  for (const m of c.markers ?? []) {
    out.push(`<line x1="${f1(sx(m.x))}" x2="${f1(sx(m.x))}" y1="${fr.t}" y2="${fr.t + ph}" stroke="${m.color}" stroke-opacity="0.7" stroke-width="2"><title>${esc(m.label)}</title></line>`);
  }
  for (const s of c.lines ?? []) {
    let d = '';
    s.points.forEach(([x, y], i) => {
      d += i === 0 ? `M${f1(sx(x))},${f1(sy(y))}` : s.step ? `H${f1(sx(x))}V${f1(sy(y))}` : `L${f1(sx(x))},${f1(sy(y))}`;
    });
    if (s.step && s.points.length > 0) d += `H${f1(sx(end))}`;
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 1.8}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}><title>${esc(s.name)}</title></path>`);
  }
  legend(out, fr, [...c.layers.map((l) => ({ name: l.name, color: l.color, area: true })), ...(c.lines ?? []).map((s) => ({ name: s.name, color: s.color, dash: s.dash }))]);
  out.push('</svg>');
  return out.join('');
}

export interface BarGroup {
  readonly label: string;
  readonly bars: ReadonlyArray<{ readonly name: string; readonly value: number; readonly color: string }>;
}

/** Grouped vertical bars (one group per category, one bar per series), value labels on top. */
export function groupedBars(title: string, groups: readonly BarGroup[], opts: { yLabel?: string; format?: (v: number) => string; width?: number; height?: number } = {}): string {
  const fr: Frame = { ...FRAME, w: opts.width ?? 900, h: opts.height ?? 230, b: 46, r: 150 };
  const pw = fr.w - fr.l - fr.r;
  const ph = fr.h - fr.t - fr.b;
  const fmt = opts.format ?? fmtNum;
  const vals = groups.flatMap((g) => g.bars.map((b) => b.value)).filter(Number.isFinite);
  // All zero or missing (no prefix hits, every request timed out): a unit axis, not ticks of 1e-9 that all print as 0.
  let yHi = Math.max(0, ...vals);
  if (!(yHi > 0)) yHi = 1;
  yHi *= 1.12;
  const sy = scale(0, yHi, fr.t + ph, fr.t);
  const gw = pw / Math.max(1, groups.length);
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${fr.w}" height="${fr.h}" class="chart" role="img" aria-label="${esc(title)}">`];
  out.push(`<text x="${fr.l}" y="15" font-size="13" font-weight="600">${esc(title)}</text>`);
  out.push(`<rect x="${fr.l}" y="${fr.t}" width="${pw}" height="${ph}" fill="#fbfbfb" stroke="#ccc"/>`);
  for (const v of niceTicks(0, yHi, 4)) {
    out.push(`<line x1="${fr.l}" x2="${fr.l + pw}" y1="${f1(sy(v))}" y2="${f1(sy(v))}" stroke="#e6e6e6"/><text x="${fr.l - 5}" y="${f1(sy(v) + 3)}" font-size="10" text-anchor="end">${esc(fmt(v))}</text>`);
  }
  if (opts.yLabel) out.push(`<text x="12" y="${fr.t + ph / 2}" font-size="10" text-anchor="middle" fill="#555" transform="rotate(-90 12 ${fr.t + ph / 2})">${esc(opts.yLabel)}</text>`);
  const names: Array<{ name: string; color: string }> = [];
  groups.forEach((g, i) => {
    const n = Math.max(1, g.bars.length);
    const bw = Math.min(34, (gw * 0.8) / n);
    const x0 = fr.l + i * gw + (gw - bw * n) / 2;
    g.bars.forEach((b, k) => {
      if (!names.some((x) => x.name === b.name)) names.push({ name: b.name, color: b.color });
      const x = x0 + k * bw;
      // A missing value (null in the metrics: no request to measure) is a dash on the baseline, not a bar of 0.
      if (!Number.isFinite(b.value)) {
        out.push(`<text x="${f1(x + (bw - 2) / 2)}" y="${f1(fr.t + ph - 3)}" font-size="9" text-anchor="middle" fill="#777"><title>${esc(`${g.label} · ${b.name}: no value`)}</title>–</text>`);
        return;
      }
      const y = sy(b.value);
      out.push(`<rect x="${f1(x)}" y="${f1(y)}" width="${f1(bw - 2)}" height="${f1(fr.t + ph - y)}" fill="${b.color}"><title>${esc(`${g.label} · ${b.name}: ${fmt(b.value)}`)}</title></rect>`);
      if (bw >= 22) out.push(`<text x="${f1(x + (bw - 2) / 2)}" y="${f1(y - 3)}" font-size="9" text-anchor="middle">${esc(fmt(b.value))}</text>`);
    });
    out.push(`<text x="${f1(fr.l + i * gw + gw / 2)}" y="${fr.t + ph + 14}" font-size="11" text-anchor="middle">${esc(g.label)}</text>`);
  });
  legend(out, fr, names.map((x) => ({ ...x, area: true })));
  out.push('</svg>');
  return out.join('');
}

/** The pages' shared look: one stylesheet, inline (the report opens from a file, offline). */
export const PAGE_CSS = `body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1360px}
h1{margin:0 0 4px}h2{margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:13px;margin:10px 0 4px}
.gate{display:inline-block;padding:4px 10px;border-radius:4px;font-weight:600}.pass{background:#dff3e0;color:#17612a}.fail{background:#fbe3e3;color:#a00}.none{background:#eee;color:#444}
table{border-collapse:collapse;font-size:13px;margin:6px 0}td,th{border:1px solid #ddd;padding:3px 8px}th{background:#f4f4f4}.n{text-align:right;font-variant-numeric:tabular-nums}.bad{color:#a00;font-weight:600}.good{color:#17612a;font-weight:600}
.grid{display:flex;flex-wrap:wrap;gap:8px}.cdf{border:1px solid #eee;padding:4px;margin:4px}.lg{margin-right:14px;font-size:12px}.lg i{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:4px}
.note{color:#666;font-size:12px}.chart{display:block;margin:4px 0}.meta{color:#555;font-size:13px}`;

export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
${PAGE_CSS}
</style></head><body>
${body}
</body></html>
`;
}
