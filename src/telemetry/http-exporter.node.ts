/**
 * OTLP/HTTP export (`--otlp-endpoint URL`): POST {URL}/v1/traces, protobuf (`application/x-protobuf`,
 * the default) or OTLP/JSON (`--otlp-protocol http/json`), gzip unless `compression: 'none'`,
 * headers and timeout from OtlpExport (flags over OTEL_EXPORTER_OTLP_* variables, otlp-config.ts).
 *
 * Retry policy (OTLP spec, "OTLP/HTTP Throttling" and "Failures"): 429, 502, 503, 504 and
 * network errors are retried with exponential backoff (initial 100 ms, doubling, capped) with
 * ±20% jitter (OTel specification, protocol/exporter.md "Retry": back-off MUST have jitter, so
 * that exporters a failure hit together do not retry together), waiting at least the server's
 * `Retry-After` (seconds or HTTP date); any other non-2xx, 400
 * included, is not retried: the batch's spans count as failed. A 200 with `partial_success`
 * counts its rejected spans as failed.
 *
 * Failure is never silent: every lost span is counted under its cause (`connection refused
 * (ECONNREFUSED 127.0.0.1:4318)`, `HTTP 400 Bad Request: <body>`, `timed out after 10000 ms`).
 * An endpoint that never answered (the first batch ran out of retries on network errors and no
 * batch ever got through) is given up: later batches fail at once with that cause instead of
 * each waiting out its own backoff. `onProgress` reports while the queue drains.
 *
 * Queue: bounded in spans; when full the OLDEST queued batch is dropped and its spans counted
 * in `droppedSpans`. A run loop that awaits `drain()` between arrival batches (blis run does)
 * keeps the queue short instead, and export overlaps the simulation.
 */
import { gzipSync } from 'node:zlib';
import type { RequestRecord } from '../cluster/record.js';
import type { ArrivalRequest } from '../workload/request.js';
import type { Telemetry } from './options.js';
import { resolveOtlpExport, tracesUrlFor, type OtlpExport } from './otlp-config.js';
import { loadOtlpSchema } from './otlp-proto.node.js';
import { TracesEncoder } from './otlp-encode.js';
import { tracesDataToJson } from './otlp-json.js';
import type { TracesData } from './otlp-types.js';
import { SpanBatcher, type Backpressured, type ExportProgress, type TraceSink, type TraceSinkSummary } from './sink.js';
import { sToMs } from '../kernel/units.js';

export interface HttpExportOptions {
  /** Bound of the send queue, in spans. Default 262144 (~50 MB of encoded spans). */
  readonly maxQueueSpans?: number;
  /** Retries per batch after the first attempt. Default 5. */
  readonly maxRetries?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Upper bound on an honoured Retry-After. Default 30 s. */
  readonly maxRetryAfterMs?: number;
  /** Requests in flight at once. Default 2. */
  readonly concurrency?: number;
  /** Uniform draws in [0, 1) for the backoff's jitter. Default Math.random (wall-clock timing only; spans are unaffected). */
  readonly random?: () => number;
  /** Called at most every `progressEveryMs` (default 1000) while close() waits for the queue. */
  readonly onProgress?: (p: ExportProgress) => void;
  readonly progressEveryMs?: number;
}

interface Pending {
  readonly body: Uint8Array;
  readonly spans: number;
}

const RETRYABLE = new Set([429, 502, 503, 504]);

/** The traces URL for an endpoint flag value (kept for callers that only have a base URL). */
export function tracesUrl(endpoint: string): string {
  return tracesUrlFor(endpoint, 'http/protobuf');
}

/** Retry-After: delta seconds or an HTTP date; undefined when absent or unparsable. */
export function retryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return sToMs(Number(v));
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}

/**
 * The wait before a retry: the exponential backoff jittered by ±20% (`u` uniform in [0, 1); the
 * OpenTelemetry JS exporters' factor), and never less than the server's Retry-After (capped).
 */
export function retryDelayMs(backoffMs: number, retryAfter: number | undefined, maxRetryAfterMs: number, u: number): number {
  return Math.max((backoffMs * (8 + 4 * u)) / 10, Math.min(retryAfter ?? 0, maxRetryAfterMs));
}

/** A readable cause for a failed fetch: the socket error code and address when Node gives them. */
export function describeNetworkError(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; address?: string; port?: number; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  const c = err?.cause;
  const where = c?.address ? ` ${c.address}${c.port ? `:${c.port}` : ''}` : '';
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused', ECONNRESET: 'connection reset', ENOTFOUND: 'host not found',
    EHOSTUNREACH: 'host unreachable', ETIMEDOUT: 'connect timed out', EAI_AGAIN: 'DNS lookup failed',
  };
  if (c?.code) return `${words[c.code] ?? 'network error'} (${c.code}${where})`;
  return `network error: ${c?.message ?? err?.message ?? String(e)}`;
}

