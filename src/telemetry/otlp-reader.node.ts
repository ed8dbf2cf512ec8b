/**
 * Reading OTLP files for replay: protobuf (one ExportTraceServiceRequest/TracesData, or a
 * stream of them framed by a varint length (protobuf's delimited form) or by a 4-byte
 * big-endian length (the OpenTelemetry Collector file exporter's `format: proto`)), gzipped or
 * not, and OTLP/JSON (one object, or JSON Lines with one TracesData
 * per line; a Jaeger `/api/v3/traces` answer `{"result": {...}}` is accepted too).
 * Bad input raises InputError with an `OTLP_*` code naming the file. The file is read whole
 * (OTLP files are batch exports; requests must be sorted by arrival anyway).
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip, gunzipSync } from 'node:zlib';
import { InputError } from '../kernel/errors.js';
import type { ArrivalRequest } from '../workload/request.js';
import { isJaegerJson, jaegerToOtlp } from './jaeger-json.js';
import { loadOtlpSchema } from './otlp-proto.node.js';
import { OtlpRequestCollector, field, type OtlpReadIssue } from './otlp-reader.js';

type Walk = 'ok' | 'truncated' | 'bad';

function readU32(b: Uint8Array, pos: number): [value: number, next: number] | undefined {
  if (pos + 4 > b.length) return undefined;
  return [((b[pos]! << 24) >>> 0) + (b[pos + 1]! << 16) + (b[pos + 2]! << 8) + b[pos + 3]!, pos + 4];
}

function readVarint(b: Uint8Array, pos: number): [value: number, next: number] | undefined {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= b.length) return undefined;
    const byte = b[pos + i]!;
    v += (byte & 0x7f) * mul;
    if ((byte & 0x80) === 0) return [v, pos + i + 1];
    mul *= 128;
  }
  return undefined;
}

/** Top level of a TracesData: only field 1 (resource_spans), length-delimited, to the exact end. */
function walkMessage(b: Uint8Array, start: number, end: number): Walk {
  let pos = start;
  while (pos < end) {
    if (b[pos] !== 0x0a) return 'bad';
    const v = readVarint(b, pos + 1);
    if (!v) return 'truncated';
    pos = v[1] + v[0];
    if (pos > end) return 'truncated';
  }
  return 'ok';
}

function walkDelimited(b: Uint8Array): { walk: Walk; parts: [number, number][] } {
  const parts: [number, number][] = [];
  let pos = 0;
  while (pos < b.length) {
    const v = readVarint(b, pos);
    if (!v) return { walk: 'truncated', parts };
    const end = v[1] + v[0];
    if (end > b.length) return { walk: parts.length > 0 || b[v[1]] === 0x0a ? 'truncated' : 'bad', parts };
    const w = walkMessage(b, v[1], end);
    if (w !== 'ok') return { walk: w === 'truncated' && parts.length > 0 ? 'truncated' : 'bad', parts };
    parts.push([v[1], end]);
    pos = end;
  }
  return { walk: parts.length > 0 ? 'ok' : 'bad', parts };
}

/** The Collector's framing: a 4-byte big-endian length before every message. */
function walkU32(b: Uint8Array): { walk: Walk; parts: [number, number][] } {
  const parts: [number, number][] = [];
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 0;
  while (pos < b.length) {
    if (pos + 4 > b.length) return { walk: 'truncated', parts };
    const end = pos + 4 + view.getUint32(pos, false);
    if (end > b.length) return { walk: 'truncated', parts };
    const w = walkMessage(b, pos + 4, end);
    if (w !== 'ok') return { walk: parts.length > 0 && w === 'truncated' ? 'truncated' : 'bad', parts };
    parts.push([pos + 4, end]);
    pos = end;
  }
  return { walk: parts.length > 0 ? 'ok' : 'bad', parts };
}

