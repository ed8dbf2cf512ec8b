/**
 * Fitted step time: Σ coefficient × roofline basis term (./roofline.ts ROOFLINE_BASIS) plus
 * per-request overheads, with coefficients from a blis.step-coefficients/v1 file. The embedded
 * ./coefficients/default.json ships with its provenance; `blis calibrate` writes new ones.
 */
import { createRequire } from 'node:module';
import { InputError, closeNames } from '../kernel/errors.js';
import type { BatchShape, RequestOverheads, StepCostSplit, StepTimeContext, StepTimeModel } from './step-time.js';
import { BASIS_SIZE, ROOFLINE_BASIS, basisSplit, modelFromSplit, rooflineBasis, rooflineCoefficients, type BasisFn } from './roofline.js';
import { ROOFLINE_DEFAULTS, type RooflineParams, resolveRooflineParams } from './roofline-params.js';
import { findModel } from './catalog.js';
import { findHardware } from './hardware-catalog.js';

export const COEFFICIENTS_SCHEMA = 'blis.step-coefficients/v1';

export interface CoefficientsProvenance {
  /** 'unfitted' for placeholders, 'fitted' for calibrated sets. */
  readonly status: string;
  readonly source: string;
  readonly date: string;
  /** Experiment ids or files the fit used. */
  readonly inputs: readonly string[];
  readonly objective: string;
}

export interface CoefficientsEntry {
  /** Which runs this entry applies to; absent fields match anything. */
  readonly match: { readonly model?: string; readonly hardware?: string; readonly tp?: number };
  /** One coefficient per ROOFLINE_BASIS name, in basis order. */
  readonly coefficients: Float64Array;
  readonly overheads: RequestOverheads;
  /**
   * Extra first-token delay in units of this model's minimum step (a one-token decode batch),
   * added to `overheads.firstTokenUs` when the model is created. Why: the measured TTFT gap
   * grows with the model's step time (≈1.5–2 decode steps on all four calibration models:
   * vLLM V1 hands a step's output to the API-server process, which detokenises and streams it
   * while the engine already runs the next step), so one constant cannot carry it across models.
   */
  readonly firstTokenSteps: number;
  /**
   * µs per model layer per step (coefficient `layers`). Why: every layer launches the same
   * dozen small kernels (norms, rotary, cache writes, attention, activation, all-reduce), each
   * with a duration floor of a few µs whatever the batch, so a deep model pays a fixed per-step
   * cost that the roofline's bytes and FLOPs miss (80-layer Llama-2-70B vs 32-layer 7B/Mixtral).
   * A constant per model, added to the `step` coefficient when the model is created.
   */
  readonly layerUs: number;
  /**
   * µs per ring hop of the TP all-reduces (coefficient `allreduce_hops`): the latency term of
   * the α–β cost model of a ring all-reduce, 2(tp − 1) hops per collective, 2 collectives per
   * layer (Thakur, Rabenseifner & Gropp 2005). The roofline's `allreduce_us` charges one fixed
   * latency per collective whatever the TP degree; this term lets latency grow with the ranks.
   * A constant per model (0 at TP 1), added to the `step` coefficient when the model is created.
   */
  readonly hopUs: number;
  /**
   * µs an async-scheduled step adds beyond max(GPU, CPU) (coefficient `async_sync_us`; the
   * StepCostSplit's asyncSyncUs). Absent → the roofline parameter's value.
   */
  readonly asyncSyncUs?: number;
}

