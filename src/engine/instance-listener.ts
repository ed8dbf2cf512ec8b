/**
 * The narrow interfaces between an instance and the cluster: events out (a listener with three
 * required methods, plus optional step and KV-event listeners) and the router's read-only view.
 */
import type { EngineRequest, DropReason } from './engine-request.js';
import type { Instance } from './instance.js';

/** Request lifecycle events out of an instance. Times may lie after `sim.nowUs` by the overheads. */
export interface InstanceListener {
  /** Optional: the first output token (TTFT); the listener may abort the request here. */
  onFirstToken?(req: EngineRequest, tUs: number): void;
  /** Completed (or, for a prefillOnly request, prefilled; its blocks stay held). */
  onFinished(req: EngineRequest, tUs: number): void;
  onDropped(req: EngineRequest, reason: DropReason, tUs: number): void;
  /**
   * Optional, P/D decode side: the transfer of `req`'s prompt into its `blocks` fresh blocks starts
   * now (a step carries the formation that allocated them); the instance expects remoteLanded(req)
   * when it lands.
   */
  onRemoteLoad?(req: EngineRequest, blocks: number): void;
  /**
   * Optional: a step ended and nothing is left to run. An abort leaves no request behind but not
   * an idle engine while a step is in flight; a draining instance may be retired only now.
   */
  onIdle?(instance: Instance): void;
}

/**
 * Optional: one call per step (ITL statistics weigh step durations by decode tokens emitted, and
 * add `instance.stallGapsUs`, the gaps of tokens that followed a preemption, one by one).
 * The step's start is `instance.stepStartedUs`, read when needed rather than passed: a time past
 * 2^31 µs passed to a call the compiler does not inline is boxed into a heap number every step.
 */
export interface StepListener {
  onStep(instance: Instance, durUs: number, decodeTokensEmitted: number): void;
}

/** Optional: prefix-cache membership changes (for a router's delayed cache view). */
export interface KvEventListener {
  onKvEvent(instance: Instance, kind: 'stored' | 'evicted', hash: number, tUs: number): void;
}

/** What a router may read. */
export interface InstanceView {
  readonly id: number;
  readonly waitingCount: number;
  readonly runningCount: number;
  readonly kvUsedBlocks: number;
  readonly kvTotalBlocks: number;
  /** Leading full prompt blocks of the request present in this instance's KV cache right now. */
  cachedPrefixBlocks(req: EngineRequest): number;
}
