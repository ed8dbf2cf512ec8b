/**
 * Collectors: scrape every replica's gauges and the per-model counters every
 * `scrape_interval_s`, and hand the analyzer what a metrics pipeline would show it `lag_s`
 * later (Prometheus scrape, remote-write, query), with rates over `rate_window_s` like
 * PromQL's `rate(x[1m])`. WVA's saturation analyzer reads each pod's peak of
 * vllm:kv_cache_usage_perc and vllm:num_requests_waiting over the last minute
 * (`max by (pod) (max_over_time(...[1m]))`, workload-variant-autoscaler
 * internal/collector/registration/saturation.go, RegisterSaturationQueries): a replica's
 * `peakWaiting` / `peakKvUtilization` are its highest values over the scrapes in
 * (t − peak_window_s, t], t the scrape the analyzer sees (PromQL 3 range selectors are
 * left-open). Here the "Prometheus" is a history of scrapes in memory.
 */
import type { ReplicaView } from './cluster-port.js';
import type { ModelCounters, ModelMetrics, ReplicaGauge } from './metrics-types.js';
import { opt, type StageEntry } from './registry.js';
import { US_PER_MS, US_PER_S, sToUs, usToS } from '../kernel/units.js';

export interface Collector {
  readonly scrapeIntervalUs: number;
  /** How far back `metrics` may read (its lag and rate window): older scrapes no longer matter. */
  readonly lookbackUs: number;
  /** Takes one scrape at `nowUs`. */
  scrape(nowUs: number, replicas: readonly ReplicaView[], counters: ReadonlyMap<string, ModelCounters>): void;
  /** The model's metrics as visible at `nowUs` (a scrape at least `lag` old); null before any is. */
  metrics(nowUs: number, model: string): ModelMetrics | null;
}

export type CollectorEntry = StageEntry<Collector, Record<string, never>>;

/** One replica's gauges as scraped (before the window's peaks are known). */
type ScrapedGauge = Omit<ReplicaGauge, 'peakWaiting' | 'peakKvUtilization'>;

interface Scrape {
  readonly tUs: number;
  readonly gauges: ReadonlyMap<string, ScrapedGauge[]>;
  readonly counters: ReadonlyMap<string, ModelCounters>;
  /** Requests each model's replicas hold (waiting + running), in any state: draining ones too. */
  readonly held: ReadonlyMap<string, number>;
}

class PrometheusCollector implements Collector {
  readonly scrapeIntervalUs: number;
  private readonly lagUs: number;
  private readonly windowUs: number;
  private readonly peakWindowUs: number;
  private readonly history: Scrape[] = [];

  constructor(intervalS: number, lagS: number, windowS: number, peakWindowS: number) {
    this.scrapeIntervalUs = sToUs(intervalS);
    this.lagUs = sToUs(lagS);
    this.windowUs = sToUs(windowS);
    this.peakWindowUs = sToUs(peakWindowS);
  }

  get lookbackUs(): number {
    return this.lagUs + Math.max(this.windowUs, this.peakWindowUs) + this.scrapeIntervalUs;
  }

  scrape(nowUs: number, replicas: readonly ReplicaView[], counters: ReadonlyMap<string, ModelCounters>): void {
    const gauges = new Map<string, ScrapedGauge[]>();
    const held = new Map<string, number>();
    for (const r of replicas) {
      held.set(r.model, (held.get(r.model) ?? 0) + r.waiting + r.running);
      // Only ready replicas report metrics to the autoscaler (WVA counts replicas that report).
      if (r.state !== 'ready') continue;
      let list = gauges.get(r.model);
      if (list === undefined) gauges.set(r.model, (list = []));
      list.push({
        id: r.id, hardware: r.hardware, tp: r.tp, waiting: r.waiting, running: r.running,
        kvUsedBlocks: r.kvUsedBlocks, kvTotalBlocks: r.kvTotalBlocks,
        kvUtilization: r.kvTotalBlocks > 0 ? r.kvUsedBlocks / r.kvTotalBlocks : 0,
      });
    }
    const copy = new Map<string, ModelCounters>();
    for (const [m, c] of counters) copy.set(m, { ...c });
    this.history.push({ tUs: nowUs, gauges, counters: copy, held });
    this.prune(nowUs);
  }

