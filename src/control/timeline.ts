/**
 * The autoscaler's timeline: one row per model per control decision, with the replicas in each
 * lifecycle state, the load as it is now (not as the lagged analyzer saw it), the signal and
 * the decisions with their reasons. `timelineCsv` renders it (the CLI writes the file).
 */

export interface TimelineRow {
  readonly timeS: number;
  readonly model: string;
  readonly provisioning: number;
  readonly loading: number;
  readonly warming: number;
  readonly ready: number;
  readonly draining: number;
  /** GPUs held by the model's replicas (tp each, draining ones included). */
  readonly gpus: number;
  readonly arrivalRps: number;
  /** Σ waiting over the model's replicas at this instant. */
  readonly queueDepth: number;
  /** Mean KV utilisation over its ready replicas at this instant. */
  readonly kvUtilization: number;
  /** p99 TTFT of requests completed within the sliding window; empty when none. */
  readonly ttftP99Ms: number;
  /** The analyzer's recommendation (from lagged metrics). */
  readonly recommended: number;
  /** After stabilisation, cooldown and min/max. */
  readonly desired: number;
  /** `+1 H100x1 #7`, `-1 #3`, joined by `;` when several; empty when none. */
  readonly decisions: string;
  readonly reason: string;
}

export const TIMELINE_COLUMNS = [
  'time_s', 'model', 'provisioning', 'loading', 'warming', 'ready', 'draining', 'gpus',
  'arrival_rps', 'queue_depth', 'kv_utilization', 'ttft_p99_ms', 'recommended', 'desired', 'decisions', 'reason',
] as const;

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function num(x: number, digits: number): string {
  return Number.isFinite(x) ? String(Number(x.toFixed(digits))) : '';
}

export function timelineCsv(rows: readonly TimelineRow[]): string {
  const out = [TIMELINE_COLUMNS.join(',')];
  for (const r of rows) {
    out.push([
      num(r.timeS, 3), csvField(r.model), r.provisioning, r.loading, r.warming, r.ready, r.draining, r.gpus,
      num(r.arrivalRps, 3), r.queueDepth, num(r.kvUtilization, 4), num(r.ttftP99Ms, 2), r.recommended, r.desired,
      csvField(r.decisions), csvField(r.reason),
    ].join(','));
  }
  return out.join('\n') + '\n';
}
