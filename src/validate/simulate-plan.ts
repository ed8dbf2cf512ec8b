/**
 * Runs one experiment plan through the simulator: the experiment's model, GPU, TP and vLLM
 * knobs become a one-instance cluster config (null knobs derived, and reported back), its
 * arrivals are simulated with the 300 s client timeout, and the records come back for
 * comparison. This is the SimulateFn `blis validate` and `blis calibrate` use.
 */
import { resolveClusterConfig, type ClusterOptions } from '../cluster/config.js';
import { simulate } from '../cluster/simulate.js';
import { topStepTimeContext } from '../cluster/moe-parallel-config.js';
import { CollectingSink } from '../cluster/sink.js';
import { ZERO_OVERHEADS } from '../engine/config.js';
import { findModel, findModelQuantized } from '../model/catalog.js';
import { getHardware } from '../model/hardware-catalog.js';
import { familyGenerationDefaults } from '../model/generation-families.js';
import { modelSpecFromHfConfig } from '../model/hf-config.js';
import { createStepTimeModel, type StepTimeOptions } from '../model/registry.js';
import type { StepTimeContext, StepTimeModel, RequestOverheads } from '../model/step-time.js';
import type { ExperimentPlan } from './plan.js';
import type { SimulationResult } from './validate.js';
import { BYTES_PER_GIB, usToS } from '../kernel/units.js';
import { MAX_MODEL_LEN_SHORTFALL } from '../cluster/kv-config.js';
import type { Assumption } from './assumptions.js';

/** How often vLLM's DP coordinator publishes the ranks' waiting and running counts (v1/engine/coordinator.py min_stats_update_interval_ms). */
const DP_STATS_INTERVAL_MS = 100;

export interface PlanSimulationOptions {
  /** The step-time model (name, coefficients); resolved by the model registry (default: its default). */
  readonly stepTime?: StepTimeOptions;
  /** Build the step-time model directly (calibration trials). */
  readonly stepTimeFactory?: (ctx: StepTimeContext) => { stepTime: StepTimeModel; overheads: RequestOverheads };
  readonly seed?: number;
}

/** Resolves the plan's cluster config; exported for reports (what was derived). */
export function planClusterOptions(plan: ExperimentPlan): { options: ClusterOptions; derivedNames: string[] } {
  const k = plan.engineKnobs;
  const quantized = plan.model.quantizationConfig === undefined ? undefined : findModelQuantized(plan.model.name, plan.model.quantizationConfig, `${plan.file}: weights`);
  const model = quantized ?? findModel(plan.model.name) ?? modelSpecFromHfConfig(plan.model.hfConfig, plan.model.name.toLowerCase(), `${plan.file}: hf_config`, familyGenerationDefaults(plan.model.name, plan.model.hfConfig));
  const options: ClusterOptions = {
    modelSpec: model,
    hardware: plan.hardware.gpu,
    ...(plan.hardwareSpec !== undefined ? { hardwareSpec: plan.hardwareSpec } : {}),
    tp: plan.tp,
    numInstances: plan.numInstances,
    // vLLM's front end balances its ranks itself, from counts its coordinator publishes every 100 ms.
    ...(plan.numInstances > 1 ? { routingPolicy: 'vllm-dp', dataParallelSize: plan.numInstances } : {}),
    ...(plan.expertParallel ? { enableExpertParallel: true } : {}),
    ...(k.maxNumSeqs !== null ? { maxNumSeqs: k.maxNumSeqs } : {}),
    ...(k.maxNumBatchedTokens !== null ? { maxNumBatchedTokens: k.maxNumBatchedTokens } : {}),
    ...(k.maxModelLen !== null ? { maxModelLen: k.maxModelLen } : {}),
    ...(k.gpuMemoryUtilization !== null ? { gpuMemoryUtilization: k.gpuMemoryUtilization } : {}),
    ...(k.blockSize !== null ? { blockSize: k.blockSize } : {}),
    ...(k.totalKvBlocksGpu !== null ? { totalKvBlocks: k.totalKvBlocksGpu } : {}),
    ...(k.enablePrefixCaching !== null ? { enablePrefixCaching: k.enablePrefixCaching } : {}),
    ...(k.asyncScheduling === false ? { asyncScheduling: false } : {}),
    ...(k.enableChunkedPrefill === false ? { enableChunkedPrefill: false } : {}),
    ...(k.kvCacheDtype !== null && k.kvCacheDtype !== 'auto' ? { kvCacheDtype: k.kvCacheDtype } : {}),
    // Only an explicit `true` changes anything: unset or false, vLLM's own rule (kv-groups.ts) applies.
    ...(k.disableHybridKvCacheManager === true ? { disableHybridKvCacheManager: true } : {}),
    // The run's CPU offload tier (vllm.cpu_offload, OffloadingConnector) with the block count vLLM logged.
    ...(k.cpuKvBlocks !== null && k.cpuKvBlocks > 0 ? { kvCpuBlocks: k.cpuKvBlocks }
      // Without the logged count, the tier the configured bytes per GPU hold (cpu-tier-config.ts, as the connector sizes it).
      : k.cpuKvGibPerGpu !== null && k.cpuKvGibPerGpu > 0 ? { kvCpuBytes: k.cpuKvGibPerGpu * BYTES_PER_GIB } : {}),
    clientTimeoutS: usToS(plan.clientTimeoutUs),
    snapshotRefreshIntervalMs: plan.numInstances > 1 ? DP_STATS_INTERVAL_MS : 0,
    // The measured server started: a derived cache short of max_model_len is the derivation's error, noted in the config.
    noteUnservableMaxModelLen: true,
  };
  return { options, derivedNames: [...plan.derive] };
}

