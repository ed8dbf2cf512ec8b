/**
 * The highest arrival rate at which the SLOs hold: a search over rate in which every probe is
 * a full simulation (the caller's `probe`), so the answer is reproducible with `blis run`.
 *
 * The search brackets the answer by doubling or halving from the start rate, then narrows the
 * bracket until hi/lo ≤ 1 + tolerance. Inside the bracket it interpolates where the SLO margin
 * (the worst observed/target ratio over the checks) crosses 1, on log scales, like a false-
 * position root finder; a step that would land within the outer tenths of the bracket, or two
 * steps that did not halve it, fall back to the geometric midpoint. Latency against rate is a
 * hockey stick, so interpolation mostly saves probes on the flat side and bisection keeps the
 * worst case at that of plain bisection plus one probe per two.
 */
import { InputError } from '../kernel/errors.js';

export interface ProbeOutcome {
  readonly rateRps: number;
  readonly holds: boolean;
  /** max over checks of observed / target (Infinity when a statistic is infinite). */
  readonly margin: number;
  /** Anything else to report per probe (the CLI puts attainment, latencies, regime, command here). */
  readonly detail: Readonly<Record<string, unknown>>;
}

export type RateProbe = (rateRps: number) => Promise<ProbeOutcome>;

export interface CapacitySearchOptions {
  /** First rate tried, requests/s. */
  readonly startRps: number;
  /** Stop when hi/lo ≤ 1 + tolerance (default 0.02). */
  readonly tolerance?: number;
  /** Give up after this many probes (default 24). */
  readonly maxProbes?: number;
  /** No rate below this is tried (default startRps / 1024). */
  readonly minRps?: number;
  /** No rate above this is tried (default startRps × 1024). */
  readonly maxRps?: number;
}

export interface CapacityResult {
  /** The highest probed rate at which the SLOs held; null when even the lowest rate failed. */
  readonly maxRateRps: number | null;
  /** The lowest probed rate at which they failed; null when even the highest held. */
  readonly failRateRps: number | null;
  /** Why the search stopped. */
  readonly stopped: 'converged' | 'max-probes' | 'holds-at-max' | 'fails-at-min';
  readonly probes: readonly ProbeOutcome[];
}

/** Rates keep four significant digits, so probe command lines read cleanly. */
export function roundRate(r: number): number {
  return Number(r.toPrecision(4));
}

const LOG_MARGIN_CAP = Math.log(100);

function logMargin(p: ProbeOutcome): number {
  return Number.isFinite(p.margin) && p.margin > 0 ? Math.min(LOG_MARGIN_CAP, Math.log(p.margin)) : LOG_MARGIN_CAP;
}

export async function maxSustainableRate(probe: RateProbe, options: CapacitySearchOptions, onProbe?: (p: ProbeOutcome, n: number) => void): Promise<CapacityResult> {
  const tolerance = options.tolerance ?? 0.02;
  const maxProbes = options.maxProbes ?? 24;
  // The bounds are rounded as every probed rate is: an unrounded bound (10 / 1024 = 0.009765625)
  // lies between two probe rates, so the probe at it (0.009766) never reached it and the search
  // probed the same rate until --max-probes.
  const minRps = roundRate(options.minRps ?? options.startRps / 1024);
  const maxRps = roundRate(options.maxRps ?? options.startRps * 1024);
  if (!(options.startRps > 0)) throw new InputError('FLAG_OUT_OF_RANGE', '--rate', `expected a start rate > 0; found ${options.startRps}`);
  if (!(tolerance > 0 && tolerance < 1)) throw new InputError('FLAG_OUT_OF_RANGE', '--tolerance', `expected a fraction in (0, 1); found ${tolerance}`);
  if (!(maxProbes >= 2)) throw new InputError('FLAG_OUT_OF_RANGE', '--max-probes', `expected at least 2; found ${maxProbes}`);
  const probes: ProbeOutcome[] = [];
  const run = async (r: number): Promise<ProbeOutcome> => {
    const p = await probe(roundRate(r));
    probes.push(p);
    onProbe?.(p, probes.length);
    return p;
  };
  const done = (lo: ProbeOutcome | null, hi: ProbeOutcome | null, stopped: CapacityResult['stopped']): CapacityResult =>
    ({ maxRateRps: lo?.rateRps ?? null, failRateRps: hi?.rateRps ?? null, stopped, probes });

  // Bracket: lo holds, hi fails.
  let lo: ProbeOutcome | null = null;
  let hi: ProbeOutcome | null = null;
  const first = await run(options.startRps);
  if (first.holds) lo = first;
  else hi = first;
  while (lo === null || hi === null) {
    if (probes.length >= maxProbes) return done(lo, hi, 'max-probes');
    // A bound within the tolerance of the last probe is as good as reached: probing it would
    // repeat that probe's answer (0.00977 then 0.009766 req/s).
    if (lo !== null) {
      if (lo.rateRps * (1 + tolerance) >= maxRps) return done(lo, null, 'holds-at-max');
      const p = await run(Math.min(maxRps, lo.rateRps * 2));
      if (p.holds) lo = p;
      else hi = p;
    } else {
      if (hi!.rateRps <= minRps * (1 + tolerance)) return done(null, hi, 'fails-at-min');
      const p = await run(Math.max(minRps, hi!.rateRps / 2));
      if (p.holds) lo = p;
      else hi = p;
    }
  }

  // Narrow: safeguarded false position on log(margin) against log(rate).
  let slowSteps = 0;
  while (hi.rateRps / lo.rateRps > 1 + tolerance) {
    if (probes.length >= maxProbes) return done(lo, hi, 'max-probes');
    const a = Math.log(lo.rateRps);
    const b = Math.log(hi.rateRps);
    const fa = logMargin(lo);
    const fb = logMargin(hi);
    let x = fb > fa ? a + ((0 - fa) * (b - a)) / (fb - fa) : (a + b) / 2;
    if (slowSteps >= 2 || !(x > a + 0.1 * (b - a) && x < b - 0.1 * (b - a))) {
      x = (a + b) / 2;
      slowSteps = 0;
    }
    const r = roundRate(Math.exp(x));
    if (r <= lo.rateRps || r >= hi.rateRps) break; // the bracket is narrower than four significant digits
    const width = b - a;
    const p = await run(r);
    if (p.holds) lo = p;
    else hi = p;
    slowSteps = Math.log(hi.rateRps / lo.rateRps) > width / 2 ? slowSteps + 1 : 0;
  }
  return done(lo, hi, 'converged');
}
