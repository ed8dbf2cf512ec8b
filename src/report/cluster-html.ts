/**
 * Cluster comparison (`blis report A.json B.json ...`): several runs' blis.metrics/v1 side by
 * side, one per layout (routing policy, P/D split, hardware, instance count): latency
 * percentiles, prefix-cache hit rate, throughput and request outcomes as grouped bars and one
 * table. Self-contained HTML (inline SVG, no scripts).
 */
import type { MetricsDocument } from '../cluster/metrics.js';
import { InputError } from '../kernel/errors.js';
import { PALETTE, esc, groupedBars, htmlPage, type BarGroup } from './svg.js';
import { MS_PER_S, msToS } from '../kernel/units.js';

export interface ComparedRun {
  readonly label: string;
  readonly metrics: MetricsDocument;
  /** The file it was read from: where its errors are located (else the label). */
  readonly source?: string;
}

type Dist = { p50: number | null; p90: number | null; p95: number | null; p99: number | null; mean: number | null };

const PCT_COLORS = { p50: '#9ecae1', p90: '#4292c6', p99: '#08519c' } as const;

function cfg(m: MetricsDocument): Record<string, unknown> {
  return (m.config ?? {}) as Record<string, unknown>;
}

/** A one-line description of a run's layout from its resolved config. */
export function describeLayout(m: MetricsDocument): string {
  const c = cfg(m);
  const pools = Array.isArray(c['pools']) ? (c['pools'] as Array<Record<string, unknown>>) : [];
  const pool = (p: Record<string, unknown>): string => `${p['role'] === 'unified' ? '' : `${p['role']} `}${p['hardware']} TP${p['tp']}`;
  const routing = `${c['routing_policy'] ?? ''}${c['routing_scorers'] ? ` (${c['routing_scorers']})` : ''}`;
  const w = c['workload'] as Record<string, unknown> | undefined;
  const rate = typeof w?.['rate_rps'] === 'number' ? `, ${w['rate_rps']} req/s` : '';
  // An autoscaled run's config holds its initial fleet only; the autoscaler block has each model's peak.
  const peaks = Object.entries((m as { autoscaler?: { peak_replicas?: Record<string, number> } }).autoscaler?.peak_replicas ?? {});
  const scaled = peaks.length === 0 ? '' : ` at start, autoscaled (peak ${peaks.length === 1 ? `${peaks[0]![1]} replicas` : peaks.map(([k, v]) => `${k} ${v}`).join(', ')})`;
  // A multi-model fleet: config.model is only the first pool's model, so each pool names its own.
  if (new Set(pools.map((p) => p['model'])).size > 1) return `${pools.map((p) => `${p['count']}×${p['model']} on ${pool(p)}`).join(' + ')}${scaled}, ${routing}${rate}`;
  const poolText = pools.length > 1 ? pools.map((p) => `${p['count']}×${pool(p)}`).join(' + ') : `${c['num_instances']}×${c['hardware']} TP${c['tp']}`;
  return `${c['model']} on ${poolText}${scaled}, ${routing}${rate}`;
}

function percentileBars(title: string, runs: readonly ComparedRun[], key: 'ttft_ms' | 'e2e_ms' | 'tpot_ms' | 'queue_ms'): string {
  const groups: BarGroup[] = runs.map((r) => {
    const d = r.metrics[key] as unknown as Dist;
    return { label: r.label, bars: (['p50', 'p90', 'p99'] as const).map((p) => ({ name: p, value: d[p] ?? NaN, color: PCT_COLORS[p] })) };
  });
  return groupedBars(title, groups, { yLabel: 'ms', format: (v) => (v >= MS_PER_S ? `${msToS(v).toFixed(v >= 10 * MS_PER_S ? 0 : 1)}s` : v >= 10 ? v.toFixed(0) : v.toFixed(1)) });
}

function singleBars(title: string, runs: readonly ComparedRun[], value: (m: MetricsDocument) => number, yLabel: string, format: (v: number) => string): string {
  return groupedBars(title, runs.map((r, i) => ({ label: r.label, bars: [{ name: r.label, value: value(r.metrics), color: PALETTE[i % PALETTE.length]! }] })), { yLabel, format, height: 200 });
}

/** A latency cell; an empty distribution (null) shows as a dash, never as 0. */
const ms = (x: number | null): string => (x === null ? '–' : x >= 1000 ? x.toFixed(0) : x.toFixed(1));
const pct = (x: number | null): string => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);

