/** The human summary printed by run/replay: a few aligned tables, no colours. */
import type { MetricsBlock, MetricsDocument } from '../cluster/metrics.js';
import type { CostBlock } from '../cluster/cost.js';
import type { AttainmentCount, SloBlock } from '../cluster/slo.js';
import type { RegimeBlock } from '../cluster/regime.js';
import type { DistributionSummary } from '../cluster/summary.js';
import { BYTES_PER_GB } from '../kernel/units.js';

/** Shown for a statistic with no sample (JSON null): never a made-up 0. */
export const NO_VALUE = '–';

function fmt(x: number | null): string {
  if (x === null) return NO_VALUE;
  if (x === 0) return '0';
  if (Math.abs(x) >= 1000) return x.toFixed(0);
  if (Math.abs(x) >= 100) return x.toFixed(1);
  if (Math.abs(x) >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

function pct(x: number | null, unit = '%'): string {
  return x === null ? NO_VALUE : `${(x * 100).toFixed(1)}${unit}`;
}

/**
 * Columns two spaces apart: the first left-aligned, figures right-aligned. With `textLast` the last
 * column is prose (a source, a reason), left-aligned and unpadded, so one long entry does not push
 * every other row's out to its width.
 */
export function table(rows: readonly (readonly string[])[], textLast = false): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  const cell = (c: string, i: number, n: number): string => (textLast && i === n - 1 ? c : i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!));
  return rows.map((r) => r.map((c, i) => cell(c, i, r.length)).join('  ')).join('\n') + '\n';
}

function latencyRows(b: MetricsBlock): string[][] {
  const row = (name: string, s: DistributionSummary): string[] => [name, fmt(s.mean), fmt(s.p50), fmt(s.p90), fmt(s.p95), fmt(s.p99), fmt(s.max)];
  return [
    ['latency (ms)', 'mean', 'p50', 'p90', 'p95', 'p99', 'max'],
    row('TTFT', b.ttft_ms), row('TPOT', b.tpot_ms), row('ITL', b.itl_ms), row('E2E', b.e2e_ms), row('queue', b.queue_ms),
  ];
}

export function formatSummary(doc: MetricsDocument): string {
  const c = doc.config as Record<string, unknown>;
  const r = doc.requests;
  let out = '';
  out += `blis: ${String(c['model'])} on ${String(c['num_instances'])} x ${String(c['hardware'])} (TP ${String(c['tp'])}), routing ${String(c['routing_policy'])}${c['routing_scorers'] ? ` [${String(c['routing_scorers'])}]` : ''}, latency model ${String(c['latency_model'])}\n`;
  out += `simulated ${fmt(doc.sim.simulated_s)} s, ${doc.sim.events} events\n\n`;
  out += `requests: ${r.injected} injected, ${r.completed} completed, ${r.rejected} rejected, ${r.timed_out} timed out, ${r.dropped} dropped, ${r.unfinished} unfinished\n`;
  if (doc.reasons) out += `  reasons: ${Object.entries(doc.reasons).map(([k, v]) => `${k}=${v}`).join(', ')}\n`;
  out += '\n' + table(latencyRows(doc));
  out += `\nthroughput: ${fmt(doc.throughput.requests_per_s)} req/s, ${fmt(doc.throughput.input_tokens_per_s)} input tok/s, ${fmt(doc.throughput.output_tokens_per_s)} output tok/s\n`;
  out += `kv cache: prefix hit rate ${pct(doc.kv.prefix_hit_rate)}, ${doc.kv.preemptions} preemptions, peak utilisation ${pct(doc.kv.peak_utilization)}\n`;
  const off = doc['kv_offload'] as { loads: number; load_bytes: number; store_bytes: number } | undefined;
  if (off !== undefined) out += `cpu kv tier: ${pct(doc.kv.cpu_hit_rate)} of prompt tokens loaded, ${off.loads} loads, ${(off.load_bytes / BYTES_PER_GB).toFixed(2)} GB loaded, ${(off.store_bytes / BYTES_PER_GB).toFixed(2)} GB stored\n`;
  const jit = doc['kernel_compiles'] as { compiles: number; stalled_s: number } | undefined;
  if (jit !== undefined) out += `kernel compiles: ${jit.compiles} first-use fused-MoE variants, steps stalled ${fmt(jit.stalled_s)} s (a fresh server; --warm-kernel-cache for a filled Triton cache)\n`;
  if (doc.stages && doc.stages.length > 0) {
    out += '\n' + table([
      ['stage', 'start s', 'end s', 'done', 'TTFT p50', 'TTFT p99', 'E2E p50', 'E2E p99'],
      ...doc.stages.map((s) => [String(s.index), fmt(s.start_s), fmt(s.end_s), String(s.requests.completed), fmt(s.ttft_ms.p50), fmt(s.ttft_ms.p99), fmt(s.e2e_ms.p50), fmt(s.e2e_ms.p99)]),
    ]);
  }
  if (doc.pools && doc.pools.length > 1) {
    out += '\n' + table([
      ['pool', 'role', 'done', 'TTFT p50', 'TTFT p99', 'TPOT p50', 'E2E p99', 'hit %', 'peak kv %'],
      ...doc.pools.map((p) => [p.name, p.role, String(p.requests.completed), fmt(p.ttft_ms.p50), fmt(p.ttft_ms.p99), fmt(p.tpot_ms.p50), fmt(p.e2e_ms.p99),
        pct(p.kv.prefix_hit_rate, ''), pct(p.kv.peak_utilization, '')]),
    ]);
  }
  const x = doc.kv_transfer;
  if (x) {
    out += `\nkv transfer: ${x.count} transfers, ${fmt(x.bytes / BYTES_PER_GB)} GB; waiting for the decode scheduler p50 ${fmt(x.wait_for_decode_blocks_ms.p50)} ms, transfer p50 ${fmt(x.transfer_ms.p50)} / p99 ${fmt(x.transfer_ms.p99)} ms, lost to link sharing p99 ${fmt(x.link_contention_ms.p99)} ms\n`;
  }
  if (doc.models) {
    out += '\n' + table([
      ['model', 'done', 'TTFT p50', 'TTFT p99', 'TPOT p50', 'TPOT p99', 'E2E p50', 'E2E p99', 'out tok/s'],
      ...Object.entries(doc.models).map(([m, b]) => [m, String(b.requests.completed), fmt(b.ttft_ms.p50), fmt(b.ttft_ms.p99), fmt(b.tpot_ms.p50), fmt(b.tpot_ms.p99),
        fmt(b.e2e_ms.p50), fmt(b.e2e_ms.p99), fmt(b.throughput.output_tokens_per_s)]),
    ]);
  }
  out += formatPlanning(doc.slo, doc.regime, doc['cost'] as CostBlock | undefined);
  if (doc.instances.length > 1) {
    out += '\n' + table([
      ['instance', 'role', 'done', 'TTFT p50', 'TTFT p99', 'E2E p99', 'hit %', 'preempt', 'peak kv %'],
      ...doc.instances.map((i) => [String(i.id), i.role ?? '', String(i.requests.completed), fmt(i.ttft_ms.p50), fmt(i.ttft_ms.p99), fmt(i.e2e_ms.p99),
        pct(i.kv.prefix_hit_rate, ''), String(i.kv.preemptions), pct(i.kv.peak_utilization, '')]),
    ]);
  }
  return out;
}

