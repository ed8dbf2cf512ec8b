/**
 * How a checkpoint's linear-layer weights are stored and multiplied, read from its
 * `quantization_config` (or the trimmed `quantization` object experiment files carry). The
 * step-time model needs three facts: the bytes a GEMM streams per weight (scales and zero points
 * included), the tensor-core math vLLM 0.15 runs it in, and whether activations are quantised per
 * token first (one more elementwise pass per GEMM input).
 *
 * What vLLM does with each format (model_executor/layers/quantization/):
 * - fp8 / fbgemm_fp8 / compressed-tensors 8-bit float weights and activations: w8a8, fp8
 *   tensor cores (cutlass_scaled_mm) where the GPU has them (compute capability >= 8.9); on
 *   Ampere the weights are dequantised in a weight-only kernel (Marlin) at the 16-bit rate.
 * - compressed-tensors 8-bit int weights and activations: w8a8 on int8 tensor cores.
 * - 4-bit integer weights (gptq, awq, compressed-tensors pack-quantized w4a16): dequantised in
 *   the GEMM (Marlin, Machete on Hopper), 16-bit math; per-group fp16 scales (and zero points for
 *   asymmetric schemes) are streamed with the weights.
 * - nvfp4 (modelopt NVFP4; compressed-tensors 4-bit float weights and activations; e2m1 with an
 *   fp8 scale per 16): w4a4 on fp4 tensor cores where the GPU has them (compute capability 10.x:
 *   vLLM 0.15 quantization/utils/nvfp4_utils.py select_nvfp4_linear_backend picks FlashInfer's
 *   CUTLASS fp4 GEMM on SM100, vLLM's own where cutlass_fp4_supported; fused_moe/oracle/nvfp4.py
 *   select_nvfp4_moe_backend tries FlashInfer TRT-LLM, CuTe DSL, CUTLASS, then vLLM CUTLASS), each
 *   GEMM input first quantised per 16 elements (scaled_fp4_quant: 16-bit read, half a byte plus
 *   an fp8 scale per 16 written). Below Blackwell both fall through to Marlin: weight-only, 16-bit
 *   math, no activation pass. compressed-tensors nvfp4 without input activations (NVFP4A16) is
 *   CompressedTensorsW4A16Fp4: Marlin on every GPU.
 * - mxfp4 (gpt-oss; e8m0 scale per 32): MoE experts only (Mxfp4Config gives linear layers
 *   UnquantizedLinearMethod). quantization/mxfp4.py get_mxfp4_backend with default env on SM100
 *   and FlashInfer installed (a pinned dependency of vLLM's CUDA build) is SM100_FI_MXFP4_BF16:
 *   TRT-LLM's mxfp4 × bf16 MoE, weights widened to bf16 for 16-bit tensor-core math (Blackwell
 *   has no bf16 × fp4 MMA). The mxfp8-activation backends (w4a8 on the f8f6f4 MMA, the fp8 rate)
 *   are opt-in through VLLM_USE_FLASHINFER_MOE_MXFP4_MXFP8(_CUTLASS), default 0; Hopper and
 *   Ampere run Triton's or Marlin's w4a16. So mxfp4 is w4a16 on every GPU.
 * - bitsandbytes: 4-bit nf4 (fp32 absmax per 64, or double-quantised) or 8-bit, dequantised.
 * A method outside these is refused by name rather than costed as 16-bit.
 */
import { InputError } from '../kernel/errors.js';

type Json = Record<string, unknown>;

/** Tensor-core math of the quantised GEMMs. */
export type GemmFormat = '16bit' | 'fp8' | 'int8' | 'fp4';

export interface WeightQuantization {
  /** Bytes streamed per weight of the quantised linear layers, scales and zero points included. */
  readonly weightBytes: number;
  /** Math the quantised GEMMs run in on a GPU that supports it (fp8 and fp4 fall back to 16-bit without their tensor cores). */
  readonly gemm: GemmFormat;
  /** Activations are quantised before each quantised GEMM (w8a8 per token, nvfp4 w4a4 per 16 elements). */
  readonly activationQuant: boolean;
  /** For reports: "bf16", "fp8 w8a8", "int4 w4a16 (gptq, group 128)". */
  readonly label: string;
}

