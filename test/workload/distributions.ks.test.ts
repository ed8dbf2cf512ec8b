/**
 * Every length distribution and arrival process against its analytic law: Kolmogorov–Smirnov
 * distances at the 1% level over tens of thousands of seeded draws (fixed seeds, so the
 * verdict is the same on every run), with the rounding and clamping the docs describe.
 */
import { describe, expect, it } from 'vitest';
import { ARRIVAL_PROCESSES } from '../../src/workload/arrival.js';
import { createLengthSampler, parseLengthDist } from '../../src/workload/lengths.js';
import { checkOptions } from '../../src/workload/options.js';
import { Rng } from '../../src/kernel/rng.js';
import { gammaP, ksCritical99, ksDistance, phi } from './cdf.js';

const N = 40_000;

function lengths(raw: unknown, seed = 11): number[] {
  const s = createLengthSampler(parseLengthDist(raw, (k) => k ?? 'input'));
  const random = new Rng(seed);
  return Array.from({ length: N }, () => s.sample(random));
}

/** P(V <= k) for V = a continuous law (CDF `f`) rounded to the nearest integer and clamped to [lo, hi]. */
const roundedClamped = (f: (x: number) => number, lo: number, hi: number) => (k: number): number => (k < lo ? 0 : k >= hi ? 1 : f(k + 0.5));

describe('length distributions follow their analytic laws (rounded, then clamped into the clip)', () => {
  const cases: Array<[string, Record<string, unknown>, (k: number) => number]> = [
    ['normal(500, 100)', { dist: 'normal', mean: 500, std: 100 }, roundedClamped((x) => phi((x - 500) / 100), 1, Infinity)],
    ['normal(100, 80) clamped to [50, 200]', { dist: 'normal', mean: 100, std: 80, min: 50, max: 200 }, roundedClamped((x) => phi((x - 100) / 80), 50, 200)],
    ['lognormal median 120, sigma 1, [4, 4096]', { dist: 'lognormal', median: 120, sigma: 1, min: 4, max: 4096 }, roundedClamped((x) => phi((Math.log(x) - Math.log(120)) / 1), 4, 4096)],
    ['lognormal mean 300, std 200', { dist: 'lognormal', mean: 300, std: 200 }, (() => {
      const s2 = Math.log(1 + (200 / 300) ** 2);
      return roundedClamped((x) => phi((Math.log(x) - (Math.log(300) - s2 / 2)) / Math.sqrt(s2)), 1, Infinity);
    })()],
    ['lognormal mean 300, sigma 0.8', { dist: 'lognormal', mean: 300, sigma: 0.8 }, roundedClamped((x) => phi((Math.log(x) - (Math.log(300) - 0.32)) / 0.8), 1, Infinity)],
    ['exponential mean 200, [10, 500]', { dist: 'exponential', mean: 200, min: 10, max: 500 }, roundedClamped((x) => 1 - Math.exp(-x / 200), 10, 500)],
    // Narrow laws, where rounding to the nearest integer differs visibly from flooring or ceiling.
    ['normal(10, 1.5)', { dist: 'normal', mean: 10, std: 1.5 }, roundedClamped((x) => phi((x - 10) / 1.5), 1, Infinity)],
    ['exponential mean 3', { dist: 'exponential', mean: 3 }, roundedClamped((x) => 1 - Math.exp(-x / 3), 1, Infinity)],
    ['uniform [100, 300]', { dist: 'uniform', min: 100, max: 300 }, (k) => Math.min(1, Math.max(0, (Math.floor(k) - 99) / 201))],
    ['empirical 10/20/30 weighted 1/2/7', { dist: 'empirical', values: [10, 20, 30], weights: [1, 2, 7] }, (k) => (k < 10 ? 0 : k < 20 ? 0.1 : k < 30 ? 0.3 : 1)],
  ];
  it.each(cases)('%s', (_name, raw, cdf) => {
    expect(ksDistance(lengths(raw), cdf)).toBeLessThan(ksCritical99(N));
  });

  it('clamping puts the clipped mass on the bounds (not redrawn): normal(100, 80) in [50, 200]', () => {
    const xs = lengths({ dist: 'normal', mean: 100, std: 80, min: 50, max: 200 });
    // P(X < 50.5) = Φ(-0.619) = 0.268; P(X >= 199.5) = 1 - Φ(1.244) = 0.107
    expect(xs.filter((x) => x === 50).length / N).toBeCloseTo(0.268, 2);
    expect(xs.filter((x) => x === 200).length / N).toBeCloseTo(0.107, 2);
  });
});

describe('arrival processes follow their analytic laws', () => {
  const entry = (name: string) => ARRIVAL_PROCESSES.find((e) => e.name === name)!;

  /** The gaps (µs) of `n` arrivals of a process at `rateRps` from 0, below 1 µs read as 1 µs (times are emitted as whole µs). */
  function gaps(name: string, options: Record<string, unknown>, rateRps: number, n: number, seed = 5): number[] {
    const e = entry(name);
    const p = e.create(checkOptions(e, options, () => 'test'));
    const random = new Rng(seed);
    p.begin(0, Infinity, rateRps, random);
    let prev = p.next(random);
    return Array.from({ length: n }, () => {
      const t = p.next(random);
      const g = t - prev;
      prev = t;
      return Math.max(1, g);
    });
  }

  it('poisson gaps are exponential with mean 1/rate', () => {
    expect(ksDistance(gaps('poisson', {}, 10, N), (x) => 1 - Math.exp(-x / 1e5))).toBeLessThan(ksCritical99(N));
  });

  it.each([0.5, 2, 3])('gamma cv %s: gaps are gamma with shape 1/cv² and mean 1/rate (vllm bench serve --burstiness = 1/cv²)', (cv) => {
    const shape = 1 / (cv * cv);
    expect(ksDistance(gaps('gamma', { cv }, 10, N), (x) => gammaP(shape, (x / 1e5) * shape))).toBeLessThan(ksCritical99(N));
  });

  it('exact-count: floor(rate x duration) a stage, the first at its start, the others uniform over it', () => {
    const e = entry('exact-count');
    const p = e.create({});
    const random = new Rng(8);
    const positions: number[] = [];
    for (let rep = 0; rep < 4000; rep++) {
      p.begin(0, 1e6, 10.5, random);
      const t: number[] = [];
      for (let x = p.next(random); x !== Infinity; x = p.next(random)) t.push(x);
      expect(t).toHaveLength(10);
      expect(t[0]).toBe(0);
      positions.push(...t.slice(1).map((x) => x / 1e6));
    }
    expect(ksDistance(positions, (x) => x)).toBeLessThan(ksCritical99(positions.length));
  });
});
