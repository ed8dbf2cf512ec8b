/**
 * Where and how spans are exported over the network, resolved once from explicit options (flags,
 * a config file, the library caller) over the standard OpenTelemetry environment variables
 * (OTel specification, "OTLP Exporter Configuration"; the trace-specific variable wins over the
 * generic one):
 *
 *   OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT     base URL (`/v1/traces` appended for HTTP) / traces URL as-is
 *   OTEL_EXPORTER_OTLP_[TRACES_]HEADERS      `k=v,k2=v2`, values percent-encoded (W3C Baggage syntax)
 *   OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT      milliseconds per export request (default 10000)
 *   OTEL_EXPORTER_OTLP_[TRACES_]COMPRESSION  gzip | none
 *   OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL     http/protobuf | http/json | grpc
 *   OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES (service.name only)
 *
 * Pure: the environment comes in as a plain map (the CLI passes process.env).
 */
import { InputError } from '../kernel/errors.js';

export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';
export const OTLP_PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];
// The choices below live here, with no heavy import, so the CLI can list them in --help without
// loading the encoders and the SDK they select (file-sink.node.ts and sinks.node.ts re-export them).
/** How protobuf messages follow each other: varint length (protobuf's delimited form) or 4-byte big-endian length (the Collector's). */
export type OtlpFraming = 'varint' | 'u32be';
export const OTLP_FRAMINGS: readonly OtlpFraming[] = ['varint', 'u32be'];
/** `native`: blis's own encoder and OTLP/HTTP client. `sdk`: the OpenTelemetry JS SDK pipeline and its OTLP exporters. */
export type SpanExporterKind = 'native' | 'sdk';
export const SPAN_EXPORTER_KINDS: readonly SpanExporterKind[] = ['native', 'sdk'];
export type OtlpCompression = 'gzip' | 'none';

export type Env = Readonly<Record<string, string | undefined>>;

export interface OtlpExportOptions {
  /**
   * Base URL (`http://host:4318`, `/v1/traces` is appended unless present) or the full traces
   * URL. `true`: take it from the environment (default http://localhost:4318, gRPC :4317).
   */
  readonly endpoint?: string | true;
  readonly protocol?: OtlpProtocol;
  /** Added to (and overriding) OTEL_EXPORTER_OTLP_HEADERS. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  /** Default gzip (blis sends hundreds of thousands of spans; the spec's default is none). */
  readonly compression?: OtlpCompression;
}

export interface OtlpExport {
  readonly url: string;
  readonly protocol: OtlpProtocol;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly compression: OtlpCompression;
}

const pick = (env: Env, name: string): string | undefined => {
  const v = env[`OTEL_EXPORTER_OTLP_TRACES_${name}`] ?? env[`OTEL_EXPORTER_OTLP_${name}`];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
};

/** `k=v,k2=v2` with percent-encoded values; malformed members are an InputError naming `where`. */
export function parseOtlpHeaders(text: string, where: string): Record<string, string> {
  // A Map, then fromEntries: a header name is the user's, never an object's own machinery (__proto__).
  const out = new Map<string, string>();
  for (const member of text.split(',')) {
    if (member.trim() === '') continue;
    const eq = member.indexOf('=');
    const key = eq > 0 ? member.slice(0, eq).trim() : '';
    if (key === '' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) {
      throw new InputError('OTLP_BAD_HEADER', where, `'${member.trim()}' is not key=value (an HTTP header name, '=', a value)`);
    }
    let value = member.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      throw new InputError('OTLP_BAD_HEADER', where, `the value of '${key}' is not valid percent-encoding`);
    }
    out.set(key.toLowerCase(), value);
  }
  return Object.fromEntries(out);
}

