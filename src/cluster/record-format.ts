/**
 * Per-request output rows (`--requests-out`): one row per request, CSV or JSONL, columns named
 * like the arrival stream's where they mean the same thing, so request files replay and compare.
 */
import type { RequestRecord } from './record.js';

export const RECORD_COLUMNS = [
  'id', 'arrival_us', 'stage', 'status', 'reason', 'instance', 'input_tokens', 'output_tokens',
  'produced_tokens', 'cached_tokens', 'preemptions', 'enqueued_us', 'first_scheduled_us',
  'first_token_us', 'finished_us', 'queue_us', 'ttft_us', 'e2e_us', 'tpot_us', 'session_id',
  'slo_class', 'priority', 'model',
] as const;

type Row = Record<(typeof RECORD_COLUMNS)[number], string | number | null>;

export function recordRow(r: RequestRecord): Row {
  const completed = r.status === 'completed';
  return {
    id: r.id,
    arrival_us: r.arrivalUs,
    stage: r.stage ?? null,
    status: r.status,
    reason: r.reason ?? null,
    instance: r.instance,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    produced_tokens: r.producedTokens,
    cached_tokens: r.cachedTokens,
    preemptions: r.preemptions,
    enqueued_us: r.enqueuedUs,
    first_scheduled_us: r.firstScheduledUs,
    first_token_us: r.firstTokenUs,
    finished_us: r.finishedUs,
    queue_us: r.firstScheduledUs >= 0 ? r.firstScheduledUs - r.arrivalUs : null,
    ttft_us: r.firstTokenUs >= 0 ? r.firstTokenUs - r.arrivalUs : null,
    e2e_us: completed ? r.finishedUs - r.arrivalUs : null,
    tpot_us: completed && r.producedTokens >= 2 ? Math.round(((r.finishedUs - r.firstTokenUs) / (r.producedTokens - 1)) * 1000) / 1000 : null,
    session_id: r.sessionId ?? null,
    slo_class: r.sloClass ?? null,
    priority: r.priority ?? null,
    model: r.model ?? null,
  };
}

export function csvHeader(): string {
  return RECORD_COLUMNS.join(',') + '\n';
}

function csvField(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function recordCsvLine(r: RequestRecord): string {
  const row = recordRow(r);
  let line = '';
  for (let i = 0; i < RECORD_COLUMNS.length; i++) {
    if (i > 0) line += ',';
    line += csvField(row[RECORD_COLUMNS[i]!]);
  }
  return line + '\n';
}

export function recordJsonLine(r: RequestRecord): string {
  const row = recordRow(r);
  const out: Record<string, unknown> = {};
  for (const k of RECORD_COLUMNS) if (row[k] !== null) out[k] = row[k];
  if (r.routingScores) out['routing_scores'] = r.routingScores;
  const d = r.disagg;
  if (d !== undefined) {
    // The decode side of a P/D request (JSONL only: the CSV keeps one column set for every run).
    out['disagg'] = {
      decode_instance: d.decodeInstance,
      ...(d.decodePool !== undefined ? { decode_pool: d.decodePool } : {}),
      decode_routed_us: d.decodeRoutedUs,
      prefill_done_us: d.prefillDoneUs,
      decode_enqueued_us: d.decodeEnqueuedUs,
      transfer_start_us: d.transferStartUs,
      transfer_end_us: d.transferEndUs,
      transfer_bytes: d.transferBytes,
      decode_first_scheduled_us: d.decodeFirstScheduledUs,
      decode_cached_tokens: d.decodeCachedTokens,
      ...(d.decodeRoutingScores !== undefined ? { decode_routing_scores: d.decodeRoutingScores } : {}),
    };
  }
  return JSON.stringify(out) + '\n';
}
