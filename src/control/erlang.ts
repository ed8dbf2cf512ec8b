/**
 * M/M/c formulas (Erlang C) for the queueing analyzer. Offered load a = λ/μ Erlangs over c
 * servers; Erlang B by the stable recursion B(k) = a·B(k−1) / (k + a·B(k−1)), then
 * C = B / (1 − ρ(1 − B)) with ρ = a/c. O(c) per evaluation.
 */

/** Probability that an arrival waits (Erlang C); 1 when the system is unstable (ρ >= 1). */
export function erlangC(c: number, a: number): number {
  if (c <= 0) return 1;
  if (a <= 0) return 0;
  const rho = a / c;
  if (rho >= 1) return 1;
  let b = 1;
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  return b / (1 - rho * (1 - b));
}

/** P(wait > t) in M/M/c with arrival rate λ and per-server rate μ: C · exp(−(cμ − λ)·t). */
export function waitTailProbability(c: number, lambda: number, mu: number, tS: number): number {
  if (lambda <= 0) return 0;
  if (c * mu <= lambda) return 1;
  return erlangC(c, lambda / mu) * Math.exp(-(c * mu - lambda) * tS);
}
