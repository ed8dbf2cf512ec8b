/**
 * What the gateway sees of the instances when it routes: signals as last scraped (stale by up
 * to the snapshot refresh interval), the gateway's own in-flight and active counts, and the
 * instances' KV-cache contents as carried by KV events that are at least the cache-signal delay
 * old. Dense arrays indexed by instance id (sized to the cluster's instance capacity); scorers
 * read them and never touch an instance.
 */
import { DelayedKvIndex } from './kv-signal.js';

export interface RouterView {
  /** Instance ids in use (0 .. numInstances−1); arrays may be longer (capacity for added instances). */
  readonly numInstances: number;
  /** Waiting-queue length per instance, as last scraped. */
  readonly waiting: Float64Array;
  /** Running (batched) requests per instance, as last scraped. */
  readonly running: Float64Array;
  /** KV-cache utilisation in [0, 1] per instance, as last scraped. */
  readonly kvUtilization: Float64Array;
  /**
   * KV-cache size in blocks per instance: vLLM's num_gpu_blocks (cache_config_info), which llm-d
   * reads as CacheNumBlocks. Fixed per instance, known from its first scrape (set when it is added).
   */
  readonly numGpuBlocks: Float64Array;
  /** Requests dispatched by the gateway and not yet visible in a scrape (0 when in-flight tracking is off). */
  readonly inFlight: Float64Array;
  /** Requests dispatched by the gateway and not finished yet (live; llm-d's active-request-scorer keeps this count itself). */
  readonly active: Float64Array;
  /** 1 when the instance may receive this request (ready, right pool and model), else 0. */
  readonly eligible: Uint8Array;
  /** Simulated time of the last metrics scrape (for staleness checks). */
  readonly scrapedUs: number;
  /**
   * Requests of the asking request's model that the gateway admitted and has not dispatched yet
   * (in --routing-latency), with in-flight tracking on (else 0): the saturation policy counts them
   * as waiting, as it counts in-flight dispatches, so a drain or a burst cannot pass on one scrape
   * just because the routing step takes time. Set before each admission decision.
   */
  readonly routingPending: number;
  /** The instances' prefix-cache contents as the router knows them (KV events older than the delay). */
  readonly kvIndex: DelayedKvIndex;
}

/** The cluster's writable view (scorers get it as the read-only RouterView). */
export interface MutableRouterView extends RouterView {
  numInstances: number;
  scrapedUs: number;
  routingPending: number;
}

/** The request as routing sees it. */
export interface RoutingRequest {
  readonly index: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Prefix-block hash chain (full blocks), computed once per request. */
  readonly blockHashes: Float64Array;
  readonly priority: number;
}

/** A view with `numInstances` instances in use and room for `capacity` (≥ numInstances). */
export function createRouterView(numInstances: number, capacity = numInstances, cacheSignalDelayUs = 0): MutableRouterView {
  const cap = Math.max(capacity, numInstances);
  const eligible = new Uint8Array(cap);
  eligible.fill(1, 0, numInstances);
  return {
    numInstances,
    waiting: new Float64Array(cap),
    running: new Float64Array(cap),
    kvUtilization: new Float64Array(cap),
    numGpuBlocks: new Float64Array(cap),
    inFlight: new Float64Array(cap),
    active: new Float64Array(cap),
    eligible,
    scrapedUs: 0,
    routingPending: 0,
    kvIndex: new DelayedKvIndex(cap, cacheSignalDelayUs),
  };
}
