/**
 * Analytic CDFs and a Kolmogorov–Smirnov distance for the workload's statistical tests. The
 * formulas are the textbook ones (Abramowitz & Stegun 6.5 and 7.1; Numerical Recipes' series
 * and continued fraction for the incomplete gamma function), written here from them.
 */

/** Complementary error function, fractional error below 1.2e-7 (Chebyshev fit, A&S 7.1). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(poly);
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF. */
export const phi = (z: number): number => 0.5 * erfc(-z / Math.SQRT2);

/** log Γ(x) for x > 0 (Lanczos, g = 7). */
export function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = c[0]!;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised lower incomplete gamma P(a, x): the CDF at x of a gamma of shape a and scale 1. */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  const front = Math.exp(-x + a * Math.log(x) - logGamma(a));
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 100_000 && Math.abs(term) > Math.abs(sum) * 1e-15; n++) {
      term *= x / (a + n);
      sum += term;
    }
    return sum * front;
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-15) break;
  }
  return 1 - front * h;
}

/**
 * The largest distance between the empirical CDF of `xs` and `cdf`, taken at the sample points
 * (both sides of each step). For integer samples pass the CDF of the integer law (its value at k
 * is P(X <= k)); the distance is then read at each distinct value.
 */
export function ksDistance(xs: readonly number[], cdf: (x: number) => number): number {
  const a = Float64Array.from(xs).sort();
  const n = a.length;
  let d = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j < n && a[j] === a[i]) j++;
    const f = cdf(a[i]!);
    d = Math.max(d, Math.abs(j / n - f));
    if (!Number.isInteger(a[i]!)) d = Math.max(d, Math.abs(i / n - f));
    i = j;
  }
  return d;
}

/** The KS distance a sample of n stays below with probability 99% (asymptotic, 1.63 / sqrt(n)). */
export const ksCritical99 = (n: number): number => 1.63 / Math.sqrt(n);
