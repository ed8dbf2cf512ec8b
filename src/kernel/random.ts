/**
 * The one source of randomness every room draws from: `Random` (next() uniform in [0, 1)),
 * which the kernel's seeded generator (rng.ts) satisfies, and the samplers over it. Samplers
 * keep no hidden state, so a seed and the order of draws fix every result.
 */
import { powPositive } from './powers.js';
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
}

/** Uniform in (0, 1]: safe to take the logarithm of. */
export function uniformOpen(random: Random): number {
  return 1 - random.next();
}

/** Exponential with mean 1. */
export function exponential(random: Random): number {
  return -Math.log(uniformOpen(random));
}

/** Standard normal (Box-Muller; the second variate is dropped so no hidden state is kept). */
export function standardNormal(random: Random): number {
  const u = uniformOpen(random);
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Gamma with the given shape and scale 1 (Marsaglia and Tsang 2000; shape < 1 by boosting). */
export function gamma(random: Random, shape: number): number {
  if (shape < 1) {
    return gamma(random, shape + 1) * powPositive(uniformOpen(random), 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = uniformOpen(random);
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Integer in [0, n). */
export function uniformInt(random: Random, n: number): number {
  return Math.min(n - 1, Math.floor(random.next() * n));
}

/** Fisher-Yates shuffle of 0..n-1. */
export function shuffledIndices(random: Random, n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = uniformInt(random, i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}
