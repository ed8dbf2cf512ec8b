/**
 * The weight format an experiment's server ran, and the note that reports it when it is not
 * 16-bit. In order:
 * - a catalogued quantised checkpoint: the catalog's own config;
 * - the file's hf_config `quantization_config` (or the trimmed `quantization` object), also for
 *   a model the catalog holds as 16-bit (a quantised build under the base model's name);
 * - `vllm.quantization` naming a method vLLM applies at load time to 16-bit weights (`fp8`:
 *   Fp8Config with is_checkpoint_fp8_serialized false, dynamic per-tensor scales;
 *   `bitsandbytes`: in-flight 4-bit nf4; vllm/model_executor/layers/quantization/fp8.py,
 *   bitsandbytes.py); any other method needs the checkpoint's own config, so without one the
 *   file is refused rather than costed as 16-bit;
 * - the file's `weight_dtype` / `precision` text ("fp8 (W8A8 dynamic, compressed-tensors)").
 * On a GPU without the format's tensor cores the note says how vLLM runs it instead (fp8 below
 * compute capability 8.9: weight-only FP8 Marlin; nvfp4 below Blackwell: Marlin w4a16), which
 * is what the roofline costs (model/roofline-shapes.ts: no native rate, 16-bit math).
 */
import { InputError } from '../kernel/errors.js';
import { findHardware } from '../model/hardware-catalog.js';
import type { HardwareSpec } from '../model/hardware.js';
import { languageConfig } from '../model/hf-config.js';
import type { ModelSpec } from '../model/model-spec.js';
import { quantizationFromPrecision, quantizationObject, readQuantization, type GemmFormat } from '../model/quantization.js';
import type { Assumption } from './assumptions.js';
import type { Experiment } from './experiment.js';

type Json = Readonly<Record<string, unknown>>;

export interface WeightReading {
  /** The hf_config to simulate (with the quantisation the file names, for a model outside the catalog). */
  readonly hfConfig: Json;
  /** For a model the catalog holds as 16-bit: the quantization_config its simulated spec is re-read with. */
  readonly quantizationConfig?: Json;
  readonly note?: Assumption;
}

/** vllm.quantization methods that quantise 16-bit weights while loading them (no checkpoint config needed). */
const ONLINE_METHODS: Readonly<Record<string, Json>> = {
  fp8: { quant_method: 'fp8', activation_scheme: 'dynamic' },
  bitsandbytes: { quant_method: 'bitsandbytes', load_in_4bit: true },
};

/**
 * How vLLM 0.15 runs `q` on `hw` when the GPU lacks the format's tensor cores; '' when it runs
 * natively (or the GPU is unknown). fp8: Fp8LinearMethod sets use_marlin below capability 8.9,
 * and compressed-tensors falls back from CompressedTensorsW8A8Fp8 (minimum 89) to
 * CompressedTensorsW8A16Fp8; nvfp4: the linear and MoE backends fall through to Marlin below SM100.
 */
export function gpuWeightPath(gemm: GemmFormat, hw: HardwareSpec | undefined): string {
  if (hw === undefined) return '';
  const cc = hw.computeCapability > 0 ? `compute capability ${hw.computeCapability.toFixed(1)}, ` : '';
  if (gemm === 'fp8' && hw.fp8Tflops === 0) return `on ${hw.name} (${cc}no fp8 tensor cores): fp8 w8a16, vLLM's weight-only FP8 Marlin kernel with 16-bit math`;
  if (gemm === 'fp4' && hw.fp4Tflops === 0) return `on ${hw.name} (${cc}no fp4 tensor cores): nvfp4 w4a16, vLLM's Marlin kernel with 16-bit math`;
  return '';
}

function noted(label: string, why: string, hw: HardwareSpec | undefined, gemm: GemmFormat): Assumption {
  const path = gpuWeightPath(gemm, hw);
  return { field: 'weights', value: path === '' ? label : `${label}; ${path}`, kind: 'derived', why };
}

export function weightFormat(exp: Experiment, spec: ModelSpec | undefined, hardware?: HardwareSpec): WeightReading {
  const hf = exp.hfConfig;
  const hw = hardware ?? findHardware(exp.hardware.gpu);
  const where = `${exp.file}: hf_config`;
  if (spec !== undefined && spec.quantization !== 'bf16') {
    return { hfConfig: hf, note: noted(spec.quantization, `the catalogued model's quantization_config (${spec.name})`, hw, spec.gemmFormat) };
  }
  const catalogued16 = spec === undefined ? '' : `; the catalog holds ${spec.name} as 16-bit, so its entry is re-read with this quantisation`;
  const holder = quantizationObject(hf) !== undefined ? hf : languageConfig(hf);
  const declared = quantizationObject(holder);
  if (declared !== undefined) {
    const q = readQuantization(holder, where);
    const note = noted(q.label, `hf_config.${declared.key}${catalogued16}`, hw, q.gemm);
    return spec === undefined ? { hfConfig: hf, note } : { hfConfig: hf, quantizationConfig: declared.q, note };
  }
  const method = exp.vllmQuantization;
  let config: Json | undefined;
  let why: string;
  if (method !== undefined) {
    config = ONLINE_METHODS[method.toLowerCase()];
    if (config === undefined) {
      throw new InputError('EXPERIMENT_UNSUPPORTED', `${exp.file}: vllm.quantization`, `'${method}' reads the checkpoint's own quantization_config, which hf_config does not carry; add it to hf_config (the methods vLLM applies to 16-bit weights at load time are ${Object.keys(ONLINE_METHODS).join(', ')})`);
    }
    why = `vllm.quantization ${JSON.stringify(method)}: vLLM quantises the 16-bit weights while loading them${catalogued16}`;
  } else {
    config = exp.weightFormat !== undefined ? quantizationFromPrecision(exp.weightFormat) : undefined;
    if (config === undefined) return { hfConfig: hf };
    why = `hf_config declares no quantisation; the file's weight_dtype/precision ${JSON.stringify(exp.weightFormat)} names this format${catalogued16}`;
  }
  const withQuant = { ...hf, quantization_config: config };
  const q = readQuantization(withQuant, where);
  const note = noted(q.label, why, hw, q.gemm);
  return spec === undefined ? { hfConfig: withQuant, note } : { hfConfig: hf, quantizationConfig: config, note };
}
