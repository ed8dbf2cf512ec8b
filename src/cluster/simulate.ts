/**
 * One simulation run: a cluster fed from an arrival stream (sync or async, pulled in batches so
 * a 10-million-row trace replays in bounded memory), records fanned out to the sinks, and the
 * blis.metrics/v1 document at the end.
 */
import type { RequestOverheads, StepTimeModel } from '../model/step-time.js';
import type { PoolStepTime } from './fleet.js';
import type { PoolConfig } from './pools.js';
import type { ArrivalRequest } from '../workload/request.js';
import { Cluster } from './cluster.js';
import type { ClusterConfig } from './config.js';
import { describeClusterConfig } from './config-echo.js';
import { fleetModelsByIndex } from './served-models.js';
import { MetricsCollector, type MetricsDocument, type StageWindow } from './metrics.js';
import { MultiSink, type RecordSink } from './sink.js';
import { CATALOG_PRICES, type PriceTable } from '../model/prices.js';
import type { SloSpec } from '../workload/slo.js';
import { costBlock, type BilledInstance } from './cost.js';
import { round } from './summary.js';
import { US_PER_H, usToS } from '../kernel/units.js';
import { InputError } from '../kernel/errors.js';
import { ClosedLoopFeed, type ConcurrencyLimit } from './closed-loop.js';

export interface SimulationProgress {
  readonly simulatedUs: number;
  readonly injected: number;
  readonly finished: number;
}

export interface SimulateInput {
  readonly config: ClusterConfig;
  readonly arrivals: Iterable<ArrivalRequest> | AsyncIterable<ArrivalRequest>;
  readonly stepTime: StepTimeModel;
  readonly overheads: RequestOverheads;
  /** Step time of pools whose model, hardware or TP differ from the top-level ones (default: the config's latency model). */
  readonly stepTimeFor?: (pool: PoolConfig) => PoolStepTime;
  /** Called once the cluster exists, before the first event (the autoscaler attaches here). */
  readonly onCluster?: (cluster: Cluster) => void;
  readonly sinks?: readonly RecordSink[];
  readonly stages?: readonly StageWindow[];
  readonly detail?: { readonly enabled: boolean; readonly tokenEvery: number };
  /** Event leaping in the engines (default on): a speed knob, outputs are identical with it off. */
  readonly leap?: boolean;
  /** The arrivals never repeat an id (a generated workload): a speed knob, outputs are identical without it (ClusterDeps.uniqueIds). */
  readonly uniqueIds?: boolean;
  /** Stop the clock here; requests still in the system are `unfinished`. */
  readonly horizonUs?: number;
  /** Clients hold at most this many requests open (closed-loop.ts); needs a synchronous arrival stream. */
  readonly concurrency?: ConcurrencyLimit;
  /** Extra top-level blocks for the metrics JSON (e.g. the workload's resolved description). */
  readonly extraConfig?: Record<string, unknown>;
  readonly onProgress?: (p: SimulationProgress) => void;
  /**
   * Stops the run when aborted: looked at wherever the run yields to the host (every event slice
   * and arrival batch, as onProgress is), which then throws the signal's reason.
   */
  readonly signal?: AbortSignal;
  /** Awaited between arrival batches (lets asynchronous sinks, e.g. OTLP/HTTP export, drain). */
  readonly pace?: () => Promise<void>;
  /** SLO targets (default and per class): the metrics gain an `slo` block. */
  readonly slo?: SloSpec;
  /** Prices per GPU-hour for the `cost` block (default: the hardware catalog's). */
  readonly prices?: PriceTable;
  /** What to bill (default: every instance for the whole run); an autoscaler bills replica lifetimes. */
  readonly billing?: (endUs: number) => BilledInstance[];
}

export interface SimulateResult {
  readonly metrics: MetricsDocument;
  readonly cluster: Cluster;
}

/** Arrivals scheduled ahead of the clock at a time (bounds memory on long traces). */
const ARRIVAL_BATCH = 4096;
/**
 * Events handled between progress reports in a long stretch without arrivals. After every
 * slice and every arrival batch the run yields one turn of the host's event loop, so progress
 * is printed and a CLI still hears Ctrl-C (a macrotask turn costs microseconds).
 */
const EVENT_SLICE = 250_000;

