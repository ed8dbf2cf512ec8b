/**
 * Data and expert parallelism of the served model (vLLM --data-parallel-size,
 * --enable-expert-parallel), resolved for the cluster config.
 *
 * blis's instances are engine ranks: a vLLM server with --data-parallel-size N is N instances
 * (llm-d routes to each rank as its own endpoint; vLLM's own front end balances them by waiting
 * and running requests). For a dense model the ranks are independent engines, so the size changes
 * nothing but the instance count. For an MoE model the ranks' GPUs share the routed experts and
 * their MoE layers run together (model/moe-parallel.ts), which the step time and the KV cache
 * (weights per GPU) follow.
 */
import { InputError, positiveInt } from '../kernel/errors.js';
import type { ModelSpec } from '../model/model-spec.js';
import type { MoeParallelism, StepTimeContext } from '../model/step-time.js';
import type { ClusterConfig, FieldSource } from './config.js';

export interface MoeParallelOptions {
  dataParallelSize?: number;
  enableExpertParallel?: boolean;
}

/** The MoE parallelism the options ask for (null: none that changes the simulation). */
export function resolveMoeParallel(options: MoeParallelOptions, model: ModelSpec, tp: number, given: Readonly<Record<string, FieldSource>>, sources: Record<string, FieldSource>, derivations: Record<string, string>): MoeParallelism | null {
  const dp = options.dataParallelSize !== undefined ? positiveInt(options.dataParallelSize, '--data-parallel-size') : 1;
  if (options.dataParallelSize !== undefined) sources['dataParallelSize'] = given['dataParallelSize'] ?? 'flag';
  const ep = options.enableExpertParallel === true;
  if (options.enableExpertParallel !== undefined) sources['enableExpertParallel'] = given['enableExpertParallel'] ?? 'flag';
  const moe = model.numExperts > 1 && model.moeLayers > 0;
  // vLLM refuses expert parallelism for a model without experts (config/model.py _verify_with_expert_parallelism).
  if (ep && !moe) throw new InputError('FLAG_CONFLICT', '--enable-expert-parallel', `${model.name} has no routed experts; expert parallelism needs an MoE model`);
  if (!moe) {
    if (dp > 1) derivations['dataParallelSize'] = `${model.name} is dense: its ${dp} data-parallel ranks are independent engines, simulated as instances`;
    return null;
  }
  if (dp === 1 && !ep) return null;
  // Sharded experts: FusedMoEParallelConfig.make flattens the dp x tp GPUs into the MoE layers'
  // tensor-parallel group, and FusedMoE.__init__ (fused_moe/layer.py) asserts
  // intermediate_size % tp_size == 0 before it splits every expert's width over them.
  const gpus = dp * tp;
  if (!ep && dp > 1 && model.moeIntermediateSize % gpus !== 0) {
    throw new InputError('FLAG_CONFLICT', '--data-parallel-size', `${dp} ranks x TP ${tp} = ${gpus} GPUs do not divide ${model.name}'s expert width of ${model.moeIntermediateSize} (moe_intermediate_size), which vLLM shards over them (FusedMoE asserts it divides); expected a data parallel size whose product with TP divides ${model.moeIntermediateSize}, or --enable-expert-parallel (whole experts per GPU)`);
  }
  derivations['dataParallelSize'] = `${model.name}'s routed experts ${ep ? 'are spread whole' : 'are sharded'} over ${dp > 1 ? `the ${dp} ranks' ${gpus} GPUs (data parallel size x TP); each MoE layer gathers every rank's tokens (all-gather, reduce-scatter), costed as if every rank held as many tokens as the one stepping, and the ranks step in lockstep (each step lasts the slowest rank's)` : `the instance's ${gpus} GPUs (TP); one rank, no data parallelism`}`;
  return Object.freeze({ dp, expertParallel: ep });
}

/** The instances must be whole servers of `dp` ranks, of one pool (no P/D or mixed pools), and the autoscaler does not take ranks apart. */
export function checkDataParallelLayout(dp: number, numInstances: number, pools: number, maxInstances: number): void {
  if (dp === 1) return;
  // The autoscaler and the pools first: their instance counts come from a policy file or the pool
  // flags, so a count that is no multiple of dp would otherwise name a --num-instances never given.
  if (maxInstances !== numInstances) throw new InputError('FLAG_CONFLICT', '--data-parallel-size', 'the autoscaler adds and removes single instances, not servers of data-parallel ranks');
  if (pools > 1) throw new InputError('FLAG_CONFLICT', '--data-parallel-size', 'data-parallel ranks in several pools (prefill and decode, or mixed hardware) are not modelled; simulate one pool');
  if (numInstances % dp !== 0) throw new InputError('FLAG_CONFLICT', '--num-instances', `${numInstances} instances are not whole servers of --data-parallel-size ${dp} ranks; expected a multiple of ${dp}`);
}

/** The step-time context of the config's top-level model, GPU and TP, with its MoE parallelism. */
export function topStepTimeContext(config: Pick<ClusterConfig, 'model' | 'hardware' | 'tp' | 'moeParallel'>): StepTimeContext {
  return { model: config.model, hardware: config.hardware, tp: config.tp, ...(config.moeParallel !== null ? { moeParallel: config.moeParallel } : {}) };
}

/**
 * The routing policy of a run that names none: the ranks of one vLLM server of
 * `--data-parallel-size` ranks are balanced by the server's own front end (vllm-dp,
 * v1/engine/core_client.py DPLBAsyncMPClient), which a gateway in front sees as one endpoint;
 * several servers, or none, get the cluster's default.
 */
export function defaultRoutingPolicy(dp: number, numInstances: number | undefined, fallback: string, derivations: Record<string, string>): string {
  if (dp <= 1 || (numInstances !== undefined && numInstances !== dp)) return fallback;
  derivations['routingPolicy'] = `vllm-dp: one vLLM server's ${dp} data-parallel ranks, balanced by its own front end (lowest 4 x waiting + running)`;
  return 'vllm-dp';
}
