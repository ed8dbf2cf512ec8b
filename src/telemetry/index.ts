/**
 * Telemetry: simulated requests as OpenTelemetry traces, and OTLP read back for replay.
 * Read first: spans.ts (the span model), sinks.node.ts (how a run plugs in `--otlp-out`,
 * `--otlp-endpoint`, `--trace-*`), otlp-reader.ts (OTLP → arrival stream). docs/telemetry.md
 * explains attributes and how to look at a run in Jaeger or Tempo.
 *
 * This index re-exports the pure modules only; the Node-bound ones (`*.node.ts`: file and
 * HTTP sinks, the protobuf schema, file reading) are imported by path.
 */
export { resolveTelemetry, type Telemetry, type TelemetryOptions, type ConfigSummary } from './options.js';
export { TraceBuilder, buildResource, buildScope, ROOT_SPAN_NAME, SCOPE_NAME } from './spans.js';
export { SpanBatcher, MultiTraceSink, isBackpressured, type TraceSink, type TraceSinkSummary, type Backpressured } from './sink.js';
export { SamplingSink } from './sampling.js';
export { tracesDataToJson, tracesDataToJsonLine } from './otlp-json.js';
export { TracesEncoder } from './otlp-encode.js';
export { OtlpRequestCollector, type OtlpReadIssue } from './otlp-reader.js';
export { parseTraceEpoch, DEFAULT_TRACE_EPOCH_NS } from './time.js';
export { traceIdFor, spanIdFor, toHex } from './ids.js';
export type { TracesData, Span, KeyValue } from './otlp-types.js';
