/**
 * Telemetry: simulated requests as OpenTelemetry traces, and OTLP read back for replay.
 * Read first: spans.ts (the span model), sinks.node.ts (how a run plugs in `--otlp-out`,
 * `--otlp-endpoint`, `--span-exporter`, `--trace-*`), otlp-reader.ts (OTLP → arrival stream);
 * sdk-sink.ts drives the OpenTelemetry JS SDK with the same spans, otlp-config.ts resolves
 * export settings over the OTEL_EXPORTER_OTLP_* variables. docs/telemetry.md explains
 * attributes, export and failure, and how to look at a run in Jaeger or Tempo.
 *
 * This index re-exports the pure modules only; the Node-bound ones (`*.node.ts`: file and
 * HTTP sinks, the protobuf schema, file reading) are imported by path.
 */
export { resolveTelemetry, type Telemetry, type TelemetryOptions, type ConfigSummary } from './options.js';
export { TraceBuilder, buildResource, buildScope, ROOT_SPAN_NAME, SCOPE_NAME } from './spans.js';
export { SpanBatcher, MultiTraceSink, isBackpressured, lostSpans, type TraceSink, type TraceSinkSummary, type Backpressured, type ExportProgress } from './sink.js';
export { SdkTraceSink, type SdkSinkOptions } from './sdk-sink.js';
export { resolveOtlpExport, parseOtlpHeaders, serviceNameFromEnv, type OtlpExport, type OtlpExportOptions, type OtlpProtocol } from './otlp-config.js';
export { SamplingSink } from './sampling.js';
export { tracesDataToJson, tracesDataToJsonLine } from './otlp-json.js';
export { TracesEncoder } from './otlp-encode.js';
export { OtlpRequestCollector, type OtlpReadIssue } from './otlp-reader.js';
export { parseTraceEpoch, DEFAULT_TRACE_EPOCH_NS } from './time.js';
export { traceIdFor, spanIdFor, toHex } from './ids.js';
export type { TracesData, Span, KeyValue } from './otlp-types.js';
