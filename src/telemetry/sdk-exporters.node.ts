/**
 * The OpenTelemetry JS exporters the CLI can put behind the SDK sink (`--span-exporter sdk`,
 * `--otlp-protocol grpc`): OTLP/gRPC (`@opentelemetry/exporter-trace-otlp-grpc`, port 4317, what
 * vLLM's `--otlp-traces-endpoint` speaks by default) and OTLP/HTTP protobuf
 * (`@opentelemetry/exporter-trace-otlp-proto`). Loaded on demand: a run that does not export this
 * way never loads gRPC. Library callers pass any SpanExporter to SdkTraceSink themselves.
 */
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { InputError } from '../kernel/errors.js';
import type { OtlpExport } from './otlp-config.js';

export async function otlpSdkExporter(e: OtlpExport): Promise<SpanExporter> {
  // CompressionAlgorithm is a string enum ('gzip' | 'none') of otlp-exporter-base.
  const compression = e.compression as never;
  if (e.protocol === 'grpc') {
    const [{ OTLPTraceExporter }, { Metadata }] = await Promise.all([import('@opentelemetry/exporter-trace-otlp-grpc'), import('@grpc/grpc-js')]);
    const metadata = new Metadata();
    for (const [k, v] of Object.entries(e.headers)) metadata.set(k, v);
    return new OTLPTraceExporter({ url: e.url, metadata, timeoutMillis: e.timeoutMs, compression });
  }
  if (e.protocol === 'http/protobuf') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
    return new OTLPTraceExporter({ url: e.url, headers: { ...e.headers }, timeoutMillis: e.timeoutMs, compression });
  }
  throw new InputError('FLAG_CONFLICT', '--span-exporter', `the SDK path exports grpc or http/protobuf, not ${e.protocol}; drop --span-exporter sdk to send OTLP/JSON natively`);
}
