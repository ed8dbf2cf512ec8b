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
  | { readonly boolValue: boolean };

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
