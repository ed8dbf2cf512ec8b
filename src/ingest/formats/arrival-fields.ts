/**
 * The normalised arrival record (ARRIVAL_CSV_COLUMNS) ↔ ArrivalRequest, shared by the arrival
 * CSV and JSONL readers and writers. In CSV, `hash_ids` is space-separated integers; in JSONL an
 * array. Empty/absent optional fields mean "not carried".
 */
import { RowError, parseNumber, parseTokens } from '../fields.js';
import type { ArrivalRequest, ObservedLatency } from '../../workload/request.js';
import { ARRIVAL_CSV_COLUMNS, outermostPrefixParent } from '../../workload/request.js';

export type ArrivalColumn = (typeof ARRIVAL_CSV_COLUMNS)[number];
type Get = (name: ArrivalColumn) => unknown;

const present = (v: unknown): boolean => v !== undefined && v !== null && v !== '';
const str = (v: unknown): string | undefined => (present(v) ? String(v) : undefined);
const num = (v: unknown, field: string): number | undefined => (present(v) ? parseNumber(String(v), field) : undefined);
const tokens = (v: unknown, field: string): number => parseTokens(present(v) ? String(v) : undefined, field);

function hashIds(v: unknown): number[] {
  const parts = Array.isArray(v) ? v : String(v).trim().split(/\s+/);
  return parts.map((p) => {
    const n = typeof p === 'number' ? p : +String(p);
    if (!Number.isInteger(n)) throw new RowError('FIELD_BAD_HASH_IDS', `hash_ids has '${String(p)}', expected integers`);
    return n;
  });
}

export function arrivalFromFields(get: Get, generatedId: string): ArrivalRequest {
  const group = str(get('prefix_group'));
  const parentGroup = str(get('prefix_parent_group'));
  const parent = parentGroup !== undefined ? { parent: { group: parentGroup, tokens: tokens(get('prefix_parent_tokens'), 'prefix_parent_tokens') } } : {};
  const ids = get('hash_ids');
  const ttftUs = num(get('ttft_us'), 'ttft_us');
  const e2eUs = num(get('e2e_us'), 'e2e_us');
  const session = str(get('session_id')), model = str(get('model')), tenant = str(get('tenant')), slo = str(get('slo_class'));
  const turn = num(get('turn'), 'turn'), priority = num(get('priority'), 'priority'), stage = num(get('stage'), 'stage');
  const observed: ObservedLatency = { ...(ttftUs !== undefined ? { ttftUs } : {}), ...(e2eUs !== undefined ? { e2eUs } : {}) };
  const arrivalUs = parseNumber(present(get('arrival_us')) ? String(get('arrival_us')) : undefined, 'arrival_us');
  return {
    id: str(get('id')) ?? generatedId,
    arrivalUs: Math.round(arrivalUs),
    inputTokens: tokens(get('input_tokens'), 'input_tokens'),
    outputTokens: tokens(get('output_tokens'), 'output_tokens'),
    ...(group !== undefined ? { prefix: { group, tokens: present(get('prefix_tokens')) ? tokens(get('prefix_tokens'), 'prefix_tokens') : 0, ...parent } } : {}),
    ...(present(ids) && !(Array.isArray(ids) && ids.length === 0)
      ? { hashIds: { ids: hashIds(ids), blockTokens: present(get('hash_block_tokens')) ? tokens(get('hash_block_tokens'), 'hash_block_tokens') : 512 } }
      : {}),
    ...(session !== undefined ? { sessionId: session } : {}),
    ...(turn !== undefined ? { turn } : {}),
    ...(model !== undefined ? { model } : {}),
    ...(tenant !== undefined ? { tenant } : {}),
    ...(slo !== undefined ? { sloClass: slo } : {}),
    ...(priority !== undefined ? { priority } : {}),
    ...(stage !== undefined ? { stage } : {}),
    ...(ttftUs !== undefined || e2eUs !== undefined ? { observed } : {}),
  };
}

/**
 * The optional `index` field: the request's place in the arrival order of the run that wrote the
 * file (blis's request records list requests as they finished), which orders requests arriving at
 * the same microsecond (ReaderContext.emit's `order`).
 */
export const ORDER_FIELD = 'index';

export function arrivalOrder(v: unknown): number | undefined {
  const n = num(v, ORDER_FIELD);
  if (n !== undefined && !(Number.isInteger(n) && n >= 0)) throw new RowError('FIELD_BAD_INDEX', `${ORDER_FIELD} is ${n}, expected a non-negative integer`);
  return n;
}

/** ArrivalRequest → values in ARRIVAL_CSV_COLUMNS order (undefined = not carried). */
export function arrivalToValues(r: ArrivalRequest): Record<ArrivalColumn, string | number | readonly number[] | undefined> {
  return {
    id: r.id,
    arrival_us: r.arrivalUs,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    prefix_group: r.prefix?.group,
    prefix_tokens: r.prefix?.tokens,
    // One enclosing level is carried (a system prompt under a session); deeper chains keep their outermost parent.
    prefix_parent_group: outermostPrefixParent(r.prefix)?.group,
    prefix_parent_tokens: outermostPrefixParent(r.prefix)?.tokens,
    hash_ids: r.hashIds?.ids,
    hash_block_tokens: r.hashIds?.blockTokens,
    session_id: r.sessionId,
    turn: r.turn,
    model: r.model,
    tenant: r.tenant,
    slo_class: r.sloClass,
    priority: r.priority,
    stage: r.stage,
    ttft_us: r.observed?.ttftUs,
    e2e_us: r.observed?.e2eUs,
  };
}
