// Telemetry benchmark: spans for N simulated requests, through
//   direct-pb / direct-json : blis's TraceBuilder + its direct protobuf encoder (otlp-encode.ts,
//                             protobufjs Writer, cached key bytes) or OTLP/JSON → file
//   direct-pb-reflected     : same spans, protobufjs's reflected encoder of the official schema
//   direct-http             : same, OTLP/HTTP gzip protobuf to a loopback receiver (child process)
//   sdk-http                : the product's SDK path (SdkTraceSink + the SDK's OTLP/HTTP protobuf
//                             exporter, `--span-exporter sdk`) to the same loopback receiver
//   sdk-pb                  : @opentelemetry/sdk-trace-base (explicit start/end times, deterministic
//                             ids, a synchronous batching processor + exporter that converts
//                             ReadableSpans to OTLP and encodes them with the same schema) → file
// Usage: npm run build && node bench/telemetry.mjs [N=100000] [mode|all]
// Each mode runs in its own process so peak memory figures are not mixed.
import { spawnSync, spawn } from 'node:child_process';
import { statSync, openSync, writeSync, closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const N = Number(process.argv[2] ?? 100000);
const mode = process.argv[3] ?? 'all';
const self = fileURLToPath(import.meta.url);
const dist = new URL('../dist/telemetry/', import.meta.url);

function record(i) {
  const a = 20_000 * i + 17;
  const ft = a + 41_020 + (i % 97) * 1000;
  return {
    id: `r${i}`, index: i, arrivalUs: a, inputTokens: 512 + (i % 1000), outputTokens: 128, model: 'qwen/qwen3-14b',
    status: 'completed', admission: 'admitted', admittedUs: a + 5, routedUs: a + 12, instance: i % 8, pool: 'unified',
    enqueuedUs: a + 20, firstScheduledUs: a + 1_020, firstTokenUs: ft, finishedUs: ft + 127 * 12_000,
    cachedTokens: 256, preemptions: 0, producedTokens: 128, routingScores: { 'prefix-affinity': 0.75, 'queue-depth': 0.5 },
    prefillChunks: [{ startUs: a + 1_020, endUs: ft, tokens: 512 }],
  };
}

let peakRss = 0, peakHeap = 0;
function sample() {
  const m = process.memoryUsage();
  if (m.rss > peakRss) peakRss = m.rss;
  if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
}
const mb = (b) => (b / 1048576).toFixed(0);

async function direct(kind) {
  const { resolveTelemetry } = await import(new URL('options.js', dist));
  const t = resolveTelemetry({ seed: 1, config: { model: 'qwen/qwen3-14b', hardware: 'H100', tp: 2, instances: 8 } });
  let sink, path, receiver;
  if (kind === 'http' || kind === 'sdk-http') {
    receiver = spawn(process.execPath, ['-e', `
      const h = require('node:http');
      const s = h.createServer((q, r) => { q.on('data', () => {}); q.on('end', () => { r.writeHead(200); r.end(); }); });
      s.listen(0, '127.0.0.1', () => console.log(s.address().port));`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise((r) => receiver.stdout.once('data', (d) => r(Number(String(d).trim()))));
    const url = `http://127.0.0.1:${port}`;
    if (kind === 'http') {
      const { OtlpHttpSink } = await import(new URL('http-exporter.node.js', dist));
      sink = new OtlpHttpSink(url, t);
    } else {
      const [{ SdkTraceSink }, { otlpSdkExporter }, { resolveOtlpExport }] = await Promise.all([
        import(new URL('sdk-sink.js', dist)), import(new URL('sdk-exporters.node.js', dist)), import(new URL('otlp-config.js', dist))]);
      sink = new SdkTraceSink(t, { exporter: await otlpSdkExporter(resolveOtlpExport({ endpoint: url })) });
    }
  } else {
    const { OtlpFileSink, reflectedEncoder } = await import(new URL('file-sink.node.js', dist));
    path = join(tmpdir(), `blis-bench${kind === 'pb-reflected' ? '-reflected' : ''}.${kind === 'json' ? 'json' : 'pb'}`);
    sink = new OtlpFileSink(path, t, undefined, kind === 'pb-reflected' ? reflectedEncoder() : undefined);
  }
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    sink.add(record(i));
    if ((i & 511) === 511) {
      sample();
      if (sink.drain) await sink.drain(); // blocking mode: keep the send queue bounded
    }
  }
  const [s] = await sink.close();
  const ms = performance.now() - t0;
  sample();
  receiver?.kill();
  const cpu = process.cpuUsage(c0);
  return { mode: kind === 'sdk-http' ? kind : `direct-${kind}`, requests: N, spans: s.spans, ms: Math.round(ms), cpuMs: Math.round((cpu.user + cpu.system) / 1000), spansPerS: Math.round(s.spans / (ms / 1000)),
    bytes: path ? statSync(path).size : s.bytes, failed: s.failedSpans, dropped: s.droppedSpans, peakRssMB: mb(peakRss), peakHeapMB: mb(peakHeap) };
}

async function sdk() {
  const api = await import('@opentelemetry/api');
  const { BasicTracerProvider } = await import('@opentelemetry/sdk-trace-base');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { traceIdFor, spanIdFor, toHex } = await import(new URL('ids.js', dist));
  const { loadOtlpSchema } = await import(new URL('otlp-proto.node.js', dist));
  const T = loadOtlpSchema().ExportTraceServiceRequest;
  const path = join(tmpdir(), 'blis-bench-sdk.pb');
  const fd = openSync(path, 'w');
  let spans = 0;
  const EPOCH_S = 1767225600;
  const hr = (us) => [EPOCH_S + Math.floor(us / 1e6), (us % 1e6) * 1000];
  const ns = (h) => { const v = BigInt(h[0]) * 1000000000n + BigInt(h[1]); return { low: Number(v & 0xffffffffn), high: Number(v >> 32n), unsigned: true }; };
  const kv = (attrs) => Object.entries(attrs).map(([key, v]) => ({ key, value: typeof v === 'string' ? { stringValue: v } : Number.isInteger(v) ? { intValue: v } : { doubleValue: v } }));
  // Exporter: ReadableSpan → OTLP objects → protobufjs (the SDK has no OTLP encoder of its own;
  // @opentelemetry/otlp-transformer is not a dependency).
  const exporter = {
    export(batch, done) {
      const out = batch.map((s) => ({
        traceId: Buffer.from(s.spanContext().traceId, 'hex'), spanId: Buffer.from(s.spanContext().spanId, 'hex'),
        ...(s.parentSpanContext ? { parentSpanId: Buffer.from(s.parentSpanContext.spanId, 'hex') } : {}),
        name: s.name, kind: s.kind + 1, startTimeUnixNano: ns(s.startTime), endTimeUnixNano: ns(s.endTime), attributes: kv(s.attributes),
        events: s.events.map((e) => ({ name: e.name, timeUnixNano: ns(e.time), attributes: kv(e.attributes ?? {}) })),
      }));
      const msg = T.encodeDelimited({ resourceSpans: [{ resource: { attributes: kv(batch[0].resource.attributes) }, scopeSpans: [{ scope: { name: 'blis.sim' }, spans: out }] }] }).finish();
      writeSync(fd, msg);
      spans += batch.length;
      done({ code: 0 });
    },
    shutdown: async () => {},
  };
  const buffer = [];
  const processor = { // synchronous batching (BatchSpanProcessor is timer-driven and drops when a sync loop outruns it)
    onStart() {}, onEnd(s) { buffer.push(s); if (buffer.length >= 512 * 6) exporter.export(buffer.splice(0), () => {}); },
    forceFlush: async () => { if (buffer.length) exporter.export(buffer.splice(0), () => {}); }, shutdown: async () => {},
  };
  let cur = 0, no = 0;
  const idGenerator = { generateTraceId: () => toHex(traceIdFor(1, cur)), generateSpanId: () => toHex(spanIdFor(1, cur, no++)) };
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'blis-sim', 'blis.config.model': 'qwen/qwen3-14b' }), idGenerator, spanProcessors: [processor] });
  const tracer = provider.getTracer('blis.sim');
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const r = record(i);
    cur = i; no = 0;
    const root = tracer.startSpan('llm_request', { kind: api.SpanKind.SERVER, startTime: hr(r.arrivalUs), root: true, attributes: {
      'gen_ai.operation.name': 'text_completion', 'gen_ai.request.id': r.id, 'gen_ai.response.id': r.id, 'gen_ai.request.model': r.model,
      'gen_ai.usage.input_tokens': r.inputTokens, 'gen_ai.usage.output_tokens': r.producedTokens, 'gen_ai.usage.prompt_tokens': r.inputTokens,
      'gen_ai.usage.completion_tokens': r.producedTokens, 'gen_ai.request.max_tokens': r.outputTokens,
      'gen_ai.latency.time_to_first_token': (r.firstTokenUs - r.arrivalUs) / 1e6, 'gen_ai.latency.e2e': (r.finishedUs - r.arrivalUs) / 1e6,
      'gen_ai.latency.time_in_queue': (r.firstScheduledUs - r.enqueuedUs) / 1e6, 'blis.request.index': r.index, 'blis.status': r.status,
      'blis.admission.decision': r.admission, 'blis.instance.id': r.instance, 'blis.pool': r.pool, 'blis.prefix.cached_tokens': r.cachedTokens,
      'blis.preemptions': r.preemptions, 'blis.routing.score.prefix-affinity': 0.75, 'blis.routing.score.queue-depth': 0.5 } });
    const ctx = api.trace.setSpan(api.context.active(), root);
    const child = (name, s, e, attributes, events = []) => {
      const sp = tracer.startSpan(name, { kind: api.SpanKind.INTERNAL, startTime: hr(s), attributes }, ctx);
      for (const [n, t, a] of events) sp.addEvent(n, a, hr(t));
      sp.end(hr(e));
    };
    child('admission', r.arrivalUs, r.admittedUs, { 'blis.admission.decision': r.admission });
    child('routing', r.admittedUs, r.routedUs, { 'blis.instance.id': r.instance, 'blis.pool': r.pool });
    child('queue', r.enqueuedUs, r.firstScheduledUs, { 'blis.instance.id': r.instance });
    child('prefill', r.firstScheduledUs, r.firstTokenUs, { 'blis.instance.id': r.instance, 'blis.prefix.cached_tokens': r.cachedTokens },
      r.prefillChunks.map((c, k) => ['prefill_chunk', c.startUs, { 'blis.chunk.index': k, 'blis.chunk.tokens': c.tokens }]));
    child('decode', r.firstTokenUs, r.finishedUs, { 'blis.instance.id': r.instance }, [['first_token', r.firstTokenUs, {}]]);
    root.end(hr(r.finishedUs));
    if ((i & 511) === 511) sample();
  }
  await provider.forceFlush();
  closeSync(fd);
  const ms = performance.now() - t0;
  sample();
  const cpu = process.cpuUsage(c0);
  return { mode: 'sdk-pb', requests: N, spans, ms: Math.round(ms), cpuMs: Math.round((cpu.user + cpu.system) / 1000), spansPerS: Math.round(spans / (ms / 1000)), bytes: statSync(path).size, peakRssMB: mb(peakRss), peakHeapMB: mb(peakHeap) };
}

if (mode === 'all') {
  for (const m of ['direct-pb', 'direct-pb-reflected', 'direct-json', 'direct-http', 'sdk-http', 'sdk-pb']) {
    const r = spawnSync(process.execPath, [self, String(N), m], { encoding: 'utf8' });
    process.stdout.write(r.stdout);
    if (r.status !== 0) process.stderr.write(r.stderr);
  }
} else {
  const res = mode === 'sdk-pb' ? await sdk() : await direct(mode === 'sdk-http' ? mode : mode.replace('direct-', ''));
  console.log(JSON.stringify(res));
}
