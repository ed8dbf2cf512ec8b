/**
 * Just enough SVG for the sweep report: scales with readable ticks, a framed plot with axes
 * and grid lines, and colour ramps. Strings in, strings out; no DOM, so the report is a pure
 * function of the results and byte-identical for the same results.
 */
import { powerOfTen } from '../kernel/powers.js';

export function esc(s: unknown): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Coordinates with two decimals keep the file small and stable. */
export function f2(x: number): string {
  return (Math.round(x * 100) / 100).toString();
}

export interface Scale {
  (v: number): number;
  readonly ticks: readonly number[];
  readonly log: boolean;
}

/** Round tick values (1, 2, 5 × 10^k) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = powerOfTen(Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

/** A scale from the data's extent (padded) onto [r0, r1]; log when asked and the data allow. */
export function scale(values: readonly number[], r0: number, r1: number, opts: { log?: boolean; zero?: boolean; min?: number; max?: number } = {}): Scale {
  const finite = values.filter((v) => Number.isFinite(v));
  let lo = opts.min ?? Math.min(...finite);
  let hi = opts.max ?? Math.max(...finite);
  if (finite.length === 0) {
    lo = 0;
    hi = 1;
  }
  const log = opts.log === true && lo > 0;
  if (log) {
    const a = Math.floor(Math.log10(lo));
    const b = Math.ceil(Math.log10(hi === lo ? hi * 10 : hi));
    const ticks: number[] = [];
    for (let k = a; k <= b; k++) for (const m of [1, 2, 5]) if (powerOfTen(k) * m >= powerOfTen(a) && powerOfTen(k) * m <= powerOfTen(b)) ticks.push(Number((powerOfTen(k) * m).toPrecision(6)));
    const floor = powerOfTen(a);
    const f = ((v: number) => r0 + ((Math.log10(Math.max(v, floor)) - a) / (b - a || 1)) * (r1 - r0)) as Scale;
    return Object.assign(f, { ticks, log: true });
  }
  if (opts.zero) lo = Math.min(0, lo);
  if (hi === lo) {
    hi = lo + (Math.abs(lo) || 1) * 0.5;
    lo = lo - (Math.abs(lo) || 1) * 0.5;
  } else if (opts.min === undefined || opts.max === undefined) {
    const pad = (hi - lo) * 0.06;
    if (opts.min === undefined && !(opts.zero && lo === 0)) lo -= pad;
    if (opts.max === undefined) hi += pad;
  }
  const f = ((v: number) => r0 + ((v - lo) / (hi - lo)) * (r1 - r0)) as Scale;
  return Object.assign(f, { ticks: niceTicks(lo, hi), log: false });
}

export function fmtTick(v: number): string {
  if (Math.abs(v) >= 1e4) return `${Number((v / 1000).toPrecision(3))}k`;
  return String(Number(v.toPrecision(4)));
}

export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

export function frame(width: number, height: number): Frame {
  return { width, height, left: 64, right: width - 16, top: 16, bottom: height - 44 };
}

/** The frame's axes, grid lines, tick labels and axis titles around `body`. */
export function plot(fr: Frame, x: Scale, y: Scale, xLabel: string, yLabel: string, body: string, title: string): string {
  let s = `<svg xmlns="http://www.w3.org/2000/svg" width="${fr.width}" height="${fr.height}" viewBox="0 0 ${fr.width} ${fr.height}" role="img" aria-label="${esc(title)}">`;
  s += `<rect x="${fr.left}" y="${fr.top}" width="${fr.right - fr.left}" height="${fr.bottom - fr.top}" fill="#fff" stroke="#999"/>`;
  for (const t of x.ticks) {
    const px = x(t);
    if (px < fr.left - 0.5 || px > fr.right + 0.5) continue;
    s += `<line x1="${f2(px)}" x2="${f2(px)}" y1="${fr.top}" y2="${fr.bottom}" stroke="#eee"/><text x="${f2(px)}" y="${fr.bottom + 16}" text-anchor="middle" class="tick">${esc(fmtTick(t))}</text>`;
  }
  for (const t of y.ticks) {
    const py = y(t);
    if (py < fr.top - 0.5 || py > fr.bottom + 0.5) continue;
    s += `<line x1="${fr.left}" x2="${fr.right}" y1="${f2(py)}" y2="${f2(py)}" stroke="#eee"/><text x="${fr.left - 6}" y="${f2(py + 4)}" text-anchor="end" class="tick">${esc(fmtTick(t))}</text>`;
  }
  s += `<text x="${f2((fr.left + fr.right) / 2)}" y="${fr.height - 8}" text-anchor="middle" class="axis">${esc(xLabel)}</text>`;
  s += `<text transform="translate(14 ${f2((fr.top + fr.bottom) / 2)}) rotate(-90)" text-anchor="middle" class="axis">${esc(yLabel)}</text>`;
  return s + body + '</svg>';
}

export const REGIME_COLOURS: Readonly<Record<string, string>> = { stable: '#2e7d32', 'near-knee': '#ef8f00', overloaded: '#c62828' };

/** Red (0) → amber → green (1). */
export function goodColour(t: number): string {
  const c = Math.max(0, Math.min(1, t));
  const stops: Array<[number, number, number]> = [[198, 40, 40], [239, 143, 0], [46, 125, 50]];
  const seg = c < 0.5 ? 0 : 1;
  const u = c < 0.5 ? c * 2 : (c - 0.5) * 2;
  const [a, b] = [stops[seg]!, stops[seg + 1]!];
  const mix = (i: number): number => Math.round(a[i]! + (b[i]! - a[i]!) * u);
  return `rgb(${mix(0)},${mix(1)},${mix(2)})`;
}

/** Distinct line colours (Tableau 10). */
export const SERIES_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
