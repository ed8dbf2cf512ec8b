/**
 * One instance's engine configuration: all-optional options in, all-required frozen config out.
 * Defaults are vLLM 0.15's (v1 EngineArgs) where vLLM has one.
 */
import type { RequestOverheads, StepTimeModel } from '../model/step-time.js';
import type { KvCacheGroups } from '../model/kv-groups.js';
import { InputError } from '../kernel/errors.js';
import type { DropReason } from './engine-request.js';
import { LIVELOCK_US } from './livelock-net.js';

export type SchedulerPolicy = 'fcfs' | 'priority';

export interface DetailOptions {
  /** Record prefill chunks, preemption times and token times per request (for tracing). */
  readonly enabled: boolean;
  /** Record the time of every Nth output token (first token included). */
  readonly tokenEvery: number;
}

export interface InstanceConfig {
  /** Dense instance id (index into the cluster's arrays). */
  readonly id: number;
  /** Token budget per step (vLLM --max-num-batched-tokens). */
  readonly maxNumBatchedTokens: number;
  /** Requests per step (vLLM --max-num-seqs). */
  readonly maxNumSeqs: number;
  /** Cap on one prefill chunk in tokens; 0 = off (vLLM --long-prefill-token-threshold). */
  readonly longPrefillTokenThreshold: number;
  /** Tokens per KV block (vLLM --block-size). */
  readonly blockSize: number;
  /** vLLM's num_gpu_blocks; the scheduler can use one fewer (BlockPool's null block). */
  readonly totalKvBlocks: number;
  /** Longest prompt + output accepted (vLLM --max-model-len). */
  readonly maxModelLen: number;
  readonly scheduler: SchedulerPolicy;
  readonly enablePrefixCaching: boolean;
  /**
   * Prompts may be split across steps (vLLM V1's default). Off (`--no-enable-chunked-prefill`), a
   * waiting request is admitted only when its whole prompt fits the step's remaining token budget
   * (v1/core/sched/scheduler.py stops admitting at the first that does not), which vLLM allows
   * only with max_num_batched_tokens >= max_model_len (config/scheduler.py verify_max_model_len).
   */
  readonly enableChunkedPrefill: boolean;
  readonly stepTime: StepTimeModel;
  readonly overheads: RequestOverheads;
  readonly detail: DetailOptions;
  /**
   * Schedule step N+1 while step N runs (vLLM ≥ 0.14 default, `--async-scheduling`; off with
   * `--no-async-scheduling`): CPU work overlaps the GPU, new requests and freed slots take effect
   * one step later.
   */
  readonly asyncScheduling: boolean;
  /** CPU KV offload tier (vLLM OffloadingConnector); null = none. */
  readonly cpuTier: CpuTierConfig | null;
  /**
   * Event leaping: advance decode-only stretches with O(1) work per step (decode-run.ts) instead of
   * touching every request every step. A speed knob only: results are identical either way
   * (default on; `--no-leap` steps request by request).
   */
  readonly leap: boolean;
  /**
   * vLLM's KV cache groups of a model with sliding-window layers (model/kv-groups.ts; hybrid-kv.ts
   * holds their blocks); null = one full-attention group for every layer (vLLM with
   * --disable-hybrid-kv-cache-manager, or a model without sliding layers). Not with the CPU tier.
   */
  readonly kvGroups: KvCacheGroups | null;
  /**
   * vLLM's Triton cache already holds every fused-MoE kernel variant (a server restarted on the
   * same disk): no step waits for a first-use compile. Default off: a fresh server compiles the
   * variants start-up did not reach when a step first needs them (model/moe-jit.ts).
   */
  readonly warmKernelCache: boolean;
  /** Busy µs without a sampled token, preemptions among them, after which the instance stops as stuck (livelock-net.ts; default one hour). */
  readonly livelockUs: number;
}

export interface CpuTierConfig {
  /** Blocks the CPU tier holds (CPU bytes per GPU / KV bytes per block per GPU). */
  readonly blocks: number;
  /** PCIe time to load one block onto every GPU of the instance (they load their shards in parallel), µs. */
  readonly loadUsPerBlock: number;
  /** KV bytes of one block over all GPUs of the instance (for the bytes-moved counters). */
  readonly bytesPerBlock: number;
}