export async function simulatePlan(plan: ExperimentPlan, opts: PlanSimulationOptions = {}): Promise<SimulationResult> {
  const { options } = planClusterOptions(plan);
  const st = opts.stepTime ?? {};
  const config = resolveClusterConfig({
    ...options,
    seed: opts.seed ?? 0,
    ...(st.name !== undefined ? { latencyModel: st.name } : {}),
    ...(st.coefficients !== undefined ? { latencyCoefficients: st.coefficients } : {}),
    ...(st.coefficientsSource !== undefined ? { latencyCoefficientsFile: st.coefficientsSource } : {}),
  }, { model: 'experiment', hardware: 'experiment', tp: 'experiment' });
  const ctx = { ...topStepTimeContext(config), hardware: plan.hardwareSpec ?? getHardware(plan.hardware.gpu, `${plan.file}: hardware.gpu`) };
  let stepTime: StepTimeModel;
  let overheads: RequestOverheads;
  if (opts.stepTimeFactory) {
    ({ stepTime, overheads } = opts.stepTimeFactory(ctx));
  } else {
    const m = createStepTimeModel(config.stepTime, ctx);
    stepTime = m;
    overheads = m.overheads ?? ZERO_OVERHEADS;
  }
  const sink = new CollectingSink();
  await simulate({
    config,
    arrivals: plan.arrivals,
    stepTime,
    overheads,
    sinks: [sink],
    stages: plan.stages,
  });
  const derived: Record<string, unknown> = {};
  for (const name of plan.derive) {
    if (name === 'totalKvBlocksGpu') derived[name] = config.engine.totalKvBlocks;
    else if (name === 'maxModelLen') derived[name] = config.engine.maxModelLen;
    else if (name === 'maxNumSeqs') derived[name] = config.engine.maxNumSeqs;
    else if (name === 'maxNumBatchedTokens') derived[name] = config.engine.maxNumBatchedTokens;
    else if (name === 'gpuMemoryUtilization') derived[name] = config.gpuMemoryUtilization;
    else if (name === 'blockSize') derived[name] = config.engine.blockSize;
    else if (name === 'enablePrefixCaching') derived[name] = config.engine.enablePrefixCaching;
  }
  const shortfall = config.derivations[MAX_MODEL_LEN_SHORTFALL];
  const notes: Assumption[] = shortfall === undefined ? [] : [{ field: 'vllm.max_model_len', value: config.engine.maxModelLen, kind: 'noted', why: shortfall }];
  // A CPU tier sized from cpu_bytes_per_gpu_gib (no logged count) holds what the connector fits
  // (cluster/cpu-tier-config.ts): its block count is derived, so it is reported, not left null.
  const tier = config.engine.cpuTier;
  const statedCpuBlocks = plan.engineKnobs.cpuKvBlocks;
  if (tier !== null && !(statedCpuBlocks !== null && statedCpuBlocks > 0)) {
    derived['cpuKvBlocks'] = tier.blocks;
    notes.push({ field: 'vllm.cpu_offload.cpu_kv_blocks', value: tier.blocks, kind: 'derived', why: `the OffloadingConnector's CPU tier: ${config.derivations['cpuTier'] ?? 'sized from cpu_bytes_per_gpu_gib'}` });
  }
  const jit = stepTime.kernelJit;
  if (jit !== undefined) {
    notes.push({
      field: 'kernel_cache',
      value: 'cold',
      kind: 'assumed',
      why: `a freshly started vLLM server: the fused-MoE kernel variants start-up did not run compile when a step first needs them (tile configs from ${jit.configSource}; model/moe-jit.ts)`,
    });
  }
  return { records: sink.records, derived, ...(notes.length > 0 ? { notes } : {}) };
}
