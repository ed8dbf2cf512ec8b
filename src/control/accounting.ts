/**
 * Cost accounting and the metrics JSON's `autoscaler` block. A replica costs from the moment
 * it is started (provisioning is billed: the node is allocated) until it is gone; GPU-hours per
 * type = Σ tp × that time; cost = GPU-hours × the inventory's cost per GPU-hour. SLO attainment
 * counts completed requests meeting the model's TTFT (and ITL, when set) target over every
 * request that left the system (rejected, dropped and timed-out ones miss; unfinished ones at
 * the end of the run are not counted).
 */
import type { Autoscaler } from './autoscaler.js';
import { S_PER_H, usToS } from '../kernel/units.js';

export interface AutoscalerSummary {
  policy: Record<string, unknown>;
  replica_seconds: Record<string, { total: number; ready: number }>;
  gpu_hours: Record<string, number>;
  cost: number;
  cost_by_hardware: Record<string, number>;
  slo_attainment: { overall: number } & Record<string, unknown>;
  scaling_actions: { total: number; scale_up: number; scale_down: number; preemptions: number };
  peak_replicas: Record<string, number>;
}

const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

export function summarizeAutoscaler(a: Autoscaler, endUs: number, peak: ReadonlyMap<string, number>): AutoscalerSummary {
  const c = a.config;
  const replicaSeconds: Record<string, { total: number; ready: number }> = {};
  const gpuHours: Record<string, number> = {};
  for (const m of c.models) replicaSeconds[m.name] = { total: 0, ready: 0 };
  for (const e of a.fleet.all) {
    const end = e.goneUs >= 0 ? e.goneUs : endUs;
    const alive = usToS(Math.max(0, end - e.startUs));
    const rs = (replicaSeconds[e.model] ??= { total: 0, ready: 0 });
    rs.total += alive;
    // Ready time: from ready until draining ended; a drain still serves, so it counts.
    if (e.readyUs >= 0) rs.ready += usToS(Math.max(0, end - e.readyUs));
    gpuHours[e.hardware] = (gpuHours[e.hardware] ?? 0) + (e.tp * alive) / S_PER_H;
  }
  const costBy: Record<string, number> = {};
  let cost = 0;
  for (const [h, gh] of Object.entries(gpuHours)) {
    const rate = c.inventory.find((x) => x.hardware === h)?.costPerGpuHour ?? 0;
    costBy[h] = r4(gh * rate);
    cost += gh * rate;
    gpuHours[h] = r4(gh);
  }
  for (const v of Object.values(replicaSeconds)) {
    v.total = r4(v.total);
    v.ready = r4(v.ready);
  }
  const slo: Record<string, unknown> = {};
  let attained = 0;
  let total = 0;
  for (const m of c.models) {
    const s = a.observer.slo(m.name);
    attained += s.attained;
    total += s.total;
    slo[m.name] = { ttft_ms: m.ttftMs, itl_ms: m.itlMs, attained: s.attained, total: s.total, fraction: s.total > 0 ? r4(s.attained / s.total) : null };
  }
  const peakOut: Record<string, number> = {};
  for (const m of c.models) peakOut[m.name] = peak.get(m.name) ?? 0;
  return {
    policy: describeAutoscalerConfig(a),
    replica_seconds: replicaSeconds,
    gpu_hours: gpuHours,
    cost: r4(cost),
    cost_by_hardware: costBy,
    slo_attainment: { overall: total > 0 ? r4(attained / total) : 1, ...slo },
    scaling_actions: { total: a.actions.scaleUp + a.actions.scaleDown, scale_up: a.actions.scaleUp, scale_down: a.actions.scaleDown, preemptions: a.actions.preemptions },
    peak_replicas: peakOut,
  };
}

function describeAutoscalerConfig(a: Autoscaler): Record<string, unknown> {
  const c = a.config;
  return {
    collector: { name: c.collector.name, ...c.collector.options },
    analyzer: { name: c.analyzer.name, ...c.analyzer.options },
    optimizer: { name: c.optimizer.name, ...c.optimizer.options },
    actuator: { name: c.actuator.name, ...c.actuator.options },
    interval_s: usToS(c.intervalUs),
    stabilization: { scale_up_s: usToS(c.scaleUpStabilizationUs), scale_down_s: usToS(c.scaleDownStabilizationUs) },
    cooldown: { scale_up_s: usToS(c.scaleUpCooldownUs), scale_down_s: usToS(c.scaleDownCooldownUs) },
    inventory: c.limited ? c.inventory.map((e) => ({ hardware: e.hardware, count: Number.isFinite(e.count) ? e.count : null, cost_per_gpu_hour: e.costPerGpuHour })) : null,
    models: c.models.map((m) => ({
      name: m.name, priority: m.priority, slo_class: m.sloClass, ttft_ms: m.ttftMs, itl_ms: m.itlMs,
      min_replicas: m.minReplicas, max_replicas: m.maxReplicas, initial_replicas: m.initialReplicas,
      variants: m.variants.map((v) => ({ hardware: v.hardware, tp: v.tp })), load_s: m.loadS,
    })),
    timeline_window_s: usToS(c.timelineWindowUs),
    sources: c.sources,
  };
}
