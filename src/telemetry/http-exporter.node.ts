/**
 * `--otlp-endpoint URL`: OTLP/HTTP protobuf export (POST {URL}/v1/traces unless the URL already
 * ends in /v1/traces; `Content-Type: application/x-protobuf`, `Content-Encoding: gzip`).
 *
 * Retry policy (OTLP spec, "OTLP/HTTP Throttling" and "Failures"): 429, 502, 503, 504 and
 * network errors are retried with exponential backoff (initial 100 ms, doubling, capped),
 * waiting at least the server's `Retry-After` (seconds or HTTP date); any other non-2xx, 400
 * included, is not retried: the batch's spans count as failed. A 200 with `partial_success`
 * counts its rejected spans as failed.
 *
 * Queue: bounded in spans; when full the OLDEST queued batch is dropped and its spans counted
 * in `droppedSpans` (the simulation never blocks on the network). An async run loop can await
 * `drain()` between requests to get blocking behaviour instead.
 */
import { gzipSync } from 'node:zlib';
import type { RequestRecord } from '../cluster/record.js';
import { InputError } from '../kernel/errors.js';
import type { ArrivalRequest } from '../workload/request.js';
import type { Telemetry } from './options.js';
import { loadOtlpSchema } from './otlp-proto.node.js';
import { TracesEncoder } from './otlp-encode.js';
import type { TracesData } from './otlp-types.js';
import { SpanBatcher, type Backpressured, type TraceSink, type TraceSinkSummary } from './sink.js';

export interface HttpExportOptions {
  /** Bound of the send queue, in spans. Default 262144 (~50 MB of encoded spans). */
  readonly maxQueueSpans?: number;
  /** Retries per batch after the first attempt. Default 5. */
  readonly maxRetries?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Upper bound on an honoured Retry-After. Default 30 s. */
  readonly maxRetryAfterMs?: number;
  readonly timeoutMs?: number;
  /** Requests in flight at once. Default 2. */
  readonly concurrency?: number;
  readonly gzip?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
}

interface Pending {
  readonly body: Uint8Array;
  readonly spans: number;
}

const RETRYABLE = new Set([429, 502, 503, 504]);

export function tracesUrl(endpoint: string): string {
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    throw new InputError('FLAG_BAD_VALUE', '--otlp-endpoint', `'${endpoint}' is not a URL; expected e.g. http://127.0.0.1:4318`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new InputError('FLAG_BAD_VALUE', '--otlp-endpoint', `'${endpoint}' is not http(s); OTLP/HTTP expected (port 4318)`);
  }
  if (!u.pathname.endsWith('/v1/traces')) u.pathname = u.pathname.replace(/\/$/, '') + '/v1/traces';
  return u.toString();
}

