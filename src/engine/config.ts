/**
 * One instance's engine configuration: all-optional options in, all-required frozen config out.
 * Defaults are vLLM 0.15's (v1 EngineArgs) where vLLM has one.
 */
import type { RequestOverheads, StepTimeModel } from '../model/step-time.js';
import { InputError } from '../kernel/errors.js';
import type { DropReason } from './engine-request.js';

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
  readonly totalKvBlocks: number;
  /** Longest prompt + output accepted (vLLM --max-model-len). */
  readonly maxModelLen: number;
  readonly scheduler: SchedulerPolicy;
  readonly enablePrefixCaching: boolean;
  readonly stepTime: StepTimeModel;
  readonly overheads: RequestOverheads;
  readonly detail: DetailOptions;
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
    stepTime: o.stepTime,
    overheads: o.overheads ?? ZERO_OVERHEADS,
    detail: o.detail ?? { enabled: false, tokenEvery: 1 },
  } satisfies Record<keyof InstanceConfig, unknown>;
  positiveInt('maxNumBatchedTokens', cfg.maxNumBatchedTokens);
  positiveInt('maxNumSeqs', cfg.maxNumSeqs);
  positiveInt('blockSize', cfg.blockSize);
  positiveInt('totalKvBlocks', cfg.totalKvBlocks);
  positiveInt('maxModelLen', cfg.maxModelLen);
  positiveInt('detail.tokenEvery', cfg.detail.tokenEvery);
  if (!Number.isInteger(cfg.longPrefillTokenThreshold) || cfg.longPrefillTokenThreshold < 0) {
    throw new InputError('FLAG_OUT_OF_RANGE', 'longPrefillTokenThreshold', `expected an integer >= 0, found ${cfg.longPrefillTokenThreshold}`);
  }
  if (cfg.scheduler !== 'fcfs' && cfg.scheduler !== 'priority') {
    throw new InputError('FLAG_OUT_OF_RANGE', 'scheduler', `expected 'fcfs' or 'priority', found '${String(cfg.scheduler)}'`);
  }
  return Object.freeze({ ...cfg, detail: Object.freeze({ ...cfg.detail }) });
}

function positiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new InputError('FLAG_OUT_OF_RANGE', name, `expected a positive integer, found ${v}`);
}

/** Why an instance with this config can never serve a request of these lengths, or null if it can. */
export function dropReason(cfg: InstanceConfig, inputTokens: number, outputTokens: number): DropReason | null {
  if (!(inputTokens >= 1) || !(outputTokens >= 1)) return 'invalid-lengths';
  if (inputTokens + outputTokens > cfg.maxModelLen) return 'exceeds-max-model-len';
  // The last output token is never written to the KV cache.
  if (Math.ceil((inputTokens + outputTokens - 1) / cfg.blockSize) > cfg.totalKvBlocks) return 'exceeds-kv-capacity';
  return null;
}
