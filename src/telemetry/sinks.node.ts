/**
 * The one place the CLI turns `--otlp-out` / `--otlp-endpoint` / `--trace-*` into a sink:
 *
 *   const sink = openTraceSink({ otlpOut, otlpEndpoint }, resolveTelemetry({ seed, traceSample, ... }));
 *   for each finished request: sink.add(record, arrivalRequest);   // (+ await drain() if async)
 *   const summaries = await sink.close();                           // print to stderr
 */
import type { Telemetry } from './options.js';
import { OtlpFileSink } from './file-sink.node.js';
import { OtlpHttpSink, type HttpExportOptions } from './http-exporter.node.js';
import { SamplingSink } from './sampling.js';
import { MultiTraceSink, type TraceSink, type TraceSinkSummary } from './sink.js';

export interface TraceTargets {
  /** `.pb` → OTLP protobuf, `.json`/`.jsonl` → OTLP/JSON Lines. */
  readonly otlpOut?: string;
  /** OTLP/HTTP base URL (e.g. http://127.0.0.1:4318) or full …/v1/traces URL. */
  readonly otlpEndpoint?: string;
  readonly http?: HttpExportOptions;
}

/** Undefined when no target is set (tracing off: the run records no detail). */
export function openTraceSink(targets: TraceTargets, t: Telemetry): (TraceSink & { drain(): Promise<void> }) | undefined {
  const sinks: TraceSink[] = [];
  if (targets.otlpOut) sinks.push(new OtlpFileSink(targets.otlpOut, t));
  if (targets.otlpEndpoint) sinks.push(new OtlpHttpSink(targets.otlpEndpoint, t, targets.http));
  if (sinks.length === 0) return undefined;
  return new SamplingSink(new MultiTraceSink(sinks), t);
}

/** One stderr line per destination. */
export function formatTraceSummary(s: TraceSinkSummary): string {
  const parts = [`otlp ${s.destination}: ${s.traces} traces, ${s.spans} spans in ${s.messages} messages (${s.bytes} bytes)`];
  if (s.sampledOutTraces > 0) parts.push(`${s.sampledOutTraces} sampled out`);
  if (s.retries > 0) parts.push(`${s.retries} retries`);
  if (s.failedSpans > 0) parts.push(`${s.failedSpans} spans failed`);
  if (s.droppedSpans > 0) parts.push(`${s.droppedSpans} spans dropped (queue full)`);
  return parts.join(', ');
}