function validUrl(text: string, where: string, protocol: OtlpProtocol): URL {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new InputError('FLAG_BAD_VALUE', where, `'${text}' is not a URL; expected e.g. http://127.0.0.1:${protocol === 'grpc' ? 4317 : 4318}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new InputError('FLAG_BAD_VALUE', where, `'${text}' is not http(s); OTLP/HTTP expects port 4318, OTLP/gRPC 4317`);
  }
  return u;
}

/** HTTP: `base/v1/traces` unless the URL already ends with it. gRPC: the URL as given (host:port). */
export function tracesUrlFor(base: string, protocol: OtlpProtocol, where = '--otlp-endpoint'): string {
  const u = validUrl(base, where, protocol);
  if (protocol !== 'grpc' && !u.pathname.endsWith('/v1/traces')) u.pathname = u.pathname.replace(/\/$/, '') + '/v1/traces';
  return u.toString();
}

function protocolOf(v: string | undefined, where: string): OtlpProtocol | undefined {
  if (v === undefined) return undefined;
  if (!(OTLP_PROTOCOLS as readonly string[]).includes(v)) throw new InputError('FLAG_BAD_VALUE', where, `'${v}'; expected ${OTLP_PROTOCOLS.join(', ')}`);
  return v as OtlpProtocol;
}

export function resolveOtlpExport(o: OtlpExportOptions, env: Env = {}): OtlpExport {
  const protocol = o.protocol ?? protocolOf(pick(env, 'PROTOCOL'), 'OTEL_EXPORTER_OTLP_PROTOCOL') ?? 'http/protobuf';
  let url: string;
  if (typeof o.endpoint === 'string') url = tracesUrlFor(o.endpoint, protocol);
  else if (env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim()) {
    // The spec: the signal-specific URL is used as is (only an empty path becomes '/').
    url = validUrl(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'].trim(), 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', protocol).toString();
  } else if (env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim()) {
    url = tracesUrlFor(env['OTEL_EXPORTER_OTLP_ENDPOINT'].trim(), protocol, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  } else url = tracesUrlFor(protocol === 'grpc' ? 'http://localhost:4317' : 'http://localhost:4318', protocol);

  const envHeaders = pick(env, 'HEADERS');
  const headers = Object.fromEntries([
    ...Object.entries(envHeaders ? parseOtlpHeaders(envHeaders, 'OTEL_EXPORTER_OTLP_HEADERS') : {}),
    ...Object.entries(o.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v] as const),
  ]);

  let timeoutMs = o.timeoutMs;
  const envTimeout = pick(env, 'TIMEOUT');
  if (timeoutMs === undefined && envTimeout !== undefined) {
    timeoutMs = Number(envTimeout);
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new InputError('FLAG_BAD_VALUE', 'OTEL_EXPORTER_OTLP_TIMEOUT', `'${envTimeout}' is not a positive number of milliseconds`);
  }
  if (timeoutMs !== undefined && !(timeoutMs > 0)) throw new InputError('FLAG_OUT_OF_RANGE', 'timeoutMs', `'${timeoutMs}' is not a positive number of milliseconds`);

  const envCompression = pick(env, 'COMPRESSION');
  if (envCompression !== undefined && envCompression !== 'gzip' && envCompression !== 'none') {
    throw new InputError('FLAG_BAD_VALUE', 'OTEL_EXPORTER_OTLP_COMPRESSION', `'${envCompression}'; expected gzip or none`);
  }
  const compression = o.compression ?? (envCompression as OtlpCompression | undefined) ?? 'gzip';
  return Object.freeze({ url, protocol, headers: Object.freeze(headers), timeoutMs: timeoutMs ?? 10000, compression });
}

/** `--otlp-header k=v` (repeatable) into a map; the value may contain '='. */
export function parseHeaderFlag(values: readonly string[]): Record<string, string> {
  const out = new Map<string, string>();
  for (const v of values) {
    const eq = v.indexOf('=');
    const key = eq > 0 ? v.slice(0, eq).trim() : '';
    if (key === '' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) throw new InputError('OTLP_BAD_HEADER', '--otlp-header', `'${v}' is not key=value (e.g. --otlp-header x-honeycomb-team=KEY)`);
    out.set(key.toLowerCase(), v.slice(eq + 1));
  }
  return Object.fromEntries(out);
}

/** service.name from OTEL_SERVICE_NAME, else from OTEL_RESOURCE_ATTRIBUTES (the spec's order). */
export function serviceNameFromEnv(env: Env): string | undefined {
  const direct = env['OTEL_SERVICE_NAME']?.trim();
  if (direct) return direct;
  const attrs = env['OTEL_RESOURCE_ATTRIBUTES'];
  if (!attrs) return undefined;
  for (const member of attrs.split(',')) {
    const eq = member.indexOf('=');
    if (eq > 0 && member.slice(0, eq).trim() === 'service.name') {
      try {
        return decodeURIComponent(member.slice(eq + 1).trim()) || undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** What `--otlp-out` writes, from its name: OTLP protobuf or OTLP/JSON Lines, either optionally gzipped. */
export type OtlpFileFormat = 'protobuf' | 'json';

export function isGzipPath(path: string): boolean {
  return path.toLowerCase().endsWith('.gz');
}

/** The format of an `--otlp-out` file by its extension; another extension is a bad flag value naming `path`. */
export function otlpFileFormat(path: string): OtlpFileFormat {
  const lower = path.toLowerCase().replace(/\.gz$/, '');
  if (lower.endsWith('.pb') || lower.endsWith('.binpb') || lower.endsWith('.otlp')) return 'protobuf';
  if (lower.endsWith('.json') || lower.endsWith('.jsonl')) return 'json';
  throw new InputError('FLAG_BAD_VALUE', '--otlp-out', `'${path}' has no known extension; expected .pb (OTLP protobuf) or .json/.jsonl (OTLP/JSON Lines), optionally + .gz`);
}
