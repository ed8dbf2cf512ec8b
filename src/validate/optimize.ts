/**
 * Derivative-free minimisation for calibration (simulation in the loop): Nelder–Mead with the
 * adaptive coefficients of Gao & Han (2012, "Implementing the Nelder-Mead simplex algorithm with
 * adaptive parameters"), box bounds by the transformation x = lo + (hi − lo)(1 + sin u)/2, which
 * keeps every evaluated point inside the box without penalties, and restarts from the best point
 * (a collapsed simplex is the classic Nelder–Mead failure). Deterministic: no randomness, the
 * objective is called sequentially and may be async.
 */

export type Objective = (x: readonly number[]) => number | Promise<number>;

export interface MinimizeOptions {
  readonly x0: readonly number[];
  /** Box bounds per coordinate; ±Infinity (or omitted) for unbounded. */
  readonly lower?: readonly number[];
  readonly upper?: readonly number[];
  /** Initial simplex step per coordinate in x units (default: 10% of the range, or 5% of |x0|, or 0.1). */
  readonly step?: number | readonly number[];
  /** Default 200 × dimensions. */
  readonly maxEvaluations?: number;
  /** Stop when the simplex's f spread and its width (in internal coordinates) fall below these. */
  readonly tolF?: number;
  readonly tolX?: number;
  /** Restarts from the best point after convergence (default 2). */
  readonly restarts?: number;
  /** Called after every iteration with the best point so far (progress reporting). */
  readonly onIteration?: (best: { readonly x: readonly number[]; readonly f: number; readonly evaluations: number }) => void;
}

export interface MinimizeResult {
  readonly x: number[];
  readonly f: number;
  readonly evaluations: number;
  readonly iterations: number;
  /** True when the tolerances were met (false: the evaluation budget ran out). */
  readonly converged: boolean;
}

interface Transform {
  toX(u: readonly number[]): number[];
  toU(x: readonly number[]): number[];
}

function makeTransform(n: number, lower?: readonly number[], upper?: readonly number[]): Transform {
  const lo = Array.from({ length: n }, (_, i) => lower?.[i] ?? -Infinity);
  const hi = Array.from({ length: n }, (_, i) => upper?.[i] ?? Infinity);
  for (let i = 0; i < n; i++) if (!(lo[i]! < hi[i]!)) throw new RangeError(`bounds for coordinate ${i}: lower ${lo[i]} must be below upper ${hi[i]}`);
  const bounded = (i: number): boolean => Number.isFinite(lo[i]!) && Number.isFinite(hi[i]!);
  return {
    toX: (u) => u.map((v, i) => {
      if (bounded(i)) return lo[i]! + ((hi[i]! - lo[i]!) * (1 + Math.sin(v))) / 2;
      if (Number.isFinite(lo[i]!)) return lo[i]! + v * v; // one-sided: x = lo + u²
      if (Number.isFinite(hi[i]!)) return hi[i]! - v * v;
      return v;
    }),
    toU: (x) => x.map((v, i) => {
      if (bounded(i)) return Math.asin(Math.max(-1, Math.min(1, (2 * (v - lo[i]!)) / (hi[i]! - lo[i]!) - 1)));
      if (Number.isFinite(lo[i]!)) return Math.sqrt(Math.max(0, v - lo[i]!));
      if (Number.isFinite(hi[i]!)) return Math.sqrt(Math.max(0, hi[i]! - v));
      return v;
    }),
  };
}