export interface Coefficients {
  readonly provenance: CoefficientsProvenance;
  /** Roofline params the basis terms are computed with (defaults when the file has none). */
  readonly basisParams: RooflineParams;
  readonly entries: readonly CoefficientsEntry[];
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Every coefficient and overhead is a cost (µs, or a multiple of the roofline's): a negative one
 * gives negative latencies, and one past a million a step of hours (a typo; calibrate's bounds
 * are a few thousand at most), whose simulated clock could outrun integer microseconds.
 */
const MAX_TERM = 1e6;

function finite(v: unknown, where: string, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_TERM) {
    throw new InputError('COEFFICIENTS_INVALID', where, `found ${JSON.stringify(v)}; expected ${what} from 0 to ${MAX_TERM.toExponential()} (a cost: a negative one would make latencies negative)`);
  }
  return v;
}

/** Validates a parsed coefficients file. `where` is the file name for messages. */
export function coefficientsFromJson(obj: unknown, where: string): Coefficients {
  if (!isObj(obj)) throw new InputError('COEFFICIENTS_INVALID', where, `expected a JSON object with schema '${COEFFICIENTS_SCHEMA}'`);
  if (obj['schema'] !== COEFFICIENTS_SCHEMA) {
    throw new InputError('COEFFICIENTS_INVALID', `${where}: schema`, `found ${JSON.stringify(obj['schema'])}; expected '${COEFFICIENTS_SCHEMA}'`);
  }
  const prov = obj['provenance'];
  if (!isObj(prov)) throw new InputError('COEFFICIENTS_INVALID', `${where}: provenance`, 'missing; expected {status, source, date, inputs, objective}');
  const str = (k: string): string => {
    const v = prov[k];
    if (typeof v !== 'string') throw new InputError('COEFFICIENTS_INVALID', `${where}: provenance.${k}`, `found ${JSON.stringify(v)}; expected a string`);
    return v;
  };
  const inputs = prov['inputs'];
  if (!Array.isArray(inputs) || inputs.some((x) => typeof x !== 'string')) {
    throw new InputError('COEFFICIENTS_INVALID', `${where}: provenance.inputs`, 'expected an array of strings');
  }
  const provenance: CoefficientsProvenance = Object.freeze({ status: str('status'), source: str('source'), date: str('date'), inputs: Object.freeze([...(inputs as string[])]), objective: str('objective') });
  const basisParams = resolveRooflineParams(isObj(obj['basisParams']) ? obj['basisParams'] : undefined, `${where}: basisParams`);
  const entriesRaw = obj['entries'];
  if (!Array.isArray(entriesRaw) || entriesRaw.length === 0) throw new InputError('COEFFICIENTS_INVALID', `${where}: entries`, 'expected a non-empty array');
  const names: readonly string[] = [...ROOFLINE_BASIS, ...FITTED_EXTRA_TERMS, ...RETIRED_TERMS];
  const entries = entriesRaw.map((e: unknown, i): CoefficientsEntry => {
    const w = `${where}: entries[${i}]`;
    if (!isObj(e) || !isObj(e['coefficients'])) throw new InputError('COEFFICIENTS_INVALID', w, 'expected {match, coefficients, overheads}');
    const cs = e['coefficients'];
    for (const k of Object.keys(cs)) {
      if (!names.includes(k)) {
        const close = closeNames(k, names);
        throw new InputError('COEFFICIENTS_INVALID', `${w}.coefficients.${k}`, `unknown basis term; ${close.length ? `did you mean ${close.join(', ')}?` : `known: ${names.join(', ')}`}`);
      }
    }
    const coefficients = new Float64Array(BASIS_SIZE);
    ROOFLINE_BASIS.forEach((n, j) => {
      coefficients[j] = cs[n] === undefined ? 0 : finite(cs[n], `${w}.coefficients.${n}`, 'a finite number');
    });
    const extra = (k: string): number => (cs[k] === undefined ? 0 : finite(cs[k], `${w}.coefficients.${k}`, 'a finite number of µs'));
    const layerUs = extra('layers');
    const hopUs = extra('allreduce_hops');
    for (const k of RETIRED_TERMS) {
      if (cs[k] !== undefined && cs[k] !== 0 && k !== 'backlog_tau_s') {
        throw new InputError('COEFFICIENTS_INVALID', `${w}.coefficients.${k}`, `found ${JSON.stringify(cs[k])}; the backlog slowdown was removed (vLLM has no cost that grows with how long a queue has stood; docs/calibration.md): delete '${k}' or set it to 0`);
      }
    }
    const asyncSync = cs['async_sync_us'] === undefined ? undefined : finite(cs['async_sync_us'], `${w}.coefficients.async_sync_us`, 'a finite number of µs');
    if (asyncSync !== undefined && asyncSync < 0) throw new InputError('COEFFICIENTS_INVALID', `${w}.coefficients.async_sync_us`, `found ${asyncSync}; expected µs >= 0`);
    const o = isObj(e['overheads']) ? e['overheads'] : {};
    const oh = (k: string): number => (o[k] === undefined ? 0 : finite(o[k], `${w}.overheads.${k}`, 'a finite number of µs'));
    const m = isObj(e['match']) ? e['match'] : {};
    const match: CoefficientsEntry['match'] = {
      // Aliases resolve to canonical catalog names, so 'llama-2-7b' and 'h100-sxm' match too.
      ...(typeof m['model'] === 'string' ? { model: findModel(m['model'])?.name ?? m['model'].toLowerCase() } : {}),
      ...(typeof m['hardware'] === 'string' ? { hardware: (findHardware(m['hardware'])?.name ?? m['hardware']).toLowerCase() } : {}),
      ...(typeof m['tp'] === 'number' ? { tp: m['tp'] } : {}),
    };
    for (const k of Object.keys(o)) {
      if (!OVERHEAD_KEYS.includes(k)) throw new InputError('COEFFICIENTS_INVALID', `${w}.overheads.${k}`, `unknown overhead; known: ${OVERHEAD_KEYS.join(', ')}`);
    }
    return Object.freeze({ match, coefficients, overheads: Object.freeze({ preScheduleUs: oh('preScheduleUs'), firstTokenUs: oh('firstTokenUs'), perOutputTokenUs: oh('perOutputTokenUs'), ...(oh('perStreamedTokenUs') !== 0 ? { perStreamedTokenUs: oh('perStreamedTokenUs') } : {}) }), firstTokenSteps: oh('firstTokenSteps'), layerUs, hopUs, ...(asyncSync !== undefined ? { asyncSyncUs: asyncSync } : {}) });
  });
  return Object.freeze({ provenance, basisParams, entries: Object.freeze(entries) });
}

/** Coefficients the fitted model accepts beyond the roofline basis (see CoefficientsEntry). */
export const FITTED_EXTRA_TERMS: readonly string[] = ['layers', 'allreduce_hops', 'async_sync_us'];

/**
 * Terms of earlier files that no longer exist: the empirical backlog slowdown. A file may still
 * carry them at 0 (what earlier fits wrote when the term was off); a non-zero value is an error,
 * so an old file never silently simulates differently from what it was fitted with.
 */
export const RETIRED_TERMS: readonly string[] = ['backlog', 'backlog_tau_s'];

/**
 * The raw roofline written as a coefficients entry (1 on every time term, its CPU costs, extra
 * terms off, no overheads): the starting point of `blis calibrate` and the base of its trials.
 */
export function rooflineEntryCoefficients(p: RooflineParams = ROOFLINE_DEFAULTS): { coefficients: Record<string, number>; overheads: Record<string, number> } {
  return {
    coefficients: { ...rooflineCoefficients(p), layers: 0, allreduce_hops: 0, async_sync_us: p.asyncSyncUs },
    overheads: { preScheduleUs: 0, firstTokenUs: 0, perOutputTokenUs: 0, perStreamedTokenUs: 0, firstTokenSteps: 0 },
  };
}

const OVERHEAD_KEYS: readonly string[] = ['preScheduleUs', 'firstTokenUs', 'perOutputTokenUs', 'perStreamedTokenUs', 'firstTokenSteps'];

const defaultFile = createRequire(import.meta.url)('./coefficients/default.json') as unknown;

/** The embedded coefficients (./coefficients/default.json). */
export function defaultCoefficients(): Coefficients {
  return coefficientsFromJson(defaultFile, 'coefficients/default.json');
}

/** The most specific entry whose match fields all equal the context's; ties go to the first. */
export function selectCoefficients(c: Coefficients, ctx: StepTimeContext): CoefficientsEntry | undefined {
  let best: CoefficientsEntry | undefined;
  let bestScore = -1;
  for (const e of c.entries) {
    const { model, hardware, tp } = e.match;
    if (model !== undefined && model !== ctx.model.name) continue;
    if (hardware !== undefined && hardware !== ctx.hardware.name.toLowerCase()) continue;
    if (tp !== undefined && tp !== ctx.tp) continue;
    const score = (model !== undefined ? 4 : 0) + (hardware !== undefined ? 2 : 0) + (tp !== undefined ? 1 : 0);
    if (score > bestScore) {
      best = e;
      bestScore = score;
    }
  }
  return best;
}

/**
 * The fitted model. Option `coefficients`: a parsed coefficients file (the CLI reads it);
 * default: the embedded one. Option `source`: the file's name, for messages. No matching entry → InputError COEFFICIENTS_NO_MATCH.
 */
export function createFitted(ctx: StepTimeContext, options?: Record<string, unknown>): StepTimeModel & { split: StepCostSplit; overheads: RequestOverheads; provenance: CoefficientsProvenance } {
  const f = fittedParts(ctx, options);
  const model = modelFromSplit(basisSplit(f.basis, f.entry.coefficients, f.asyncSyncUs, { gpuUs: f.layersUs + f.hopsUs, cpuUs: 0 }));
  const entry = f.entry;
  const overheads = entry.firstTokenSteps === 0 ? entry.overheads : Object.freeze({ ...entry.overheads, firstTokenUs: Math.round(entry.overheads.firstTokenUs + entry.firstTokenSteps * model.stepTimeUs(ONE_DECODE)) });
  return { ...model, overheads, provenance: f.provenance };
}

/** What the fitted model is made of for a context: the entry that matches, its basis and its per-model GPU constants. */
export interface FittedParts {
  readonly entry: CoefficientsEntry;
  readonly basis: BasisFn;
  /** µs per step of the entry's per-layer floors (coefficient `layers` × layers). */
  readonly layersUs: number;
  /** µs per step of the entry's per-hop all-reduce latencies (coefficient `allreduce_hops` × 2 collectives × layers × 2(tp − 1) hops). */
  readonly hopsUs: number;
  readonly asyncSyncUs: number;
  readonly provenance: CoefficientsProvenance;
}

/** The fitted model's parts (createFitted's options); no matching entry → InputError COEFFICIENTS_NO_MATCH. */
export function fittedParts(ctx: StepTimeContext, options?: Record<string, unknown>): FittedParts {
  for (const k of Object.keys(options ?? {})) {
    if (k !== 'coefficients' && k !== 'source') throw new InputError('UNKNOWN_OPTION', `fitted: ${k}`, `unknown option '${k}'; known: coefficients, source`);
  }
  const raw = options?.['coefficients'];
  const source = typeof options?.['source'] === 'string' ? options['source'] : 'fitted: coefficients';
  const coeffs = raw === undefined ? defaultCoefficients() : coefficientsFromJson(raw, source);
  const entry = selectCoefficients(coeffs, ctx);
  if (!entry) {
    throw new InputError('COEFFICIENTS_NO_MATCH', raw === undefined ? 'coefficients/default.json' : source, `no entry matches model ${ctx.model.name}, hardware ${ctx.hardware.name}, tp ${ctx.tp}; add an entry with an empty match as a fallback`);
  }
  // Per-layer floors and per-hop latencies are GPU time, constant for the model.
  const L = ctx.model.numLayers;
  return {
    entry,
    basis: rooflineBasis(ctx, coeffs.basisParams),
    layersUs: entry.layerUs * L,
    hopsUs: entry.hopUs * 2 * L * 2 * (ctx.tp - 1),
    asyncSyncUs: entry.asyncSyncUs ?? coeffs.basisParams.asyncSyncUs,
    provenance: coeffs.provenance,
  };
}

/** The smallest batch: one request decoding one token at context 1 (the model's minimum step). */
const ONE_DECODE: BatchShape = Object.freeze({ size: 1, newTokens: Int32Array.of(1), contextTokens: Int32Array.of(1), isPrefill: Uint8Array.of(0), totalNewTokens: 1, numPrefill: 0 });
