/** `blis run` exporting spans: OTEL_* variables, headers, honest failure (exit 4), the SDK path over HTTP and gRPC. */
import * as grpc from '@grpc/grpc-js';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOtlpSchema } from '../../src/telemetry/otlp-proto.node.js';
import { runCli } from './helpers.js';

const RUN = ['run', '--num-requests', '40', '--rate', '20', '--num-instances', '2', '--output', 'json', '--seed', '3'];
const dir = mkdtempSync(join(tmpdir(), 'blis-otlp-cli-'));

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

type Msg = { resourceSpans: { resource: { attributes: { key: string; value: Record<string, unknown> }[] }; scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
const T = loadOtlpSchema().ExportTraceServiceRequest;
const obj = (m: unknown): Msg => T.toObject(m as never, { longs: String, bytes: String, defaults: false }) as Msg;

/** Spans keyed by span id, attribute values as plain numbers/strings (the SDK writes integral doubles as ints). */
function spanMap(messages: Msg[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const val = (v: Record<string, unknown>): unknown => {
    const [k, x] = Object.entries(v)[0]!;
    if (k === 'arrayValue') return (x as { values: Record<string, unknown>[] }).values.map(val);
    return k === 'intValue' || k === 'doubleValue' ? Number(x) : x;
  };
  for (const m of messages) for (const rs of m.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
    const attrs = Object.fromEntries((s['attributes'] as { key: string; value: Record<string, unknown> }[]).map((a) => [a.key, val(a.value)]));
    const events = ((s['events'] ?? []) as { name: string; timeUnixNano: string }[]).map((e) => `${e.name}@${e.timeUnixNano}`);
    out.set(String(s['spanId']), { name: s['name'], traceId: s['traceId'], parent: s['parentSpanId'] ?? '', kind: s['kind'], flags: s['flags'] ?? 0, start: s['startTimeUnixNano'], end: s['endTimeUnixNano'], attrs, events, status: s['status'] ?? {} });
  }
  return out;
}

async function httpReceiver(status = 200): Promise<{ url: string; messages: Msg[]; headers: Record<string, unknown>[] }> {
  const messages: Msg[] = [];
  const headers: Record<string, unknown>[] = [];
  server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(parts);
      headers.push(req.headers);
      if (status === 200) messages.push(obj(T.decode(req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw)));
      res.writeHead(status, { 'content-type': status === 200 ? 'application/x-protobuf' : 'text/plain' });
      res.end(status === 200 ? '' : 'tenant quota exceeded');
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, messages, headers };
}

function nativeFile(extra: string[] = []): Promise<Msg[]> {
  const file = join(dir, `native-${extra.join('')}.pb`);
  return runCli([...RUN, '--quiet', '--otlp-out', file, '--otlp-framing', 'u32be', ...extra]).then((r) => {
    expect(r.code).toBe(0);
    const b = readFileSync(file);
    const out: Msg[] = [];
    for (let pos = 0; pos < b.length;) {
      const len = b.readUInt32BE(pos);
      out.push(obj(T.decode(b.subarray(pos + 4, pos + 4 + len))));
      pos += 4 + len;
    }
    return out;
  });
}

describe('blis run --otlp-endpoint', () => {
  it('takes the endpoint, headers and service name from OTEL_* variables; --otlp-header adds to them', async () => {
    const rx = await httpReceiver();
    const r = await runCli([...RUN, '--quiet', '--otlp-endpoint', '--otlp-header', 'x-scope-orgid=tenant-1'], process.cwd(), {
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc', OTEL_SERVICE_NAME: 'capacity-study',
    });
    expect(r.code).toBe(0);
    expect(rx.headers[0]).toMatchObject({ authorization: 'Bearer abc', 'x-scope-orgid': 'tenant-1', 'content-encoding': 'gzip' });
    const svc = rx.messages[0]!.resourceSpans[0]!.resource.attributes.find((a) => a.key === 'service.name');
    expect(svc?.value).toEqual({ stringValue: 'capacity-study' });
  });

  it('exits 4 naming the HTTP status and body when spans are rejected; --otlp-best-effort exits 0', async () => {
    const rx = await httpReceiver(403);
    const r = await runCli([...RUN, '--quiet', '--otlp-endpoint', rx.url]);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.out).requests.injected).toBe(40); // the results were still written
    expect(r.err).toMatch(/spans failed\n {2}\d+ spans: HTTP 403 Forbidden: tenant quota exceeded/);
    expect(r.err).toMatch(/blis: \d+ spans were not exported \(causes above\); --otlp-best-effort accepts the loss/);
    const ok = await runCli([...RUN, '--quiet', '--otlp-endpoint', rx.url, '--otlp-best-effort']);
    expect(ok.code).toBe(0);
    expect(ok.err).toMatch(/HTTP 403 Forbidden/);
  });

  it('refuses export options without an endpoint', async () => {
    const r = await runCli([...RUN, '--otlp-header', 'a=b']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[FLAG_CONFLICT\] --otlp-header: needs --otlp-endpoint/);
  });

  it('--span-exporter sdk sends through the OpenTelemetry SDK the same spans the native encoder writes', async () => {
    const rx = await httpReceiver();
    const r = await runCli([...RUN, '--quiet', '--otlp-endpoint', rx.url, '--span-exporter', 'sdk']);
    expect(r.code).toBe(0);
    const native = spanMap(await nativeFile());
    const sdk = spanMap(rx.messages);
    expect(sdk.size).toBe(native.size);
    expect(sdk.size).toBeGreaterThan(100);
    for (const [id, s] of native) expect(sdk.get(id)).toEqual(s);
  });

  it('the shipped ./blis, its bundle run from V8\'s code cache, exports through the SDK\'s OTLP/HTTP exporter', async () => {
    // The exporter loads node:http with import(), which a vm.Script read from the code cache
    // cannot run in Node 20 (scripts/bundle.mjs). Two processes: the first writes the cache
    // when it is missing, the second runs from it, as every start-up after the build does.
    const rx = await httpReceiver();
    for (let i = 0; i < 2; i++) {
      const r = await promisify(execFile)(process.execPath, ['bin/blis.js', ...RUN, '--quiet', '--otlp-endpoint', rx.url, '--span-exporter', 'sdk'], { env: { ...process.env, NODE_OPTIONS: '' } })
        .then(({ stderr }) => ({ code: 0, err: stderr }), (e: { code: number; stderr: string }) => ({ code: e.code, err: e.stderr }));
      expect(r, `start-up ${i + 1}`).toEqual({ code: 0, err: '' });
    }
    const native = spanMap(await nativeFile());
    const sdk = spanMap(rx.messages);
    expect(sdk.size).toBe(native.size);
    for (const [id, s] of native) expect(sdk.get(id)).toEqual(s);
  });

  it('--otlp-protocol grpc exports over OTLP/gRPC (the SDK exporter) to a gRPC receiver', async () => {
    const got: Msg[] = [];
    const Res = loadOtlpSchema().ExportTraceServiceResponse;
    const g = new grpc.Server();
    g.addService({
      Export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export', requestStream: false, responseStream: false,
        requestSerialize: (x: Buffer) => x, requestDeserialize: (b: Buffer) => T.decode(b),
        responseSerialize: (x: object) => Buffer.from(Res.encode(x).finish()), responseDeserialize: (b: Buffer) => b,
      },
    }, { Export: (call: grpc.ServerUnaryCall<unknown, object>, cb: grpc.sendUnaryData<object>) => { got.push(obj(call.request)); cb(null, {}); } });
    const port = await new Promise<number>((res, rej) => g.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    try {
      const r = await runCli([...RUN, '--otlp-endpoint', `http://127.0.0.1:${port}`, '--otlp-protocol', 'grpc']);
      expect(r.code).toBe(0);
      expect(r.err).toMatch(/OpenTelemetry SDK\): 40 traces, \d+ spans exported/);
      const native = spanMap(await nativeFile());
      const viaGrpc = spanMap(got);
      expect(viaGrpc.size).toBe(native.size);
      for (const [id, s] of native) expect(viaGrpc.get(id)).toEqual(s);
    } finally {
      g.forceShutdown();
    }
  });

  it('--otlp-protocol grpc to a closed port: exit 4 with the gRPC status as the cause (not a crash)', async () => {
    const port = await new Promise<number>((r) => { const t = createServer(); t.listen(0, '127.0.0.1', () => { const p = (t.address() as AddressInfo).port; t.close(() => r(p)); }); });
    const r = await runCli([...RUN, '--quiet', '--otlp-endpoint', `http://127.0.0.1:${port}`, '--otlp-protocol', 'grpc']);
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/spans: 14 UNAVAILABLE: .*ECONNREFUSED/);
  });
});
