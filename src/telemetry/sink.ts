/**
 * Trace sinks: objects that receive RequestRecords one by one and stream spans out in batches,
 * so memory stays bounded whatever the run's length. Shape of OTel's SpanExporter: two methods.
 */
import type { RequestRecord } from '../cluster/record.js';
import type { ArrivalRequest } from '../workload/request.js';
import type { Telemetry } from './options.js';
import type { Resource, InstrumentationScope, Span, TracesData } from './otlp-types.js';
import { TraceBuilder, buildResource, buildScope, SEMCONV_SCHEMA_URL } from './spans.js';

export interface TraceSinkSummary {
  /** File path or endpoint URL. */
  readonly destination: string;
  /** Traces (requests) and spans handed to the destination. */
  readonly traces: number;
  readonly spans: number;
  /** Messages (ExportTraceServiceRequest / TracesData) written or sent. */
  readonly messages: number;
  /** Bytes written or sent (after compression). */
  readonly bytes: number;
  /** Spans the destination never accepted (HTTP: retries exhausted or non-retryable status). */
  readonly failedSpans: number;
  /** Spans dropped because the send queue was full (drop-oldest policy). */
  readonly droppedSpans: number;
  readonly retries: number;
  /** Requests not traced by head sampling (and not among the slowest kept). */
  readonly sampledOutTraces: number;
  /** Why spans were lost: cause → spans (`connection refused (ECONNREFUSED ...)`, `HTTP 400 ...`). */
  readonly causes?: Readonly<Record<string, number>>;
}

/** Spans lost at a destination: failed (never accepted) plus dropped (queue full). */
export function lostSpans(s: TraceSinkSummary): number {
  return s.failedSpans + s.droppedSpans;
}

/** What a network sink reports while it flushes (the CLI prints it to stderr). */
export interface ExportProgress {
  readonly destination: string;
  readonly sentSpans: number;
  readonly pendingSpans: number;
  readonly failedSpans: number;
  readonly retries: number;
  readonly lastCause?: string;
}

export interface TraceSink {
  /** `request` (optional) carries arrival-only facts the record lacks: prefix group, turn. */
  add(record: RequestRecord, request?: ArrivalRequest): void;
  /** Flushes everything and reports; the sink accepts nothing afterwards. */
  close(): Promise<readonly TraceSinkSummary[]>;
}

/** Optional capability: a sink whose queue may fill faster than it drains (network). */
export interface Backpressured {
  /** Resolves once the queue is below its bound; an async run loop may await it between requests. */
  drain(): Promise<void>;
}

/** Groups the spans of `batchTraces` requests into one TracesData and hands it on. */
export class SpanBatcher {
  private readonly builder: TraceBuilder;
  private readonly resource: Resource;
  private readonly scope: InstrumentationScope;
  private spans: Span[] = [];
  private tracesInBatch = 0;
  traces = 0;
  spanCount = 0;

  constructor(
    private readonly t: Telemetry,
    private readonly onBatch: (batch: TracesData, traces: number, spans: number) => void,
  ) {
    this.builder = new TraceBuilder(t);
    this.resource = buildResource(t);
    this.scope = buildScope(t);
  }

  add(record: RequestRecord, request?: ArrivalRequest): void {
    const s = this.builder.build(record, request);
    for (let i = 0; i < s.length; i++) this.spans.push(s[i]!);
    this.tracesInBatch++;
    this.traces++;
    this.spanCount += s.length;
    if (this.tracesInBatch >= this.t.batchTraces) this.flush();
  }

  flush(): void {
    if (this.tracesInBatch === 0) return;
    const batch: TracesData = { resourceSpans: [{ resource: this.resource, scopeSpans: [{ scope: this.scope, spans: this.spans }], schemaUrl: SEMCONV_SCHEMA_URL }] };
    const n = this.tracesInBatch;
    const m = this.spans.length;
    this.spans = [];
    this.tracesInBatch = 0;
    this.onBatch(batch, n, m);
  }
}

/** Fan-out to several sinks (OTel's MultiSpanProcessor). */
export class MultiTraceSink implements TraceSink, Backpressured {
  constructor(private readonly sinks: readonly TraceSink[]) {}

  add(record: RequestRecord, request?: ArrivalRequest): void {
    for (const s of this.sinks) s.add(record, request);
  }

  async drain(): Promise<void> {
    for (const s of this.sinks) if (isBackpressured(s)) await s.drain();
  }

  async close(): Promise<readonly TraceSinkSummary[]> {
    const all = await Promise.all(this.sinks.map((s) => s.close()));
    return all.flat();
  }
}

export function isBackpressured(s: TraceSink): s is TraceSink & Backpressured {
  return typeof (s as Partial<Backpressured>).drain === 'function';
}
