/**
 * The roofline's one parameter table (defaults, units, why) and the option resolver shared by the
 * step-time registry entries.
 */
import { InputError, closeNames } from '../kernel/errors.js';

export interface RooflineParams {
  /** Multiplier on the GPU's measured large-GEMM throughput (hardware.json bf16/fp8AchievedTflops); 1 = as measured. */
  readonly gemmComputeEfficiency: number;
  /** Fraction of the datasheet bf16 peak FlashAttention reaches (FA2 on A100: 50-73 %, Dao 2023; FA3 on H100: up to 75 %, Shah et al. 2024). */
  readonly attentionComputeEfficiency: number;
  /** Multiplier on the GPU's measured streaming HBM bandwidth (hardware.json hbmAchievedTBps); 1 = as measured. */
  readonly bandwidthEfficiency: number;
  /** Share of the per-direction link bandwidth a collective's bus traffic reaches (vLLM #24111 / #42324 H100: 0.6-0.82). */
  readonly interconnectEfficiency: number;
  /** Fixed cost of one collective over NVLink, µs (vLLM custom / symmetric-memory all-reduce; about flat in TP degree). */
  readonly collectiveLatencyUs: number;
  /** Fixed cost of one collective without NVLink, µs (NCCL ring through PCIe; vidur h100_pairwise_nvlink TP4). */
  readonly pcieCollectiveLatencyUs: number;
  /** Exponent p of the smooth roofline (t_mem^p + t_compute^p)^(1/p) (vidur fit: 1.48-1.66). */
  readonly gemmTransitionExponent: number;
  /** Duration floor of one GPU kernel, µs (vidur fit t0 of GEMM kernel durations: 5.7 on H100, 5.8 on A100); small non-GEMM kernels pay the GPU's HardwareSpec.smallKernelFloorRatio × it, dense GEMMs its gemmFloorRatio × it. */
  readonly kernelFloorUs: number;
  /** Fewest tokens a fused-MoE expert block computes (vLLM fused_moe default BLOCK_SIZE_M = 16 at small batches). */
  readonly moeBlockTokens: number;
  /** Bytes moved per logit by vLLM's sampler (fp32 upcast 6, temperature 8, softmax 8, exponential 4, divide 12, argmax 4). */
  readonly samplingBytesPerLogit: number;
  /**
   * HBM-equivalent bytes per logit of the top-p filter (vLLM 0.15 apply_top_k_top_p: PyTorch segmented
   * sort, softmax, cumsum, mask, scatter): 0.21-0.22 ns per logit measured for the PyTorch path in
   * vllm-project/vllm#32234 (1024-2048 rows × 32k-262k vocabulary) and 0.21-0.32 ns in #33538 (56 × 32k),
   * ≈ 660 bytes at H100's measured 3.16 TB/s; costed in bytes so that it scales with the GPU's bandwidth.
   */
  readonly sortBytesPerLogit: number;
  /** Bytes per logit of a top-k selection without top-p (topk radix select, masked fill); from the passes, not measured. */
  readonly topKBytesPerLogit: number;
  /** Bytes per logit of vLLM's penalties (int64 bin counts and masks for prompt and output, repetition, frequency and presence rewrites). */
  readonly penaltyBytesPerLogit: number;
  /** Fixed CPU cost per step, µs: scheduling, input preparation, output processing (vLLM V1 engine core). */
  readonly stepOverheadUs: number;
  /** CPU cost per scheduled request per step, µs (block tables, sampling metadata, output objects). */
  readonly perRequestUs: number;
  /** µs an async-scheduled step adds beyond max(GPU, CPU): waiting for the previous step's sampled tokens (vLLM #11133: 150-170 µs gap with async scheduling and CUDA graphs). */
  readonly asyncSyncUs: number;
  /** Bytes per activation element (bf16 hidden states). */
  readonly activationBytes: number;
}