function decodeProtobuf(bytes: Uint8Array, source: string, c: OtlpRequestCollector): void {
  const T = loadOtlpSchema().TracesData;
  const single = walkMessage(bytes, 0, bytes.length);
  let parts: [number, number][];
  // A varint-delimited stream never starts with 0 (no message is empty); a u32be one almost always does.
  const u32 = bytes[0] === 0 ? walkU32(bytes) : undefined;
  if (single === 'ok') parts = [[0, bytes.length]];
  else if (u32 && u32.walk !== 'bad') {
    if (u32.walk === 'truncated') throw new InputError('OTLP_TRUNCATED', source, 'OTLP protobuf (4-byte length framing) ends in the middle of a message (truncated file?)');
    parts = u32.parts;
  }
  else {
    const d = walkDelimited(bytes);
    if (d.walk === 'ok') parts = d.parts;
    else if (single === 'truncated' || d.walk === 'truncated') {
      throw new InputError('OTLP_TRUNCATED', source, 'OTLP protobuf ends in the middle of a message (truncated file?)');
    } else {
      throw new InputError('OTLP_NOT_OTLP', source, 'not OTLP protobuf (expected a TracesData/ExportTraceServiceRequest, single or length-delimited) nor OTLP/JSON');
    }
  }
  for (const [s, e] of parts) {
    let obj: unknown;
    try {
      obj = T.decode(bytes.subarray(s, e));
    } catch (err) {
      const truncated = err instanceof RangeError || /index out of range/.test(String(err));
      throw new InputError(truncated ? 'OTLP_TRUNCATED' : 'OTLP_DECODE', `${source}@${s}`, `cannot decode OTLP protobuf: ${(err as Error).message}`);
    }
    c.addMessage(obj, `${source}@${s}`, `byte ${s}`);
  }
}

type JsonObj = Record<string, unknown>;
const jsonObj = (v: unknown): JsonObj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObj) : undefined);

/**
 * A TracesData, or a backend's answer around one: Jaeger's /api/v3/traces `{"result": ...}`,
 * Grafana Tempo's /api/traces `{"batches": [...]}` (its name for resourceSpans; grafana/tempo
 * issue "Trace by ID: JSON response does not align with OTLP JSON format") and /api/v2/traces
 * `{"trace": ...}`; or Jaeger's own JSON (`{"data": [...]}`, its /api/traces answer and the UI's
 * download), converted (jaeger-json.ts).
 */
export function addJson(value: unknown, where: string, c: OtlpRequestCollector, line?: number): void {
  if (isJaegerJson(value)) {
    c.addMessage(jaegerToOtlp(value), where, line);
    return;
  }
  const o = jsonObj(value);
  const inner = o && (jsonObj(o['result']) ?? jsonObj(o['trace']));
  const msg = inner ?? o;
  const spans = field(msg, 'resourceSpans', 'resource_spans') ?? msg?.['batches'];
  if (!Array.isArray(spans)) {
    throw new InputError('OTLP_NOT_OTLP', where, 'JSON without "resourceSpans" (or Tempo\'s "batches", or Jaeger\'s "data"); expected OTLP/JSON TracesData');
  }
  c.addMessage({ resourceSpans: spans }, where, line);
}

function decodeJson(text: string, source: string, c: OtlpRequestCollector): void {
  const lines = text.split('\n');
  let firstOk = true;
  try {
    JSON.parse(lines[0]!);
  } catch {
    firstOk = false;
  }
  if (!firstOk) {
    let whole: unknown;
    try {
      whole = JSON.parse(text);
    } catch (err) {
      throw new InputError('OTLP_BAD_JSON', source, `neither one JSON object nor JSON Lines: ${(err as Error).message}`);
    }
    addJson(whole, source, c);
    return;
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      throw new InputError('OTLP_BAD_JSON', `${source}:${i + 1}`, `bad JSON line: ${(err as Error).message}`);
    }
    addJson(v, `${source}:${i + 1}`, c, i + 1);
  }
}

export function firstNonSpace(bytes: Uint8Array): number {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3; // UTF-8 BOM
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  return i < bytes.length ? bytes[i]! : -1;
}

