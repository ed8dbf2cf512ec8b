/**
 * Token-length distributions (prompt and output lengths): one registry, each entry a name,
 * its options and a factory. Every sample is an integer number of tokens, at least 1, and
 * inside the optional [min, max] clip that every distribution accepts.
 */
import { InputError, showValue } from '../kernel/errors.js';
import { type Entry, type OptionSpec, type OptionValues, type WhereFn, checkOptions, lookupEntry, num } from './options.js';
import { type Random, exponential, standardNormal } from '../kernel/random.js';

export interface LengthSampler {
  /** An integer token count >= 1. */
  sample(random: Random): number;
  /** The distribution's mean before rounding and clipping (for docs and rate estimates). */
  readonly mean: number;
}

export interface LengthEntry extends Entry {
  create(options: OptionValues, where: WhereFn): LengthSampler;
}

/** A resolved distribution: plain data, so the resolved config can echo it. */
export interface LengthDist {
  readonly dist: string;
  readonly options: OptionValues;
}

const clip: Record<string, OptionSpec> = {
  min: { describe: 'lower clip', unit: 'tokens', default: 1, min: 1 },
  max: { describe: 'upper clip', unit: 'tokens', optional: true, min: 1 },
};

/**
 * The whole token counts a [min, max] clip admits: a fractional bound rounds inwards, so a
 * clamped sample is still an integer inside the clip (min 10.4, max 12.6 gives 11..12).
 */
function integerBounds(where: WhereFn, min: number, max: number): [number, number] {
  if (max < min) throw new InputError('SPEC_OUT_OF_RANGE', where('max'), `expected max >= min (${min}); found ${max}`);
  const lo = Math.max(1, Math.ceil(min));
  const hi = Math.floor(max);
  if (hi < lo) throw new InputError('SPEC_OUT_OF_RANGE', where('max'), `expected a whole number of tokens between min (${min}) and max (${max}); found none`);
  return [lo, hi];
}

function clipped(options: OptionValues, where: WhereFn, draw: (random: Random) => number, mean: number): LengthSampler {
  const [lo, hi] = integerBounds(where, Math.max(1, num(options, 'min') ?? 1), num(options, 'max') ?? Number.MAX_SAFE_INTEGER);
  return {
    mean,
    sample(random) {
      const v = Math.round(draw(random));
      return v < lo ? lo : v > hi ? hi : v;
    },
  };
}

export const constantLength: LengthEntry = {
  name: 'constant',
  describe: 'every request has the same length',
  options: { value: { describe: 'the length', unit: 'tokens', min: 1 } },
  create: (o, where) => {
    const v = num(o, 'value')!;
    return clipped({}, where, () => v, v);
  },
};

export const uniformLength: LengthEntry = {
  name: 'uniform',
  describe: 'uniform integers in [min, max]',
  options: {
    min: { describe: 'smallest length', unit: 'tokens', min: 1 },
    max: { describe: 'largest length', unit: 'tokens', min: 1 },
  },
  create: (o, where) => {
    const [a, b] = integerBounds(where, num(o, 'min')!, num(o, 'max')!);
    const span = b - a + 1;
    return { mean: (a + b) / 2, sample: (random) => a + Math.min(span - 1, Math.floor(random.next() * span)) };
  },
};

export const normalLength: LengthEntry = {
  name: 'normal',
  describe: 'normal(mean, std), rounded and clipped to [min, max]',
  options: {
    mean: { describe: 'mean', unit: 'tokens', positive: true },
    std: { describe: 'standard deviation', unit: 'tokens', min: 0 },
    ...clip,
  },
  create: (o, where) => {
    const mean = num(o, 'mean')!;
    const std = num(o, 'std')!;
    return clipped(o, where, (r) => mean + std * standardNormal(r), mean);
  },
};

