import { describe, expect, it } from 'vitest';
import { exponential, gamma, shuffledIndices, standardNormal, uniformInt, uniformOpen } from '../../src/kernel/random.js';
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

  it('samplers over it draw the right means and variances', () => {
    const r = new Rng(1);
    expect(mean(() => r.next())).toBeCloseTo(0.5, 1);
    expect(mean(() => uniformInt(r, 10))).toBeCloseTo(4.5, 1);
    expect(Math.abs(mean(() => exponential(r)) - 1)).toBeLessThan(0.03);
    expect(Math.abs(mean(() => standardNormal(r)))).toBeLessThan(0.02);
    expect(Math.abs(mean(() => standardNormal(r) ** 2) - 1)).toBeLessThan(0.03);
    // Gamma(k, 1) has mean k; shape < 1 goes through the u^(1/k) boost.
    expect(Math.abs(mean(() => gamma(r, 2.5)) - 2.5)).toBeLessThan(0.05);
    expect(Math.abs(mean(() => gamma(r, 0.5)) - 0.5)).toBeLessThan(0.02);
  });

  it('uniformOpen never returns 0 (safe for log) and uniformInt stays in [0, n)', () => {
    const edge = { next: () => 0 };
    expect(uniformOpen(edge)).toBe(1);
    expect(uniformInt({ next: () => 0.999999999999 }, 7)).toBe(6);
    expect(uniformInt(edge, 7)).toBe(0);
  });

  it('shuffles a permutation of 0..n-1, the same for the same seed', () => {
    const a = shuffledIndices(new Rng(5), 50);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...shuffledIndices(new Rng(5), 50)]).toEqual([...a]);
    expect([...a]).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
