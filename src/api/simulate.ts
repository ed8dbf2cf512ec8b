/**
 * `simulate(options)`: one run as a library call. The same layering the CLI does (defaults →
 * preset/spec → options), the same step-time model choice, records streamed to a callback as
 * requests leave the system, spans to any TraceSink (file, OTLP/HTTP, the OpenTelemetry SDK),
 * and the blis.metrics/v1 document at the end. Never prints; progress goes to `onProgress`.
 */
import { resolveClusterConfig, type ClusterOptions } from '../cluster/config.js';
import { describeClusterConfig } from '../cluster/config-echo.js';
import type { MetricsDocument } from '../cluster/metrics.js';
import type { RequestRecord } from '../cluster/record.js';
import { simulate as runCluster, type SimulationProgress } from '../cluster/simulate.js';
import type { RecordSink } from '../cluster/sink.js';
import { ZERO_OVERHEADS } from '../engine/config.js';
import { InputError } from '../kernel/errors.js';
import { Rng } from '../kernel/rng.js';
import { createStepTimeModel } from '../model/registry.js';
import { isBackpressured, type TraceSink, type TraceSinkSummary } from '../telemetry/sink.js';
import { generateArrivals } from '../workload/generate.js';
import type { ArrivalRequest } from '../workload/request.js';
import { resolveWorkload, type WorkloadOptions } from '../workload/resolve.js';
import type { WorkloadSpec } from '../workload/types.js';
import { sToUs } from '../kernel/units.js';
import { concurrencyLimit } from '../cluster/closed-loop.js';
import { CLUSTER_OPTION_KINDS, SIMULATION_OPTION_KINDS, checkOptions } from './check-options.js';
import { topStepTimeContext } from '../cluster/moe-parallel-config.js';

export interface SimulationOptions extends Omit<ClusterOptions, 'seed'>, Omit<WorkloadOptions, 'seed'> {
  /** Seeds the workload and every random choice of the run. Default 0. */
  readonly seed?: number;
  /** An arrival stream to replay instead of generating a workload (e.g. `(await readTrace(path)).requests`). */
  readonly arrivals?: Iterable<ArrivalRequest> | AsyncIterable<ArrivalRequest>;
  /** Called once per request as it leaves the system (completed, rejected, timed out ...), in completion order. */
  readonly onRecord?: (record: RequestRecord, request?: ArrivalRequest) => void;
  /** Spans: one trace per request (SdkTraceSink, OtlpFileSink, OtlpHttpSink ...); closed at the end. */
  readonly traces?: TraceSink;
  /** Record every Nth output token's time (trace token events); 0 = first token only. Default 0. */
  readonly traceTokenEvery?: number;
  /** Stop the clock at this simulated second; requests still in the system are `unfinished`. */
  readonly horizonS?: number;
  /**
   * At most this many requests open (vllm bench serve --max-concurrency): with a rate, requests
   * wait past their due time while the limit is reached; without one (a generated workload and no
   * `rate`), a closed loop that needs `numRequests`. A synchronous `arrivals` stream keeps its times as due times.
   */
  readonly maxConcurrency?: number;
  readonly onProgress?: (p: SimulationProgress) => void;
  /**
   * Cancels the run: `simulate` rejects with the signal's reason (an AbortError for
   * `controller.abort()`, a TimeoutError for `AbortSignal.timeout(ms)`), checked each time the run
   * yields to the host, as often as onProgress. A `traces` sink is left open, as on any error:
   * its `close()` writes or sends what it holds.
   */
  readonly signal?: AbortSignal;
}

export interface SimulationRun {
  readonly metrics: MetricsDocument;
  /** One summary per trace destination when `traces` was given. */
  readonly traces?: readonly TraceSinkSummary[];
}

const WORKLOAD_KEYS = ['preset', 'spec', 'rate', 'numRequests', 'durationS', 'arrival'] as const;

