/**
 * An MoE model's routed experts under vLLM's data and expert parallelism.
 *
 * vLLM 0.15 with `--data-parallel-size N` on an MoE model (docs/serving/data_parallel_deployment.md;
 * model_executor/layers/fused_moe/config.py FusedMoEParallelConfig.make): each rank is its own
 * engine core (scheduler and KV cache) whose attention runs on its own requests, but the expert
 * layers form one group over all N · TP GPUs. By default every expert is sharded over that group as
 * a tensor-parallel group of N · TP (the flattened dp · tp group); with `--enable-expert-parallel`
 * each GPU holds E / (N · TP) whole experts instead. Each MoE layer first gathers every rank's
 * tokens (the default all2all backend, VLLM_ALL2ALL_BACKEND=allgather_reducescatter:
 * distributed/device_communicators/all2all.py AgRsAll2AllManager.dispatch, an all_gatherv of the
 * hidden states and top-k ids and weights over the DP group), runs its experts on all of them, and
 * reduce-scatters the result back (combine, reduce_scatterv). The ranks step together: a rank with
 * nothing to run executes a dummy batch so that the collectives match (v1/engine/core.py
 * DPEngineCoreProc, execute_dummy_batch), and ranks pad to the largest rank's token count for
 * their CUDA graphs (v1/worker/dp_utils.py coordinate_batch_across_dp).
 *
 * blis simulates each rank as an instance whose steps start and end with its server's other ranks'
 * (engine/lockstep.ts: each step lasts the longest rank's). A rank's MoE layers are costed as if
 * every rank held as many tokens as it does, so the longest is the rank at the largest count, which
 * the others pad to; the dummy batches of an idle rank are not simulated. Per GPU that is the experts the gathered tokens touch, each at
 * 1/(N · TP) of its bytes and FLOPs, or with expert parallelism the whole experts of the busiest GPU
 * (each layer waits for its slowest GPU): the expected maximum, over the GPUs, of the experts that
 * GPU holds and the tokens touch.
 */
import { smoothRooflineUs, type KernelRates } from './gemm.js';
import type { MoeParallelism } from './step-time.js';
import { powInteger } from '../kernel/powers.js';

/** Routed experts of one MoE layer, per GPU (./roofline-shapes.ts builds it). */
export interface MoeShape {
  /** Layers whose MLP is the routed experts (ModelSpec.moeLayers). */
  readonly layers: number;
  readonly experts: number;
  readonly topK: number;
  /** ln(1 − k/E): expected distinct experts touched by T tokens is E·(1 − (1 − k/E)^T). */
  readonly logMissProbability: number;
  /** Weight bytes of one expert (w13 and w2) on one GPU: its shard, or all of it under expert parallelism. */
  readonly expertWeightBytes: number;
  /** FLOPs and activation bytes per (token, expert) slot on one GPU. */
  readonly flopsPerSlot: number;
  readonly activationBytesPerSlot: number;
  /** Fewest tokens an active expert's block computes (padding of small groups). */
  readonly blockTokens: number;
  readonly rates: KernelRates;
  /**
   * Rates of a call on more than `experts` tokens when vLLM runs its default tiles for this shape
   * (the 64 × 64 × 32 tile of get_default_config, ./moe-default-tiles.ts); null: `rates` at every size.
   */
  readonly defaultTileRates: KernelRates | null;
  /** Tokens the MoE layers run per token of the rank's own step: the data-parallel ranks (1 without data parallelism). */
  readonly tokenScale: number;
  /** Expert parallelism: the GPUs the whole experts are spread over, and the most one holds; 0 when experts are sharded. */
  readonly expertGpus: number;
  readonly expertsPerGpu: number;
  /** Per step, the dispatch (all-gather) and combine (reduce-scatter) of every MoE layer over the data-parallel ranks: fixed µs and µs per token of the rank's step (0 without data parallelism). */
  readonly dispatchUs: number;
  readonly dispatchUsPerToken: number;
}

