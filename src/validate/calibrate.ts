/**
 * `blis calibrate`: fit the fitted step-time model (coefficients × roofline basis terms, plus
 * per-request overheads) by simulation in the loop. Each candidate coefficient set is written as
 * a blis.step-coefficients/v1 document, every training experiment is simulated with it (through
 * the injected `runnerFor`, e.g. worker threads), compared with its ground truth, and the loss
 * (calibrationLoss: mean |ln(predicted/actual)| over chosen metrics, plus the KS distance of the
 * per-request TTFT/E2E distributions where the truth has per-request rows) is minimised by
 * nelderMead. One coefficient set for all models: the error left is the model's, not tuning's.
 *
 * Speed: during the search each experiment is cut to a window at the start of each stage (with
 * trace arrivals the truth is cut identically from its per-request rows, so like is compared
 * with like); the final coefficients are then scored on the full runs.
 */
import { COEFFICIENTS_SCHEMA, FITTED_EXTRA_TERMS, rooflineEntryCoefficients } from '../model/fitted.js';
import { ROOFLINE_BASIS } from '../model/roofline.js';
import { compareSides, sideFromRows, truthFromExperiment, type StageComparison } from './compare.js';
import type { Experiment } from './experiment.js';
import { calibrationLoss } from './objective.js';
import { nelderMead } from './optimize.js';
import type { ExperimentPlan } from './plan.js';
import type { LatencyRow } from './requests.js';
import type { ValidationExperiment } from './validation.js';
import { predictedSide, type PlanRunner } from './validate.js';

/** One fitted number and where it goes in the coefficients file. */
export interface FitParameter {
  readonly name: string;
  /** Basis coefficients (`coefficients.<key>`) or overheads (`overheads.<key>`) it sets; several keys are tied. */
  readonly keys: readonly string[];
  readonly x0: number;
  readonly lower: number;
  readonly upper: number;
  readonly describe: string;
}

const COEFF = new Set<string>([...ROOFLINE_BASIS, ...FITTED_EXTRA_TERMS]);

/**
 * The parameters `blis calibrate` can fit (`--params` picks a subset). Each scales one mechanism of
 * the roofline (docs/model.md): efficiency factors per basis term (×, 1 = the GPU's measured
 * rates), CPU costs per step and per scheduled request (µs), and the per-request API-server path
 * (µs plus a multiple of the model's minimum step). The streaming terms (GEMM, MoE, decode
 * attention) are bounded below by 0.94: the H100, the GPU with the highest measured fraction,
 * streams at 0.943 of its datasheet, and no fit may make a GPU read faster than its datasheet.
 */