/** `HTTP 400 Bad Request: <first 200 characters of the body>`. */
export function describeHttpStatus(status: number, statusText: string, body: Uint8Array | undefined, contentType: string | null): string {
  let text = '';
  if (body && body.length > 0) {
    if (contentType && /protobuf/.test(contentType)) {
      try {
        // OTLP/HTTP failures carry a google.rpc.Status; its message is field 2 (a string).
        text = decodeStatusMessage(body) ?? '';
      } catch {
        text = '';
      }
    } else text = new TextDecoder().decode(body.subarray(0, 400)).replace(/\s+/g, ' ').trim();
  }
  if (text.length > 200) text = `${text.slice(0, 200)}…`;
  return `HTTP ${status}${statusText ? ` ${statusText}` : ''}${text ? `: ${text}` : ''}`;
}

/** google.rpc.Status.message (field 2) from protobuf bytes, without the schema. */
function decodeStatusMessage(b: Uint8Array): string | undefined {
  let pos = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const byte = b[pos++];
      if (byte === undefined) throw new RangeError('truncated');
      v += (byte & 0x7f) * mul;
      if ((byte & 0x80) === 0) return v;
      mul *= 128;
    }
  };
  while (pos < b.length) {
    const tag = varint();
    const wire = tag & 7;
    if (wire === 0) varint();
    else if (wire === 2) {
      const len = varint();
      if ((tag >>> 3) === 2) return new TextDecoder().decode(b.subarray(pos, pos + len));
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else return undefined;
  }
  return undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class OtlpHttpSink implements TraceSink, Backpressured {
  readonly url: string;
  readonly export: OtlpExport;
  private readonly batcher: SpanBatcher;
  private readonly encode: (b: TracesData) => Uint8Array;
  private readonly decodeResponse: (b: Uint8Array) => { partialSuccess?: { rejectedSpans?: unknown; errorMessage?: unknown } };
  private readonly o: Required<Omit<HttpExportOptions, 'onProgress' | 'random'>> & Pick<HttpExportOptions, 'onProgress'>;
  private readonly random: () => number;
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
  private everAccepted = false;
  private deadCause: string | undefined;
  private readonly causes = new Map<string, number>();
  private lastCause: string | undefined;
  private closed = false;
  private readonly userAgent: string;

  constructor(target: string | OtlpExport, t: Telemetry, options: HttpExportOptions = {}) {
    this.export = typeof target === 'string' ? resolveOtlpExport({ endpoint: target }) : target;
    if (this.export.protocol === 'grpc') throw new Error('OtlpHttpSink: gRPC goes through the SDK sink (sdk-sink.ts)');
    this.url = this.export.url;
    // OTel specification, protocol/exporter.md "User Agent": exporters SHOULD name the exporter,
    // its language and version (`OTel-OTLP-Exporter-Python/1.2.3`), and keep that default after a
    // product the user configured.
    const own = `blis-OTLP-Exporter-JavaScript/${t.version}`;
    const configured = this.export.headers['user-agent'];
    this.userAgent = configured ? `${configured} ${own}` : own;
    this.o = {
      maxQueueSpans: options.maxQueueSpans ?? 262144,
      maxRetries: options.maxRetries ?? 5,
      initialBackoffMs: options.initialBackoffMs ?? 100,
      maxBackoffMs: options.maxBackoffMs ?? 5000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 30000,
      concurrency: options.concurrency ?? 2,
      progressEveryMs: options.progressEveryMs ?? 1000,
      onProgress: options.onProgress,
    };
    this.random = options.random ?? Math.random;
    const schema = loadOtlpSchema();
    const res = schema.ExportTraceServiceResponse;
    if (this.export.protocol === 'http/json') {
      this.encode = (b) => new TextEncoder().encode(JSON.stringify(tracesDataToJson(b)));
      this.decodeResponse = (b) => JSON.parse(new TextDecoder().decode(b)) as { partialSuccess?: { rejectedSpans?: unknown } };
    } else {
      const direct = new TracesEncoder();
      this.encode = (b) => direct.encode(b);
      this.decodeResponse = (b) => res.toObject(res.decode(b), { longs: Number }) as { partialSuccess?: { rejectedSpans?: unknown } };
    }
    this.batcher = new SpanBatcher(t, (batch, _traces, spans) => this.enqueue(batch, spans));
  }

  add(record: RequestRecord, request?: ArrivalRequest): void {
    if (this.closed) throw new Error('OtlpHttpSink: add after close');
    this.batcher.add(record, request);
  }

  private enqueue(batch: TracesData, spans: number): void {
    if (this.deadCause !== undefined) {
      this.fail(spans, this.deadCause);
      return;
    }
    const raw = this.encode(batch);
    const body = this.export.compression === 'gzip' ? gzipSync(raw, { level: 1 }) : raw;
    this.queue.push({ body, spans });
    this.queuedSpans += spans;
    while (this.queuedSpans > this.o.maxQueueSpans && this.queue.length > 1) {
      const old = this.queue.shift()!;
      this.queuedSpans -= old.spans;
      this.droppedSpans += old.spans;
    }
    this.pump();
  }

  private fail(spans: number, cause: string): void {
    this.failedSpans += spans;
    if (this.causes.size < 8 || this.causes.has(cause)) this.causes.set(cause, (this.causes.get(cause) ?? 0) + spans);
  }

  private pump(): void {
    while (this.inflight < this.o.concurrency && this.queue.length > 0) {
      const item = this.queue.shift()!;
      this.queuedSpans -= item.spans;
      if (this.deadCause !== undefined) {
        this.fail(item.spans, this.deadCause);
        continue;
      }
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
    const contentType = this.export.protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
    for (let attempt = 0; ; attempt++) {
      if (this.deadCause !== undefined) {
        this.fail(item.spans, this.deadCause);
        return;
      }
      let status = 0;
      let retryAfter: number | undefined;
      let body: Uint8Array | undefined;
      let cause = '';
      try {
        const headers: Record<string, string> = { 'content-type': contentType, ...this.export.headers, 'user-agent': this.userAgent };
        if (this.export.compression === 'gzip') headers['content-encoding'] = 'gzip';
        const res = await fetch(this.url, { method: 'POST', headers, body: item.body, signal: AbortSignal.timeout(this.export.timeoutMs) });
        status = res.status;
        retryAfter = retryAfterMs(res.headers.get('retry-after'), Date.now());
        body = new Uint8Array(await res.arrayBuffer());
        if (status < 200 || status >= 300) cause = describeHttpStatus(status, res.statusText, body, res.headers.get('content-type'));
      } catch (e) {
        status = 0; // network error or timeout: retryable
        cause = describeNetworkError(e, this.export.timeoutMs);
      }
      if (status >= 200 && status < 300) {
        this.everAccepted = true;
        this.messages++;
        this.bytes += item.body.length;
        let rejected = 0;
        let why = 'rejected by the receiver (partial_success)';
        if (body && body.length > 0) {
          try {
            const ps = this.decodeResponse(body).partialSuccess;
            rejected = Number(ps?.rejectedSpans ?? 0) || 0;
            if (typeof ps?.errorMessage === 'string' && ps.errorMessage) why = `rejected by the receiver: ${ps.errorMessage}`;
          } catch {
            rejected = 0; // a 2xx with an unparsable body still means accepted
          }
        }
        if (rejected > 0) this.fail(rejected, why);
        this.sentSpans += item.spans - rejected;
        return;
      }
      this.lastCause = cause;
      const retryable = status === 0 || RETRYABLE.has(status);
      if (!retryable || attempt >= this.o.maxRetries) {
        this.fail(item.spans, cause);
        // Nothing ever got through and the network itself failed every attempt: stop trying.
        if (status === 0 && !this.everAccepted) this.deadCause = `${cause}; endpoint never answered, not retried`;
        return;
      }
      this.retries++;
      const wait = retryDelayMs(backoff, retryAfter, this.o.maxRetryAfterMs, this.random());
      await sleep(wait);
      backoff = Math.min(backoff * 2, this.o.maxBackoffMs);
    }
  }

  /**
   * Called between arrival batches: lets the sends progress (a synchronous simulation would hold
   * every request until the run ends) and waits until at most two rounds of requests are queued
   * behind those in flight, so export keeps pace with the simulation and a slow receiver slows
   * the run rather than losing spans.
   */
  async drain(): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
    while (this.queue.length > 2 * this.o.concurrency && this.inflight > 0) {
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  private progress(): ExportProgress {
    return {
      destination: this.url, sentSpans: this.sentSpans, pendingSpans: this.queuedSpans + this.inflightSpans(), failedSpans: this.failedSpans,
      retries: this.retries, ...(this.lastCause !== undefined ? { lastCause: this.lastCause } : {}),
    };
  }

  private inflightSpans(): number {
    return Math.max(0, this.batcher.spanCount - this.sentSpans - this.failedSpans - this.droppedSpans - this.queuedSpans);
  }

  private async idle(): Promise<void> {
    let last = Date.now();
    while (this.inflight > 0 || this.queue.length > 0) {
      const tick = this.o.onProgress ? setTimeout(() => this.wake(), this.o.progressEveryMs) : undefined;
      await new Promise<void>((r) => this.waiters.push(r));
      if (tick) clearTimeout(tick);
      if (this.o.onProgress && Date.now() - last >= this.o.progressEveryMs) {
        last = Date.now();
        this.o.onProgress(this.progress());
      }
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
      ...(this.causes.size > 0 ? { causes: Object.fromEntries(this.causes) } : {}),
    }];
  }
}
