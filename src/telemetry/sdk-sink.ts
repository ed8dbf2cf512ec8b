/**
 * A trace sink that drives a real OpenTelemetry JS SDK pipeline (`@opentelemetry/sdk-trace-base`:
 * BasicTracerProvider → the caller's SpanProcessors → any SpanExporter: OTLP gRPC, Zipkin,
 * console, a vendor's). It replays the spans TraceBuilder builds (the one span model) through
 * the SDK's tracer, so both paths give the same spans: names, kinds, attributes, events, status,
 * trace/span ids (a deterministic IdGenerator hands the SDK our ids), parent links and
 * timestamps on the simulated clock (explicit start/end times).
 *
 * One difference the SDK imposes: its attributes are JS values, so a double that happens to be
 * integral (a score of 1, an E2E of exactly 2 s) is encoded by OTLP exporters as an intValue.
 * The native path (sink.ts + otlp-encode.ts) stays the fast one for files and OTLP/HTTP: the SDK
 * costs about 3.5–4.5× the CPU per span (docs/telemetry.md).
 */
import { ROOT_CONTEXT, SpanKind as ApiSpanKind, SpanStatusCode, trace, type Attributes, type AttributeValue, type HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor,
  type IdGenerator, type ReadableSpan, type SpanExporter, type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { RequestRecord } from '../cluster/record.js';
import type { ArrivalRequest } from '../workload/request.js';
import { toHex } from './ids.js';
import type { Telemetry } from './options.js';
import { SEMCONV_SCHEMA_URL, SpanKind, type AnyValue, type KeyValue, type Span } from './otlp-types.js';
import type { Backpressured, TraceSink, TraceSinkSummary } from './sink.js';
import { SCOPE_NAME, TraceBuilder, buildResource } from './spans.js';
import { nanosToBigInt, type Nanos64 } from './time.js';

export interface SdkSinkOptions {
  /**
   * Wrapped in a BatchSpanProcessor; its results are counted (spans accepted and failed, with
   * causes). The sink owns it: closing shuts it down (an InMemorySpanExporter then forgets its spans).
   */
  readonly exporter?: SpanExporter;
  /**
   * Full control instead of `exporter`: these processors receive every span (no counting). They
   * stay the caller's: closing the sink flushes them but does not shut them down.
   */
  readonly spanProcessors?: readonly SpanProcessor[];
  /** Label for the summary (an endpoint URL, `console` ...). */
  readonly destination?: string;
  /** BatchSpanProcessor bounds for `exporter`. Defaults 65536 queued, 4096 per export. */
  readonly maxQueueSize?: number;
  readonly maxExportBatchSize?: number;
}

/** Hands the SDK the ids TraceBuilder chose, one span at a time. */
class PresetIds implements IdGenerator {
  traceId = '';
  spanId = '';
  generateTraceId(): string {
    return this.traceId;
  }
  generateSpanId(): string {
    return this.spanId;
  }
}

function attributeValue(v: AnyValue): AttributeValue {
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return v.intValue;
  if ('doubleValue' in v) return v.doubleValue;
  if ('boolValue' in v) return v.boolValue;
  return v.arrayValue.values.map((x) => ('stringValue' in x ? x.stringValue : String(attributeValue(x))));
}

export function toAttributes(list: readonly KeyValue[]): Attributes {
  const out: Attributes = {};
  for (const kv of list) out[kv.key] = attributeValue(kv.value);
  return out;
}

const NS_PER_S = 1_000_000_000n;
export function toHrTime(n: Nanos64): HrTime {
  const ns = nanosToBigInt(n);
  return [Number(ns / NS_PER_S), Number(ns % NS_PER_S)];
}

/**
 * Counts what an exporter accepted and why it failed (an SDK exporter reports through callbacks
 * only). Like the native exporter, it gives up on an endpoint that never answered: once the
 * first export failed (after the exporter's own retries) with nothing ever accepted, later
 * batches fail at once instead of each waiting out its timeout.
 */
class CountingExporter implements SpanExporter {
  exported = 0;
  failed = 0;
  readonly causes = new Map<string, number>();
  private everAccepted = false;
  private deadCause: string | undefined;
  constructor(private readonly inner: SpanExporter) {}

  private fail(n: number, cause: string): void {
    this.failed += n;
    if (this.causes.size < 8 || this.causes.has(cause)) this.causes.set(cause, (this.causes.get(cause) ?? 0) + n);
  }

  export(spans: ReadableSpan[], done: (result: { code: number; error?: Error }) => void): void {
    if (this.deadCause !== undefined) {
      this.fail(spans.length, this.deadCause);
      done({ code: 1, error: new Error(this.deadCause) });
      return;
    }
    this.inner.export(spans, (result) => {
      if (result.code === 0) {
        this.everAccepted = true;
        this.exported += spans.length;
      } else {
        const cause = (result.error?.message ?? 'export failed').replace(/\s+/g, ' ').trim();
        this.fail(spans.length, cause);
        if (!this.everAccepted) this.deadCause = `${cause}; endpoint never answered, not retried`;
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush ? this.inner.forceFlush() : Promise.resolve();
  }
}

export class SdkTraceSink implements TraceSink, Backpressured {
  private readonly builder: TraceBuilder;
  private readonly ids = new PresetIds();
  private readonly provider: BasicTracerProvider;
  private readonly tracer: ReturnType<BasicTracerProvider['getTracer']>;
  private readonly counting: CountingExporter | undefined;
  private readonly destination: string;
  private traces = 0;
  private spans = 0;
  private unflushed = 0;
  private closed = false;

  constructor(t: Telemetry, options: SdkSinkOptions) {
    if (!options.exporter && !options.spanProcessors) throw new Error('SdkTraceSink needs an exporter or span processors');
    this.builder = new TraceBuilder(t);
    this.counting = options.exporter ? new CountingExporter(options.exporter) : undefined;
    const processors = this.counting
      ? [new BatchSpanProcessor(this.counting, {
        maxQueueSize: options.maxQueueSize ?? 65536,
        maxExportBatchSize: options.maxExportBatchSize ?? 4096,
        scheduledDelayMillis: 200,
      })]
      : [...options.spanProcessors!];
    this.destination = options.destination ?? 'sdk';
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes(toAttributes(buildResource(t).attributes), { schemaUrl: SEMCONV_SCHEMA_URL }),
      spanProcessors: processors,
      idGenerator: this.ids,
      sampler: new AlwaysOnSampler(),
      // A decode span may carry an event per Nth token: lift the SDK's default caps (128).
      spanLimits: { attributeCountLimit: 1024, eventCountLimit: 1 << 20, attributePerEventCountLimit: 128 },
    });
    this.tracer = this.provider.getTracer(SCOPE_NAME, t.version);
  }

  add(record: RequestRecord, request?: ArrivalRequest): void {
    if (this.closed) throw new Error('SdkTraceSink: add after close');
    const built = this.builder.build(record, request);
    const root = built[0]!;
    const rootSpan = this.start(root, ROOT_CONTEXT);
    const ctx = trace.setSpan(ROOT_CONTEXT, rootSpan);
    for (let i = 1; i < built.length; i++) this.start(built[i]!, ctx).end(toHrTime(built[i]!.endTimeUnixNano));
    rootSpan.end(toHrTime(root.endTimeUnixNano));
    this.traces++;
    this.spans += built.length;
    this.unflushed += built.length;
  }

  private start(s: Span, ctx: typeof ROOT_CONTEXT): ReturnType<typeof this.tracer.startSpan> {
    this.ids.traceId = toHex(s.traceId);
    this.ids.spanId = toHex(s.spanId);
    const span = this.tracer.startSpan(s.name, {
      kind: s.kind === SpanKind.Server ? ApiSpanKind.SERVER : ApiSpanKind.INTERNAL,
      startTime: toHrTime(s.startTimeUnixNano),
      attributes: toAttributes(s.attributes),
    }, ctx);
    if (s.events) for (const e of s.events) span.addEvent(e.name, toAttributes(e.attributes), toHrTime(e.timeUnixNano));
    if (s.status && s.status.code === 2) span.setStatus({ code: SpanStatusCode.ERROR, ...(s.status.message ? { message: s.status.message } : {}) });
    return span;
  }

  /** Flushes what the processors hold, so their queues never overflow (a full BatchSpanProcessor drops). */
  async drain(): Promise<void> {
    if (this.unflushed === 0) return;
    this.unflushed = 0;
    await this.flush();
  }

  /** A failed export rejects the flush; the failure is already counted (CountingExporter), not thrown. */
  private async flush(): Promise<void> {
    try {
      await this.provider.forceFlush();
    } catch (e) {
      if (!this.counting) throw e;
    }
  }

  async close(): Promise<readonly TraceSinkSummary[]> {
    if (!this.closed) {
      this.closed = true;
      await this.flush();
      if (this.counting) await this.provider.shutdown().catch(() => {}); // failures already counted
    }
    const c = this.counting;
    const exported = c ? c.exported : this.spans;
    const failed = c ? c.failed : 0;
    return [{
      destination: this.destination, traces: this.traces, spans: exported, messages: 0, bytes: 0,
      failedSpans: failed, droppedSpans: c ? Math.max(0, this.spans - exported - failed) : 0, retries: 0, sampledOutTraces: 0,
      ...(c && c.causes.size > 0 ? { causes: Object.fromEntries(c.causes) } : {}),
    }];
  }
}
