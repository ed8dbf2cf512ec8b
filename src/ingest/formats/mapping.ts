/**
 * The `--columns` mapping shared by the generic `csv` and `jsonl` readers: which source column
 * (or JSON field) holds each request field, and how one row becomes a request.
 */
import { InputError } from '../../kernel/errors.js';
import { RowError, clip, parseTimeUs, parseTokens } from '../fields.js';
import { DURATION_UNITS, TIME_UNITS, type ColumnMapping, type DurationUnit, type ReaderContext, type ReaderOptions, type TimeUnit } from '../types.js';
import type { ObservedLatency } from '../../workload/request.js';

const FIELDS = ['arrival', 'input', 'output', 'id', 'ttft', 'e2e', 'first_token', 'end', 'session', 'model', 'status'] as const;

/**
 * Status values of a request that succeeded / failed, lower case: HTTP codes, and the words
 * gateways log (LiteLLM_SpendLogs.status is 'success' or 'failure', BerriAI/litellm
 * schema.prisma; OpenTelemetry's span status is OK or ERROR). Anything else is not guessed at.
 */
const SUCCEEDED = new Set(['ok', 'success', 'succeeded', 'successful', 'completed', 'complete', 'finished', 'true']);
const FAILED = new Set(['error', 'failure', 'failed', 'fail', 'timeout', 'timed_out', 'cancelled', 'canceled', 'aborted', 'rejected', 'false']);

/** True when a mapped status says the request failed; RowError when it says neither. Empty: not stated, kept. */
export function requestFailed(status: string, column: string): boolean {
  const v = status.trim().toLowerCase();
  if (v === '') return false;
  if (/^\d{3}$/.test(v)) return v[0] !== '2';
  if (SUCCEEDED.has(v)) return false;
  if (FAILED.has(v)) return true;
  throw new RowError('FIELD_BAD_STATUS', `${column} is '${clip(status)}', expected an HTTP status (2xx = success) or one of ${[...SUCCEEDED].join(', ')} / ${[...FAILED].join(', ')}`);
}

/** `--time-unit` value → TimeUnit, or an InputError listing the known units. */
export function parseTimeUnit(value: string, where = '--time-unit'): TimeUnit {
  if ((TIME_UNITS as readonly string[]).includes(value)) return value as TimeUnit;
  throw new InputError('FLAG_BAD_VALUE', where, `'${value}' is not a time unit; known: ${TIME_UNITS.join(', ')}`);
}

/** `--latency-unit` value → DurationUnit, or an InputError listing the known units. */
export function parseLatencyUnit(value: string, where = '--latency-unit'): DurationUnit {
  if ((DURATION_UNITS as readonly string[]).includes(value)) return value as DurationUnit;
  throw new InputError('FLAG_BAD_VALUE', where, `'${value}' is not a duration unit; known: ${DURATION_UNITS.join(', ')}`);
}

/** `arrival=ts,input=prompt_tokens,output=completion_tokens` → ColumnMapping. */
export function parseColumnMapping(spec: string, where = '--columns'): ColumnMapping {
  const out: Record<string, string> = {};
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? '' : part.slice(0, eq).trim();
    const value = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (!(FIELDS as readonly string[]).includes(key) || value === '') {
      throw new InputError('FLAG_BAD_VALUE', where, `'${part}' is not field=column with field one of ${FIELDS.join(', ')}`);
    }
    out[key] = value;
  }
  for (const k of ['arrival', 'input', 'output']) {
    if (out[k] === undefined) throw new InputError('FLAG_BAD_VALUE', where, `missing ${k}=<column> (required: arrival, input, output)`);
  }
  for (const [duration, time] of [['ttft', 'first_token'], ['e2e', 'end']]) {
    if (out[duration] !== undefined && out[time] !== undefined) {
      throw new InputError('FLAG_CONFLICT', where, `${duration}= (a duration) and ${time}= (a time, the ${duration} being its distance from arrival) say the same; give one`);
    }
  }
  return out as unknown as ColumnMapping;
}

/** The mapping a format was given, or the InputError saying it needs one. */
export function requireMapping(format: string, options: ReaderOptions): ColumnMapping {
  const map = options.columns;
  if (map === undefined) throw new InputError('FLAG_MISSING', '--columns', `format '${format}' needs a column mapping, e.g. arrival=ts,input=prompt_tokens,output=completion_tokens`);
  return map;
}