export type InstanceOptions = Partial<InstanceConfig> &
  Pick<InstanceConfig, 'totalKvBlocks' | 'maxModelLen' | 'stepTime'>;

export const ZERO_OVERHEADS: RequestOverheads = Object.freeze({ preScheduleUs: 0, firstTokenUs: 0, perOutputTokenUs: 0 });

export function resolveInstanceConfig(o: InstanceOptions): InstanceConfig {
  const cfg = {
    id: o.id ?? 0,
    maxNumBatchedTokens: o.maxNumBatchedTokens ?? 2048,
    maxNumSeqs: o.maxNumSeqs ?? 256,
    longPrefillTokenThreshold: o.longPrefillTokenThreshold ?? 0,
    blockSize: o.blockSize ?? 16,
    totalKvBlocks: o.totalKvBlocks,
    maxModelLen: o.maxModelLen,
    scheduler: o.scheduler ?? 'fcfs',
    enablePrefixCaching: o.enablePrefixCaching ?? true,
    enableChunkedPrefill: o.enableChunkedPrefill ?? true,
    stepTime: o.stepTime,
    overheads: o.overheads ?? ZERO_OVERHEADS,
    detail: o.detail ?? { enabled: false, tokenEvery: 1 },
    asyncScheduling: o.asyncScheduling ?? true,
    cpuTier: o.cpuTier ?? null,
    leap: o.leap ?? true,
    kvGroups: o.kvGroups ?? null,
    warmKernelCache: o.warmKernelCache ?? false,
    livelockUs: o.livelockUs ?? LIVELOCK_US,
  } satisfies Record<keyof InstanceConfig, unknown>;
  if (!Number.isInteger(cfg.totalKvBlocks) || cfg.totalKvBlocks < 2) {
    throw new InputError('FLAG_OUT_OF_RANGE', 'totalKvBlocks', `expected an integer >= 2 (vLLM keeps one null block), found ${cfg.totalKvBlocks}`);
  }
  if (cfg.cpuTier !== null) {
    positiveInt('cpuTier.blocks', cfg.cpuTier.blocks);
    if (!(cfg.cpuTier.loadUsPerBlock >= 0) || !(cfg.cpuTier.bytesPerBlock >= 0)) throw new InputError('FLAG_OUT_OF_RANGE', 'cpuTier', 'expected a load time and block bytes >= 0');
  }
  positiveInt('maxNumBatchedTokens', cfg.maxNumBatchedTokens);
  positiveInt('maxNumSeqs', cfg.maxNumSeqs);
  positiveInt('blockSize', cfg.blockSize);
  positiveInt('maxModelLen', cfg.maxModelLen);
  positiveInt('detail.tokenEvery', cfg.detail.tokenEvery);
  if (!Number.isInteger(cfg.longPrefillTokenThreshold) || cfg.longPrefillTokenThreshold < 0) {
    throw new InputError('FLAG_OUT_OF_RANGE', 'longPrefillTokenThreshold', `expected an integer >= 0, found ${cfg.longPrefillTokenThreshold}`);
  }
  if (!cfg.enableChunkedPrefill && cfg.maxNumBatchedTokens < cfg.maxModelLen) {
    throw new InputError('FLAG_CONFLICT', 'maxNumBatchedTokens', unchunkedBudgetMessage(cfg.maxNumBatchedTokens, cfg.maxModelLen));
  }
  if (cfg.kvGroups !== null && cfg.cpuTier !== null) {
    // vLLM 0.15 turns the hybrid manager off whenever a KV connector is configured (config/vllm.py).
    throw new InputError('FLAG_CONFLICT', 'kvGroups', 'sliding-window KV cache groups cannot be combined with the CPU tier (vLLM turns its hybrid KV cache manager off behind a KV connector)');
  }
  if (cfg.scheduler !== 'fcfs' && cfg.scheduler !== 'priority') {
    throw new InputError('FLAG_OUT_OF_RANGE', 'scheduler', `expected 'fcfs' or 'priority', found '${String(cfg.scheduler)}'`);
  }
  return Object.freeze({ ...cfg, detail: Object.freeze({ ...cfg.detail }), cpuTier: cfg.cpuTier === null ? null : Object.freeze({ ...cfg.cpuTier }) });
}