export const lognormalLength: LengthEntry = {
  name: 'lognormal',
  describe: 'lognormal given median+sigma, mean+sigma or mean+std; rounded and clipped to [min, max]',
  options: {
    median: { describe: 'median (exp(mu))', unit: 'tokens', optional: true, positive: true },
    mean: { describe: 'mean', unit: 'tokens', optional: true, positive: true },
    sigma: { describe: 'standard deviation of log(length)', optional: true, min: 0 },
    std: { describe: 'standard deviation of the length', unit: 'tokens', optional: true, min: 0 },
    ...clip,
  },
  create: (o, where) => {
    const median = num(o, 'median');
    const mean = num(o, 'mean');
    let sigma = num(o, 'sigma');
    const std = num(o, 'std');
    if ((median === undefined) === (mean === undefined)) {
      throw new InputError('SPEC_BAD_DISTRIBUTION', where(), `lognormal needs exactly one of 'median' or 'mean'; found ${median === undefined ? 'neither' : 'both'}`);
    }
    if ((sigma === undefined) === (std === undefined) || (median !== undefined && std !== undefined)) {
      throw new InputError('SPEC_BAD_DISTRIBUTION', where(), "lognormal needs 'median'+'sigma', 'mean'+'sigma' or 'mean'+'std'");
    }
    // mean = exp(mu + sigma^2/2); var = (exp(sigma^2) - 1) mean^2
    if (std !== undefined) {
      const cv = std / mean!;
      sigma = Math.sqrt(Math.log(1 + cv * cv));
    }
    const s = sigma!;
    const mu = median !== undefined ? Math.log(median) : Math.log(mean!) - (s * s) / 2;
    return clipped(o, where, (r) => Math.exp(mu + s * standardNormal(r)), Math.exp(mu + (s * s) / 2));
  },
};

export const exponentialLength: LengthEntry = {
  name: 'exponential',
  describe: 'exponential with the given mean, rounded and clipped to [min, max]',
  options: { mean: { describe: 'mean', unit: 'tokens', positive: true }, ...clip },
  create: (o, where) => {
    const mean = num(o, 'mean')!;
    return clipped(o, where, (r) => mean * exponential(r), mean);
  },
};

export const empiricalLength: LengthEntry = {
  name: 'empirical',
  describe: 'one of the listed values, with the listed weights (equal weights when omitted)',
  options: {
    values: { describe: 'lengths', unit: 'tokens', kind: 'numbers', min: 1 },
    weights: { describe: 'relative weights, one per value', kind: 'numbers', optional: true, min: 0 },
  },
  create: (o, where) => {
    const values = o['values'] as readonly number[];
    const weights = (o['weights'] as readonly number[] | undefined) ?? values.map(() => 1);
    if (weights.length !== values.length) {
      throw new InputError('SPEC_BAD_DISTRIBUTION', where('weights'), `expected ${values.length} weights (one per value); found ${weights.length}`);
    }
    const total = weights.reduce((a, b) => a + b, 0);
    if (!(total > 0)) throw new InputError('SPEC_BAD_DISTRIBUTION', where('weights'), 'expected weights with a positive sum; found all zero');
    const cdf = new Float64Array(values.length);
    let acc = 0;
    let mean = 0;
    for (let i = 0; i < values.length; i++) {
      acc += weights[i]! / total;
      cdf[i] = acc;
      mean += (weights[i]! / total) * values[i]!;
    }
    const ints = values.map((v) => Math.max(1, Math.round(v)));
    return {
      mean,
      sample(random) {
        const u = random.next();
        let lo = 0;
        let hi = cdf.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cdf[mid]! > u) hi = mid;
          else lo = mid + 1;
        }
        return ints[lo]!;
      },
    };
  },
};

/** The only place a length-distribution name exists. */
export const LENGTH_DISTRIBUTIONS: readonly LengthEntry[] = [
  constantLength, uniformLength, normalLength, lognormalLength, exponentialLength, empiricalLength,
];

/**
 * Validates a distribution written as data: a bare number means `constant`; an object names
 * its distribution in `dist` and carries that entry's options.
 */
export function parseLengthDist(raw: unknown, where: WhereFn): LengthDist {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw) || raw < 1) throw new InputError('SPEC_OUT_OF_RANGE', where(), `expected a length >= 1 token; found ${raw}`);
    return Object.freeze({ dist: 'constant', options: Object.freeze({ value: raw }) });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError('SPEC_WRONG_TYPE', where(), `expected a token count or a distribution {dist: ${LENGTH_DISTRIBUTIONS.map((e) => e.name).join('|')}, ...}; found ${showValue(raw)}`);
  }
  const obj = raw as Record<string, unknown>;
  const entry = lookupEntry(LENGTH_DISTRIBUTIONS, obj['dist'], 'length distribution', 'SPEC_UNKNOWN_DISTRIBUTION', where('dist'));
  const options = Object.freeze(checkOptions(entry, obj, where, ['dist']));
  entry.create(options, where); // cross-field checks now, while the file position is known
  return Object.freeze({ dist: entry.name, options });
}

export function createLengthSampler(d: LengthDist): LengthSampler {
  const entry = lookupEntry(LENGTH_DISTRIBUTIONS, d.dist, 'length distribution', 'SPEC_UNKNOWN_DISTRIBUTION', 'dist');
  return entry.create(d.options, (k) => (k ? `dist.${k}` : 'dist'));
}
