/**
 * The gateway room (llm-d's endpoint picker in front of vLLM pools): admission (admission/),
 * the flow-control queue, routing policies and scorers on a stale router view, P/D
 * disaggregation with KV transfers, pools with an instance lifecycle, and the run loop
 * (simulate) that turns arrivals into per-request records and the metrics document. A
 * library caller's own policies join one run's registries through plugins.ts, checked by
 * plugin-guards.ts.
 * Read first: cluster.ts (the request's path), view.ts (what routing sees), pools.ts (the
 * autoscaler's handles), disagg.ts (P/D after the prefill), then docs/cluster.md.
 */
export { Cluster } from './cluster.js';
export type { ClusterDeps } from './cluster-deps.js';
export { resolveClusterConfig, CLUSTER_DEFAULTS, type ClusterConfig, type ClusterOptions } from './config.js';
export { describeClusterConfig } from './config-echo.js';
export { simulate, type SimulateInput, type SimulateResult } from './simulate.js';
export { INSTANCE_STATES, POOL_ROLES, type InstanceInfo, type InstanceState, type InstanceStateListener, type PoolConfig, type PoolOptions, type PoolRole } from './pools.js';
export type { PoolStepTime } from './fleet.js';
export type { RouterView, RoutingRequest } from './view.js';
export type { RequestRecord, RequestStatus, DisaggPhases } from './record.js';
export { SCORERS } from './scorers/registry.js';
export { ADMISSION_POLICIES } from './admission/admission.js';
export { ROUTING_POLICIES } from './routing.js';
export { PD_DECIDERS } from './pd-decider.js';
export { resolvePlugins, BUILT_IN_REGISTRIES, type Plugins, type Registries } from './plugins.js';
