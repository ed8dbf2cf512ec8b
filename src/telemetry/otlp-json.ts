/**
 * OTLP/JSON rendering (OTLP spec, "JSON Protobuf Encoding"): the proto3 JSON mapping with
 * OTLP's deviations: trace/span ids as lowercase hex, enums as integers, lowerCamelCase keys,
 * 64-bit integers (times, intValue) as decimal strings.
 */
import { toHex } from './ids.js';
import type { AnyValue, KeyValue, Span, SpanEvent, TracesData } from './otlp-types.js';
import { nanosToBigInt, type Nanos64 } from './time.js';

type Json = Record<string, unknown>;

function nanos(n: Nanos64): string {
  return nanosToBigInt(n).toString();
}

function anyValue(v: AnyValue): Json {
  if ('intValue' in v) return { intValue: String(v.intValue) };
  if ('doubleValue' in v) {
    // proto3 JSON writes non-finite doubles as strings.
    const d = v.doubleValue;
    return { doubleValue: Number.isFinite(d) ? d : Number.isNaN(d) ? 'NaN' : d > 0 ? 'Infinity' : '-Infinity' };
  }
  if ('arrayValue' in v) return { arrayValue: { values: v.arrayValue.values.map(anyValue) } };
  return v as Json;
}

function attrs(list: readonly KeyValue[]): Json[] {
  return list.map((kv) => ({ key: kv.key, value: anyValue(kv.value) }));
}

function event(e: SpanEvent): Json {
  // proto3 JSON omits fields at their default value (empty lists, code 0), as protobuf does.
  const o: Json = { timeUnixNano: nanos(e.timeUnixNano), name: e.name };
  if (e.attributes.length > 0) o['attributes'] = attrs(e.attributes);
  return o;
}

function span(s: Span): Json {
  const o: Json = { traceId: toHex(s.traceId), spanId: toHex(s.spanId) };
  if (s.parentSpanId) o['parentSpanId'] = toHex(s.parentSpanId);
  if (s.flags) o['flags'] = s.flags;
  o['name'] = s.name;
  o['kind'] = s.kind;
  o['startTimeUnixNano'] = nanos(s.startTimeUnixNano);
  o['endTimeUnixNano'] = nanos(s.endTimeUnixNano);
  o['attributes'] = attrs(s.attributes);
  if (s.events && s.events.length > 0) o['events'] = s.events.map(event);
  if (s.status && (s.status.code !== 0 || s.status.message)) o['status'] = s.status.message ? { code: s.status.code, message: s.status.message } : { code: s.status.code };
  return o;
}

export function tracesDataToJson(data: TracesData): Json {
  return {
    resourceSpans: data.resourceSpans.map((rs) => ({
      resource: { attributes: attrs(rs.resource.attributes) },
      scopeSpans: rs.scopeSpans.map((ss) => ({
        scope: ss.scope.version !== undefined ? { name: ss.scope.name, version: ss.scope.version } : { name: ss.scope.name },
        spans: ss.spans.map(span),
      })),
      ...(rs.schemaUrl ? { schemaUrl: rs.schemaUrl } : {}),
    })),
  };
}

/** One line of an OTLP/JSON Lines file (the OTLP file exporter form), newline included. */
export function tracesDataToJsonLine(data: TracesData): string {
  return JSON.stringify(tracesDataToJson(data)) + '\n';
}
