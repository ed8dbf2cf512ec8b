import { describe, expect, it } from 'vitest';
import { ARRIVAL_PROCESSES, type ArrivalEntry, stageRequestCount } from '../../src/workload/arrival.js';
import { checkOptions } from '../../src/workload/options.js';
import { Rng } from '../../src/kernel/rng.js';
import { meanAndCv } from './helpers.js';

function times(entry: ArrivalEntry, raw: Record<string, unknown>, startUs: number, endUs: number, rateRps: number, seed = 1): number[] {
  const random = new Rng(seed);
  const p = entry.create(checkOptions(entry, raw, () => 'test'));
  p.begin(startUs, endUs, rateRps, random);
  const out: number[] = [];
  for (let t = p.next(random); t !== Infinity; t = p.next(random)) out.push(t);
  return out;
}

const byName = (name: string) => ARRIVAL_PROCESSES.find((e) => e.name === name)!;

describe.each(ARRIVAL_PROCESSES.map((e) => [e.name, e] as const))('arrival process %s (conformance)', (_name, entry) => {
  it('keeps the mean rate within 3% over 20,000 expected arrivals, inside the segment, non-decreasing', () => {
    const t = times(entry, {}, 5e6, 5e6 + 1000e6, 20);
    expect(Math.abs(t.length - 20_000) / 20_000).toBeLessThan(0.03);
    expect(t[0]!).toBeGreaterThanOrEqual(5e6);
    expect(t[t.length - 1]!).toBeLessThan(5e6 + 1000e6);
    for (let i = 1; i < t.length; i++) expect(t[i]!).toBeGreaterThanOrEqual(t[i - 1]!);
  });

  it('gives the same times for the same seed', () => {
    expect(times(entry, {}, 0, 60e6, 5, 9)).toEqual(times(entry, {}, 0, 60e6, 5, 9));
  });

  it('issues nothing at rate 0', () => {
    expect(times(entry, {}, 0, 60e6, 0)).toEqual([]);
  });
});

describe('arrival processes', () => {
  it('poisson gaps are exponential: coefficient of variation 1', () => {
    const t = times(byName('poisson'), {}, 0, 2000e6, 10);
    const gaps = t.slice(1).map((x, i) => x - t[i]!);
    const { mean, cv } = meanAndCv(gaps);
    expect(mean).toBeCloseTo(1e5, -4);
    expect(cv).toBeGreaterThan(0.97);
    expect(cv).toBeLessThan(1.03);
  });

  it.each([0.5, 1, 2, 4])('gamma reproduces the configured coefficient of variation %s', (cv) => {
    const t = times(byName('gamma'), { cv }, 0, 10_000e6, 10);
    const gaps = t.slice(1).map((x, i) => x - t[i]!);
    const got = meanAndCv(gaps);
    expect(got.cv / cv).toBeGreaterThan(0.93);
    expect(got.cv / cv).toBeLessThan(1.07);
    expect(got.mean / 1e5).toBeGreaterThan(0.95);
    expect(got.mean / 1e5).toBeLessThan(1.05);
  });

  it('constant spaces arrivals exactly 1/rate apart from the segment start', () => {
    const t = times(byName('constant'), {}, 1e6, 2e6, 4);
    expect(t).toEqual([1e6, 1.25e6, 1.5e6, 1.75e6]);
  });

  it('exact-count issues exactly floor(rate x duration) per stage, as inference-perf int(rate * duration), first at the stage start', () => {
    for (const [rate, durS, count] of [[5, 600, 3000], [10, 600, 6000], [6, 1200, 7200], [0.7, 10, 7], [3.3, 1, 3], [2.5, 3, 7], [3, 0.5, 1], [0.29, 100, 29], [0.9, 1, 0]] as const) {
      const t = times(byName('exact-count'), {}, 600e6, 600e6 + durS * 1e6, rate, 3);
      expect(t.length).toBe(count);
      if (count === 0) continue;
      expect(t[0]).toBe(600e6);
      expect(t[t.length - 1]!).toBeLessThan(600e6 + durS * 1e6);
    }
  });

  it('stageRequestCount is the floor of rate x duration, forgiving only float error (small or large counts)', () => {
    expect(stageRequestCount(2.5, 3)).toBe(7);
    expect(stageRequestCount(0.29, 100)).toBe(29); // 28.999999999999996 in doubles
    expect(stageRequestCount(1000 / 3, 3)).toBe(1000);
    expect(stageRequestCount(1e6, 1e4)).toBe(1e10);
    expect(stageRequestCount(123456.7, 1e4)).toBe(1234567000);
    expect(stageRequestCount(3.3, 1)).toBe(3);
  });

  it('exact-count spans the stage with near-exponential gaps (the calibration runs saw cv ~1.0-1.17)', () => {
    const t = times(byName('exact-count'), {}, 0, 600e6, 10, 5);
    const gaps = t.slice(1).map((x, i) => x - t[i]!);
    const { mean, cv } = meanAndCv(gaps);
    expect(mean / 1e5).toBeGreaterThan(0.98);
    expect(mean / 1e5).toBeLessThan(1.02);
    expect(cv).toBeGreaterThan(0.95);
    expect(cv).toBeLessThan(1.05);
    expect(t[t.length - 1]!).toBeGreaterThan(599e6);
  });

  it('exact-count without a stage end falls back to Poisson', () => {
    const random = new Rng(2);
    const p = byName('exact-count').create({});
    p.begin(0, Infinity, 100, random);
    let last = 0;
    for (let i = 0; i < 1000; i++) last = p.next(random);
    expect(last / 1e7).toBeGreaterThan(0.9);
    expect(last / 1e7).toBeLessThan(1.1);
  });
});