/**
 * Simulated time without a single data-plane event (arrival, step, transfer, deadline) while
 * requests are inside and nothing but scrapes and control decisions is pending: the run has
 * stalled (a safety net: the engine gives blocks parked by waiting or loading requests back when
 * nothing else can run, so no known engine state stalls), and ticking on would never end. The
 * requests still inside end as `unfinished` with reason `stalled`.
 */
export const STALL_US = US_PER_H;

const yieldToHost = (): Promise<void> => new Promise((resolve) => {
  if (typeof setImmediate === 'function') setImmediate(resolve);
  else setTimeout(resolve, 0);
});

/**
 * Hands arrivals to the cluster a batch at a time. The synchronous pull is a loop in a plain
 * method, not in `simulate`: V8 never optimizes a loop inside an async function (no on-stack
 * replacement in resumable functions), and this one runs once per request.
 */
class ArrivalFeed {
  /** Arrival time of the last request taken in this batch (-1: none yet). */
  last = -1;
  /** The stream ended or passed the horizon. */
  done = false;

  constructor(private readonly cluster: Cluster, private readonly horizonUs: number) {}

  /** Takes one pulled item; false when the stream ended or the item lies past the horizon. */
  offer(n: IteratorResult<ArrivalRequest>): boolean {
    if (n.done === true || n.value.arrivalUs > this.horizonUs) {
      this.done = true;
      return false;
    }
    this.cluster.addArrival(n.value);
    this.last = n.value.arrivalUs;
    return true;
  }

  /** Takes up to ARRIVAL_BATCH items of a synchronous stream. */
  pullBatch(it: Iterator<ArrivalRequest>): void {
    for (let k = 0; k < ARRIVAL_BATCH; k++) if (!this.offer(it.next())) break;
  }
}

