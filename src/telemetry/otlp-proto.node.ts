/**
 * The official OTLP trace schema (proto/, opentelemetry-proto v1.11.0) loaded with protobufjs.
 * proto/ is found relative to this module: src/telemetry (vitest) and dist/telemetry (built) are
 * both two levels below the repository root. Imports inside the .proto files are resolved
 * against proto/, not against the importing file (protobufjs's default), see notes/otel.md.
 */
import { fileURLToPath } from 'node:url';
import { isAbsolute, join, resolve } from 'node:path';
import protobuf from 'protobufjs';

export const PROTO_DIR = resolve(fileURLToPath(new URL('../../proto/', import.meta.url)));

const FILES = [
  'opentelemetry/proto/common/v1/common.proto',
  'opentelemetry/proto/resource/v1/resource.proto',
  'opentelemetry/proto/trace/v1/trace.proto',
  'opentelemetry/proto/collector/trace/v1/trace_service.proto',
];

export interface OtlpSchema {
  readonly root: protobuf.Root;
  readonly ExportTraceServiceRequest: protobuf.Type;
  readonly ExportTraceServiceResponse: protobuf.Type;
  readonly TracesData: protobuf.Type;
  readonly Span: protobuf.Type;
}

let cached: OtlpSchema | undefined;

/** Loads (once per process; the schema is immutable) the four OTLP files from `protoDir`. */
export function loadOtlpSchema(protoDir: string = PROTO_DIR): OtlpSchema {
  if (cached && protoDir === PROTO_DIR) return cached;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (isAbsolute(target)) return target;
    return join(protoDir, target);
  };
  root.loadSync(FILES.map((f) => join(protoDir, f)), { keepCase: false });
  root.resolveAll();
  const schema: OtlpSchema = {
    root,
    ExportTraceServiceRequest: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
    ExportTraceServiceResponse: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'),
    TracesData: root.lookupType('opentelemetry.proto.trace.v1.TracesData'),
    Span: root.lookupType('opentelemetry.proto.trace.v1.Span'),
  };
  if (protoDir === PROTO_DIR) cached = schema;
  return schema;
}