export const ROOFLINE_DEFAULTS: RooflineParams = Object.freeze({
  gemmComputeEfficiency: 1,
  attentionComputeEfficiency: 0.5,
  bandwidthEfficiency: 1,
  interconnectEfficiency: 0.7,
  collectiveLatencyUs: 7,
  pcieCollectiveLatencyUs: 28,
  gemmTransitionExponent: 1.5,
  kernelFloorUs: 5.7,
  moeBlockTokens: 16,
  samplingBytesPerLogit: 42,
  sortBytesPerLogit: 660,
  topKBytesPerLogit: 20,
  penaltyBytesPerLogit: 85,
  stepOverheadUs: 600,
  perRequestUs: 10,
  asyncSyncUs: 160,
  activationBytes: 2,
} satisfies Record<keyof RooflineParams, number>);

/** Units and one-line descriptions for --help and docs, generated from here. */
export const ROOFLINE_OPTION_DOCS: Readonly<Record<keyof RooflineParams, { unit: string; describe: string }>> = Object.freeze({
  gemmComputeEfficiency: { unit: 'fraction', describe: "× the GPU's measured GEMM TFLOP/s" },
  attentionComputeEfficiency: { unit: 'fraction', describe: 'share of datasheet bf16 TFLOP/s reached by attention' },
  bandwidthEfficiency: { unit: 'fraction', describe: "× the GPU's measured HBM streaming bandwidth" },
  interconnectEfficiency: { unit: 'fraction', describe: 'share of link bandwidth reached by TP collectives' },
  collectiveLatencyUs: { unit: 'us', describe: 'fixed cost per TP collective over NVLink' },
  pcieCollectiveLatencyUs: { unit: 'us', describe: 'fixed cost per TP collective over PCIe (NCCL)' },
  gemmTransitionExponent: { unit: 'exponent', describe: 'p of the smooth roofline (t_mem^p + t_compute^p)^(1/p)' },
  kernelFloorUs: { unit: 'us', describe: 'duration floor of one GPU kernel' },
  moeBlockTokens: { unit: 'tokens', describe: 'fewest tokens a fused-MoE expert block computes' },
  samplingBytesPerLogit: { unit: 'bytes', describe: "bytes the sampler moves per logit (vocabulary × requests)" },
  sortBytesPerLogit: { unit: 'bytes', describe: 'HBM-equivalent bytes per logit of the top-p sort (model default top_p < 1)' },
  topKBytesPerLogit: { unit: 'bytes', describe: 'bytes per logit of a top-k selection without top-p' },
  penaltyBytesPerLogit: { unit: 'bytes', describe: "bytes per logit of vLLM's repetition/frequency/presence penalties" },
  stepOverheadUs: { unit: 'us', describe: 'fixed CPU cost per step' },
  perRequestUs: { unit: 'us', describe: 'CPU cost per scheduled request per step' },
  asyncSyncUs: { unit: 'us', describe: 'extra µs of an async-scheduled step beyond max(GPU, CPU)' },
  activationBytes: { unit: 'bytes', describe: 'bytes per activation element' },
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
    // Past a billion (µs, bytes, tokens) an option is a typo, and a step that long could outrun the clock's integer microseconds.
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1e9) {
      throw new InputError('OPTION_INVALID', `${where}: ${k}`, `found ${JSON.stringify(v)}; expected a non-negative number (${known[k]!.unit}) up to 1e9`);
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
  for (const k of ['activationBytes', 'moeBlockTokens'] as const) {
    if (!(p[k] > 0)) throw new InputError('OPTION_INVALID', `${where}: ${k}`, `found ${p[k]}; expected > 0`);
  }
  if (!(p.gemmTransitionExponent >= 1)) throw new InputError('OPTION_INVALID', `${where}: gemmTransitionExponent`, `found ${p.gemmTransitionExponent}; expected >= 1`);
  return Object.freeze(p);
}
