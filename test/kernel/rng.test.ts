import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/kernel/rng.js';

function mean(f: () => number, n = 50000): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += f();
  return s / n;
}

describe('rng', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const xa = Array.from({ length: 10 }, () => a.next());
    expect(Array.from({ length: 10 }, () => b.next())).toEqual(xa);
    expect(Array.from({ length: 10 }, () => c.next())).not.toEqual(xa);
    for (const x of xa) expect(x >= 0 && x < 1).toBe(true);
  });

  it('forks independent, reproducible streams regardless of parent consumption', () => {
    const a = new Rng(7);
    const f1 = a.fork('arrivals').next();
    a.next();
    expect(a.fork('arrivals').next()).toBe(f1);
    expect(a.fork('lengths').next()).not.toBe(f1);
  });

  it('draws distributions with the right means', () => {
    const r = new Rng(1);
    expect(mean(() => r.next())).toBeCloseTo(0.5, 1);
    expect(mean(() => r.int(10))).toBeCloseTo(4.5, 1);
    expect(Math.abs(mean(() => r.exponential(3)) - 3)).toBeLessThan(0.1);
    expect(Math.abs(mean(() => r.normal(2, 1.5)) - 2)).toBeLessThan(0.05);
    expect(Math.abs(mean(() => r.gamma(2.5, 2)) - 5)).toBeLessThan(0.1);
    expect(Math.abs(mean(() => r.gamma(0.5, 2)) - 1)).toBeLessThan(0.05);
    expect(Math.abs(mean(() => r.lognormal(0, 0.5)) - Math.exp(0.125))).toBeLessThan(0.03);
  });
});
