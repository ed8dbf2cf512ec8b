/**
 * First-use compiles of vLLM's Triton fused-MoE GEMM. A bf16/fp16 mixture-of-experts layer runs
 * `fused_moe_kernel` (vLLM 0.15 model_executor/layers/fused_moe/fused_moe.py), a Triton kernel that
 * is compiled the first time each *variant* of it is launched, and the compile blocks the step
 * that launches it. Two things pick the variant from the step's token count M
 * (vllm-project/vllm#55268, which measured 4 such variants compiled per rank during inference on
 * GLM-5.2 at TP 8):
 * - the tile config: `try_get_optimal_moe_config` takes the entry of the tuned file
 *   `configs/E={E},N={N},device_name={GPU}.json` whose key is nearest to M (the smaller key on a
 *   tie: Python's `min` over the file's ascending keys), else `get_default_config` (one config for
 *   M ≤ E, another above);
 * - Triton's integer specialisation: `num_valid_tokens` (M·top_k) and `EM` (moe_align_block_size's
 *   padded length, M·top_k + E·(BLOCK_SIZE_M − 1), or M·top_k·BLOCK_SIZE_M when M·top_k < E) are
 *   keyed by whether they are divisible by 16 (`tt.divisibility`).
 * Start-up reaches only a few variants: the memory profile runs M = max_num_batched_tokens, and
 * CUDA-graph capture runs every capture size (a step of at most the largest capture size is padded
 * up to one, so its variant is always compiled). A step above the largest capture size runs eagerly
 * with its exact M and compiles its variant if it is new. A server whose Triton cache already holds
 * them (restarted on the same disk) compiles nothing: `--warm-kernel-cache`.
 *
 * What is costed here: which variants exist and which start-up compiles; the engine
 * (engine/kernel-jit.ts) keeps each instance's compiled set and stalls the step. Quantised experts
 * (fp8, int4) run other kernels in vLLM 0.15 (CUTLASS, Marlin, DeepGEMM or Triton depending on the
 * scheme and GPU) and are not modelled. Checked for the one quantised MoE among the 28 runs,
 * Llama-4-Scout FP8-dynamic (compressed-tensors: per-channel fp8 weights, dynamic per-token fp8
 * activations) at TP 2 on H100, in the vLLM 0.15.1 wheel (commit 1892993bc): `select_fp8_moe_backend`
 * (fused_moe/oracle/fp8.py) takes VLLM_CUTLASS, whose Triton fallback (`TritonOrCutlassExperts`)
 * applies only on SM100 at M <= 8, so every step runs precompiled CUTLASS grouped GEMMs and
 * CUDA permute/quantise kernels: nothing to compile at first use, as modelled (none).
 */
import { createRequire } from 'node:module';
import type { StepTimeContext } from './step-time.js';
import { expertLayout } from './moe-parallel.js';

/**
 * Seconds one Triton compile of the fused-MoE GEMM takes on the serving host, in µs. Published
 * figures for vLLM's Triton kernels: 68 variants of a Triton GEMM compiled in 20.35 s with a fresh
 * cache (0.30 s each; vllm-project/vllm#54503), twelve vLLM kernels compiled during a first request
 * in about 14 s (1.2 s each; syv-ai/qwen38-27b-rtx3090#155), 1–2 s stalls from Triton recompiles in
 * serving (vllm-project/vllm-ascend#14324). fused_moe_kernel is larger than a plain GEMM (routing
 * gather, router-weight scaling); 0.5 s sits inside that range. The calibration set's Mixtral runs
 * show ~1 s stalls at their first mixed-batch sizes (two kernels per variant: docs/model.md).
 */
export const FUSED_MOE_COMPILE_US = 500_000;

/** Kernels a new variant compiles: the w13 (gate/up) GEMM and the w2 (down) GEMM, whose constexprs differ (MUL_ROUTED_WEIGHT, top_k). */
export const KERNELS_PER_VARIANT = 2;

/** Variants per tile config: num_valid_tokens divisible by 16 (1) or not, EM divisible by 16 (2) or not. */
const VARIANTS_PER_CONFIG = 4;

/** vLLM's device_name (torch.cuda.get_device_name with spaces as underscores) of each catalog GPU. */
const VLLM_DEVICE_NAMES: Readonly<Record<string, string>> = Object.freeze({
  H100: 'NVIDIA_H100_80GB_HBM3',
  H200: 'NVIDIA_H200',
  'A100-80': 'NVIDIA_A100-SXM4-80GB',
  'A100-40': 'NVIDIA_A100-SXM4-40GB',
  L40S: 'NVIDIA_L40S',
  B200: 'NVIDIA_B200',
  'H100-PCIe': 'NVIDIA_H100_PCIe',
  'H100-NVL': 'NVIDIA_H100_NVL',
  'H200-NVL': 'NVIDIA_H200_NVL',
  'A100-PCIe-80': 'NVIDIA_A100_80GB_PCIe',
  'A100-PCIe-40': 'NVIDIA_A100-PCIE-40GB',
});

interface TunedFile {
  readonly E: number;
  readonly N: number;
  readonly device: string;
  readonly commit: string;
  readonly keys: readonly number[];
  readonly classes: readonly number[];
}

const TUNED: readonly TunedFile[] = (createRequire(import.meta.url)('./moe-tuned-configs.json') as { files: TunedFile[] }).files;