/** The blocks and fields the page reads, each present with its type; else REPORT_NOT_METRICS naming the field (an edited or truncated file). */
function checkReportedFields(m: Record<string, unknown>, where: string): void {
  const block = (key: string): Record<string, unknown> => {
    const b = m[key];
    if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new InputError('REPORT_NOT_METRICS', `${where}: ${key}`, `found ${JSON.stringify(b) ?? 'nothing'}; expected the blis.metrics/v1 ${key} block`);
    return b as Record<string, unknown>;
  };
  const num = (key: string, field: string, nullable: boolean): void => {
    const v = block(key)[field];
    if (!(typeof v === 'number' && Number.isFinite(v)) && !(nullable && v === null)) {
      throw new InputError('REPORT_NOT_METRICS', `${where}: ${key}.${field}`, `found ${JSON.stringify(v) ?? 'nothing'}; expected a number${nullable ? ' or null' : ''}`);
    }
  };
  for (const key of ['ttft_ms', 'tpot_ms', 'e2e_ms', 'queue_ms']) for (const p of ['p50', 'p90', 'p99']) num(key, p, true);
  num('throughput', 'output_tokens_per_s', false);
  num('kv', 'prefix_hit_rate', true);
  num('kv', 'preemptions', false);
  for (const f of ['injected', 'completed', 'rejected', 'timed_out', 'dropped']) num('requests', f, false);
}

export function renderClusterComparison(runs: readonly ComparedRun[], title = 'blis cluster comparison'): string {
  if (runs.length === 0) throw new InputError('REPORT_NO_RUNS', 'blis report', 'no metrics files given');
  for (const r of runs) {
    const where = r.source ?? r.label;
    if ((r.metrics as { schema?: unknown }).schema !== 'blis.metrics/v1') throw new InputError('REPORT_NOT_METRICS', where, 'not a blis.metrics/v1 document (blis run --output json or --metrics-out)');
    checkReportedFields(r.metrics as unknown as Record<string, unknown>, where);
  }
  const failed = (m: MetricsDocument): number => m.requests.rejected + m.requests.timed_out + m.requests.dropped;
  const rows = runs.map((r) => {
    const m = r.metrics;
    const q = m.requests;
    return `<tr><td><b>${esc(r.label)}</b><br><span class="note">${esc(describeLayout(m))}</span></td>`
      + `<td class="n">${q.completed}/${q.injected}</td><td class="n">${failed(m)}</td>`
      + [m.ttft_ms.p50, m.ttft_ms.p99, m.tpot_ms.p50, m.e2e_ms.p50, m.e2e_ms.p99, m.queue_ms.p99].map((v) => `<td class="n">${ms(v)}</td>`).join('')
      + `<td class="n">${m.throughput.output_tokens_per_s.toFixed(0)}</td><td class="n">${pct(m.kv.prefix_hit_rate)}</td><td class="n">${m.kv.preemptions}</td></tr>`;
  });
  /**
   * The run with the lowest value (runs without one, null, never win). A latency percentile covers
   * only the requests that finished, so for `latency` a run that failed none outranks every run
   * that failed some (a fleet that timed half its traffic out would otherwise read as the fastest);
   * a winner that failed requests says how many.
   */
  const best = (f: (m: MetricsDocument) => number | null, latency = false): string => {
    const served = latency && runs.some((r) => failed(r.metrics) === 0 && f(r.metrics) !== null);
    let i = -1;
    runs.forEach((r, k) => {
      const v = f(r.metrics);
      if (v === null || (served && failed(r.metrics) > 0)) return;
      if (i < 0 || v < f(runs[i]!.metrics)!) i = k;
    });
    if (i < 0) return '–';
    const n = failed(runs[i]!.metrics);
    return latency && n > 0 ? `${runs[i]!.label} (${n} failed)` : runs[i]!.label;
  };
  const body = [
    `<h1>${esc(title)}</h1>`,
    `<p class="meta">${runs.length} runs. Lowest TTFT p99: <b>${esc(best((m) => m.ttft_ms.p99, true))}</b> · lowest E2E p99: <b>${esc(best((m) => m.e2e_ms.p99, true))}</b> · highest prefix-hit rate: <b>${esc(best((m) => (m.kv.prefix_hit_rate === null ? null : -m.kv.prefix_hit_rate)))}</b></p>`,
    '<table><tr><th>run / layout</th><th>completed</th><th>failed</th><th>TTFT p50</th><th>TTFT p99</th><th>TPOT p50</th><th>E2E p50</th><th>E2E p99</th><th>queue p99</th><th>out tok/s</th><th>prefix hit</th><th>preemptions</th></tr>',
    rows.join('\n'),
    '</table><p class="note">Times in ms. Failed = rejected + timed out + dropped. Latency percentiles cover the finished requests; the lowest ones above rank runs that failed none first.</p>',
    '<h2>Latency percentiles</h2>',
    percentileBars('time to first token', runs, 'ttft_ms'),
    percentileBars('time per output token', runs, 'tpot_ms'),
    percentileBars('end to end', runs, 'e2e_ms'),
    percentileBars('instance queue wait', runs, 'queue_ms'),
    '<h2>Cache and throughput</h2>',
    singleBars('prefix-cache hit rate', runs, (m) => (m.kv.prefix_hit_rate === null ? NaN : 100 * m.kv.prefix_hit_rate), '%', (v) => `${v.toFixed(1)}%`),
    singleBars('output tokens per second', runs, (m) => m.throughput.output_tokens_per_s, 'tok/s', (v) => v.toFixed(0)),
  ];
  return htmlPage(title, body.join('\n'));
}
