import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpHttpSink, retryAfterMs, retryDelayMs, tracesUrl } from '../../src/telemetry/http-exporter.node.js';
import { resolveTelemetry } from '../../src/telemetry/options.js';
import { resolveOtlpExport } from '../../src/telemetry/otlp-config.js';
import { loadOtlpSchema } from '../../src/telemetry/otlp-proto.node.js';
import { completed } from './records.js';

interface Hit {
  readonly status: number;
  readonly spans: number;
  readonly encoding: string | undefined;
  readonly type: string | undefined;
  readonly path: string | undefined;
  readonly agent: string | undefined;
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
  });
}

/** A loopback OTLP/HTTP receiver answering with `statuses` in turn (then 200). */
async function receiver(statuses: number[], headers: Record<string, string> = {}): Promise<{ url: string; hits: Hit[] }> {
  const hits: Hit[] = [];
  const T = loadOtlpSchema().ExportTraceServiceRequest;
  server = createServer(async (req, res) => {
    const raw = await body(req);
    const bytes = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
    const msg = T.decode(bytes) as unknown as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
    const status = statuses.shift() ?? 200;
    hits.push({ status, spans: msg.resourceSpans[0]!.scopeSpans[0]!.spans.length, encoding: req.headers['content-encoding'], type: req.headers['content-type'], path: req.url, agent: req.headers['user-agent'] });
    res.writeHead(status, status === 200 ? { 'content-type': 'application/x-protobuf' } : headers);
    res.end();
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, hits };
}

const t = resolveTelemetry({ seed: 3, batchTraces: 4 });

describe('OTLP/HTTP exporter', () => {
  it('POSTs gzip protobuf to /v1/traces and retries 503 until accepted', async () => {
    const { url, hits } = await receiver([503, 503]);
    const sink = new OtlpHttpSink(url, t, { initialBackoffMs: 5, concurrency: 1 });
    for (let i = 0; i < 4; i++) sink.add(completed(i));
    const [s] = await sink.close();
    expect(hits.map((h) => h.status)).toEqual([503, 503, 200]);
    expect(hits[0]).toMatchObject({ encoding: 'gzip', type: 'application/x-protobuf', path: '/v1/traces' });
    expect(s).toMatchObject({ traces: 4, spans: 24, messages: 1, retries: 2, failedSpans: 0, droppedSpans: 0 });
  });

  it('names itself in User-Agent (OTLP exporter spec, "User Agent"), after a product the user configured', async () => {
    const { url, hits } = await receiver([]);
    const sink = new OtlpHttpSink(url, t);
    sink.add(completed(0));
    await sink.close();
    expect(hits[0]!.agent).toBe(`blis-OTLP-Exporter-JavaScript/${t.version}`);
    const own = new OtlpHttpSink(resolveOtlpExport({ endpoint: url, headers: { 'User-Agent': 'capacity-study/2' } }), t);
    own.add(completed(1));
    await own.close();
    expect(hits[1]!.agent).toBe(`capacity-study/2 blis-OTLP-Exporter-JavaScript/${t.version}`);
  });

  it('backs off exponentially with jitter (OTLP exporter spec, "Retry"), never below a Retry-After', async () => {
    expect([0, 0.5, 1].map((u) => retryDelayMs(100, undefined, 30_000, u))).toEqual([80, 100, 120]);
    expect(retryDelayMs(100, 1_000, 30_000, 1)).toBe(1_000);
    expect(retryDelayMs(100, 60_000, 30_000, 0)).toBe(30_000);
    const draws: number[] = [];
    const { url, hits } = await receiver([503, 503]);
    const sink = new OtlpHttpSink(url, t, { initialBackoffMs: 5, concurrency: 1, random: () => (draws.push(0.25), 0.25) });
    sink.add(completed(0));
    await sink.close();
    expect(hits.map((h) => h.status)).toEqual([503, 503, 200]);
    expect(draws).toHaveLength(2); // one draw per wait
  });

  it('honours Retry-After on 429', async () => {
    const { url, hits } = await receiver([429], { 'retry-after': '1' });
    const sink = new OtlpHttpSink(url, t, { initialBackoffMs: 1 });
    sink.add(completed(0));
    const t0 = Date.now();
    const [s] = await sink.close();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(hits.map((h) => h.status)).toEqual([429, 200]);
    expect(s!.retries).toBe(1);
  });

  it('does not retry 400 and counts the spans as failed', async () => {
    const { url, hits } = await receiver([400]);
    const sink = new OtlpHttpSink(url, t, { initialBackoffMs: 1 });
    for (let i = 0; i < 8; i++) sink.add(completed(i)); // two batches: the first gets 400, the second 200
    const [s] = await sink.close();
    expect(hits.map((h) => h.status).sort()).toEqual([200, 400]);
    expect(s).toMatchObject({ spans: 24, failedSpans: 24, retries: 0 });
  });

  it('gives up after maxRetries and reports the spans as failed', async () => {
    const { url, hits } = await receiver([503, 503, 503, 503]);
    const sink = new OtlpHttpSink(url, t, { initialBackoffMs: 1, maxRetries: 2 });
    sink.add(completed(0));
    const [s] = await sink.close();
    expect(hits.length).toBe(3);
    expect(s).toMatchObject({ spans: 0, failedSpans: 6, retries: 2 });
  });

  it('drops the oldest batches when the queue bound is exceeded, and counts them', async () => {
    const { url } = await receiver([]);
    const sink = new OtlpHttpSink(url, t, { maxQueueSpans: 24, concurrency: 1 });
    for (let i = 0; i < 40; i++) sink.add(completed(i)); // 10 batches of 24 spans, added synchronously
    const [s] = await sink.close();
    expect(s!.droppedSpans).toBeGreaterThan(0);
    expect(s!.spans + s!.droppedSpans).toBe(240);
  });

  it('builds the traces URL and parses Retry-After', () => {
    expect(tracesUrl('http://127.0.0.1:4318')).toBe('http://127.0.0.1:4318/v1/traces');
    expect(tracesUrl('http://h:4318/v1/traces')).toBe('http://h:4318/v1/traces');
    expect(() => tracesUrl('127.0.0.1:4318')).toThrowError(expect.objectContaining({ code: 'FLAG_BAD_VALUE' }));
    expect(retryAfterMs('2', 0)).toBe(2000);
    expect(retryAfterMs('Thu, 01 Jan 1970 00:00:05 GMT', 1000)).toBe(4000);
    expect(retryAfterMs(null, 0)).toBeUndefined();
  });
});

describe('OTLP/HTTP exporter: failures name their cause', () => {
  it('stops early on an endpoint that never answered, with the connection error as the cause', async () => {
    const port = await new Promise<number>((r) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => r(p)); }); });
    const sink = new OtlpHttpSink(`http://127.0.0.1:${port}`, t, { initialBackoffMs: 1, maxRetries: 3, concurrency: 1 });
    for (let i = 0; i < 40; i++) sink.add(completed(i)); // 10 batches
    const [s] = await sink.close();
    expect(s).toMatchObject({ spans: 0, failedSpans: 240, retries: 3 }); // only the first batch was retried
    expect(Object.keys(s!.causes!)).toEqual([
      `connection refused (ECONNREFUSED 127.0.0.1:${port})`,
      `connection refused (ECONNREFUSED 127.0.0.1:${port}); endpoint never answered, not retried`,
    ]);
    expect(Object.values(s!.causes!)).toEqual([24, 216]);
  });

  it('reports the HTTP status and the body of a rejection', async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => { res.writeHead(400, { 'content-type': 'text/plain' }); res.end('invalid span: trace_id is empty\n'); });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const sink = new OtlpHttpSink(`http://127.0.0.1:${(server!.address() as AddressInfo).port}`, t, { initialBackoffMs: 1 });
    sink.add(completed(0));
    const [s] = await sink.close();
    expect(s!.causes).toEqual({ 'HTTP 400 Bad Request: invalid span: trace_id is empty': 6 });
  });

  it('sends OTLP/JSON with the configured headers and no compression when asked', async () => {
    const seen: { type?: string; encoding?: string; auth?: string; body?: unknown } = {};
    server = createServer(async (req, res) => {
      const raw = await body(req);
      Object.assign(seen, { type: req.headers['content-type'], encoding: req.headers['content-encoding'], auth: req.headers['authorization'], body: JSON.parse(raw.toString('utf8')) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const e = resolveOtlpExport({ endpoint: true }, {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_COMPRESSION: 'none', OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20xyz',
    });
    const sink = new OtlpHttpSink(e, t);
    sink.add(completed(0));
    const [s] = await sink.close();
    expect(s).toMatchObject({ spans: 6, failedSpans: 0 });
    expect(seen).toMatchObject({ type: 'application/json', encoding: undefined, auth: 'Bearer xyz' });
    const span = (seen.body as { resourceSpans: { scopeSpans: { spans: { traceId: string }[] }[] }[] }).resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('reports progress while close() waits', async () => {
    const { url } = await receiver([503, 503, 503]);
    const seen: number[] = [];
    const sink = new OtlpHttpSink(url, t, { initialBackoffMs: 40, concurrency: 1, progressEveryMs: 20, onProgress: (p) => seen.push(p.retries) });
    sink.add(completed(0));
    await sink.close();
    expect(seen.length).toBeGreaterThan(0);
    expect(Math.max(...seen)).toBeGreaterThanOrEqual(1);
  });
});