/** Retry-After: delta seconds or an HTTP date; undefined when absent or unparsable. */
export function retryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class OtlpHttpSink implements TraceSink, Backpressured {
  readonly url: string;
  private readonly batcher: SpanBatcher;
  private readonly encode: (b: TracesData) => Uint8Array;
  private readonly decodeResponse: (b: Uint8Array) => { partialSuccess?: { rejectedSpans?: unknown } };
  private readonly o: Required<Omit<HttpExportOptions, 'headers'>> & { headers: Readonly<Record<string, string>> };
  private readonly queue: Pending[] = [];
  private queuedSpans = 0;
  private inflight = 0;
  private waiters: (() => void)[] = [];
  private messages = 0;
  private bytes = 0;
  private sentSpans = 0;
  private failedSpans = 0;
  private droppedSpans = 0;
  private retries = 0;
  private closed = false;

  constructor(endpoint: string, t: Telemetry, options: HttpExportOptions = {}) {
    this.url = tracesUrl(endpoint);
    this.o = {
      maxQueueSpans: options.maxQueueSpans ?? 262144,
      maxRetries: options.maxRetries ?? 5,
      initialBackoffMs: options.initialBackoffMs ?? 100,
      maxBackoffMs: options.maxBackoffMs ?? 5000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 30000,
      timeoutMs: options.timeoutMs ?? 10000,
      concurrency: options.concurrency ?? 2,
      gzip: options.gzip ?? true,
      headers: options.headers ?? {},
    };
    const schema = loadOtlpSchema();
    const res = schema.ExportTraceServiceResponse;
    const direct = new TracesEncoder();
    this.encode = (b) => direct.encode(b);
    this.decodeResponse = (b) => res.toObject(res.decode(b), { longs: Number }) as { partialSuccess?: { rejectedSpans?: unknown } };
    this.batcher = new SpanBatcher(t, (batch, _traces, spans) => this.enqueue(batch, spans));
  }

  add(record: RequestRecord, request?: ArrivalRequest): void {
    if (this.closed) throw new Error('OtlpHttpSink: add after close');
    this.batcher.add(record, request);
  }

  private enqueue(batch: TracesData, spans: number): void {
    const raw = this.encode(batch);
    const body = this.o.gzip ? gzipSync(raw, { level: 1 }) : raw;
    this.queue.push({ body, spans });
    this.queuedSpans += spans;
    while (this.queuedSpans > this.o.maxQueueSpans && this.queue.length > 1) {
      const old = this.queue.shift()!;
      this.queuedSpans -= old.spans;
      this.droppedSpans += old.spans;
    }
    this.pump();
  }

  private pump(): void {
    while (this.inflight < this.o.concurrency && this.queue.length > 0) {
      const item = this.queue.shift()!;
      this.queuedSpans -= item.spans;
      this.inflight++;
      void this.send(item).finally(() => {
        this.inflight--;
        this.pump();
        this.wake();
      });
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async send(item: Pending): Promise<void> {
    let backoff = this.o.initialBackoffMs;
    for (let attempt = 0; ; attempt++) {
      let status = 0;
      let retryAfter: number | undefined;
      let body: Uint8Array | undefined;
      try {
        const headers: Record<string, string> = { 'content-type': 'application/x-protobuf', ...this.o.headers };
        if (this.o.gzip) headers['content-encoding'] = 'gzip';
        const res = await fetch(this.url, { method: 'POST', headers, body: item.body, signal: AbortSignal.timeout(this.o.timeoutMs) });
        status = res.status;
        retryAfter = retryAfterMs(res.headers.get('retry-after'), Date.now());
        body = new Uint8Array(await res.arrayBuffer());
      } catch {
        status = 0; // network error or timeout: retryable
      }
      if (status >= 200 && status < 300) {
        this.messages++;
        this.bytes += item.body.length;
        let rejected = 0;
        if (body && body.length > 0) {
          try {
            rejected = Number(this.decodeResponse(body).partialSuccess?.rejectedSpans ?? 0) || 0;
          } catch {
            rejected = 0; // a 2xx with an unparsable body (e.g. JSON) still means accepted
          }
        }
        this.failedSpans += rejected;
        this.sentSpans += item.spans - rejected;
        return;
      }
      const retryable = status === 0 || RETRYABLE.has(status);
      if (!retryable || attempt >= this.o.maxRetries) {
        this.failedSpans += item.spans;
        return;
      }
      this.retries++;
      const wait = Math.max(backoff, Math.min(retryAfter ?? 0, this.o.maxRetryAfterMs));
      await sleep(wait);
      backoff = Math.min(backoff * 2, this.o.maxBackoffMs);
    }
  }

  async drain(): Promise<void> {
    while (this.queuedSpans > this.o.maxQueueSpans / 2 && this.inflight > 0) {
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  private async idle(): Promise<void> {
    while (this.inflight > 0 || this.queue.length > 0) {
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async close(): Promise<readonly TraceSinkSummary[]> {
    if (!this.closed) {
      this.closed = true;
      this.batcher.flush();
    }
    await this.idle();
    return [{
      destination: this.url, traces: this.batcher.traces, spans: this.sentSpans, messages: this.messages, bytes: this.bytes,
      failedSpans: this.failedSpans, droppedSpans: this.droppedSpans, retries: this.retries, sampledOutTraces: 0,
    }];
  }
}
