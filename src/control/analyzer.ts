/**
 * Analyzers turn one model's (lagged) metrics into a scaling signal: how many replicas it
 * should have. They see the metrics pipeline's view of the data plane, and the controller's own
 * replica counts now (like WVA reading the Deployment's replica count from the API server).
 */
import type { ModelMetrics, ScalingSignal } from './metrics-types.js';
import type { ModelPolicy } from './policy.js';
import type { StageEntry } from './registry.js';

export interface AnalyzerContext {
  readonly policy: ModelPolicy;
  /** Replicas provisioning, loading, warming or ready now. */
  readonly active: number;
  /** Of those, not yet ready. */
  readonly pending: number;
  readonly nowUs: number;
}

export interface Analyzer {
  analyze(metrics: ModelMetrics | null, ctx: AnalyzerContext): ScalingSignal;
}

export type AnalyzerEntry = StageEntry<Analyzer, Record<string, never>>;

/** The signal when nothing can be concluded: keep what there is (or start one for traffic at zero). */
export function holdSignal(metrics: ModelMetrics | null, ctx: AnalyzerContext, why: string): ScalingSignal {
  if (ctx.active === 0 && metrics !== null && (metrics.arrivalRps > 0 || metrics.gatewayWaiting > 0)) {
    // WVA's scale-from-zero engine starts one replica for requests waiting in the gateway's
    // flow-control queue (internal/engines/scalefromzero/engine.go), however long ago they came.
    const why = metrics.gatewayWaiting > 0 ? `${metrics.gatewayWaiting} request(s) waiting at the gateway` : `${fmt(metrics.arrivalRps)} req/s arriving`;
    return { model: ctx.policy.name, desired: 1, reason: `scale from zero: ${why}` };
  }
  return { model: ctx.policy.name, desired: ctx.active, reason: why };
}

/** Short number formatting for reasons (deterministic, no locale). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toFixed(3);
}