const pctOf = (a: AttainmentCount): string => (a.attainment === null ? '-' : `${(a.attainment * 100).toFixed(1)}%`);

/** SLO checks and attainment, the regime and the cost, as a few lines. */
export function formatPlanning(slo: SloBlock | undefined, regime: RegimeBlock | undefined, cost: CostBlock | undefined): string {
  let out = '';
  if (slo) {
    const check = (c: SloBlock['checks'][number]): string => {
      const name = `${c.class === null ? '' : `${c.class}/`}${c.target}`;
      if (c.observed_ms === null && c.lost === 0) return `${name}: no requests`;
      return `${name} ${c.observed_ms === null ? 'inf' : fmt(c.observed_ms)} ms ${c.holds ? '<=' : '>'} ${fmt(c.target_ms)}${c.lost > 0 ? ` (${c.lost} lost)` : ''}`;
    };
    out += `\nSLO ${slo.holds ? 'holds' : 'MISSED'}: ` + slo.checks.map(check).join(', ') + '\n';
    out += `attainment ${pctOf(slo.attainment)} (${slo.attainment.met}/${slo.attainment.counted} requests met their SLO${slo.attainment.uncovered > 0 ? `, ${slo.attainment.uncovered} without targets` : ''}); goodput ${fmt(slo.goodput.requests_per_s)} req/s, ${fmt(slo.goodput.output_tokens_per_s)} output tok/s\n`;
    const groups: Array<[string, Record<string, AttainmentCount>]> = [['class', slo.attainment.by_class], ['tenant', slo.attainment.by_tenant], ['model', slo.attainment.by_model]];
    for (const [what, by] of groups) {
      const keys = Object.keys(by);
      if (keys.length > 1) out += `  by ${what}: ${keys.map((k) => `${k} ${pctOf(by[k]!)}`).join(', ')}\n`;
    }
  }
  if (regime) out += `\nregime: ${regime.state}${regime.reasons.length ? ` (${regime.reasons.join('; ')})` : ''}\n`;
  if (cost) {
    const total = cost.total === null ? 'unknown (no price for ' + Object.entries(cost.price_per_gpu_hour).filter(([, p]) => p === null).map(([h]) => h).join(', ') + '; --gpu-price)' : `${cost.total.toFixed(4)} ${cost.unit}`;
    const gh = Object.entries(cost.gpu_hours).map(([h, v]) => `${fmt(v)} ${h}`).join(' + ');
    out += `cost: ${total} for ${gh} GPU-hours`;
    if (cost.fleet_per_hour !== null) out += `; fleet ${cost.fleet_per_hour.toFixed(2)} ${cost.unit}/h`;
    if (cost.per_million_output_tokens !== null) out += `, ${cost.per_million_output_tokens.toFixed(3)} ${cost.unit} per 1M output tokens`;
    out += '\n';
  }
  return out;
}
