/**
 * Jaeger's own trace JSON, as its query service answers `GET /api/traces/{id}` and
 * `GET /api/traces?service=...` and as the UI's "Download JSON" saves it, turned into OTLP/JSON
 * TracesData for the OTLP reader. The shape (jaegertracing/jaeger model/json/model.go, and
 * docs/notes/otel.md): `{"data": [{"traceID", "spans": [...], "processes": {...}}]}`, a span
 * `{traceID, spanID, operationName, startTime, duration, tags, logs, processID}` with times in
 * microseconds, ids in hex (a 64-bit trace id has 16 digits), attributes as `tags` of
 * `{key, type, value}` (types string, bool, int64, float64, binary) and span events as `logs`
 * of `{timestamp, fields}` whose `event` field is the event's name (Jaeger's OTLP translator).
 */

import { asArr, asObj } from './otlp-reader.js';

type Obj = Record<string, unknown>;

/** True when `value` is a Jaeger JSON answer (a `data` list of traces with `spans`). */
export function isJaegerJson(value: unknown): boolean {
  const data = asObj(value)?.['data'];
  if (!Array.isArray(data)) return false;
  // An answer with no trace (a search that found none) is still Jaeger's: it has no spans.
  if (data.length === 0) return true;
  const t = asObj(data[0]);
  return t !== undefined && Array.isArray(t['spans']) && typeof t['traceID'] === 'string';
}

/** A Jaeger tag or log field as an OTLP KeyValue; undefined for a value of no OTLP kind. */
function keyValue(tag: unknown): Obj | undefined {
  const t = asObj(tag);
  const key = t?.['key'];
  if (t === undefined || typeof key !== 'string') return undefined;
  const v = t['value'];
  switch (t['type']) {
    case 'bool':
      return typeof v === 'boolean' ? { key, value: { boolValue: v } } : undefined;
    case 'int64':
      return typeof v === 'number' || typeof v === 'string' ? { key, value: { intValue: String(v) } } : undefined;
    case 'float64':
      return typeof v === 'number' ? { key, value: { doubleValue: v } } : undefined;
    default:
      // string, binary (base64 text), or a tag written without a type.
      if (typeof v === 'string') return { key, value: { stringValue: v } };
      if (typeof v === 'number') return { key, value: { doubleValue: v } };
      if (typeof v === 'boolean') return { key, value: { boolValue: v } };
      return undefined;
  }
}

/** Whole microseconds (Jaeger's unit) as OTLP's decimal nanoseconds; undefined when not a time. */
function nanos(us: unknown): string | undefined {
  return typeof us === 'number' && Number.isFinite(us) && us >= 0 ? (BigInt(Math.round(us)) * 1000n).toString() : undefined;
}

/** A hex id left-padded to `digits` (Jaeger drops a 128-bit id's high half when it is zero). */
function hexId(v: unknown, digits: number): unknown {
  return typeof v === 'string' && /^[0-9a-fA-F]+$/.test(v) && v.length < digits ? v.padStart(digits, '0') : v;
}

function otlpSpan(s: Obj): Obj {
  const start = nanos(s['startTime']);
  const duration = typeof s['duration'] === 'number' && s['duration'] >= 0 ? s['duration'] : 0;
  const end = typeof s['startTime'] === 'number' ? nanos(s['startTime'] + duration) : undefined;
  const events = asArr(s['logs']).map((l) => {
    const log = asObj(l);
    const fields = asArr(log?.['fields']);
    const nameField = fields.map(asObj).find((f) => f?.['key'] === 'event');
    return {
      name: typeof nameField?.['value'] === 'string' ? nameField['value'] : '',
      timeUnixNano: nanos(log?.['timestamp']),
      attributes: fields.filter((f) => asObj(f)?.['key'] !== 'event').map(keyValue).filter((x) => x !== undefined),
    };
  });
  return {
    traceId: hexId(s['traceID'], 32),
    spanId: hexId(s['spanID'], 16),
    name: s['operationName'],
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes: asArr(s['tags']).map(keyValue).filter((x) => x !== undefined),
    events,
  };
}

/** The answer's spans as OTLP/JSON TracesData: one resource per trace process (its service name and tags). */
export function jaegerToOtlp(value: unknown): Obj {
  const resourceSpans: Obj[] = [];
  for (const t of asArr(asObj(value)?.['data'])) {
    const trace = asObj(t);
    if (trace === undefined) continue;
    const processes = asObj(trace['processes']) ?? {};
    const byProcess = new Map<string, Obj[]>();
    for (const sp of asArr(trace['spans'])) {
      const s = asObj(sp);
      if (s === undefined) continue;
      const pid = typeof s['processID'] === 'string' ? s['processID'] : '';
      const list = byProcess.get(pid) ?? [];
      list.push(otlpSpan(s));
      byProcess.set(pid, list);
    }
    for (const [pid, spans] of byProcess) {
      const p = Object.prototype.hasOwnProperty.call(processes, pid) ? asObj(processes[pid]) : undefined;
      const service = typeof p?.['serviceName'] === 'string' ? [{ key: 'service.name', value: { stringValue: p['serviceName'] } }] : [];
      resourceSpans.push({
        resource: { attributes: [...service, ...asArr(p?.['tags']).map(keyValue).filter((x) => x !== undefined)] },
        scopeSpans: [{ spans }],
      });
    }
  }
  return { resourceSpans };
}