/** Decodes a whole OTLP file's bytes into arrivals (sorted, relative to the earliest start). */
export function readOtlpBytes(bytes: Uint8Array, source: string, onIssue?: (i: OtlpReadIssue) => void): ArrivalRequest[] {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new InputError('OTLP_TRUNCATED', source, `gzip data cannot be decompressed: ${(err as Error).message}`);
    }
  }
  if (bytes.length === 0) throw new InputError('OTLP_EMPTY', source, 'empty file; expected OTLP protobuf or OTLP/JSON');
  const c = new OtlpRequestCollector(onIssue);
  if (firstNonSpace(bytes) === 0x7b /* { */) {
    try {
      decodeJson(new TextDecoder().decode(bytes), source, c);
    } catch (err) {
      // Protobuf can open with the bytes of "{" (a delimited stream whose first message is 123
      // bytes long) or "\n{" (a first ResourceSpans of 123 bytes): what is neither JSON Lines
      // nor one JSON document is read as protobuf when it is that.
      if (!(err instanceof InputError) || err.code !== 'OTLP_BAD_JSON' || err.where !== source) throw err;
      const pb = new OtlpRequestCollector(onIssue);
      try {
        decodeProtobuf(bytes, source, pb);
      } catch {
        throw err;
      }
      return finish(pb, source);
    }
    return finish(c, source);
  }
  decodeProtobuf(bytes, source, c);
  return finish(c, source);
}

/** The collected requests; InputError when the input held no spans or no request span. */
export function finish(c: OtlpRequestCollector, source: string): ArrivalRequest[] {
  const out = c.finish();
  if (c.spansSeen === 0) throw new InputError('OTLP_NO_SPANS', source, 'OTLP data without spans');
  if (out.length === 0) {
    throw new InputError('OTLP_NO_REQUESTS', source, `${c.spansSeen} spans but no request span with token counts ('llm_request' from vLLM or blis, or llm-d 'gateway.request')`);
  }
  return out;
}

export interface OtlpReadOptions {
  readonly onIssue?: (issue: OtlpReadIssue) => void;
  /**
   * Files above this size are streamed (JSON Lines line by line, protobuf message by message)
   * instead of read whole; a single huge protobuf message or a pretty-printed JSON object falls
   * back to a whole read. Default 64 MiB.
   */
  readonly streamAboveBytes?: number;
}

/**
 * The arrival stream of an OTLP file, sorted by arrival. Memory: the file's bytes when small;
 * when streamed, one message at a time plus the kept attributes of each request.
 */
export async function* readOtlpFile(path: string, options: OtlpReadOptions = {}): AsyncIterable<ArrivalRequest> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    throw new InputError('OTLP_FILE', path, `cannot read: ${(err as Error).message}`);
  }
  if (size > (options.streamAboveBytes ?? 64 * 1024 * 1024)) {
    let streamed: ArrivalRequest[] | undefined;
    try {
      streamed = await streamOtlp(path, options.onIssue);
    } catch (err) {
      // zlib's errors (Z_BUF_ERROR for a file cut short, Z_DATA_ERROR for a bad CRC) surface
      // only while streaming: bad input, as readOtlpBytes reports them for a whole read.
      const code = (err as NodeJS.ErrnoException).code;
      if (err instanceof InputError || typeof code !== 'string' || !code.startsWith('Z_')) throw err;
      throw new InputError('OTLP_TRUNCATED', path, `gzip data cannot be decompressed: ${(err as Error).message}`);
    }
    if (streamed) {
      yield* streamed;
      return;
    }
  }
  yield* readOtlpBytes(await readFile(path), path, options.onIssue);
}

