/**
 * `--otlp-out FILE`: OTLP written to a file, streamed batch by batch (bounded memory).
 *
 * - `.pb` (protobuf): one ExportTraceServiceRequest per batch. A run that fits one batch
 *   gives a plain single message (what `protoc --decode` and most tools expect); more batches
 *   give a stream of length-delimited messages (varint length + message, protobufjs's
 *   encodeDelimited / Java's writeDelimitedTo). The reader accepts both.
 *   With `framing: 'u32be'` every message is preceded by its length as a 4-byte big-endian
 *   integer instead: what the OpenTelemetry Collector's file exporter writes with `format: proto`
 *   (contrib exporter/fileexporter, length-prefixed buffers).
 * - `.json` / `.jsonl` (OTLP/JSON): one TracesData per line (JSON Lines, the OpenTelemetry
 *   Collector file exporter's form); a run that fits one batch is a single JSON object.
 * - a further `.gz` (`run.pb.gz`, `run.jsonl.gz`) gzips the file: one gzip member per batch,
 *   which gunzip, zcat and every zlib read as one stream (RFC 1952 allows members in sequence).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { RequestRecord } from '../cluster/record.js';
import type { ArrivalRequest } from '../workload/request.js';
import type { Telemetry } from './options.js';
import { tracesDataToJsonLine } from './otlp-json.js';
import { loadOtlpSchema } from './otlp-proto.node.js';
import { TracesEncoder } from './otlp-encode.js';
import type { TracesData } from './otlp-types.js';
import { SpanBatcher, type TraceSink, type TraceSinkSummary } from './sink.js';
import { isGzipPath, otlpFileFormat, type OtlpFileFormat, type OtlpFraming } from './otlp-config.js';
export { isGzipPath, OTLP_FRAMINGS, otlpFileFormat, type OtlpFileFormat, type OtlpFraming } from './otlp-config.js';

function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, false);
  return b;
}

function varint(n: number): Uint8Array {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
}

export class OtlpFileSink implements TraceSink {
  private readonly batcher: SpanBatcher;
  private readonly fd: number;
  private readonly format: OtlpFileFormat;
  private readonly encode: (b: TracesData) => Uint8Array;
  private held: Uint8Array | undefined;
  private readonly gzip: boolean;
  private pending: Uint8Array[] = [];
  private messages = 0;
  private bytes = 0;
  private closed = false;

  /** `encode` defaults to the direct encoder; `reflectedEncoder()` is the schema-driven reference. */
  constructor(
    private readonly path: string, t: Telemetry, format: OtlpFileFormat = otlpFileFormat(path), encode?: (b: TracesData) => Uint8Array,
    private readonly framing: OtlpFraming = 'varint',
  ) {
    this.format = format;
    this.gzip = isGzipPath(path);
    if (encode) this.encode = encode;
    else {
      const direct = new TracesEncoder();
      this.encode = (b) => direct.encode(b);
    }
    this.fd = openSync(path, 'w');
    this.batcher = new SpanBatcher(t, (batch) => this.write(batch));
  }

  private put(bytes: Uint8Array | string): void {
    if (this.gzip) {
      this.pending.push(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
      return;
    }
    const n = typeof bytes === 'string' ? writeSync(this.fd, bytes) : writeAll(this.fd, bytes);
    this.bytes += n;
  }

  /** With .gz: one gzip member per batch. */
  private commit(): void {
    if (!this.gzip || this.pending.length === 0) return;
    const member = gzipSync(Buffer.concat(this.pending), { level: 6 });
    this.pending = [];
    this.bytes += writeAll(this.fd, member);
  }

  private write(batch: TracesData): void {
    this.writeBatch(batch);
    this.commit();
  }

  private writeBatch(batch: TracesData): void {
    this.messages++;
    if (this.format === 'json') {
      this.put(tracesDataToJsonLine(batch));
      return;
    }
    const msg = this.encode(batch);
    if (this.framing === 'u32be') {
      this.put(u32be(msg.length));
      this.put(msg);
      return;
    }
    if (this.messages === 1) {
      this.held = msg;
      return;
    }
    if (this.held) {
      this.put(varint(this.held.length));
      this.put(this.held);
      this.held = undefined;
    }
    this.put(varint(msg.length));
    this.put(msg);
  }

  add(record: RequestRecord, request?: ArrivalRequest): void {
    if (this.closed) throw new Error('OtlpFileSink: add after close');
    this.batcher.add(record, request);
  }

  async close(): Promise<readonly TraceSinkSummary[]> {
    if (!this.closed) {
      this.closed = true;
      this.batcher.flush();
      if (this.held) this.put(this.held);
      this.held = undefined;
      this.commit();
      closeSync(this.fd);
    }
    return [{
      destination: this.path, traces: this.batcher.traces, spans: this.batcher.spanCount, messages: this.messages,
      bytes: this.bytes, failedSpans: 0, droppedSpans: 0, retries: 0, sampledOutTraces: 0,
    }];
  }
}

/** protobufjs's reflected encoder over the official schema (same bytes, slower; for benchmarks). */
export function reflectedEncoder(): (b: TracesData) => Uint8Array {
  const type = loadOtlpSchema().ExportTraceServiceRequest;
  return (b) => type.encode(b as unknown as Record<string, unknown>).finish();
}

function writeAll(fd: number, bytes: Uint8Array): number {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  return off;
}
