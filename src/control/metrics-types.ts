/**
 * What flows between the stages: the collector's per-model metrics (as the analyzer sees them,
 * `lag` old), the analyzer's scaling signal and the optimizer's decisions.
 */
import type { VariantSpec } from './cluster-port.js';

/** One ready replica's gauges at a scrape. */
export interface ReplicaGauge {
  readonly id: number;
  readonly hardware: string;
  readonly tp: number;
  readonly waiting: number;
  readonly running: number;
  readonly kvUsedBlocks: number;
  readonly kvTotalBlocks: number;
  /** kvUsedBlocks / kvTotalBlocks (vllm:kv_cache_usage_perc). */
  readonly kvUtilization: number;
  /**
   * The highest `waiting` and `kvUtilization` this replica reported over the collector's peak
   * window ending at this scrape (PromQL `max_over_time(x[1m])`, what WVA's saturation analyzer
   * reads); equal to the instant values when the window holds one scrape.
   */
  readonly peakWaiting: number;
  readonly peakKvUtilization: number;
}

/**
 * Per-model cumulative counters (Prometheus counters and histogram sums): rates and means over a
 * window are differences of two scrapes, exactly like PromQL's rate().
 */
export interface ModelCounters {
  arrivals: number;
  completions: number;
  /** Requests that left without completing (rejected, dropped, timed out). */
  failures: number;
  inputTokens: number;
  outputTokens: number;
  /** Σ (first token − arrival) over completions, µs. */
  ttftSumUs: number;
  /** Σ (first token − first scheduled) over completions, µs: TTFT without queueing. */
  prefillSumUs: number;
  /** Σ (finished − first scheduled) over completions, µs: time holding a batch slot. */
  serviceSumUs: number;
  /** Σ per-request mean inter-token latency, µs, and how many requests contributed. */
  itlSumUs: number;
  itlCount: number;
}

export function zeroCounters(): ModelCounters {
  return { arrivals: 0, completions: 0, failures: 0, inputTokens: 0, outputTokens: 0, ttftSumUs: 0, prefillSumUs: 0, serviceSumUs: 0, itlSumUs: 0, itlCount: 0 };
}

/** What the analyzer sees of one model: a scrape `lag` old, with rates over the collector's window. */
export interface ModelMetrics {
  readonly model: string;
  /** When the underlying scrape was taken. */
  readonly tUs: number;
  /** Replicas that were ready (reporting metrics) at that scrape. */
  readonly replicas: readonly ReplicaGauge[];
  readonly arrivalRps: number;
  readonly completionRps: number;
  readonly outputTokensPerS: number;
  /** Means over the window's completions; NaN when none completed. */
  readonly meanTtftMs: number;
  readonly meanItlMs: number;
  readonly meanPrefillS: number;
  readonly meanServiceS: number;
  readonly meanInputTokens: number;
  readonly meanOutputTokens: number;
  /** Σ waiting over the replicas. */
  readonly queueDepth: number;
  /**
   * The model's requests in the system but on no replica at that scrape: waiting at the gateway
   * (flow control), what WVA's scale-from-zero engine reads (inference_extension_flow_control_queue_size).
   */
  readonly gatewayWaiting: number;
}

/** The analyzer's recommendation for one model. */
export interface ScalingSignal {
  readonly model: string;
  /** Replicas the model should have (before min/max clamping and inventory). */
  readonly desired: number;
  readonly reason: string;
}

export type Decision =
  | { readonly kind: 'add'; readonly model: string; readonly variant: VariantSpec; readonly reason: string }
  | { readonly kind: 'remove'; readonly model: string; readonly replica: number; readonly reason: string; /** The model the GPUs go to, when taken by a higher priority. */ readonly preemptedFor?: string };