/** What decides an instance's fused-MoE variants (immutable; the engine keeps the compiled set). */
export interface MoeJitFacts {
  /** Routed experts (E) a GPU's kernel sees and experts per token (top_k). */
  readonly experts: number;
  /**
   * Experts moe_align_block_size pads EM for: the model's all (fused_experts_impl passes
   * global_num_experts, also under expert parallelism, where `experts` is the GPU's share).
   */
  readonly paddedExperts: number;
  /** Tokens the kernel runs per token of the rank's step: every data-parallel rank's are gathered (./moe-parallel.ts). */
  readonly tokenScale: number;
  readonly topK: number;
  /** The tuned file's keys, ascending, and each key's tile-config class (equal configs share one); null: get_default_config. */
  readonly keys: readonly number[] | null;
  readonly classes: readonly number[] | null;
  /** Distinct tile configs. */
  readonly numClasses: number;
  /** µs a step stalls when it launches a variant not compiled yet (all its kernels). */
  readonly stallUs: number;
  /** The tuned file's name (with the vLLM commit it was read at) or `get_default_config`, for reports. */
  readonly configSource: string;
}

/**
 * The fused-MoE facts of a model on a GPU and TP degree; null when vLLM does not run the Triton
 * fused-MoE GEMM for it (a dense model, or quantised experts, which are not modelled).
 */
export function moeJitFacts(ctx: StepTimeContext): MoeJitFacts | null {
  const m = ctx.model;
  if (m.moeLayers === 0 || m.numExperts <= 1) return null;
  if (m.gemmFormat !== '16bit' || m.weightBytes !== 2) return null;
  // N of the file name: the expert width each GPU holds (w2's last dimension), over the TP ranks or
  // all data-parallel ranks' GPUs; under expert parallelism whole experts, E of the file the GPU's share.
  const layout = expertLayout(m.numExperts, ctx.tp, ctx.moeParallel);
  const n = m.moeIntermediateSize / layout.shard;
  const experts = layout.expertsPerGpu;
  const device = VLLM_DEVICE_NAMES[ctx.hardware.name];
  const file = device === undefined ? undefined : TUNED.find((f) => f.E === experts && f.N === n && f.device === device);
  return Object.freeze({
    experts,
    paddedExperts: m.numExperts,
    tokenScale: layout.dp,
    topK: m.expertsPerToken,
    keys: file?.keys ?? null,
    classes: file?.classes ?? null,
    // get_default_config has two configs: M ≤ E and above.
    numClasses: file === undefined ? 2 : Math.max(...file.classes) + 1,
    stallUs: FUSED_MOE_COMPILE_US * KERNELS_PER_VARIANT,
    configSource: file === undefined ? 'get_default_config' : `vllm-project/vllm@${file.commit} configs/E=${file.E},N=${file.N},device_name=${file.device}.json`,
  });
}

/** The tile-config class a call on `m` tokens uses: the nearest tuned key's (the smaller on a tie), or get_default_config's M ≤ E split. */
export function tileClass(f: MoeJitFacts, m: number): number {
  const keys = f.keys;
  if (keys === null) return m <= f.experts ? 0 : 1;
  let best = 0;
  for (let i = 1; i < keys.length; i++) if (Math.abs(keys[i]! - m) < Math.abs(keys[best]! - m)) best = i;
  return f.classes![best]!;
}

/** The compiled variant a fused-MoE call on `m` tokens launches (an index below numClasses · 4). */
export function moeVariant(f: MoeJitFacts, rankTokens: number): number {
  const m = rankTokens * f.tokenScale;
  const numValid = f.topK * m;
  // EM = numValid + E·(BLOCK_SIZE_M − 1), E the model's experts (moe_align_block_size's
  // num_experts, global_num_experts); every tile's BLOCK_SIZE_M is a power of two ≥ 16, so
  // E·(BLOCK_SIZE_M − 1) ≡ −E (mod 16). Below E routed tokens vLLM caps EM at numValid·BLOCK_SIZE_M.
  const e = f.paddedExperts;
  const emDivisible = numValid < e || (((numValid - e) % 16) + 16) % 16 === 0;
  return tileClass(f, m) * VARIANTS_PER_CONFIG + (numValid % 16 === 0 ? 1 : 0) + (emDivisible ? 2 : 0);
}

/** Number of variant indices moeVariant can return for these facts. */
export function moeVariantCount(f: MoeJitFacts): number {
  return f.numClasses * VARIANTS_PER_CONFIG;
}

/**
 * vLLM 0.15's default CUDA-graph capture sizes (config/vllm.py _set_cudagraph_sizes): the largest
 * is min(2·max_num_seqs, 512, max_num_batched_tokens); below it 1, 2, 4, then every 8 below 256,
 * then every 16 from 256.
 */
export function cudaGraphSizes(maxNumSeqs: number, maxNumBatchedTokens: number): number[] {
  const max = Math.min(2 * maxNumSeqs, 512, maxNumBatchedTokens);
  const sizes = [1, 2, 4].filter((s) => s <= max);
  for (let s = 8; s < Math.min(max + 1, 256); s += 8) sizes.push(s);
  if (max >= 256) for (let s = 256; s <= max; s += 16) sizes.push(s);
  return sizes;
}