export const NO_QUANTIZATION: WeightQuantization = Object.freeze({ weightBytes: 2, gemm: '16bit', activationQuant: false, label: 'bf16' });

const FP8_W8A8: WeightQuantization = Object.freeze({ weightBytes: 1, gemm: 'fp8', activationQuant: true, label: 'fp8 w8a8' });

/** nvfp4: half a byte per e2m1 weight plus one fp8 (e4m3) scale per 16; the per-tensor fp32 scale is negligible. */
const NVFP4_WEIGHT_BYTES = 0.5 + 1 / 16;
const NVFP4_W4A4: WeightQuantization = Object.freeze({ weightBytes: NVFP4_WEIGHT_BYTES, gemm: 'fp4', activationQuant: true, label: 'nvfp4 w4a4' });

/**
 * Bytes per element a quantised GEMM input is written at by the activation-quantisation pass
 * before it: one for fp8 and int8 (per-token scale negligible), half a byte plus an fp8 scale per
 * 16 elements for nvfp4 (vLLM scaled_fp4_quant).
 */
export function quantizedActivationBytes(gemm: GemmFormat): number {
  return gemm === 'fp4' ? NVFP4_WEIGHT_BYTES : 1;
}

/**
 * quant_method fp8 with `weight_block_size` [n, k] (DeepSeek-V3, GLM-5): one fp32 scale per n × k
 * block of each weight (vLLM Fp8LinearMethod's `weight_scale_inv`, shape ⌈N/n⌉ × ⌈K/k⌉), so
 * 4/(n·k) bytes per weight on top of the fp8 byte (128 × 128: 1.000244). Without it the scale is
 * per tensor (or per channel), negligible against the weights.
 */
function fp8Blocks(q: Json, where: string): WeightQuantization {
  const block = q['weight_block_size'];
  if (block === undefined || block === null) return FP8_W8A8;
  if (!Array.isArray(block) || block.length !== 2 || !block.every((b) => typeof b === 'number' && Number.isInteger(b) && b > 0)) {
    throw new InputError('MODEL_CONFIG_FIELD', `${where}.weight_block_size`, `found ${JSON.stringify(block)}; expected two positive integers [n, k]`);
  }
  const [n, k] = block as [number, number];
  return Object.freeze({ ...FP8_W8A8, weightBytes: 1 + 4 / (n * k), label: `fp8 w8a8 (block ${n}x${k})` });
}

