/**
 * The roofline's one parameter table (defaults, units, why) and the option resolver shared by the
 * step-time registry entries.
 */
import { InputError, closeNames } from '../kernel/errors.js';

export interface RooflineParams {
  /** Fraction of peak tensor TFLOP/s that dense/MoE GEMMs reach (H100 bf16 GEMMs at serving shapes reach ~55-70% of 989 TFLOP/s). */
  readonly gemmComputeEfficiency: number;
  /** Fraction of peak TFLOP/s reached by attention kernels (FlashAttention-2/3 forward at ~50% on H100). */
  readonly attentionComputeEfficiency: number;
  /** Fraction of HBM bandwidth reached by weight and KV reads (memcpy-like streams reach ~80-90%). */
  readonly bandwidthEfficiency: number;
  /** Fraction of the per-direction interconnect bandwidth the all-reduce reaches (vLLM custom all-reduce / NCCL). */
  readonly interconnectEfficiency: number;
  /** Fixed cost of one collective, µs (launch + synchronisation; NVLink custom all-reduce ~5-10 µs). */
  readonly collectiveLatencyUs: number;
  /** Fixed cost per step, µs: CPU scheduling, input preparation, sampling, CUDA-graph/kernel launches (vLLM V1). */
  readonly stepOverheadUs: number;
  /** CPU cost per scheduled request per step, µs (block tables, sampling metadata). */
  readonly perRequestUs: number;
  /** Bytes per activation element exchanged by the TP all-reduce (bf16 hidden states). */
  readonly activationBytes: number;
}

export const ROOFLINE_DEFAULTS: RooflineParams = Object.freeze({
  gemmComputeEfficiency: 0.6,
  attentionComputeEfficiency: 0.5,
  bandwidthEfficiency: 0.8,
  interconnectEfficiency: 0.7,
  collectiveLatencyUs: 8,
  stepOverheadUs: 600,
  perRequestUs: 10,
  activationBytes: 2,
} satisfies Record<keyof RooflineParams, number>);

/** Units and one-line descriptions for --help and docs, generated from here. */
export const ROOFLINE_OPTION_DOCS: Readonly<Record<keyof RooflineParams, { unit: string; describe: string }>> = Object.freeze({
  gemmComputeEfficiency: { unit: 'fraction', describe: 'share of peak TFLOP/s reached by GEMMs' },
  attentionComputeEfficiency: { unit: 'fraction', describe: 'share of peak TFLOP/s reached by attention' },
  bandwidthEfficiency: { unit: 'fraction', describe: 'share of HBM bandwidth reached by weight/KV reads' },
  interconnectEfficiency: { unit: 'fraction', describe: 'share of interconnect bandwidth reached by all-reduce' },
  collectiveLatencyUs: { unit: 'us', describe: 'fixed cost per TP collective' },
  stepOverheadUs: { unit: 'us', describe: 'fixed CPU/launch cost per step' },
  perRequestUs: { unit: 'us', describe: 'CPU cost per scheduled request per step' },
  activationBytes: { unit: 'bytes', describe: 'bytes per activation element in all-reduce' },
});

/** A registry entry's option: default (undefined = derived), unit and description. */
export interface StepTimeOption {
  readonly default: number | undefined;
  readonly unit: string;
  readonly describe: string;
}

/**
 * Resolves numeric options against their table: unknown names → InputError UNKNOWN_OPTION,
 * non-finite or negative values → OPTION_INVALID. Returns only the options that were given.
 */
export function readNumericOptions(
  options: Record<string, unknown> | undefined,
  known: Readonly<Record<string, StepTimeOption>>,
  where: string,
  skip: readonly string[] = [],
): Record<string, number> {
  const out: Record<string, number> = {};
  if (!options) return out;
  const names = Object.keys(known);
  for (const [k, v] of Object.entries(options)) {
    if (skip.includes(k)) continue;
    if (!(k in known)) {
      const close = closeNames(k, names);
      throw new InputError('UNKNOWN_OPTION', `${where}: ${k}`, `unknown option '${k}'; ${close.length ? `did you mean ${close.join(', ')}?` : `known: ${names.join(', ')}`}`);
    }
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new InputError('OPTION_INVALID', `${where}: ${k}`, `found ${JSON.stringify(v)}; expected a non-negative number (${known[k]!.unit})`);
    }
    out[k] = v;
  }
  return out;
}

export const ROOFLINE_OPTIONS: Readonly<Record<keyof RooflineParams, StepTimeOption>> = Object.freeze(
  Object.fromEntries(
    (Object.keys(ROOFLINE_DEFAULTS) as (keyof RooflineParams)[]).map((k) => [k, { default: ROOFLINE_DEFAULTS[k], ...ROOFLINE_OPTION_DOCS[k] }]),
  ) as Record<keyof RooflineParams, StepTimeOption>,
);

/** Defaults overlaid with the given options; efficiencies must lie in (0, 1]. */
export function resolveRooflineParams(options: Record<string, unknown> | undefined, where = 'roofline'): RooflineParams {
  const given = readNumericOptions(options, ROOFLINE_OPTIONS, where);
  const p = { ...ROOFLINE_DEFAULTS, ...given };
  for (const k of ['gemmComputeEfficiency', 'attentionComputeEfficiency', 'bandwidthEfficiency', 'interconnectEfficiency'] as const) {
    if (!(p[k] > 0 && p[k] <= 1)) throw new InputError('OPTION_INVALID', `${where}: ${k}`, `found ${p[k]}; expected a fraction in (0, 1]`);
  }
  if (!(p.activationBytes > 0)) throw new InputError('OPTION_INVALID', `${where}: activationBytes`, `found ${p.activationBytes}; expected > 0`);
  return Object.freeze(p);
}