  /** Keeps what a future `metrics` call can still ask for: the lagged scrape and its window base. */
  private prune(nowUs: number): void {
    const keepFrom = nowUs - this.lookbackUs;
    let drop = 0;
    while (drop + 1 < this.history.length && this.history[drop + 1]!.tUs <= keepFrom) drop++;
    if (drop > 0) this.history.splice(0, drop);
  }

  metrics(nowUs: number, model: string): ModelMetrics | null {
    const h = this.history;
    let i = h.length - 1;
    while (i >= 0 && h[i]!.tUs > nowUs - this.lagUs) i--;
    if (i < 0) return null;
    const cur = h[i]!;
    let j = 0;
    while (j + 1 < i && h[j + 1]!.tUs <= cur.tUs - this.windowUs) j++;
    const base = h[j]!;
    const replicas = this.withPeaks(i, model);
    const c = cur.counters.get(model);
    const b = base.counters.get(model);
    const dtS = usToS(cur.tUs - base.tUs);
    const d = (f: keyof ModelCounters): number => (c?.[f] ?? 0) - (b?.[f] ?? 0);
    const done = d('completions');
    const perDone = (f: keyof ModelCounters, scale: number): number => (done > 0 ? d(f) / done / scale : NaN);
    let queue = 0;
    for (const r of replicas) queue += r.waiting;
    const itlCount = d('itlCount');
    // Arrived and not yet left (a request leaves with its record), less what the replicas hold.
    const inSystem = c !== undefined ? c.arrivals - c.completions - c.failures : 0;
    return {
      model,
      tUs: cur.tUs,
      replicas,
      arrivalRps: dtS > 0 ? d('arrivals') / dtS : 0,
      completionRps: dtS > 0 ? done / dtS : 0,
      outputTokensPerS: dtS > 0 ? d('outputTokens') / dtS : 0,
      meanTtftMs: perDone('ttftSumUs', US_PER_MS),
      meanItlMs: itlCount > 0 ? d('itlSumUs') / itlCount / US_PER_MS : NaN,
      meanPrefillS: perDone('prefillSumUs', US_PER_S),
      meanServiceS: perDone('serviceSumUs', US_PER_S),
      meanInputTokens: perDone('inputTokens', 1),
      meanOutputTokens: perDone('outputTokens', 1),
      queueDepth: queue,
      gatewayWaiting: Math.max(0, inSystem - (cur.held.get(model) ?? 0)),
    };
  }

  /** Scrape `i`'s replicas of `model`, each with its peaks over the scrapes in (t − peak window, t]. */
  private withPeaks(i: number, model: string): ReplicaGauge[] {
    const h = this.history;
    const cur = h[i]!;
    const scraped = cur.gauges.get(model) ?? [];
    const out: ReplicaGauge[] = [];
    for (const g of scraped) {
      let peakWaiting = g.waiting;
      let peakKvUtilization = g.kvUtilization;
      for (let k = i - 1; k >= 0 && h[k]!.tUs > cur.tUs - this.peakWindowUs; k--) {
        const earlier = h[k]!.gauges.get(model);
        if (earlier === undefined) continue;
        for (const e of earlier) {
          if (e.id !== g.id) continue;
          if (e.waiting > peakWaiting) peakWaiting = e.waiting;
          if (e.kvUtilization > peakKvUtilization) peakKvUtilization = e.kvUtilization;
        }
      }
      out.push({ ...g, peakWaiting, peakKvUtilization });
    }
    return out;
  }
}

export const prometheusCollector: CollectorEntry = {
  name: 'prometheus',
  describe: 'periodic scrape of vLLM gauges and counters, seen by the analyzer lag_s later, rates over rate_window_s, per-replica peaks over peak_window_s',
  options: {
    scrape_interval_s: { describe: 'time between scrapes', unit: 's', default: 15, positive: true },
    lag_s: { describe: 'age of the newest scrape the analyzer can see (scrape, remote-write, query delay)', unit: 's', default: 0, min: 0 },
    rate_window_s: { describe: 'window of rate() and of the means over completions', unit: 's', default: 60, positive: true },
    peak_window_s: { describe: 'window of each replica\'s peak waiting and KV utilisation (WVA: max_over_time[1m]; 0 = the newest scrape only)', unit: 's', default: 60, min: 0 },
  },
  create: (o) => new PrometheusCollector(opt(o, 'scrape_interval_s'), opt(o, 'lag_s'), opt(o, 'rate_window_s'), opt(o, 'peak_window_s')),
};