export async function simulate(options: SimulationOptions = {}): Promise<SimulationRun> {
  checkOptions('simulate', options, SIMULATION_OPTION_KINDS);
  // A spec in the file's own shape (clients, rate_fraction ...) has not been through the parser.
  if (options.spec !== undefined && typeof (options.spec as Partial<WorkloadSpec>).fileName !== 'string') {
    throw new InputError('OPTION_INVALID', 'spec', 'expected a workload spec from loadWorkload(path) or parseWorkload(textOrObject), which validate it; found an object that has not been through either');
  }
  const seed = options.seed ?? 0;
  const workloadOptions: Record<string, unknown> = { seed };
  for (const k of WORKLOAD_KEYS) if (options[k] !== undefined) workloadOptions[k] = options[k];
  if (options.arrivals !== undefined && WORKLOAD_KEYS.some((k) => options[k] !== undefined)) {
    throw new InputError('FLAG_CONFLICT', 'arrivals', 'give either an arrival stream or workload options (preset, spec, rate ...), not both');
  }
  const workload = options.arrivals === undefined ? resolveWorkload(workloadOptions as WorkloadOptions) : undefined;

  const clusterOptions: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined || (WORKLOAD_KEYS as readonly string[]).includes(k)) continue;
    if (['arrivals', 'onRecord', 'traces', 'traceTokenEvery', 'horizonS', 'onProgress', 'maxConcurrency', 'signal'].includes(k)) continue;
    clusterOptions[k] = v;
  }
  const config = resolveClusterConfig({ ...(clusterOptions as ClusterOptions), seed });

  const model = createStepTimeModel(config.stepTime, topStepTimeContext(config), config.registries.stepTimeModels);

  const sinks: RecordSink[] = [];
  if (options.onRecord) sinks.push({ add: options.onRecord });
  const traces = options.traces;
  if (traces) sinks.push(traces);
  const tokenEvery = options.traceTokenEvery ?? 0;
  const concurrency = options.maxConcurrency !== undefined ? concurrencyLimit(options.maxConcurrency, workload, 'maxConcurrency') : undefined;
  const result = await runCluster({
    config,
    arrivals: options.arrivals ?? generateArrivals(workload!, new Rng(seed).fork('workload')),
    // Generated arrivals are numbered r0, r1, ...; a caller's stream may repeat ids.
    uniqueIds: options.arrivals === undefined,
    stepTime: model,
    overheads: model.overheads ?? ZERO_OVERHEADS,
    sinks,
    detail: { enabled: traces !== undefined, tokenEvery: tokenEvery > 0 ? tokenEvery : 1 },
    ...(traces && isBackpressured(traces) ? { pace: () => traces.drain() } : {}),
    ...(workload ? {
      stages: workload.stages.map((s) => ({ index: s.index, startUs: sToUs(s.startS), endUs: sToUs(s.startS + s.durationS) })),
      extraConfig: { workload: { seed: workload.seed, rate_rps: concurrency?.closedLoop === true ? null : workload.rateRps, ...(concurrency !== undefined ? { max_concurrency: concurrency.maxConcurrency, closed_loop: concurrency.closedLoop } : {}), num_requests: workload.numRequests, duration_s: workload.durationS, clients: workload.clients, stages: workload.stages, sources: workload.sources } },
    } : {}),
    ...(options.horizonS !== undefined ? { horizonUs: sToUs(options.horizonS) } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { metrics: result.metrics, ...(traces ? { traces: await traces.close() } : {}) };
}

/** The resolved configuration summary a run's spans carry as `blis.config.*` (for resolveTelemetry's `config`). */
export function configSummary(options: Omit<ClusterOptions, 'seed'> & { seed?: number } = {}): Record<string, string | number | boolean> {
  checkOptions('configSummary', options, CLUSTER_OPTION_KINDS);
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(describeClusterConfig(resolveClusterConfig(options)))) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}
