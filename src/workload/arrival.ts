/**
 * Arrival processes: when requests (or session starts) arrive. One registry; each entry makes
 * a stateful process that is run one stage segment at a time: `begin` a segment
 * [startUs, endUs) at a rate, then `next` until it returns Infinity. A process restarts at
 * every stage boundary (memoryless for Poisson; for gamma and constant the phase resets).
 */
import { type Entry, type OptionValues, num } from './options.js';
import { type Random, exponential, gamma, uniformOpen } from '../kernel/random.js';
import { US_PER_S } from '../kernel/units.js';
import { oneMinusPow } from '../kernel/powers.js';

export interface ArrivalProcess {
  /** Starts a segment [startUs, endUs) (endUs may be Infinity) at `rateRps` requests per second. */
  begin(startUs: number, endUs: number, rateRps: number, random: Random): void;
  /** The next arrival time in microseconds (fractional, non-decreasing), or Infinity when the segment is done. */
  next(random: Random): number;
}

export interface ArrivalEntry extends Entry {
  create(options: OptionValues): ArrivalProcess;
}

/** A renewal process: i.i.d. gaps drawn by `gapUs(meanGapUs)`; `atStart` puts the first arrival at the segment start. */
function renewal(gap: (random: Random, meanGapUs: number) => number, atStart: boolean): ArrivalProcess {
  let t = 0;
  let end = 0;
  let meanGapUs = 0;
  let first = false;
  return {
    begin(startUs, endUs, rateRps) {
      t = startUs;
      end = endUs;
      meanGapUs = rateRps > 0 ? US_PER_S / rateRps : Infinity;
      first = atStart;
    },
    next(random) {
      if (meanGapUs === Infinity) return Infinity;
      if (first) first = false;
      else t += gap(random, meanGapUs);
      return t < end ? t : Infinity;
    },
  };
}

export const poissonArrival: ArrivalEntry = {
  name: 'poisson',
  describe: 'Poisson process: independent exponential gaps (open-loop users)',
  options: {},
  create: () => renewal((r, m) => m * exponential(r), false),
};

export const gammaArrival: ArrivalEntry = {
  name: 'gamma',
  describe: 'gamma-distributed gaps with coefficient of variation cv (cv > 1 is bursty, cv = 1 is Poisson, cv < 1 is smoother)',
  options: { cv: { describe: 'coefficient of variation of the gaps (std / mean)', default: 2, positive: true } },
  create: (o) => {
    const cv = num(o, 'cv')!;
    // shape k = 1/cv^2 gives std/mean = 1/sqrt(k) = cv; scale = mean/k keeps the rate.
    const shape = 1 / (cv * cv);
    return renewal((r, m) => (m / shape) * gamma(r, shape), false);
  },
};

export const constantArrival: ArrivalEntry = {
  name: 'constant',
  describe: 'evenly spaced arrivals, the first at the segment start',
  options: {},
  create: () => renewal((_r, m) => m, true),
};

/**
 * Requests an inference-perf stage issues: int(rate * duration) (loadgen/load_generator.py
 * run_stage; loadgen/load_timer.py ConstantLoadTimer), the floor. A product a few float ulps short
 * of a whole number (0.29 x 100 is 28.999999999999996, count / rate x rate) still counts it; the
 * slack is relative to the product's own precision, so large counts are not rounded up.
 */
export function stageRequestCount(rateRps: number, durationS: number): number {
  const exact = rateRps * durationS;
  const n = Math.floor(exact);
  return n + 1 - exact <= Math.max(1e-9, 4 * Number.EPSILON * exact) ? n + 1 : n;
}

export const exactCountArrival: ArrivalEntry = {
  name: 'exact-count',
  describe: 'exactly floor(rate x duration) arrivals per stage, shared by its exact-count clients: exponential gaps rescaled to span the stage (inference-perf load.type=constant, as in the calibration runs); Poisson when the stage has no end',
  options: {},
  create: () => {
    const poisson = poissonArrival.create({});
    let unbounded = false;
    let start = 0;
    let span = 0;
    let remaining = 0;
    let x = 0;
    let first = false;
    return {
      begin(startUs, endUs, rateRps, random) {
        unbounded = endUs === Infinity;
        if (unbounded) {
          poisson.begin(startUs, endUs, rateRps, random);
          return;
        }
        start = startUs;
        span = endUs - startUs;
        const n = stageRequestCount(rateRps, span / US_PER_S);
        // inference-perf rescales N exponential gaps to sum to the stage length and sends request
        // k at start + the first k gaps: its first one gap after the start, its last at the end.
        // Here the same N gaps are read the other way round: the first request at the stage start,
        // the last one gap before the end, so that every arrival stays inside [start, end), where a
        // stage and the horizon count it (validate's plan.ts does the same). The N-1 positions in
        // between have the same law either way: the order statistics of N-1 uniforms over the
        // span (exponential spacings normalised by their sum), drawn in order without storing them.
        first = n > 0;
        remaining = Math.max(0, n - 1);
        x = 0;
      },
      next(random) {
        if (unbounded) return poisson.next(random);
        if (first) {
          first = false;
          return start;
        }
        if (remaining === 0) return Infinity;
        x += (1 - x) * oneMinusPow(uniformOpen(random), 1 / remaining);
        remaining--;
        return start + x * span;
      },
    };
  },
};

/** The only place an arrival-process name exists. */
export const ARRIVAL_PROCESSES: readonly ArrivalEntry[] = [poissonArrival, gammaArrival, constantArrival, exactCountArrival];
