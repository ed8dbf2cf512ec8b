/**
 * Powers that come out the same on every Node blis runs on. `Math.pow` and `**` do not: Node 24
 * (V8 13.6) computes them with the C library's pow (V8's `--use-std-math-pow`, on by default),
 * Node 20 and 22 with V8's own fdlibm port, and the two differ in the last bit for many inputs
 * (`10 ** -4` is 0.0001 on Node 24, 0.00009999999999999999 on 20 and 22), so a run's outputs would
 * depend on the Node that ran it. Math.exp, Math.log, Math.expm1, Math.log1p, Math.sqrt and
 * Math.cbrt give the same bits on 20, 22 and 24 (V8's fdlibm ports, unchanged), and powers whose
 * result is exact (`2 ** 30`, `x ** 2`: both V8s multiply) agree too; every other power is written
 * with these. No result takes a power inside the per-step loop at the default settings.
 */

/** x^y for x > 0 (x = 1 gives 1): exp(y·ln x), a few ulps from the exact power for |y·ln x| ≲ 700. */
export function powPositive(x: number, y: number): number {
  return Math.exp(y * Math.log(x));
}

/** 1 − u^y for u in (0, 1]: without the cancellation of 1 − powPositive(u, y) when u^y is near 1. */
export function oneMinusPow(u: number, y: number): number {
  return -Math.expm1(y * Math.log(u));
}

/** 10^k for an integer k, correctly rounded (what the literal `1e${k}` reads as). */
export function powerOfTen(k: number): number {
  return Number(`1e${k}`);
}

/** x^n for an integer n ≥ 0 by n − 1 multiplications: exact while the result fits 53 bits. */
export function powInteger(x: number, n: number): number {
  let out = 1;
  for (let i = 0; i < n; i++) out *= x;
  return out;
}
