/**
 * The control room: a WVA-style autoscaler as four pluggable stages on the simulation clock —
 * collector (scrapes with lag) → analyzer (scaling signal per model) → optimizer (GPU types
 * under a shared inventory) → actuator (provisioning, loading, warm-up; drains on removal) —
 * plus the replica lifecycle the router respects and cost accounting. Read `autoscaler.ts`
 * (the loop), then `cluster-port.ts` (what it needs from the data plane) and `stages.ts` (the
 * registries); docs/autoscaling.md explains the model and its defaults.
 */
export { Autoscaler, type ActionCounts } from './autoscaler.js';
export { AutoscalerAttachment } from './attach.js';
export { ClusterControlPort, variantPoolName } from './cluster-adapter.js';
export type { AutoscalerSummary } from './accounting.js';
export { isDrainNotifier, type ControlledCluster, type DrainNotifier, type ReplicaView, type VariantSpec } from './cluster-port.js';
export { Fleet, type ReplicaEntry } from './fleet.js';
export { ReplicaState, REPLICA_STATES, isActive, isPending, holdsGpus, canTransition } from './lifecycle.js';
export type { Decision, ModelMetrics, ScalingSignal, ReplicaGauge } from './metrics-types.js';
export { resolveAutoscalerConfig, AUTOSCALER_DEFAULTS, type AutoscalerConfig, type AutoscalerOptions, type ModelPolicy, type InventoryEntry, type FleetDefaults } from './policy.js';
export { parseAutoscalerPolicy } from './policy-yaml.js';
export { ACTUATORS, ANALYZERS, COLLECTORS, OPTIMIZERS } from './stages.js';
export { timelineCsv, TIMELINE_COLUMNS, type TimelineRow } from './timeline.js';
export type { Analyzer, AnalyzerEntry } from './analyzer.js';
export type { Collector, CollectorEntry } from './collector.js';
export type { Optimizer, OptimizerEntry } from './optimizer.js';
export type { Actuator, ActuatorEntry } from './actuator.js';
