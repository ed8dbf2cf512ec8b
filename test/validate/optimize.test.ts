import { describe, expect, it } from 'vitest';
import { nelderMead } from '../../src/validate/optimize.js';

const rosenbrock = (x: readonly number[]): number => (1 - x[0]!) ** 2 + 100 * (x[1]! - x[0]! ** 2) ** 2;

describe('Nelder–Mead', () => {
  it('finds the minimum of a shifted quadratic', async () => {
    const f = (x: readonly number[]): number => (x[0]! - 3) ** 2 + 2 * (x[1]! + 1) ** 2 + 0.5 * (x[2]! - 0.25) ** 2 + 7;
    const r = await nelderMead(f, { x0: [0, 0, 0], maxEvaluations: 2000 });
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(3, 4);
    expect(r.x[1]).toBeCloseTo(-1, 4);
    expect(r.x[2]).toBeCloseTo(0.25, 4);
    expect(r.f).toBeCloseTo(7, 8);
  });

  it('solves Rosenbrock from (−1.2, 1)', async () => {
    const r = await nelderMead(rosenbrock, { x0: [-1.2, 1], maxEvaluations: 5000 });
    expect(r.x[0]).toBeCloseTo(1, 3);
    expect(r.x[1]).toBeCloseTo(1, 3);
    expect(r.f).toBeLessThan(1e-8);
  });

  it('respects bounds: the constrained optimum sits on the bound', async () => {
    const seen: number[][] = [];
    const f = (x: readonly number[]): number => {
      seen.push([...x]);
      return (x[0]! - 5) ** 2 + (x[1]! - 0.5) ** 2;
    };
    const r = await nelderMead(f, { x0: [1, 1], lower: [0, 0], upper: [2, 2], maxEvaluations: 3000 });
    expect(r.x[0]).toBeCloseTo(2, 4);
    expect(r.x[1]).toBeCloseTo(0.5, 4);
    expect(seen.every((x) => x[0]! >= 0 && x[0]! <= 2 && x[1]! >= 0 && x[1]! <= 2)).toBe(true);
  });

  it('is deterministic and accepts an async objective', async () => {
    const af = async (x: readonly number[]): Promise<number> => rosenbrock(x);
    const a = await nelderMead(af, { x0: [0, 0], maxEvaluations: 300 });
    const b = await nelderMead(rosenbrock, { x0: [0, 0], maxEvaluations: 300 });
    expect(a).toEqual(b);
    expect(a.evaluations).toBeLessThanOrEqual(300 + 2);
  });

  it('never evaluates past the budget, whatever step the budget ends in, and reports what it spent', async () => {
    for (const [x0, lower, upper] of [[[-1.2, 1], undefined, undefined], [[0.5, 0.5, 0.5], [0, 0, 0], [2, 3, 4]]] as const) {
      for (let budget = 1; budget <= 60; budget++) {
        let calls = 0;
        const r = await nelderMead((x) => { calls++; return rosenbrock(x) + (x[2] ?? 0) ** 2; }, { x0, ...(lower ? { lower, upper } : {}), maxEvaluations: budget, restarts: 1 });
        expect(calls, `budget ${budget}`).toBeLessThanOrEqual(budget);
        expect(r.evaluations).toBe(calls);
      }
    }
  });

  it('evaluates and returns the start exactly as given (a resumed fit with one evaluation keeps its coefficients)', async () => {
    const seen: number[][] = [];
    const x0 = [9769.144529180103, 0.748204596082692, 1511.874145765562];
    const r = await nelderMead((x) => { seen.push([...x]); return 1; }, { x0, lower: [0, 0, 0], upper: [60000, 6, 4000], maxEvaluations: 1 });
    expect(seen).toEqual([x0]);
    expect(r.x).toEqual(x0);
  });

  it('stops at the evaluation budget', async () => {
    let calls = 0;
    const r = await nelderMead((x) => { calls++; return rosenbrock(x); }, { x0: [-1.2, 1], maxEvaluations: 20 });
    expect(r.converged).toBe(false);
    expect(calls).toBeLessThanOrEqual(22);
  });
});