export const DEFAULT_FIT_PARAMETERS: readonly FitParameter[] = Object.freeze([
  { name: 'step', keys: ['step'], x0: 600, lower: 0, upper: 4000, describe: 'µs per step of engine-core CPU: scheduling, input preparation, output processing' },
  { name: 'gemm_us', keys: ['gemm_us', 'lm_head_us'], x0: 1, lower: 0.94, upper: 2.5, describe: '× roofline dense GEMM and lm-head time (cuBLAS/CUTLASS against the measured rates)' },
  { name: 'moe_us', keys: ['moe_us'], x0: 1, lower: 0.94, upper: 4, describe: '× roofline fused-MoE expert time (Triton fused_moe against the measured rates)' },
  { name: 'attn_prefill_us', keys: ['attn_prefill_us'], x0: 1, lower: 0.1, upper: 5, describe: '× roofline prefill attention time' },
  { name: 'attn_decode_us', keys: ['attn_decode_us'], x0: 1, lower: 0.94, upper: 5, describe: '× roofline decode attention time (paged KV reads)' },
  { name: 'allreduce_us', keys: ['allreduce_us'], x0: 1, lower: 0, upper: 6, describe: '× roofline TP all-reduce time (custom all-reduce / NCCL)' },
  { name: 'act_us', keys: ['act_us'], x0: 1, lower: 0, upper: 5, describe: '× roofline elementwise traffic (norms, rotary, cache write, activation, fp8 quantisation)' },
  { name: 'sampling_us', keys: ['sampling_us'], x0: 1, lower: 0, upper: 20, describe: '× roofline sampler time over vocabulary × requests' },
  // The top-p sort's measured cost spreads 0.11-0.32 ns per logit across vLLM's published benchmarks (roofline-params.ts): the fit may move within that spread, no further.
  { name: 'filter_us', keys: ['filter_us'], x0: 1, lower: 0.5, upper: 1.5, describe: "× roofline sampler-filter time (top-p sort, penalties) of the model's default sampling parameters" },
  { name: 'kernels_us', keys: ['kernels_us'], x0: 1, lower: 0, upper: 3, describe: '× the per-kernel duration floor (kernels per step)' },
  { name: 'layers', keys: ['layers'], x0: 0, lower: 0, upper: 150, describe: 'µs per model layer per step (fixed duration floor of the per-layer kernels)' },
  { name: 'allreduce_hops', keys: ['allreduce_hops'], x0: 2, lower: 0, upper: 30, describe: 'µs per ring hop of the TP all-reduces (2(tp−1) hops per collective, 2 per layer)' },
  { name: 'requests', keys: ['requests'], x0: 10, lower: 0, upper: 150, describe: 'µs per scheduled request per step (CPU bookkeeping)' },
  { name: 'prefill_tokens', keys: ['prefill_tokens'], x0: 0, lower: 0, upper: 20, describe: 'µs per prefill token (kernel inefficiency on chunks)' },
  { name: 'async_sync_us', keys: ['async_sync_us'], x0: 160, lower: 0, upper: 2000, describe: 'µs an async-scheduled step adds beyond max(GPU, CPU) (used by engines that overlap them)' },
  { name: 'firstTokenUs', keys: ['firstTokenUs'], x0: 10000, lower: 0, upper: 60000, describe: 'µs per request before its first token is seen (API server: HTTP, tokenise, detokenise, SSE)' },
  { name: 'firstTokenSteps', keys: ['firstTokenSteps'], x0: 1, lower: 0, upper: 4, describe: 'minimum steps of the model added to the first token (output handed to the API process)' },
  { name: 'perStreamedTokenUs', keys: ['perStreamedTokenUs'], x0: 20, lower: 0, upper: 500, describe: 'µs of output-path lag per token the same step streams (only for engines that apply it)' },
] satisfies FitParameter[]);

/** What `blis calibrate` fits unless `--params` says otherwise: the set the shipped coefficients were fitted with. */
export const SHIPPED_FIT_PARAMETERS: readonly string[] = Object.freeze(['step', 'kernels_us', 'requests', 'allreduce_us', 'firstTokenUs', 'firstTokenSteps']);

/**
 * What a fit starts from and keeps: one entry's coefficients and overheads, and the file's
 * `basisParams` (the roofline efficiencies its basis terms are computed with), which a file
 * written from this base carries on, so that it computes the terms it was fitted on.
 */
export interface CoefficientsBase {
  readonly coefficients: Record<string, number>;
  readonly overheads: Record<string, number>;
  readonly basisParams?: Readonly<Record<string, unknown>>;
}

/** A coefficients document from a parameter vector; unfitted terms keep `base`'s (or the roofline's) values. */
export function coefficientsDocument(x: readonly number[], params: readonly FitParameter[], base: CoefficientsBase = rooflineStart(), provenance: Record<string, unknown> = { status: 'trial', source: 'blis calibrate', date: '', inputs: [], objective: '' }): Record<string, unknown> {
  const coefficients = { ...base.coefficients };
  const overheads = { ...base.overheads };
  params.forEach((p, i) => {
    for (const k of p.keys) {
      if (COEFF.has(k)) coefficients[k] = x[i]!;
      else overheads[k] = x[i]!;
    }
  });
  return { schema: COEFFICIENTS_SCHEMA, provenance, basis: [...ROOFLINE_BASIS], ...(base.basisParams ? { basisParams: { ...base.basisParams } } : {}), entries: [{ match: {}, coefficients, overheads }] };
}

/** The raw roofline as a coefficients base (coefficient 1 on time terms, its CPU costs). */
export function rooflineStart(): { coefficients: Record<string, number>; overheads: Record<string, number> } {
  return rooflineEntryCoefficients();
}

