/**
 * The cost of one GEMM (and of any kernel that moves bytes and does FLOPs) on a GPU, as a smooth
 * roofline: t = (t_mem^p + t_compute^p)^(1/p), with t_mem = bytes / achieved bandwidth and
 * t_compute = FLOPs / achieved tensor throughput. p → ∞ is the hard roofline max; a finite p
 * charges the knee where neither resource is saturated (partial waves, tile quantisation).
 *
 * Why this shape: fitted to microsoft/vidur's per-operator profiles (data/profiling/compute/
 * {a100,h100,a40}/<model>/mlp.csv, commit 7d47513) of the QKV, output, up and down projections
 * of 6-8 models, TP 1-8, M = 1…8192 tokens: t = t0 + smooth(p) with p = 1.48 (H100), 1.50
 * (A100), 1.66 (A40), t0 ≈ 5.7 µs (a per-kernel floor, costed separately as kernels_us) and
 * per-GPU rates recorded in ./hardware.json. The hard max under-predicts the knee by 20-25 %
 * (mean ln error −0.22 on H100); the smooth form leaves 7-9 % mean |ln error|.
 * test/model/gemm.vidur.test.ts checks it against those measurements.
 */
import { powPositive } from '../kernel/powers.js';

/** Rates of one GPU in the units the step-time code uses (bytes and FLOPs per µs). */
export interface KernelRates {
  /** Achieved HBM streaming bandwidth, bytes/µs. */
  readonly bytesPerUs: number;
  /** Achieved large-GEMM throughput for this GEMM's precision, FLOP/µs. */
  readonly flopsPerUs: number;
  /** Transition exponent p of the smooth roofline. */
  readonly exponent: number;
}

/** µs of a kernel that moves `bytes` and does `flops` at `rates`. Monotone in both; allocates nothing. */
export function smoothRooflineUs(bytes: number, flops: number, rates: KernelRates): number {
  const tm = bytes / rates.bytesPerUs;
  const tc = flops / rates.flopsPerUs;
  if (tc <= 0) return tm;
  if (tm <= 0) return tc;
  const p = rates.exponent;
  if (p === 1.5) {
    // The default exponent without Math.pow (≈ 10× faster per call; this runs several times per step).
    const s = tm * Math.sqrt(tm) + tc * Math.sqrt(tc);
    return Math.cbrt(s * s);
  }
  // (tm^p + tc^p)^(1/p) = hi·(1 + (lo/hi)^p)^(1/p), with powers that are the same on every Node (kernel/powers.ts).
  const hi = Math.max(tm, tc);
  return hi * powPositive(1 + powPositive(Math.min(tm, tc) / hi, p), 1 / p);
}

/**
 * One dense GEMM shape per GPU (TP-sharded): y[M×N] = x[M×K] · W[K×N]. Precomputed once per
 * model; `gemmUs(g, M)` costs it for M tokens.
 */
export interface GemmShape {
  /** Weight bytes read once per call (K·N·weight bytes). */
  readonly weightBytes: number;
  /** Activation bytes per token: input row read, output row written ((K + N) · activation bytes). */
  readonly activationBytesPerToken: number;
  /** FLOPs per token (2·K·N). */
  readonly flopsPerToken: number;
  readonly rates: KernelRates;
}

export function gemmShape(k: number, n: number, weightBytesPerElement: number, activationBytes: number, rates: KernelRates): GemmShape {
  return Object.freeze({ weightBytes: k * n * weightBytesPerElement, activationBytesPerToken: (k + n) * activationBytes, flopsPerToken: 2 * k * n, rates });
}

/** µs of the GEMM for M tokens (0 for M = 0). */
export function gemmUs(g: GemmShape, m: number): number {
  if (m <= 0) return 0;
  return smoothRooflineUs(g.weightBytes + m * g.activationBytesPerToken, m * g.flopsPerToken, g.rates);
}
