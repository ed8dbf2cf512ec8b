/**
 * Successive halving (Jamieson and Talwalkar, AISTATS 2016): every configuration runs short
 * first; the best 1/eta of each rung run again eta times longer, up to the base length. A rung's
 * length scales the base's `num-requests` (or `duration`): rung r of R runs base / eta^(R-1-r).
 * "Best" is what a planner wants: configurations that hold the SLO, cheapest first (the fleet's
 * price per hour, or, when the configurations serve different traffic or are autoscaled, the
 * cost per served request: pareto.ts costBasis); then the others by attainment; without targets (or with targets
 * that judged no request), the lowest p99 TTFT, after every configuration they judged.
 */
import { InputError } from '../kernel/errors.js';
import { powInteger } from '../kernel/powers.js';
import { costBasis, lineCost, type CostBasis } from './pareto.js';
import { sloJudged, type ResultLine } from './results.js';
import type { SweepSpec, SweepValue } from './sweep-spec.js';

/** Requests per run when nothing else bounds it (the workload default). */
const DEFAULT_REQUESTS = 1000;

/** The length flags of rung `rung` (num-requests, or duration when the base gives one instead). */
export function rungLength(spec: SweepSpec, rung: number): Record<string, SweepValue> {
  const h = spec.halving!;
  const shrink = powInteger(h.eta, h.rungs - 1 - rung);
  const base = spec.base;
  if (base['duration'] !== undefined && base['num-requests'] === undefined) {
    const d = Number(base['duration']);
    if (!(d > 0)) throw new InputError('SWEEP_OUT_OF_RANGE', spec.where(['base', 'duration']), `expected a duration > 0 for successive halving; found ${String(base['duration'])}`);
    return { duration: Number((d / shrink).toPrecision(6)) };
  }
  const n = base['num-requests'] === undefined ? DEFAULT_REQUESTS : Number(base['num-requests']);
  const short = Math.round(n / shrink);
  if (!(short >= 1)) throw new InputError('SWEEP_OUT_OF_RANGE', spec.where(['halving']), `rung ${rung} would run ${n}/${shrink} < 1 requests; expected fewer rungs or more num-requests`);
  return { 'num-requests': short };
}

function cost(l: ResultLine, basis: CostBasis): number {
  return lineCost(l, basis) ?? Infinity;
}

function ttftP99(l: ResultLine): number {
  const t = (l.metrics?.['ttft_ms'] as { p99?: number | null } | undefined)?.p99;
  return typeof t === 'number' ? t : Infinity;
}

/** Best first; `basis` from all the sweep's lines when `lines` mix rungs (pareto.ts costBasis). */
export function rankLines(lines: readonly ResultLine[], basis: CostBasis = costBasis(lines)): ResultLine[] {
  const key = (l: ResultLine): number[] => {
    if (l.error !== undefined) return [3, 0, 0];
    // Without targets, or with targets that judged no request (their holding is vacuous).
    if (l.slo === undefined || !sloJudged(l)) return [2, ttftP99(l), 0];
    if (l.slo.holds) return [0, cost(l, basis), ttftP99(l)];
    return [1, -(l.slo.attainment.attainment ?? 0), ttftP99(l)];
  };
  return lines.map((l) => ({ l, k: key(l) })).sort((a, b) => {
    for (let i = 0; i < a.k.length; i++) if (a.k[i] !== b.k[i]) return a.k[i]! - b.k[i]!;
    return a.l.index - b.l.index;
  }).map((x) => x.l);
}

/** Indices of the configurations promoted from a rung: the best ceil(n / eta). */
export function promoted(lines: readonly ResultLine[], eta: number): number[] {
  return rankLines(lines).slice(0, Math.ceil(lines.length / eta)).map((l) => l.index).sort((a, b) => a - b);
}