/** Streams JSON Lines or length-delimited protobuf; undefined when the file is of another form. */
async function streamOtlp(path: string, onIssue?: (i: OtlpReadIssue) => void): Promise<ArrivalRequest[] | undefined> {
  const c = new OtlpRequestCollector(onIssue);
  let gz = false;
  for await (const chunk of createReadStream(path, { start: 0, end: 1 })) {
    const b = chunk as Buffer;
    gz = b.length === 2 && b[0] === 0x1f && b[1] === 0x8b;
    break;
  }
  const open = (): NodeJS.ReadableStream => (gz ? createReadStream(path).pipe(createGunzip()) : createReadStream(path, { highWaterMark: 1 << 20 }));
  let first = -1;
  let zeroFirst = false;
  for await (const chunk of open()) {
    first = firstNonSpace(chunk as Buffer);
    zeroFirst = (chunk as Buffer)[0] === 0;
    break;
  }
  if (first === 0x7b) {
    const lines = createInterface({ input: open(), crlfDelay: Infinity });
    let n = 0;
    for await (const raw of lines) {
      n++;
      const line = raw.trim();
      if (line === '') continue;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch (err) {
        if (n === 1) {
          lines.close();
          return undefined; // not JSON Lines (a pretty-printed object): read whole
        }
        throw new InputError('OTLP_BAD_JSON', `${path}:${n}`, `bad JSON line: ${(err as Error).message}`);
      }
      addJson(v, `${path}:${n}`, c, n);
    }
    return finish(c, path);
  }
  const T = loadOtlpSchema().TracesData;
  let buf: Uint8Array = new Uint8Array(0);
  let offset = 0; // file offset of buf[0]
  for await (const chunk of open()) {
    const bytes = chunk as Buffer;
    const merged = new Uint8Array(buf.length + bytes.length);
    merged.set(buf, 0);
    merged.set(bytes, buf.length);
    buf = merged;
    let pos = 0;
    for (;;) {
      const v = zeroFirst ? readU32(buf, pos) : readVarint(buf, pos);
      if (!v || v[1] + v[0] > buf.length) break;
      const end = v[1] + v[0];
      if (walkMessage(buf, v[1], end) !== 'ok') return undefined; // not delimited: read whole
      let obj: unknown;
      try {
        obj = T.decode(buf.subarray(v[1], end));
      } catch (err) {
        throw new InputError('OTLP_DECODE', `${path}@${offset + v[1]}`, `cannot decode OTLP protobuf: ${(err as Error).message}`);
      }
      c.addMessage(obj, `${path}@${offset + v[1]}`, `byte ${offset + v[1]}`);
      pos = end;
    }
    buf = buf.subarray(pos);
    offset += pos;
  }
  if (buf.length > 0) throw new InputError('OTLP_TRUNCATED', path, 'OTLP protobuf ends in the middle of a message (truncated file?)');
  return finish(c, path);
}

/** Confidence in [0, 1] that a file starting with `head` is OTLP. */
export function otlpSniff(head: Uint8Array, fileName = ''): number {
  if (head.length === 0) return 0;
  const first = firstNonSpace(head);
  if (first === 0x7b) {
    const text = new TextDecoder().decode(head.subarray(0, 4096));
    if (/"resourceSpans"|"resource_spans"/.test(text)) return 0.95;
    // Grafana Tempo's /api/traces answer: resourceSpans named "batches"
    if (/"batches"/.test(text) && /"scopeSpans"|"instrumentationLibrarySpans"/.test(text)) return 0.9;
    // Jaeger's own JSON (/api/traces, the UI's download): traces of spans with operationName.
    if (/"data"/.test(text) && /"traceID"/.test(text) && /"operationName"/.test(text)) return 0.9;
    // A .pb whose bytes open like "{" or "\n{" (a first message or ResourceSpans of 123 bytes)
    // is tried as protobuf below; another name is not, so other JSON stays unrecognised.
    if (!/\.(pb|binpb|otlp)$/i.test(fileName)) return 0;
  }
  const byExt = /\.(pb|binpb|otlp)$/i.test(fileName) ? 0.3 : 0;
  // Single message: field 1 (0x0a) + length; delimited: length varint then 0x0a.
  if (head[0] === 0x0a) {
    const v = readVarint(head, 1);
    if (v && v[1] < head.length && head[v[1]] === 0x0a) return Math.min(1, 0.6 + byExt);
  }
  const v = readVarint(head, 0);
  if (v && v[1] < head.length && head[v[1]] === 0x0a && head[v[1] + 2] !== undefined) return Math.min(1, 0.5 + byExt);
  // The Collector file exporter's framing: 4-byte big-endian length (first byte 0 below 16 MiB), then field 1.
  if (head.length > 5 && head[0] === 0 && head[4] === 0x0a) return Math.min(1, 0.5 + byExt);
  return 0;
}