/** Reads the first (fallback) entry of a coefficients file, and its basisParams, as a base / starting point. */
export function startFromDocument(doc: unknown): CoefficientsBase {
  const d = doc as { basisParams?: unknown; entries?: Array<{ coefficients?: Record<string, number>; overheads?: Record<string, number>; match?: object }> };
  const e = (d.entries ?? []).find((x) => !x.match || Object.keys(x.match).length === 0);
  const r = rooflineStart();
  const bp = d.basisParams;
  return {
    coefficients: { ...r.coefficients, ...(e?.coefficients ?? {}) },
    overheads: { ...r.overheads, ...(e?.overheads ?? {}) },
    ...(typeof bp === 'object' && bp !== null && !Array.isArray(bp) ? { basisParams: bp as Record<string, unknown> } : {}),
  };
}

/** Starting values of `params` taken from a base (so `--start FILE` resumes a previous fit). */
export function startVector(params: readonly FitParameter[], base: CoefficientsBase): number[] {
  return params.map((p) => {
    const k = p.keys[0]!;
    const v = COEFF.has(k) ? base.coefficients[k] : base.overheads[k];
    return v === undefined ? p.x0 : Math.min(p.upper, Math.max(p.lower, v));
  });
}

/** One training experiment, prepared once (plans are cached for every evaluation). */
export interface CalibrationCase {
  readonly exp: Experiment;
  readonly rows?: readonly LatencyRow[];
  readonly plan: ExperimentPlan;
}

/** The part of a case simulated during the search, with the truth it is compared against. */
interface SearchCase {
  readonly id: string;
  readonly status: string;
  readonly plan: ExperimentPlan;
  readonly truth: ReturnType<typeof truthFromExperiment>;
}

/**
 * Cuts a case to the first `fraction` of each stage (arrival time within the stage window).
 * With trace arrivals and per-request truth, the same requests on both sides (the truth is
 * computed from those rows, whatever the fraction). A run with aggregate truth only is compared
 * with its whole-stage statistics: it is simulated whole unless `aggregateFraction` < 1, which
 * simulates the first part of each stage against the whole-stage aggregates, an approximation
 * that holds for runs in a steady state (no queue building over the stage) and saves time.
 */
export function searchCase(c: CalibrationCase, fraction: number, aggregateFraction = 1): SearchCase {
  const outputTokens = c.exp.workload.outputTokens ?? undefined;
  const withRows = c.rows !== undefined && c.plan.arrivalSource === 'trace';
  const f = withRows ? fraction : aggregateFraction;
  if (!withRows && f >= 1) return { id: c.exp.id, status: c.exp.status, plan: c.plan, truth: truthFromExperiment(c.exp, c.rows) };
  const cut = new Map<number, number>();
  for (const st of c.plan.stages) cut.set(st.index, st.startUs + f * (st.endUs - st.startUs));
  const stageOf = (t: number): number => {
    let s = c.plan.stages[0]!.index;
    for (const st of c.plan.stages) if (t >= st.startUs) s = st.index;
    return s;
  };
  const keep = (t: number, stage: number | undefined): boolean => t < (cut.get(stage ?? stageOf(t)) ?? Infinity);
  const arrivals = c.plan.arrivals.filter((a) => keep(a.arrivalUs, a.stage));
  const truth = withRows
    ? sideFromRows(c.rows!.filter((r) => keep(r.arrivalUs, r.stage)), outputTokens !== undefined ? { outputTokens } : {})
    : truthFromExperiment(c.exp, c.rows);
  return { id: c.exp.id, status: c.exp.status, plan: { ...c.plan, arrivals }, truth };
}

export interface CalibrationLossOptions {
  /** Metrics in the loss (whole-run rows). */
  readonly metrics?: readonly string[];
  /** Weight of the mean KS distance (TTFT and E2E) next to the mean log error (default 0.5). */
  readonly distributionWeight?: number;
}

export const CALIBRATION_METRICS = ['ttft_mean', 'ttft_p50', 'ttft_p90', 'ttft_p99', 'e2e_mean', 'e2e_p90', 'e2e_p99', 'tpot_mean'] as const;

/**
 * Loss of one evaluation: the mean over experiments of each one's mean |ln(pred/actual)| over the
 * chosen metrics it has, + w × mean KS of TTFT/E2E where per-request truth exists. Each run
 * weighs the same whatever its ground truth holds: an aggregate-only run (no p50, no per-request
 * rows) counts as much as one with a CSV, through the statistics it has.
 */
