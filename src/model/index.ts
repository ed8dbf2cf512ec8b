/**
 * src/model — what a model on a GPU costs: architecture facts from Hugging Face config.json
 * (embedded catalog), the GPU catalog, KV-cache sizing and TP validity, and the step-time
 * models (roofline, fitted, linear) behind one registry. Pure: no I/O, no printing.
 *
 * Read first: step-time.ts (the contract), roofline.ts (the physics and the fitted basis) with
 * roofline-shapes.ts (what vLLM runs per layer) and gemm.ts (the smooth roofline on the GPU's
 * measured rates, hardware.json), kv-sizing.ts (memory → KV blocks). docs/model.md explains
 * formulas, parameters, sources and limits.
 */
export type { ModelSpec, MlaShape } from './model-spec.js';
export type { HardwareSpec } from './hardware.js';
export type { BatchShape, StepTimeModel, StepCostSplit, RequestOverheads, StepTimeContext, StepTimeModelEntry, DecodeAggregateCost } from './step-time.js';
export { smoothRooflineUs, gemmShape, gemmUs, type GemmShape, type KernelRates } from './gemm.js';
export { collectiveCost, type CollectiveCost } from './collective.js';
export { modelSpecFromHfConfig } from './hf-config.js';
export { getModel, findModel, listModels, modelNames, modelSource, type ModelListing } from './catalog.js';
export { describeGeneration, generationDefaultsFromJson, samplerPasses, NO_GENERATION_DEFAULTS, type GenerationDefaults, type SamplerPasses } from './generation-config.js';
export { getHardware, findHardware, listHardware, hardwareNames, hardwareSpecFromJson, DEFAULT_ACHIEVED_FRACTIONS, type HardwareListing } from './hardware-catalog.js';
export {
  KV_MEMORY_DEFAULTS,
  kvBytesPerTokenPerLayer,
  kvBytesPerBlock,
  kvSizing,
  deriveTotalKvBlocks,
  validateTp,
  defaultMaxModelLen,
  type KvSizing,
  type KvSizingInput,
} from './kv-sizing.js';
export { vllmBlockSize, vllmGivenBlockSize, VLLM_DEFAULT_BLOCK_SIZE, type VllmBlockSize } from './kv-block-size.js';
export { ROOFLINE_DEFAULTS, ROOFLINE_OPTIONS, resolveRooflineParams, type RooflineParams, type StepTimeOption } from './roofline-params.js';
export { ROOFLINE_BASIS, BASIS_SIZE, CPU_BASIS, rooflineBasis, rooflineCoefficients, createRoofline, sumBasisUs, basisSplit, modelFromSplit, type BasisFn, type RooflineBasisName } from './roofline.js';
export {
  COEFFICIENTS_SCHEMA,
  coefficientsFromJson,
  defaultCoefficients,
  selectCoefficients,
  createFitted,
  rooflineEntryCoefficients,
  FITTED_EXTRA_TERMS,
  RETIRED_TERMS,
  type Coefficients,
  type CoefficientsEntry,
  type CoefficientsProvenance,
} from './fitted.js';
export { createLinear, linearFromRoofline, LINEAR_OPTIONS } from './linear.js';
export { STEP_TIME_MODELS, getStepTimeModel, stepTimeModelNames, defaultStepTimeModelName, resolveStepTime, createStepTimeModel, roofline, fitted, linear, type StepTimeEntry, type StepTimeOptions, type StepTimeChoice } from './registry.js';