/** µs of the routed experts of all MoE layers for a rank's step of T tokens (T > 0). */
export function moeLayersUs(moe: MoeShape, T: number): number {
  const tokens = moe.tokenScale === 1 ? T : T * moe.tokenScale;
  const slots = tokens * moe.topK;
  const rates = moe.defaultTileRates !== null && tokens > moe.experts ? moe.defaultTileRates : moe.rates;
  if (moe.expertGpus > 0) {
    // Each GPU computes the slots routed to its experts (an even share on average) and reads the
    // experts its share touches; the layer lasts as long as its busiest GPU's reads.
    const busiest = expectedBusiestExperts(moe.expertsPerGpu, moe.expertGpus, -Math.expm1(tokens * moe.logMissProbability));
    const gpuSlots = slots / moe.expertGpus;
    const gpuComputed = Math.max(gpuSlots, busiest * moe.blockTokens);
    return moe.layers * smoothRooflineUs(busiest * moe.expertWeightBytes + gpuSlots * moe.activationBytesPerSlot, gpuComputed * moe.flopsPerSlot, rates);
  }
  // Expected distinct experts touched by the tokens each picking k of E (uniform routing), and the
  // tokens each active expert computes, padded to the kernel's block (vLLM fused_moe).
  const distinct = moe.experts * -Math.expm1(tokens * moe.logMissProbability);
  const computed = Math.max(slots, distinct * moe.blockTokens);
  return moe.layers * smoothRooflineUs(distinct * moe.expertWeightBytes + slots * moe.activationBytesPerSlot, computed * moe.flopsPerSlot, rates);
}

/** µs of the MoE layers' dispatch and combine over the data-parallel ranks for a rank's step of T tokens. */
export function moeDispatchUs(moe: MoeShape | null, T: number): number {
  return moe === null || moe.dispatchUs === 0 || T === 0 ? 0 : moe.dispatchUs + T * moe.dispatchUsPerToken;
}

/**
 * E[max over `gpus` GPUs of the experts each touches], each GPU holding `perGpu` experts and each
 * expert touched with probability `p` independently (the touches of distinct experts are nearly
 * independent for E ≫ k): E[max] = Σ_{j<perGpu} (1 − F(j)^gpus), F the binomial(perGpu, p) CDF.
 */
export function expectedBusiestExperts(perGpu: number, gpus: number, p: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return perGpu;
  let pmf = powInteger(1 - p, perGpu);
  let cdf = 0;
  let sum = 0;
  for (let j = 0; j < perGpu; j++) {
    cdf += pmf;
    sum += 1 - powInteger(Math.min(1, cdf), gpus);
    pmf *= ((perGpu - j) / (j + 1)) * (p / (1 - p));
  }
  return sum;
}

/** How the GPUs of `tp` ranks (times the data-parallel ranks) hold an MoE model's `experts` routed experts. */
export interface ExpertLayout {
  /** Data-parallel ranks whose tokens each MoE layer gathers (1 without data parallelism). */
  readonly dp: number;
  /** GPUs the experts are spread over: dp · tp. */
  readonly gpus: number;
  /** Whole experts per GPU (expert parallelism over more than one GPU), else a shard of each. */
  readonly whole: boolean;
  /** The share of an expert's width one GPU holds is 1/shard: 1 with whole experts, else gpus. */
  readonly shard: number;
  /** Experts one GPU holds: all of them sharded, at most ⌈E / gpus⌉ whole. */
  readonly expertsPerGpu: number;
}

export function expertLayout(experts: number, tp: number, par: MoeParallelism | undefined): ExpertLayout {
  const dp = par?.dp ?? 1;
  const gpus = dp * tp;
  const whole = par?.expertParallel === true && gpus > 1;
  return { dp, gpus, whole, shard: whole ? 1 : gpus, expertsPerGpu: whole ? Math.ceil(experts / gpus) : experts };
}