const KNOWN_METHODS = ['fp8', 'fbgemm_fp8', 'compressed-tensors', 'gptq', 'gptq_marlin', 'awq', 'awq_marlin', 'bitsandbytes', 'mxfp4', 'modelopt'];

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The quantisation object of a config: `quantization_config` (config.json) or `quantization` (experiment files' trimmed hf_config). */
export function quantizationObject(c: Json): { key: string; q: Json } | undefined {
  for (const key of ['quantization_config', 'quantization']) {
    const q = c[key];
    if (isObject(q)) return { key, q };
  }
  return undefined;
}

/** Scale (and zero-point) bytes per weight of a grouped scheme: fp16 scale per group, zero point at the weight's width when asymmetric. */
function groupOverhead(bits: number, groupSize: number, asymmetric: boolean, scaleBytes = 2): number {
  if (!(groupSize > 0)) return 0; // per channel or per tensor: one scale per row, negligible against K weights
  return scaleBytes / groupSize + (asymmetric ? bits / 8 / groupSize : 0);
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Reads a compressed-tensors scheme: its weights and input activations (top level or the first config group with weights). */
function compressedTensors(q: Json, where: string): WeightQuantization {
  let weights: Json | undefined = isObject(q['weights']) ? q['weights'] : undefined;
  let acts: unknown = q['input_activations'];
  const groups = q['config_groups'];
  if (weights === undefined && isObject(groups)) {
    for (const g of Object.values(groups)) {
      if (isObject(g) && isObject(g['weights'])) {
        weights = g['weights'];
        acts = g['input_activations'];
        break;
      }
    }
  }
  if (weights === undefined) {
    // No scheme spelled out: the serialisation format names it (compressed-tensors CompressionFormat).
    const format = q['format'];
    if (format === 'float-quantized') return { ...FP8_W8A8, label: 'fp8 w8a8 (compressed-tensors float-quantized)' };
    if (format === 'int-quantized') return { weightBytes: 1, gemm: 'int8', activationQuant: true, label: 'int8 w8a8 (compressed-tensors int-quantized)' };
    if (format === 'pack-quantized') return { weightBytes: 0.5 + groupOverhead(4, 128, false), gemm: '16bit', activationQuant: false, label: 'int4 w4a16 (compressed-tensors pack-quantized, group 128)' };
    // The format alone does not say whether activations are quantised (llm-compressor's NVFP4 and
    // NVFP4A16 schemes both serialise as nvfp4-pack-quantized); read it as NVFP4, the w4a4 scheme.
    if (format === 'nvfp4-pack-quantized') return { ...NVFP4_W4A4, label: 'nvfp4 w4a4 (compressed-tensors nvfp4-pack-quantized)' };
    throw new InputError(
      'MODEL_CONFIG_FIELD',
      `${where}.format`,
      `compressed-tensors without weights or config_groups and format ${JSON.stringify(format)}; expected float-quantized, int-quantized, pack-quantized or nvfp4-pack-quantized`,
    );
  }
  const bits = num(weights['num_bits']);
  if (bits === undefined || ![4, 8].includes(bits)) {
    throw new InputError('MODEL_CONFIG_FIELD', `${where}.weights.num_bits`, `found ${JSON.stringify(weights['num_bits'])}; expected 4 or 8`);
  }
  const float = weights['type'] === 'float';
  const strategy = weights['strategy'];
  const groupSize = strategy === 'group' || strategy === 'tensor_group' ? (num(weights['group_size']) ?? 128) : 0;
  const asymmetric = weights['symmetric'] === false;
  const actBits = isObject(acts) ? num(acts['num_bits']) : undefined;
  if (bits === 8) {
    const quantActs = actBits === 8;
    const gemm: GemmFormat = quantActs ? (float ? 'fp8' : 'int8') : '16bit';
    const kind = `${float ? 'fp8' : 'int8'} ${quantActs ? 'w8a8' : 'w8a16'}`;
    return { weightBytes: 1 + groupOverhead(8, groupSize, asymmetric), gemm, activationQuant: quantActs, label: kind };
  }
  if (float) {
    // vLLM compressed_tensors.py: 4-bit float activations too, in nvfp4's groups of 16, is
    // CompressedTensorsW4A4Fp4 (fp4 tensor cores); weights alone is CompressedTensorsW4A16Fp4
    // (Marlin on every GPU).
    const group = groupSize || 16;
    const weightBytes = 0.5 + groupOverhead(4, group, false, 1);
    if (actBits === 4 && group === 16) return { ...NVFP4_W4A4, weightBytes };
    return { weightBytes, gemm: '16bit', activationQuant: false, label: 'nvfp4 w4a16' };
  }
  return {
    weightBytes: 0.5 + groupOverhead(4, groupSize, asymmetric),
    gemm: '16bit',
    activationQuant: false,
    label: `int4 w4a16${groupSize > 0 ? ` (group ${groupSize})` : ''}`,
  };
}

/**
 * The weight quantisation a config declares; NO_QUANTIZATION when it declares none. `where`
 * names the config in errors (an unknown method is an InputError naming the field).
 */
export function readQuantization(c: Json, where: string): WeightQuantization {
  const found = quantizationObject(c);
  if (found === undefined) return NO_QUANTIZATION;
  const { key, q } = found;
  const at = `${where}: ${key}`;
  const method = typeof q['quant_method'] === 'string' ? q['quant_method'].toLowerCase() : undefined;
  switch (method) {
    case 'fp8':
      return fp8Blocks(q, at);
    case 'fbgemm_fp8':
      return FP8_W8A8;
    case 'compressed-tensors':
      return compressedTensors(q, at);
    case 'gptq':
    case 'gptq_marlin': {
      const bits = num(q['bits']) ?? 4;
      const group = num(q['group_size']) ?? 128;
      const asym = q['sym'] === false;
      return { weightBytes: bits / 8 + groupOverhead(bits, group, asym), gemm: '16bit', activationQuant: false, label: `int${bits} w${bits}a16 (gptq${group > 0 ? `, group ${group}` : ''})` };
    }
    case 'awq':
    case 'awq_marlin': {
      const bits = num(q['bits']) ?? num(q['w_bit']) ?? 4;
      const group = num(q['group_size']) ?? num(q['q_group_size']) ?? 128;
      const zeros = q['zero_point'] !== false;
      return { weightBytes: bits / 8 + groupOverhead(bits, group, zeros), gemm: '16bit', activationQuant: false, label: `int${bits} w${bits}a16 (awq, group ${group})` };
    }
    case 'bitsandbytes': {
      if (q['load_in_8bit'] === true) return { weightBytes: 1, gemm: '16bit', activationQuant: false, label: 'int8 (bitsandbytes)' };
      // nf4 blocks of 64 with an fp32 absmax, or (double quantisation) an 8-bit absmax plus an fp32 per 256 blocks.
      const absmax = q['bnb_4bit_use_double_quant'] === true ? 1 / 64 + 4 / (64 * 256) : 4 / 64;
      return { weightBytes: 0.5 + absmax, gemm: '16bit', activationQuant: false, label: 'nf4 (bitsandbytes)' };
    }
    case 'mxfp4':
      return { weightBytes: 0.5 + 1 / 32, gemm: '16bit', activationQuant: false, label: 'mxfp4 w4a16' };
    case 'modelopt': {
      const algo = String(q['quant_algo'] ?? '').toUpperCase();
      if (algo === 'FP8') return { ...FP8_W8A8, label: 'fp8 w8a8 (modelopt)' };
      if (algo === 'NVFP4') return { ...NVFP4_W4A4, label: 'nvfp4 w4a4 (modelopt)' };
      throw new InputError('MODEL_CONFIG_FIELD', `${at}.quant_algo`, `modelopt algorithm ${JSON.stringify(q['quant_algo'])} is not modelled; expected FP8 or NVFP4`);
    }
    default:
      throw new InputError(
        'MODEL_CONFIG_FIELD',
        `${at}.quant_method`,
        `${method === undefined ? 'missing quant_method' : `quantisation method '${method}' is not modelled`}; known: ${KNOWN_METHODS.join(', ')} (costing it as 16-bit weights would be wrong by up to 4x)`,
      );
  }
}

/**
 * A quantisation_config for an experiment file's `precision` / `weight_dtype` text when its
 * hf_config carries none ("fp8", "fp8 (W8A8 dynamic, compressed-tensors)", "int8 w8a8",
 * "int4 w4a16", "awq", "gptq", "nvfp4", "nvfp4 w4a16"); undefined for 16-bit names ("16bit",
 * "bf16", "fp16") and for
 * text that names nothing known.
 */
export function quantizationFromPrecision(text: string): Json | undefined {
  const t = text.toLowerCase();
  if (/\b(awq)\b/.test(t)) return { quant_method: 'awq', bits: 4, group_size: 128, zero_point: true };
  if (/\b(gptq)\b/.test(t)) return { quant_method: 'gptq', bits: 4, group_size: 128, sym: true };
  if (/\bnvfp4\b|\bfp4\b/.test(t)) {
    // "nvfp4 w4a16" is the weight-only scheme (Marlin everywhere); otherwise NVFP4, w4a4.
    if (/\bw4a16\b|weight[- ]only/.test(t)) return { quant_method: 'compressed-tensors', weights: { num_bits: 4, type: 'float', strategy: 'tensor_group', group_size: 16 }, input_activations: null };
    return { quant_method: 'compressed-tensors', format: 'nvfp4-pack-quantized' };
  }
  if (/\bw4a16\b|\bint4\b|\b4-?bit\b/.test(t)) return { quant_method: 'compressed-tensors', format: 'pack-quantized' };
  if (/\bint8\b/.test(t)) return { quant_method: 'compressed-tensors', format: 'int-quantized' };
  if (/\bfp8\b|\be4m3\b/.test(t)) {
    // Weight-only fp8 says so (w8a16); otherwise the common reading, dynamic per-token activations.
    if (/\bw8a16\b|weight[- ]only/.test(t)) return { quant_method: 'compressed-tensors', weights: { num_bits: 8, type: 'float', strategy: 'channel' }, input_activations: null };
    return { quant_method: 'compressed-tensors', format: 'float-quantized' };
  }
  return undefined;
}
