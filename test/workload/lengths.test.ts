import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/kernel/errors.js';
import { LENGTH_DISTRIBUTIONS, createLengthSampler, parseLengthDist } from '../../src/workload/lengths.js';
import { Rng } from '../../src/kernel/rng.js';

const where = (k?: string) => (k ? `spec.yaml:3 input.${k}` : 'spec.yaml:3 input');

function draw(raw: unknown, n = 50_000, seed = 1): number[] {
  const s = createLengthSampler(parseLengthDist(raw, where));
  const random = new Rng(seed);
  return Array.from({ length: n }, () => s.sample(random));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const examples: Record<string, Record<string, unknown>> = {
  constant: { value: 100 },
  uniform: { min: 10, max: 20 },
  normal: { mean: 500, std: 100 },
  lognormal: { median: 300, sigma: 1 },
  exponential: { mean: 200 },
  empirical: { values: [10, 100, 1000], weights: [1, 2, 1] },
};

describe.each(LENGTH_DISTRIBUTIONS.map((e) => [e.name, e] as const))('length distribution %s (conformance)', (name) => {
  it('draws integers >= 1 and is deterministic for a seed', () => {
    const xs = draw({ dist: name, ...examples[name] }, 5000);
    expect(xs.every((x) => Number.isInteger(x) && x >= 1)).toBe(true);
    expect(xs).toEqual(draw({ dist: name, ...examples[name] }, 5000));
  });
});

describe('length distributions', () => {
  it('a bare number is a constant length', () => {
    expect(new Set(draw(128, 100))).toEqual(new Set([128]));
  });

  it('uniform covers [min, max] inclusive with mean (min+max)/2', () => {
    const xs = draw({ dist: 'uniform', min: 10, max: 20 });
    expect(Math.min(...xs)).toBe(10);
    expect(Math.max(...xs)).toBe(20);
    expect(mean(xs)).toBeCloseTo(15, 0);
  });

  it('normal keeps its mean and is clipped to [min, max]', () => {
    expect(mean(draw({ dist: 'normal', mean: 500, std: 100 }))).toBeCloseTo(500, -1);
    const xs = draw({ dist: 'normal', mean: 500, std: 300, min: 200, max: 700 });
    expect(Math.min(...xs)).toBe(200);
    expect(Math.max(...xs)).toBe(700);
  });

  it('lognormal accepts median+sigma, mean+sigma and mean+std', () => {
    expect(median(draw({ dist: 'lognormal', median: 300, sigma: 1 })) / 300).toBeGreaterThan(0.97);
    expect(median(draw({ dist: 'lognormal', median: 300, sigma: 1 })) / 300).toBeLessThan(1.03);
    expect(mean(draw({ dist: 'lognormal', mean: 400, sigma: 0.5 })) / 400).toBeGreaterThan(0.98);
    expect(mean(draw({ dist: 'lognormal', mean: 400, sigma: 0.5 })) / 400).toBeLessThan(1.02);
    const xs = draw({ dist: 'lognormal', mean: 1000, std: 500 });
    expect(mean(xs) / 1000).toBeGreaterThan(0.98);
    expect(mean(xs) / 1000).toBeLessThan(1.02);
    const sd = Math.sqrt(xs.reduce((a, x) => a + (x - 1000) ** 2, 0) / xs.length);
    expect(sd / 500).toBeGreaterThan(0.93);
    expect(sd / 500).toBeLessThan(1.07);
  });

  it.each([
    [{ dist: 'normal', mean: 12, std: 5, min: 10.4, max: 12.6 }, [11, 12]],
    [{ dist: 'exponential', mean: 3, min: 1.5, max: 4.5 }, [2, 3, 4]],
    [{ dist: 'uniform', min: 1.5, max: 3.5 }, [2, 3]],
  ])('a clip between integers keeps every sample a whole number of tokens inside it: %j', (raw, values) => {
    expect([...new Set(draw(raw, 5000))].sort((a, b) => a - b)).toEqual(values);
  });

  it('lognormal is clipped to max', () => {
    expect(Math.max(...draw({ dist: 'lognormal', median: 300, sigma: 2, max: 2048 }))).toBe(2048);
  });

  it('exponential keeps its mean', () => {
    expect(mean(draw({ dist: 'exponential', mean: 200 })) / 200).toBeGreaterThan(0.97);
    expect(mean(draw({ dist: 'exponential', mean: 200 })) / 200).toBeLessThan(1.03);
  });

  it('empirical draws the listed values with their weights', () => {
    const xs = draw({ dist: 'empirical', values: [10, 100, 1000], weights: [1, 2, 1] });
    const share100 = xs.filter((x) => x === 100).length / xs.length;
    expect(new Set(xs)).toEqual(new Set([10, 100, 1000]));
    expect(share100).toBeGreaterThan(0.48);
    expect(share100).toBeLessThan(0.52);
  });

  it.each([
    [{ dist: 'zipf', s: 1 }, 'SPEC_UNKNOWN_DISTRIBUTION', 'input.dist'],
    [{ dist: 'normal', mean: 10 }, 'SPEC_MISSING_FIELD', 'input.std'],
    [{ dist: 'normal', mean: 10, std: 1, spread: 2 }, 'SPEC_UNKNOWN_FIELD', 'input.spread'],
    [{ dist: 'uniform', min: 20, max: 10 }, 'SPEC_OUT_OF_RANGE', 'input.max'],
    [{ dist: 'exponential', mean: 'big' }, 'SPEC_WRONG_TYPE', 'input.mean'],
    [{ dist: 'lognormal', median: 10, mean: 10, sigma: 1 }, 'SPEC_BAD_DISTRIBUTION', 'input'],
    [{ dist: 'empirical', values: [1, 2], weights: [1] }, 'SPEC_BAD_DISTRIBUTION', 'input.weights'],
    [0, 'SPEC_OUT_OF_RANGE', 'input'],
    [{ dist: 'uniform', min: 10.2, max: 10.8 }, 'SPEC_OUT_OF_RANGE', 'input.max'],
    [{ dist: 'normal', mean: 10, std: 1, min: 10.4, max: 10.6 }, 'SPEC_OUT_OF_RANGE', 'input.max'],
    ['long', 'SPEC_WRONG_TYPE', 'input'],
  ])('rejects %j with %s at %s', (raw, code, field) => {
    try {
      parseLengthDist(raw, where);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).code).toBe(code);
      expect((e as InputError).where).toBe(`spec.yaml:3 ${field}`);
    }
  });
});