/** Minimises `f` from `x0`. */
export async function nelderMead(f: Objective, opts: MinimizeOptions): Promise<MinimizeResult> {
  const n = opts.x0.length;
  if (n === 0) throw new RangeError('x0 must have at least one coordinate');
  const tr = makeTransform(n, opts.lower, opts.upper);
  const maxEval = opts.maxEvaluations ?? 200 * n;
  const tolF = opts.tolF ?? 1e-10;
  const tolX = opts.tolX ?? 1e-10;
  const restarts = opts.restarts ?? 2;
  // Gao–Han adaptive coefficients
  const alpha = 1;
  const gamma = 1 + 2 / n;
  const rho = 0.75 - 1 / (2 * n);
  const sigma = 1 - 1 / n;

  let evaluations = 0;
  let iterations = 0;
  // The start is evaluated and reported as given: sin(asin(·)) is not exact, and a resumed fit
  // (`--start`, one evaluation) must score and return the very coefficients it was started from.
  const startU = tr.toU(opts.x0);
  const toX = (u: readonly number[]): number[] => (u === startU ? [...opts.x0] : tr.toX(u));
  const evalU = async (u: readonly number[]): Promise<number> => {
    evaluations++;
    const v = await f(toX(u));
    return Number.isNaN(v) ? Infinity : v;
  };

  const stepFor = (i: number, x: number): number => {
    if (typeof opts.step === 'number') return opts.step;
    if (opts.step) return opts.step[i]!;
    const lo = opts.lower?.[i] ?? -Infinity;
    const hi = opts.upper?.[i] ?? Infinity;
    if (Number.isFinite(lo) && Number.isFinite(hi)) return 0.1 * (hi - lo);
    return x !== 0 ? 0.05 * Math.abs(x) : 0.1;
  };

  let bestU = startU;
  let bestF = await evalU(bestU);
  let converged = false;

  for (let round = 0; round <= restarts && evaluations < maxEval; round++) {
    // Initial simplex in u-space: perturb each coordinate so that x moves by about its step.
    const x0 = toX(bestU);
    const simplex: number[][] = [bestU];
    const values: number[] = [bestF];
    for (let i = 0; i < n && evaluations < maxEval; i++) {
      const xs = x0.slice();
      const lo = opts.lower?.[i] ?? -Infinity;
      const hi = opts.upper?.[i] ?? Infinity;
      const s = stepFor(i, x0[i]!);
      xs[i] = x0[i]! + s <= hi ? x0[i]! + s : x0[i]! - s;
      if (xs[i]! < lo) xs[i] = (lo + x0[i]!) / 2;
      let u = tr.toU(xs);
      if (u[i] === bestU[i]) u = bestU.map((v, j) => (j === i ? v + 0.1 : v));
      simplex.push(u);
      values.push(await evalU(u));
    }
    converged = false;
    while (evaluations < maxEval) {
      iterations++;
      const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
      const sx = order.map((i) => simplex[i]!);
      const sv = order.map((i) => values[i]!);
      simplex.splice(0, simplex.length, ...sx);
      values.splice(0, values.length, ...sv);
      opts.onIteration?.({ x: toX(simplex[0]!), f: values[0]!, evaluations });
      let width = 0;
      for (let k = 1; k <= n; k++) for (let i = 0; i < n; i++) width = Math.max(width, Math.abs(simplex[k]![i]! - simplex[0]![i]!));
      if (Math.abs(values[n]! - values[0]!) <= tolF && width <= tolX) {
        converged = true;
        break;
      }
      const centroid = new Array<number>(n).fill(0);
      for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) centroid[i]! += simplex[k]![i]! / n;
      const worst = simplex[n]!;
      const along = (t: number): number[] => centroid.map((c, i) => c + t * (worst[i]! - c));
      const xr = along(-alpha);
      const fr = await evalU(xr);
      // The budget is a cap (`--max-evaluations`): no expansion or contraction after its last evaluation.
      if (evaluations >= maxEval) {
        if (fr < values[n]!) [simplex[n], values[n]] = [xr, fr];
        break;
      }
      if (fr < values[0]!) {
        const xe = along(-alpha * gamma);
        const fe = await evalU(xe);
        if (fe < fr) [simplex[n], values[n]] = [xe, fe];
        else [simplex[n], values[n]] = [xr, fr];
        continue;
      }
      if (fr < values[n - 1]!) {
        [simplex[n], values[n]] = [xr, fr];
        continue;
      }
      const outside = fr < values[n]!;
      const xc = outside ? along(-alpha * rho) : along(rho);
      const fc = await evalU(xc);
      if (fc < (outside ? fr : values[n]!)) {
        [simplex[n], values[n]] = [xc, fc];
        continue;
      }
      for (let k = 1; k <= n && evaluations < maxEval; k++) {
        simplex[k] = simplex[k]!.map((v, i) => simplex[0]![i]! + sigma * (v - simplex[0]![i]!));
        values[k] = await evalU(simplex[k]!);
      }
    }
    let bi = 0;
    for (let k = 1; k < values.length; k++) if (values[k]! < values[bi]!) bi = k;
    const improved = values[bi]! < bestF;
    if (values[bi]! <= bestF) [bestU, bestF] = [simplex[bi]!, values[bi]!];
    if (converged && !improved && round > 0) break;
  }
  return { x: toX(bestU), f: bestF, evaluations, iterations, converged };
}