/** One row's mapped values: undefined when the row has no such column, '' when it is empty. */
export type MappedValue = (field: keyof ColumnMapping) => string | undefined;

const DATE_TIME = /^\s*\d{4}-\d{2}-\d{2}[T ]\d/;

/**
 * parseTimeUs, its message saying which flag fixes the commonest slip: a date-time column read
 * with a numeric unit, or epoch numbers read as iso. `duration`: a ttft/e2e column.
 */
function timeUs(s: string | undefined, unit: TimeUnit, column: string, duration = false): number {
  try {
    return parseTimeUs(s, unit, column);
  } catch (e) {
    if (!(e instanceof RowError) || s === undefined) throw e;
    const hint = unit !== 'iso' && DATE_TIME.test(s)
      ? (duration ? 'it is a date-time: map a time with first_token= or end=' : 'it is a date-time: pass --time-unit iso')
      : unit === 'iso' && s.trim() !== '' && Number.isFinite(+s) ? 'it is a number: pass --time-unit s, ms, us or ns' : null;
    throw hint === null ? e : new RowError(e.code, `${e.message}; ${hint}`);
  }
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === '' ? undefined : v;
}

function observedOf(ttftUs: number | undefined, e2eUs: number | undefined): ObservedLatency {
  return { ...(ttftUs !== undefined ? { ttftUs } : {}), ...(e2eUs !== undefined ? { e2eUs } : {}) };
}

/**
 * A row emitter for a mapping: arrival in `timeUnit` (default s), ttft/e2e durations in
 * `latencyUnit`, by default the same unit (seconds when it is iso). Logs often pair a date-time
 * or epoch-seconds timestamp with millisecond latencies (`ttft_ms`, `latency_ms`), hence the
 * separate unit. Rows without an id column get `r<n>` from r0.
 */
export function createMappedEmitter(ctx: ReaderContext, map: ColumnMapping, options: ReaderOptions): (value: MappedValue) => void {
  const unit = parseTimeUnit(options.timeUnit ?? 's');
  const durUnit = options.latencyUnit !== undefined ? parseLatencyUnit(options.latencyUnit) : unit === 'iso' ? 's' : unit;
  const keepFailed = options.keepFailed === true;
  let n = 0;
  return (value) => {
    const row = n++;
    // The status first: a failed row often has no output count, and is a failure, not a bad field.
    const status = value('status');
    const failed = status !== undefined && requestFailed(status, map.status!);
    if (failed && !keepFailed) throw new RowError('REQUEST_FAILED', `request failed in the source (${map.status}=${clip(status)})`);
    const ttft = nonEmpty(value('ttft')), e2e = nonEmpty(value('e2e')), id = nonEmpty(value('id'));
    const s = nonEmpty(value('session')), m = nonEmpty(value('model'));
    let ttftUs = ttft !== undefined ? timeUs(ttft, durUnit, map.ttft!, true) : undefined;
    let e2eUs = e2e !== undefined ? timeUs(e2e, durUnit, map.e2e!, true) : undefined;
    const arrivalUs = timeUs(value('arrival'), unit, map.arrival);
    // Absolute times of the first token and the end, in the arrival's unit (LiteLLM's
    // completionStartTime and endTime): the latencies are their distance from the arrival.
    const firstToken = nonEmpty(value('first_token')), end = nonEmpty(value('end'));
    if (firstToken !== undefined) ttftUs = timeUs(firstToken, unit, map.first_token!) - arrivalUs;
    if (end !== undefined) e2eUs = timeUs(end, unit, map.end!) - arrivalUs;
    const inputTokens = parseTokens(value('input'), map.input);
    const outputTokens = parseTokens(value('output'), map.output);
    if (failed) ctx.note('REQUEST_FAILED_KEPT');
    ctx.emit({
      id: id ?? `r${row}`,
      arrivalUs,
      inputTokens,
      outputTokens,
      ...(s !== undefined ? { sessionId: s } : {}),
      ...(m !== undefined ? { model: m } : {}),
      ...(ttftUs !== undefined || e2eUs !== undefined ? { observed: observedOf(ttftUs, e2eUs) } : {}),
    }, id !== undefined);
  };
}
