/**
 * The one place the CLI turns `--otlp-out` / `--otlp-endpoint` / `--span-exporter` / `--trace-*`
 * into a sink:
 *
 *   const sink = await openTraceSink({ otlpOut, endpoint: resolveOtlpExport(...) }, resolveTelemetry({ seed, ... }));
 *   for each finished request: sink.add(record, arrivalRequest);   // (+ await drain() between batches)
 *   const summaries = await sink.close();                           // print to stderr; lostSpans() > 0 is a failure
 */
import type { Telemetry } from './options.js';
import { OtlpFileSink, otlpFileFormat, type OtlpFraming } from './file-sink.node.js';
import { OtlpHttpSink, type HttpExportOptions } from './http-exporter.node.js';
import type { OtlpExport } from './otlp-config.js';
import { SamplingSink } from './sampling.js';
import { SdkTraceSink } from './sdk-sink.js';
import { otlpSdkExporter } from './sdk-exporters.node.js';
import { MultiTraceSink, type TraceSink, type TraceSinkSummary } from './sink.js';

import type { SpanExporterKind } from './otlp-config.js';
export { SPAN_EXPORTER_KINDS, type SpanExporterKind } from './otlp-config.js';

export interface TraceTargets {
  /** `.pb` → OTLP protobuf, `.json`/`.jsonl` → OTLP/JSON Lines; `.gz` appended gzips. */
  readonly otlpOut?: string;
  /** Protobuf framing of a multi-message `.pb` file. Default varint. */
  readonly framing?: OtlpFraming;
  /** Network export (resolved from flags and OTEL_EXPORTER_OTLP_* by resolveOtlpExport). */
  readonly endpoint?: OtlpExport;
  /** Default native; gRPC always goes through the SDK. */
  readonly spanExporter?: SpanExporterKind;
  readonly http?: HttpExportOptions;
}

/** Undefined when no target is set (tracing off: the run records no detail). */
export async function openTraceSink(targets: TraceTargets, t: Telemetry): Promise<(TraceSink & { drain(): Promise<void> }) | undefined> {
  const sinks: TraceSink[] = [];
  if (targets.otlpOut) sinks.push(new OtlpFileSink(targets.otlpOut, t, otlpFileFormat(targets.otlpOut), undefined, targets.framing ?? 'varint'));
  const e = targets.endpoint;
  if (e) {
    if (targets.spanExporter === 'sdk' || e.protocol === 'grpc') {
      sinks.push(new SdkTraceSink(t, { exporter: await otlpSdkExporter(e), destination: `${e.url} (${e.protocol}, OpenTelemetry SDK)` }));
    } else sinks.push(new OtlpHttpSink(e, t, targets.http));
  }
  if (sinks.length === 0) return undefined;
  return new SamplingSink(new MultiTraceSink(sinks), t);
}

/** One stderr line per destination, with the causes of any loss. */
export function formatTraceSummary(s: TraceSinkSummary): string {
  const parts = [`otlp ${s.destination}: ${s.traces} traces, ${s.spans} spans${s.messages > 0 ? ` in ${s.messages} messages (${s.bytes} bytes)` : ' exported'}`];
  if (s.sampledOutTraces > 0) parts.push(`${s.sampledOutTraces} sampled out`);
  if (s.retries > 0) parts.push(`${s.retries} retries`);
  if (s.failedSpans > 0) parts.push(`${s.failedSpans} spans failed`);
  if (s.droppedSpans > 0) parts.push(`${s.droppedSpans} spans dropped (queue full)`);
  let line = parts.join(', ');
  for (const [cause, n] of Object.entries(s.causes ?? {})) line += `\n  ${n} spans: ${cause}`;
  return line;
}