export function caseLoss(experiments: readonly ValidationExperiment[], opts: CalibrationLossOptions = {}): number {
  const metrics = opts.metrics ?? CALIBRATION_METRICS;
  const perRun = experiments
    .map((e) => calibrationLoss({ experiments: [e] }, { metrics, kind: 'log', includeTruthStatus: ['active', 'excluded_overload'] }))
    .filter((x) => Number.isFinite(x));
  const base = perRun.length > 0 ? perRun.reduce((a, b) => a + b, 0) / perRun.length : Infinity;
  const w = opts.distributionWeight ?? 0.5;
  let ks = 0;
  let n = 0;
  for (const e of experiments) {
    const d = e.stages.find((s) => s.index === 'summary')?.distributions;
    for (const m of ['ttft', 'e2e'] as const) {
      if (d?.[m]) {
        ks += d[m]!.ks;
        n++;
      }
    }
  }
  return base + (n > 0 ? (w * ks) / n : 0);
}

export interface CalibrateOptions extends CalibrationLossOptions {
  /** A PlanRunner that simulates with the given coefficients document. */
  readonly runnerFor: (coefficients: Record<string, unknown>) => PlanRunner;
  readonly params?: readonly FitParameter[];
  readonly base?: CoefficientsBase;
  /** Start (default: each parameter's prior `x0`; `startVector(params, base)` resumes a file). */
  readonly x0?: readonly number[];
  /** Share of each stage simulated during the search, runs with per-request truth (default 0.15; 1 = whole runs). */
  readonly fraction?: number;
  /** The same for aggregate-only runs (default 1: whole runs, like for like; see searchCase). */
  readonly aggregateFraction?: number;
  readonly maxEvaluations?: number;
  readonly onEvaluation?: (ev: { readonly evaluations: number; readonly loss: number; readonly best: number; readonly x: readonly number[] }) => void;
}

export interface CalibrateResult {
  readonly x: number[];
  readonly loss: number;
  readonly evaluations: number;
  readonly converged: boolean;
  readonly document: Record<string, unknown>;
}

function simulatedExperiments(cases: readonly SearchCase[], results: Awaited<ReturnType<PlanRunner>>): ValidationExperiment[] {
  return cases.map((c, i) => {
    const r = results[i];
    if (!r || !r.ok) return { id: c.id, status: 'error', error: r ? r.error : 'no result', truth_status: c.status, stages: [] };
    let stages: StageComparison[];
    try {
      stages = compareSides(predictedSide(r.value, c.plan), c.truth);
    } catch (e) {
      return { id: c.id, status: 'error', error: String(e), truth_status: c.status, stages: [] };
    }
    return { id: c.id, status: 'ok', truth_status: c.status, stages };
  });
}

/** Fits the parameters on `cases` (all of them count, whatever their truth status). */
export async function calibrate(cases: readonly CalibrationCase[], opts: CalibrateOptions): Promise<CalibrateResult> {
  const params = opts.params ?? DEFAULT_FIT_PARAMETERS;
  const base = opts.base ?? rooflineStart();
  const search = cases.map((c) => searchCase(c, opts.fraction ?? 0.15, opts.aggregateFraction ?? 1));
  let evaluations = 0;
  let best = Infinity;
  const objective = async (x: readonly number[]): Promise<number> => {
    const doc = coefficientsDocument(x, params, base);
    const results = await opts.runnerFor(doc)(search.map((s) => s.plan));
    const exps = simulatedExperiments(search, results);
    // A failed simulation is a bad point, not a crash: the optimiser moves away from it.
    const loss = exps.some((e) => e.status === 'error') ? 1e6 : caseLoss(exps, opts);
    evaluations++;
    best = Math.min(best, loss);
    opts.onEvaluation?.({ evaluations, loss, best, x });
    return loss;
  };
  const r = await nelderMead(objective, {
    x0: opts.x0 ?? params.map((p) => p.x0),
    lower: params.map((p) => p.lower),
    upper: params.map((p) => p.upper),
    maxEvaluations: opts.maxEvaluations ?? 40 * params.length,
    restarts: 1,
  });
  return { x: r.x, loss: r.f, evaluations: r.evaluations, converged: r.converged, document: coefficientsDocument(r.x, params, base) };
}

/** Whole-run errors of one scored experiment, for provenance and the CV table. */
export function experimentErrors(e: ValidationExperiment, metrics: readonly string[]): Record<string, number | null> {
  const s = e.stages.find((x) => x.index === 'summary');
  const out: Record<string, number | null> = {};
  for (const m of metrics) out[m] = s?.metrics[m]?.error_pct ?? null;
  return out;
}
