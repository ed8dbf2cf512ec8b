/**
 * The cost/quality trade-off of a sweep: a configuration is on the front when no other is at
 * most as expensive and at least as good, and strictly better in one. Two fronts: cost against
 * SLO attainment (higher is better) and cost against p99 TTFT (lower is better).
 *
 * Cost is the fleet's price per hour while every configuration serves the same traffic with a
 * fixed fleet (else the run's total). When the configurations serve different traffic (rate,
 * workload or request count swept) or are autoscaled, a fleet's price per hour no longer
 * compares them: the same fleet at 25 req/s would dominate itself at 400 req/s, whose latency is
 * worse at the same price, and every front and "best" would be the lowest rate. The cost is then
 * what serving a request costs (the run's total per thousand completed requests), so a fleet
 * driven harder serves more cheaply and the front is the trade between that and latency.
 */
import { canonicalJson } from './configurations.js';
import type { ResultLine } from './results.js';

/** What a front's cost is: the fleet's price per hour, or the cost of a thousand served requests. */
export type CostBasis = 'fleet_per_hour' | 'per_thousand_requests';

export interface ParetoPoint {
  readonly line: ResultLine;
  /** In the sweep's cost basis (costBasis). */
  readonly cost: number | null;
  readonly costBasis: CostBasis;
  readonly attainment: number | null;
  readonly ttftP99Ms: number | null;
  readonly onAttainmentFront: boolean;
  readonly onTtftFront: boolean;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function lineCost(l: ResultLine, basis: CostBasis = 'fleet_per_hour'): number | null {
  if (basis === 'per_thousand_requests') return num(l.cost?.['per_thousand_requests']);
  return num(l.cost?.['fleet_per_hour']) ?? num(l.cost?.['total']);
}

/** The traffic a configuration served: its resolved workload (where each value came from aside). */
function trafficKey(l: ResultLine): string {
  const config = l.metrics?.['config'] as Record<string, unknown> | undefined;
  const workload = config?.['workload'];
  if (typeof workload !== 'object' || workload === null) return canonicalJson(config ?? null);
  const { sources: _sources, ...served } = workload as Record<string, unknown>;
  return canonicalJson(served);
}

/**
 * Why the fronts compare the cost of served requests instead of the fleet's price per hour; null
 * when the price per hour compares them. Two reasons:
 * - the configurations served different traffic. Compared within one rung, the lowest given:
 *   successive halving runs a rung's configurations with `num-requests` (or `duration`) scaled
 *   down by eta per rung (halving.ts rungLength), so the lines of different rungs always differ
 *   in request count, and a sweep whose configurations all serve the same rate would read as
 *   different traffic. Every configuration runs rung 0.
 * - a configuration is autoscaled: `fleet_per_hour` prices the fleet it starts with, while it
 *   bills every replica it adds (cluster/cost.ts), so two policies starting from one replica tie
 *   per hour however far each scaled, and the eager one's lower latency made it "best".
 */
export function perRequestReason(lines: readonly ResultLine[]): 'different traffic' | 'autoscaled' | null {
  let rung = Infinity;
  for (const l of lines) if (l.error === undefined && l.rung < rung) rung = l.rung;
  const first = lines.filter((l) => l.error === undefined && l.rung === rung);
  if (new Set(first.map(trafficKey)).size > 1) return 'different traffic';
  if (first.some((l) => l.metrics?.['autoscaler'] !== undefined)) return 'autoscaled';
  return null;
}

/** Per thousand requests when perRequestReason gives a reason, else per hour. */
export function costBasis(lines: readonly ResultLine[]): CostBasis {
  return perRequestReason(lines) === null ? 'fleet_per_hour' : 'per_thousand_requests';
}

export function lineTtftP99(l: ResultLine): number | null {
  return num((l.metrics?.['ttft_ms'] as Record<string, unknown> | undefined)?.['p99']);
}

/** Indices (into `pts`) of the non-dominated points; `better(a, b)` > 0 when a's quality beats b's. */
function front<T>(pts: readonly T[], cost: (p: T) => number | null, quality: (p: T) => number | null, higherIsBetter: boolean): Set<number> {
  const out = new Set<number>();
  const sign = higherIsBetter ? 1 : -1;
  pts.forEach((p, i) => {
    const c = cost(p);
    const q = quality(p);
    if (c === null || q === null) return;
    const dominated = pts.some((o, j) => {
      if (j === i) return false;
      const co = cost(o);
      const qo = quality(o);
      if (co === null || qo === null) return false;
      return co <= c && sign * qo >= sign * q && (co < c || sign * qo > sign * q);
    });
    if (!dominated) out.add(i);
  });
  return out;
}

/** The longest-rung line of each configuration (successive halving re-runs the best longer). */
export function finalLines(lines: readonly ResultLine[]): ResultLine[] {
  const best = new Map<number, ResultLine>();
  for (const l of lines) {
    const b = best.get(l.index);
    if (b === undefined || l.rung > b.rung) best.set(l.index, l);
  }
  return [...best.values()].sort((a, b) => a.index - b.index);
}

export function paretoPoints(lines: readonly ResultLine[]): ParetoPoint[] {
  const ran = finalLines(lines).filter((l) => l.error === undefined);
  // From every rung's lines: the final lines of a halving sweep mix rungs (costBasis).
  const basis = costBasis(lines);
  const cost = (l: ResultLine): number | null => lineCost(l, basis);
  const att = (l: ResultLine): number | null => l.slo?.attainment.attainment ?? null;
  const fa = front(ran, cost, att, true);
  const ft = front(ran, cost, lineTtftP99, false);
  return ran.map((l, i) => ({ line: l, cost: cost(l), costBasis: basis, attainment: att(l), ttftP99Ms: lineTtftP99(l), onAttainmentFront: fa.has(i), onTtftFront: ft.has(i) }));
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** pareto.csv: the configurations on either front, cheapest first (in the fronts' cost basis). */
export function paretoCsv(points: readonly ParetoPoint[], axes: readonly string[]): string {
  const head = ['index', 'hash', ...axes, 'fleet_cost_per_hour', 'cost_per_thousand_requests', 'slo_attainment', 'ttft_p99_ms', 'slo_holds', 'regime', 'front_attainment', 'front_ttft'];
  const rows = points.filter((p) => p.onAttainmentFront || p.onTtftFront)
    .sort((a, b) => (a.cost ?? Infinity) - (b.cost ?? Infinity) || a.line.index - b.line.index)
    .map((p) => [p.line.index, p.line.hash, ...axes.map((a) => p.line.axes[a]), lineCost(p.line), lineCost(p.line, 'per_thousand_requests'), p.attainment, p.ttftP99Ms, p.line.slo?.holds ?? '', p.line.regime?.state ?? '', p.onAttainmentFront, p.onTtftFront]);
  return [head, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}
