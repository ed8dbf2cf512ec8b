/**
 * What the gateway sees of the instances when it routes: signals as last scraped (stale by up
 * to the snapshot refresh interval), plus the gateway's own in-flight counts. Dense arrays
 * indexed by instance id; scorers read them and never touch an instance.
 */
export interface RouterView {
  readonly numInstances: number;
  /** Waiting-queue length per instance, as last scraped. */
  readonly waiting: Float64Array;
  /** Running (batched) requests per instance, as last scraped. */
  readonly running: Float64Array;
  /** KV-cache utilisation in [0, 1] per instance, as last scraped. */
  readonly kvUtilization: Float64Array;
  /** Requests dispatched by the gateway and not yet visible in a scrape (0 when in-flight tracking is off). */
  readonly inFlight: Float64Array;
  /** 1 when the instance may receive this request (ready, right pool), else 0. */
  readonly eligible: Uint8Array;
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

export function createRouterView(numInstances: number): RouterView {
  const eligible = new Uint8Array(numInstances);
  eligible.fill(1);
  return {
    numInstances,
    waiting: new Float64Array(numInstances),
    running: new Float64Array(numInstances),
    kvUtilization: new Float64Array(numInstances),
    inFlight: new Float64Array(numInstances),
    eligible,
  };
}
