/**
 * WVA's saturation analyzer (llm-d-incubation/workload-variant-autoscaler,
 * docs/saturation-analyzer.md, internal/saturation/analyzer.go; defaults from its
 * capacity-scaling ConfigMap): a replica is saturated when its KV utilisation >=
 * kv_cache_threshold or its waiting queue >= queue_length_threshold, both its peaks over the
 * collector's last minute (WVA queries max_over_time[1m]). Over the non-saturated replicas,
 * average spare capacity is (threshold − value); scale up by one when the average spare KV <
 * kv_spare_trigger or the average spare queue < queue_spare_trigger; with every replica saturated
 * both averages are 0 (so triggers of 0 never fire). Scale-up is blocked while replicas are pending
 * (WVA's cascade guard). Scale down by one when at least two replicas are not saturated and a
 * worst-case simulation (the non-saturated replicas' total load spread over one replica fewer)
 * still leaves spare capacity above both triggers; saturated replicas are left out of it, as in
 * WVA's `isScaleDownSafe` (a saturated replica does not forbid the scale-down).
 */
import { fmt, holdSignal, type Analyzer, type AnalyzerContext, type AnalyzerEntry } from './analyzer.js';
import type { ModelMetrics, ScalingSignal } from './metrics-types.js';
import { opt } from './registry.js';
import { InputError } from '../kernel/errors.js';

interface Thresholds {
  readonly kvT: number;
  readonly qT: number;
  readonly kvSpare: number;
  readonly qSpare: number;
}

class SaturationAnalyzer implements Analyzer {
  constructor(private readonly t: Thresholds) {}

  analyze(m: ModelMetrics | null, ctx: AnalyzerContext): ScalingSignal {
    const name = ctx.policy.name;
    if (m === null || m.replicas.length === 0) return holdSignal(m, ctx, 'no ready replica reporting');
    const { kvT, qT, kvSpare, qSpare } = this.t;
    let nonSat = 0;
    let kvLoad = 0;
    let qLoad = 0;
    for (const r of m.replicas) {
      // WVA reads each pod's peak over the last minute (collector.ts).
      if (r.peakKvUtilization >= kvT || r.peakWaiting >= qT) continue;
      nonSat++;
      kvLoad += r.peakKvUtilization;
      qLoad += r.peakWaiting;
    }
    const saturated = m.replicas.length - nonSat;
    const up = (why: string): ScalingSignal => ctx.pending > 0
      ? { model: name, desired: ctx.active, reason: `${why}; scale-up blocked: ${ctx.pending} replica(s) pending` }
      : { model: name, desired: ctx.active + 1, reason: why };
    if (nonSat === 0) {
      // WVA leaves both averages at 0 when no replica is non-saturated and asks its triggers as
      // for any other spare (shouldScaleUp, strict <): with both triggers at 0 it never scales up.
      if (0 < kvSpare || 0 < qSpare) return up(`all ${saturated} reporting replica(s) saturated`);
      return { model: name, desired: ctx.active, reason: `all ${saturated} reporting replica(s) saturated; spare 0 is not below triggers KV ${kvSpare}, queue ${qSpare}` };
    }
    const spareKv = kvT - kvLoad / nonSat;
    const spareQ = qT - qLoad / nonSat;
    if (spareKv < kvSpare) return up(`avg spare KV ${fmt(spareKv)} < ${kvSpare}`);
    if (spareQ < qSpare) return up(`avg spare queue ${fmt(spareQ)} < ${qSpare}`);
    if (nonSat >= 2 && ctx.pending === 0) {
      const after = nonSat - 1;
      const kvAfter = kvT - kvLoad / after;
      const qAfter = qT - qLoad / after;
      if (kvAfter >= kvSpare && qAfter >= qSpare) {
        return { model: name, desired: ctx.active - 1, reason: `spare after removing one: KV ${fmt(kvAfter)}, queue ${fmt(qAfter)}` };
      }
    }
    return { model: name, desired: ctx.active, reason: `spare KV ${fmt(spareKv)}, queue ${fmt(spareQ)}` };
  }
}

export const saturationAnalyzer: AnalyzerEntry = {
  name: 'saturation',
  describe: 'WVA saturation analyzer: spare KV / queue capacity over non-saturated replicas, +1/-1 per decision',
  options: {
    kv_cache_threshold: { describe: 'a replica at or above this KV utilisation is saturated', unit: 'fraction', default: 0.8, positive: true },
    queue_length_threshold: { describe: 'a replica with this many waiting requests is saturated', unit: 'requests', default: 5, positive: true },
    kv_spare_trigger: { describe: 'scale up when average spare KV falls below this', unit: 'fraction', default: 0.1, min: 0 },
    queue_spare_trigger: { describe: 'scale up when average spare queue falls below this', unit: 'requests', default: 3, min: 0 },
  },
  // WVA's SaturationScalingConfig.Validate refuses kvCacheThreshold < kvSpareTrigger: average
  // spare KV over non-saturated replicas is below the threshold, so it would always trigger.
  check: (o, where) => {
    const kvT = opt(o, 'kv_cache_threshold');
    const kvSpare = opt(o, 'kv_spare_trigger');
    if (kvSpare > kvT) throw new InputError('POLICY_OUT_OF_RANGE', where('kv_spare_trigger'), `found ${kvSpare}; expected at most kv_cache_threshold (${kvT}): average spare KV is at most the threshold, so every decision would scale up (WVA refuses it too)`);
  },
  create: (o) => new SaturationAnalyzer({
    kvT: opt(o, 'kv_cache_threshold'), qT: opt(o, 'queue_length_threshold'),
    kvSpare: opt(o, 'kv_spare_trigger'), qSpare: opt(o, 'queue_spare_trigger'),
  }),
};
