import { describe, expect, it } from 'vitest';
import { parseHeaderFlag, parseOtlpHeaders, resolveOtlpExport, serviceNameFromEnv } from '../../src/telemetry/otlp-config.js';

describe('OTLP exporter configuration (flags over OTEL_EXPORTER_OTLP_* variables)', () => {
  it('defaults to http/protobuf on localhost:4318, gzip, 10 s', () => {
    expect(resolveOtlpExport({ endpoint: true })).toEqual({ url: 'http://localhost:4318/v1/traces', protocol: 'http/protobuf', headers: {}, timeoutMs: 10000, compression: 'gzip' });
    expect(resolveOtlpExport({ endpoint: true, protocol: 'grpc' }).url).toBe('http://localhost:4317/');
  });

  it('appends /v1/traces to the generic endpoint (keeping its path) and uses the traces endpoint as is', () => {
    expect(resolveOtlpExport({ endpoint: true }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example:443/otlp' }).url).toBe('https://otlp.example/otlp/v1/traces');
    expect(resolveOtlpExport({ endpoint: true }, {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:9999/custom/path',
    }).url).toBe('http://b:9999/custom/path');
    // an explicit flag wins over both
    expect(resolveOtlpExport({ endpoint: 'http://c:4318' }, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:1/x' }).url).toBe('http://c:4318/v1/traces');
  });

  it('merges headers: percent-decoded env values, trace-specific variable first, flags override', () => {
    const e = resolveOtlpExport({ endpoint: true, headers: { 'X-Scope-OrgID': 'flag' } }, {
      OTEL_EXPORTER_OTLP_HEADERS: 'ignored=1',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'Authorization=Basic%20dXNlcjpwdw==,x-scope-orgid=env',
    });
    expect(e.headers).toEqual({ authorization: 'Basic dXNlcjpwdw==', 'x-scope-orgid': 'flag' });
    expect(parseHeaderFlag(['x-honeycomb-team=abc=def'])).toEqual({ 'x-honeycomb-team': 'abc=def' });
    expect(() => parseHeaderFlag(['novalue'])).toThrowError(expect.objectContaining({ code: 'OTLP_BAD_HEADER', where: '--otlp-header' }));
    expect(() => parseOtlpHeaders('a=%zz', 'OTEL_EXPORTER_OTLP_HEADERS')).toThrowError(expect.objectContaining({ code: 'OTLP_BAD_HEADER' }));
  });

  it('keeps a header named __proto__ as a header, not as the object\'s prototype', () => {
    expect(Object.hasOwn(parseHeaderFlag(['__proto__=a']), '__proto__')).toBe(true);
    expect(Object.hasOwn(parseOtlpHeaders('__proto__=b', 'OTEL_EXPORTER_OTLP_HEADERS'), '__proto__')).toBe(true);
    const e = resolveOtlpExport({ endpoint: true, headers: parseHeaderFlag(['__proto__=c']) }, { OTEL_EXPORTER_OTLP_HEADERS: 'constructor=d' });
    expect(Object.entries(e.headers)).toEqual([['constructor', 'd'], ['__proto__', 'c']]);
  });

  it('reads timeout, compression and protocol, and rejects bad values naming the variable', () => {
    const e = resolveOtlpExport({ endpoint: true }, { OTEL_EXPORTER_OTLP_TIMEOUT: '2500', OTEL_EXPORTER_OTLP_COMPRESSION: 'none', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' });
    expect(e).toMatchObject({ timeoutMs: 2500, compression: 'none', protocol: 'http/json', url: 'http://localhost:4318/v1/traces' });
    expect(() => resolveOtlpExport({ endpoint: true }, { OTEL_EXPORTER_OTLP_TIMEOUT: 'soon' })).toThrowError(expect.objectContaining({ where: 'OTEL_EXPORTER_OTLP_TIMEOUT' }));
    expect(() => resolveOtlpExport({ endpoint: true }, { OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd' })).toThrowError(expect.objectContaining({ where: 'OTEL_EXPORTER_OTLP_COMPRESSION' }));
    expect(() => resolveOtlpExport({ endpoint: true }, { OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' })).toThrowError(expect.objectContaining({ where: 'OTEL_EXPORTER_OTLP_PROTOCOL' }));
  });

  it('takes service.name from OTEL_SERVICE_NAME, else OTEL_RESOURCE_ATTRIBUTES', () => {
    expect(serviceNameFromEnv({ OTEL_SERVICE_NAME: 'sim-a', OTEL_RESOURCE_ATTRIBUTES: 'service.name=sim-b' })).toBe('sim-a');
    expect(serviceNameFromEnv({ OTEL_RESOURCE_ATTRIBUTES: 'team=x,service.name=sim%20b' })).toBe('sim b');
    expect(serviceNameFromEnv({})).toBeUndefined();
  });
});
