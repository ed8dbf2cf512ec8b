/**
 * The engine room: one vLLM V1 instance (scheduler, KV block pool with prefix cache, batch,
 * step). Read `instance.ts` (step lifecycle and events out), then `scheduler.ts` (batch
 * formation, preemption; its blocks through `kv-cache-manager.ts`) and `kv-cache.ts` (blocks,
 * LRU eviction); `batch-queue.ts` forms the synchronous and asynchronous loops' batches and
 * `decode-run.ts` is event leaping (decode-only stretches at O(1) per step). docs/engine.md has
 * the model.
 */
export { Instance, type InstanceListener, type InstanceView, type StepListener, type KvEventListener } from './instance.js';
export { resolveInstanceConfig, dropReason, usableKvBlocks, ZERO_OVERHEADS, type InstanceConfig, type InstanceOptions, type SchedulerPolicy, type DetailOptions, type CpuTierConfig } from './config.js';
export { EngineRequest, RequestState, engineRequestFor, siblingRequest, type DropReason } from './engine-request.js';
export { BlockHashArena, computeBlockHashes, requestBlockHashes, type RequestBlockHashes } from './block-hash.js';
export { PrefixHashMemo } from './prefix-hash-memo.js';
export { KvBlockPool, type KvPoolSink } from './kv-cache.js';
export { CpuKvTier } from './cpu-tier.js';
export { StepBatch } from './step-batch.js';
export { Scheduler } from './scheduler.js';