export async function simulate(input: SimulateInput): Promise<SimulateResult> {
  input.signal?.throwIfAborted();
  const { config } = input;
  const hasPd = config.pools.some((p) => p.role === 'prefill');
  const metrics = new MetricsCollector(config.numInstances, input.stages ?? [], {
    pools: config.pools.map((p) => ({ name: p.name, role: p.role })),
    ...(hasPd ? { link: { bytesPerS: config.pdTransferBandwidthBytesPerS, latencyUs: config.pdTransferLatencyUs } } : {}),
  }, {
    defaultModel: config.model.name,
    servedModels: fleetModelsByIndex(config),
    schedulingLagSteps: config.engine.asyncScheduling ? 1 : 0,
    ...(input.slo !== undefined ? { slo: input.slo } : {}),
  });
  let closedLoop: ClosedLoopFeed | null = null;
  const sinks: RecordSink[] = [{ add: (r) => metrics.addRecord(r) }, ...(input.sinks ?? [])];
  // A concurrency limit hears every record last (the feed exists once the cluster does).
  if (input.concurrency !== undefined) sinks.push({ add: (r) => closedLoop!.add(r) });
  const sink = new MultiSink(sinks);
  const cluster = new Cluster(config, {
    stepTime: input.stepTime,
    overheads: input.overheads,
    ...(input.stepTimeFor !== undefined ? { stepTimeFor: input.stepTimeFor } : {}),
    sink,
    detail: input.detail,
    ...(input.leap !== undefined ? { leap: input.leap } : {}),
    ...(input.uniqueIds !== undefined ? { uniqueIds: input.uniqueIds } : {}),
    stepListener: (instance, pool, model) => metrics.instanceSteps(instance, pool, model),
  });
  input.onCluster?.(cluster);
  const horizon = input.horizonUs ?? Infinity;
  const progress = (): void => {
    input.signal?.throwIfAborted();
    input.onProgress?.({
      simulatedUs: cluster.sim.nowUs,
      injected: cluster.ledger.requestCounts.injected,
      finished: cluster.ledger.requestCounts.injected - cluster.ledger.inSystem,
    });
  };

  let stalledUs = -1;
  const stalled = (): boolean => {
    const sim = cluster.sim;
    if (stalledUs < 0 && cluster.ledger.inSystem > 0 && sim.onlyControlPlanePending && sim.nowUs - sim.lastDataPlaneUs >= STALL_US) stalledUs = sim.nowUs;
    return stalledUs >= 0;
  };
  const runUntil = async (untilUs: number): Promise<void> => {
    while (!cluster.sim.run(untilUs, EVENT_SLICE)) {
      if (stalled()) return;
      progress();
      // A closed loop pulls its arrivals inside the run: asynchronous sinks drain here instead.
      if (closedLoop !== null && input.pace) await input.pace();
      else await yieldToHost();
    }
  };

  const arrivals = input.arrivals;
  if (input.concurrency !== undefined) {
    // Arrivals follow completions: the stream is pulled as slots free, inside the run.
    if (Symbol.asyncIterator in arrivals) throw new InputError('FLAG_CONFLICT', '--max-concurrency', 'a concurrency limit needs a generated workload (an arrival stream read from a file is sent as recorded)');
    closedLoop = new ClosedLoopFeed(cluster, (arrivals as Iterable<ArrivalRequest>)[Symbol.iterator](), input.concurrency, horizon);
    closedLoop.start();
  } else {
    // One loop for sync and async streams: an async source is awaited per item, a sync one is not.
    const feed = new ArrivalFeed(cluster, horizon);
    const isAsync = Symbol.asyncIterator in arrivals;
    const it: Iterator<ArrivalRequest> | AsyncIterator<ArrivalRequest> = isAsync
      ? (arrivals as AsyncIterable<ArrivalRequest>)[Symbol.asyncIterator]()
      : (arrivals as Iterable<ArrivalRequest>)[Symbol.iterator]();
    for (;;) {
      feed.last = -1;
      if (isAsync) {
        for (let k = 0; k < ARRIVAL_BATCH; k++) if (!feed.offer(await it.next())) break;
      } else {
        feed.pullBatch(it as Iterator<ArrivalRequest>);
      }
      if (feed.done) break;
      await runUntil(Math.min(horizon, feed.last - 1));
      if (stalledUs >= 0) break;
      progress();
      if (input.pace) await input.pace();
      else await yieldToHost();
    }
  }
  if (stalledUs < 0) await runUntil(horizon);
  closedLoop?.stop();
  cluster.close(stalledUs >= 0 ? 'stalled' : 'simulation-ended');
  progress();
  const endUs = cluster.sim.nowUs;
  // A fixed fleet is billed for the whole run; an autoscaler re-bills its replicas by lifetime.
  const billed: BilledInstance[] = input.billing?.(endUs) ?? cluster.instances.map((_, id) => {
    const i = cluster.lifecycle.info(id);
    return { hardware: i.hardware, tp: i.tp, billedUs: endUs, initial: id < config.numInstances };
  });
  // A fresh server's first-use fused-MoE compiles (model/moe-jit.ts): named, since the steps that
  // waited for them move queue waits and TTFT tails as load would.
  const kernelCompiles = {
    count: cluster.instances.reduce((a, i) => a + i.kernelCompiles.count, 0),
    stalledUs: cluster.instances.reduce((a, i) => a + i.kernelCompiles.stalledUs, 0),
  };
  const doc = metrics.document(
    { ...describeClusterConfig(config), ...(input.extraConfig ?? {}) },
    { simulatedUs: endUs, events: cluster.sim.eventsProcessed, instanceUs: billed.reduce((a, b) => a + b.billedUs, 0), kernelCompiles },
    stalledUs >= 0 ? { stalled: { at_s: usToS(stalledUs), last_progress_s: usToS(cluster.sim.lastDataPlaneUs), requests: cluster.ledger.requestCounts.unfinished } } : {},
  );
  const tiers = cluster.instances.filter((i) => i.config.cpuTier !== null);
  if (tiers.length > 0) {
    // CPU KV tier traffic over the run (vLLM OffloadingConnector): loads instead of recomputes, and stores.
    doc['kv_offload'] = {
      loads: tiers.reduce((a, i) => a + i.cpuLoads, 0),
      loaded_tokens: tiers.reduce((a, i) => a + i.cpuHitTokens, 0),
      load_bytes: tiers.reduce((a, i) => a + i.cpuLoadBytes, 0),
      store_bytes: tiers.reduce((a, i) => a + i.cpuStoreBytes, 0),
    };
  }
  if (kernelCompiles.count > 0) doc['kernel_compiles'] = { compiles: kernelCompiles.count, stalled_s: round(usToS(kernelCompiles.stalledUs)) };
  doc['cost'] = costBlock(billed, input.prices ?? CATALOG_PRICES, doc.requests.completed, metrics.completedOutputTokens);
  doc.instances = doc.instances.map((row) => {
    if (row.id >= cluster.instances.length) return row;
    const { id, ...block } = row;
    const i = cluster.lifecycle.info(id);
    return { id, pool: i.pool, role: i.role, model: i.model, hardware: i.hardware, tp: i.tp, state: i.state, ...block };
  });
  return { metrics: doc, cluster };
}