/** vLLM's refusal of a budget below max_model_len without chunked prefill (config/scheduler.py verify_max_model_len). */
export function unchunkedBudgetMessage(maxNumBatchedTokens: number, maxModelLen: number): string {
  return `max_num_batched_tokens (${maxNumBatchedTokens}) is smaller than max_model_len (${maxModelLen}) with chunked prefill off: vLLM refuses this (a prompt up to max_model_len must fit one step); raise --max-num-batched-tokens or lower --max-model-len`;
}

/**
 * vLLM refuses a token budget below the sequence cap (config/scheduler.py verify_max_model_len:
 * "max_num_batched_tokens must be greater than or equal to max_num_seqs"; every scheduled request
 * takes at least one token of it). → InputError FLAG_CONFLICT at `where`.
 */
export function checkBudgetHoldsSeqs(maxNumBatchedTokens: number, maxNumSeqs: number, where: string): void {
  if (maxNumBatchedTokens >= maxNumSeqs) return;
  throw new InputError('FLAG_CONFLICT', where, `max_num_batched_tokens (${maxNumBatchedTokens}) must be greater than or equal to max_num_seqs (${maxNumSeqs}): vLLM refuses this; raise --max-num-batched-tokens or lower --max-num-seqs`);
}

/**
 * The token budget vLLM picks when none is given (engine/arg_utils.py
 * `_set_default_max_num_seqs_and_batched_tokens_args`, 0.15.1 lines 1992-2006): the GPU's default,
 * raised to max_model_len when chunked prefill is off (any prompt fits one step), and in either
 * case at most max_num_seqs × max_model_len (the given or default sequence cap).
 */
export function vllmDefaultBudget(defaultBudget: number, maxModelLen: number, maxNumSeqs: number, chunkedPrefill: boolean): number {
  return Math.min(maxNumSeqs * maxModelLen, chunkedPrefill ? defaultBudget : Math.max(maxModelLen, defaultBudget));
}

function positiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new InputError('FLAG_OUT_OF_RANGE', name, `expected a positive integer, found ${v}`);
}

/** Why an instance with this config can never serve a request of these lengths, or null if it can. */
export function dropReason(cfg: InstanceConfig, inputTokens: number, outputTokens: number): DropReason | null {
  if (!(inputTokens >= 1) || !(outputTokens >= 1)) return 'invalid-lengths';
  if (inputTokens + outputTokens > cfg.maxModelLen) return 'exceeds-max-model-len';
  // The last output token is never written to the KV cache; the null block is never handed out.
  if (peakKvBlocks(cfg, inputTokens + outputTokens - 1) > usableKvBlocks(cfg)) return 'exceeds-kv-capacity';
  return null;
}

/**
 * The most blocks a request of `tokens` KV tokens can hold at once: every token's block, or with
 * sliding-window groups, each full group's blocks for every token and each sliding group's for at
 * most a window plus a step's chunk and the block straddling its start (vLLM 0.15
 * kv_cache_interface.py SlidingWindowSpec.max_memory_usage_bytes: cdiv(window − 1 + chunk) + 1).
 */
export function peakKvBlocks(cfg: Pick<InstanceConfig, 'blockSize' | 'kvGroups' | 'maxNumBatchedTokens'>, tokens: number): number {
  const blocks = Math.ceil(tokens / cfg.blockSize);
  const g = cfg.kvGroups;
  if (g === null) return blocks;
  const windowBlocks = Math.ceil((g.slidingWindow - 1 + cfg.maxNumBatchedTokens) / cfg.blockSize) + 1;
  return g.fullGroups * blocks + g.slidingGroups * Math.min(blocks, windowBlocks);
}

/** Blocks the scheduler can hand out: vLLM 0.15 v1/core/block_pool.py takes one null block out of the pool at start. */
export function usableKvBlocks(cfg: Pick<InstanceConfig, 'totalKvBlocks'>): number {
  return cfg.totalKvBlocks - 1;
}
