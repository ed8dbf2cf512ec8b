/**
 * Per-request output rows (`--requests-out`): one row per request, CSV or JSONL, columns named
 * like the arrival stream's where they mean the same thing, so request files replay and compare.
 * Given the request as it arrived, a row also carries the arrival facts the record does not (turn,
 * tenant, prefix structure), and `index` (its place in arrival order, rows being in completion
 * order) orders requests of equal arrival time: replaying the file rebuilds the run's workload
 * (DESIGN §5 replay parity), prefix-cache hits and ties included.
 */
import type { RequestRecord } from './record.js';
import { outermostPrefixParent, type ArrivalRequest } from '../workload/request.js';

export const RECORD_COLUMNS = [
  'id', 'arrival_us', 'stage', 'status', 'reason', 'instance', 'input_tokens', 'output_tokens',
  'produced_tokens', 'cached_tokens', 'preemptions', 'enqueued_us', 'first_scheduled_us',
  'first_token_us', 'finished_us', 'queue_us', 'ttft_us', 'e2e_us', 'tpot_us', 'session_id',
  'slo_class', 'priority', 'model', 'turn', 'tenant', 'prefix_group', 'prefix_tokens',
  'prefix_parent_group', 'prefix_parent_tokens', 'hash_ids', 'hash_block_tokens', 'index',
] as const;

type Row = Record<(typeof RECORD_COLUMNS)[number], string | number | readonly number[] | null>;

/** `req`: the request as it arrived (its arrival facts; without it those columns are empty). */
export function recordRow(r: RequestRecord, req?: ArrivalRequest): Row {
  const parent = outermostPrefixParent(req?.prefix);
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
    turn: req?.turn ?? null,
    tenant: r.tenant ?? null,
    prefix_group: req?.prefix?.group ?? null,
    prefix_tokens: req?.prefix?.tokens ?? null,
    prefix_parent_group: parent?.group ?? null,
    prefix_parent_tokens: parent?.tokens ?? null,
    hash_ids: req?.hashIds?.ids ?? null,
    hash_block_tokens: req?.hashIds?.blockTokens ?? null,
    // Rows come in completion order: a replay orders requests of equal arrival time by this.
    index: r.index,
  };
}

export function csvHeader(): string {
  return RECORD_COLUMNS.join(',') + '\n';
}

function csvField(v: string | number | readonly number[] | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  // Space-separated, as the arrival CSV writes and reads hash_ids.
  if (typeof v !== 'string') return v.join(' ');
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function recordCsvLine(r: RequestRecord, req?: ArrivalRequest): string {
  const row = recordRow(r, req);
  let line = '';
  for (let i = 0; i < RECORD_COLUMNS.length; i++) {
    if (i > 0) line += ',';
    line += csvField(row[RECORD_COLUMNS[i]!]);
  }
  return line + '\n';
}

export function recordJsonLine(r: RequestRecord, req?: ArrivalRequest): string {
  const row = recordRow(r, req);
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
