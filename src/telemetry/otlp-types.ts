/**
 * Plain-object shapes of the OTLP trace messages, with protobufjs's field names (lowerCamelCase,
 * which are also OTLP/JSON's keys). spans.ts builds these; otlp-proto.node.ts encodes them with
 * the official schema and otlp-json.ts renders them as OTLP/JSON.
 */
import type { Nanos64 } from './time.js';

export type AnyValue =
  | { readonly stringValue: string }
  | { readonly intValue: number }
  | { readonly doubleValue: number }
  | { readonly boolValue: boolean }
  | { readonly arrayValue: { readonly values: readonly AnyValue[] } };

export interface KeyValue {
  readonly key: string;
  readonly value: AnyValue;
}

/** opentelemetry.proto.trace.v1.Span.SpanKind */
export const enum SpanKind {
  Internal = 1,
  Server = 2,
}

/** opentelemetry.proto.trace.v1.Status.StatusCode */
export const enum StatusCode {
  Unset = 0,
  Ok = 1,
  Error = 2,
}

/**
 * Span.flags (trace.proto): the W3C trace flags in bits 0-7 (sampled, 0x01) and, in bits 8-9,
 * whether the parent is remote (0x100: known; 0x200: remote). blis's spans are sampled and their
 * parents local; the OpenTelemetry JS SDK writes the same value for such spans.
 */
export const SPAN_FLAGS_SAMPLED_LOCAL = 0x101;

export interface SpanEvent {
  readonly timeUnixNano: Nanos64;
  readonly name: string;
  readonly attributes: readonly KeyValue[];
}

export interface Span {
  readonly traceId: Uint8Array;
  readonly spanId: Uint8Array;
  /** Absent on a root span. */
  readonly parentSpanId?: Uint8Array;
  /** Span.flags (fixed32); absent is 0, "unknown". */
  readonly flags?: number;
  readonly name: string;
  readonly kind: SpanKind;
  readonly startTimeUnixNano: Nanos64;
  readonly endTimeUnixNano: Nanos64;
  readonly attributes: readonly KeyValue[];
  readonly events?: readonly SpanEvent[];
  readonly status?: { readonly code: StatusCode; readonly message?: string };
}

export interface Resource {
  readonly attributes: readonly KeyValue[];
}

/**
 * The semantic-conventions release the attribute names follow (ResourceSpans.schema_url):
 * `gen_ai.provider.name` (1.37) and `gen_ai.usage.cache_read.input_tokens` (semantic-conventions
 * PR 3163, merged January 2026, released in 1.40) are both in it.
 */
export const SEMCONV_SCHEMA_URL = 'https://opentelemetry.io/schemas/1.40.0';

export interface InstrumentationScope {
  readonly name: string;
  readonly version?: string;
}

export interface ScopeSpans {
  readonly scope: InstrumentationScope;
  readonly spans: readonly Span[];
}

export interface ResourceSpans {
  readonly resource: Resource;
  readonly schemaUrl?: string;
  readonly scopeSpans: readonly ScopeSpans[];
}

/** ExportTraceServiceRequest and TracesData have the same fields (and the same bytes). */
export interface TracesData {
  readonly resourceSpans: readonly ResourceSpans[];
}

export function str(key: string, v: string): KeyValue {
  return { key, value: { stringValue: v } };
}
export function int(key: string, v: number): KeyValue {
  return { key, value: { intValue: v } };
}
export function dbl(key: string, v: number): KeyValue {
  return { key, value: { doubleValue: v } };
}
export function bool(key: string, v: boolean): KeyValue {
  return { key, value: { boolValue: v } };
}
export function strs(key: string, v: readonly string[]): KeyValue {
  return { key, value: { arrayValue: { values: v.map((x) => ({ stringValue: x })) } } };
}
