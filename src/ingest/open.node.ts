/**
 * File opening for ingest (the only ingest code touching node:fs): sniff the head, resolve
 * TraceV2 siblings, stream the file through an ingest session as an async iterable.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { open, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../kernel/errors.js';
import type { ArrivalRequest, ArrivalStream } from '../workload/request.js';
import { ingestChunks, type IngestOptions } from './ingest.js';
import type { IngestSummary } from './issues.js';
import { headerNamesFor, pickDataFile, traceV2Names } from './paths.js';
import { refuseLfsPointer } from './lfs.js';
import { looksLikeJsonLines } from './formats/mapped-jsonl.js';
import { createFormatRegistry, type FormatRegistry } from './registry.js';

export const SNIFF_BYTES = 65536;

export interface OpenTraceOptions extends IngestOptions {
  /** A registry name or 'auto' (default; with `columns`, 'jsonl' for a file starting with `{`, else 'csv'). */
  format?: string;
  /** Defaults to createFormatRegistry(); pass one with the OTLP entry registered. */
  registry?: FormatRegistry;
  /** Read chunk size in bytes (default 1 MiB). */
  chunkBytes?: number;
}

export interface OpenedTrace {
  /** The format used (sniffed or given). */
  readonly format: string;
  /** The file actually streamed (the data CSV when a TraceV2 header was given). */
  readonly path: string;
  /** The TraceV2 header used, if any. */
  readonly headerPath?: string;
  readonly requests: ArrivalStream;
  /** No two requests share an id (the format numbers them itself: FormatEntry.numbersRequests). */
  readonly uniqueIds: boolean;
  /** Its output lengths are re-tokenised counts, not decoded lengths (FormatEntry.countedOutputTokens). */
  readonly countedOutputTokens: boolean;
  /** Counts so far; complete once `requests` is exhausted. */
  summary(): IngestSummary;
}

async function readRawHead(path: string, bytes: number): Promise<Buffer> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new InputError('FILE_UNREADABLE', path, `cannot open: ${(e as Error).message}`);
  }
  try {
    if ((await fh.stat()).isDirectory()) throw new InputError('FILE_IS_DIRECTORY', path, 'is a directory; expected a trace file');
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** gzip magic (RFC 1952): any format may come gzipped (`trace.csv.gz`, `run.pb.gz`). */
async function isGzip(path: string): Promise<boolean> {
  const b = await readRawHead(path, 2);
  return b.length === 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** The file's bytes, decompressed when gzipped. */
function dataStream(path: string, gz: boolean, chunkBytes: number): AsyncIterable<Buffer> {
  const raw = createReadStream(path, { highWaterMark: chunkBytes });
  return gz ? gunzipped(path, raw.pipe(createGunzip({ chunkSize: chunkBytes }))) : (raw as AsyncIterable<Buffer>);
}

/**
 * A gzip stream whose damage (a copy cut short: zlib's "unexpected end of file"; a bad CRC:
 * "incorrect data check") shows only once reading is past the sniffed head: bad input, named
 * with its file, not an internal error.
 */
async function* gunzipped(path: string, stream: NodeJS.ReadableStream): AsyncIterable<Buffer> {
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (e) {
    const message = (e as Error).message;
    const hint = /unexpected end/i.test(message) ? ' (truncated: the file ends before the gzip stream does)' : '';
    throw new InputError('GZIP_CORRUPT', path, `not a readable gzip file: ${message}${hint}`);
  }
}

async function readHead(path: string, gz: boolean): Promise<string> {
  if (!gz) return (await readRawHead(path, SNIFF_BYTES)).toString('utf8');
  const parts: Buffer[] = [];
  let n = 0;
  const stream = dataStream(path, true, 1 << 16);
  try {
    for await (const chunk of stream) {
      parts.push(chunk);
      n += chunk.length;
      if (n >= SNIFF_BYTES) break;
    }
  } catch (e) {
    throw new InputError('GZIP_CORRUPT', path, `not a readable gzip file: ${(e as Error).message}`);
  }
  return Buffer.concat(parts).subarray(0, SNIFF_BYTES).toString('utf8');
}

async function exists(path: string): Promise<boolean> {
  try {
    await (await open(path, 'r')).close();
    return true;
  } catch {
    return false;
  }
}

/** TraceV2: given either file, the header and data paths (header undefined when absent). */
export async function resolveTraceV2(path: string): Promise<{ headerPath?: string; dataPath: string }> {
  const dir = dirname(path);
  const names = traceV2Names(basename(path));
  if (names?.kind === 'header') {
    const data = pickDataFile(names.prefix, await readdir(dir));
    if (data === undefined) throw new InputError('TRACEV2_NO_DATA', path, `no sibling ${names.prefix}trace_data*.csv next to this header`);
    if (data === 'ambiguous') throw new InputError('TRACEV2_NO_DATA', path, `several ${names.prefix}trace_data*.csv files; pass the data file itself`);
    return { headerPath: path, dataPath: join(dir, data) };
  }
  if (names?.kind === 'data') {
    for (const h of headerNamesFor(names.prefix)) {
      const p = join(dir, h);
      if (await exists(p)) return { headerPath: p, dataPath: path };
    }
  }
  return { dataPath: path };
}

/**
 * Every file reading `path` as a trace may touch: the file itself and, for a TraceV2 name, its
 * header/data sibling (what a command must never overwrite).
 */
export async function traceFiles(path: string): Promise<string[]> {
  if (traceV2Names(basename(path)) === undefined) return [path];
  try {
    const { headerPath, dataPath } = await resolveTraceV2(path);
    return [...new Set([path, dataPath, ...(headerPath !== undefined ? [headerPath] : [])])];
  } catch {
    return [path];
  }
}

export async function openTrace(path: string, options: OpenTraceOptions = {}): Promise<OpenedTrace> {
  const registry = options.registry ?? createFormatRegistry();
  const gz = await isGzip(path);
  const head = await readHead(path, gz);
  refuseLfsPointer(head, basename(path));
  let format = options.format ?? 'auto';
  if (format === 'auto' && options.columns !== undefined) format = looksLikeJsonLines(head, basename(path)) ? 'jsonl' : 'csv';
  if (format === 'auto') format = registry.sniff({ head, fileName: basename(path).replace(/\.gz$/i, '') });
  const entry = registry.get(format);
  // A mapping is for the generic csv/jsonl readers: another format reads its own columns, and
  // silently ignoring the user's mapping would replay something else than they asked for.
  if (options.columns !== undefined && entry.options?.columns === undefined) {
    throw new InputError('FLAG_CONFLICT', '--columns', `the ${entry.name} format reads its own columns; a mapping is for --format csv or jsonl (or auto)`);
  }
  // A unit is for a column mapped with --columns; the other formats' times carry their own.
  if (options.timeUnit !== undefined && entry.options?.timeUnit === undefined) {
    throw new InputError('FLAG_CONFLICT', '--time-unit', `the ${entry.name} format does not read it (its times have their own unit); it sets the unit of a --columns arrival column`);
  }
  if (options.latencyUnit !== undefined && entry.options?.latencyUnit === undefined) {
    throw new InputError('FLAG_CONFLICT', '--latency-unit', `the ${entry.name} format does not read it (its latencies have their own unit); it sets the unit of --columns ttft and e2e columns`);
  }
  let dataPath = path;
  let headerPath: string | undefined;
  let traceHeader = options.traceHeader;
  if (format === 'tracev2') {
    ({ headerPath, dataPath } = await resolveTraceV2(path));
    if (headerPath !== undefined && traceHeader === undefined) traceHeader = await readFile(headerPath, 'utf8');
    // The data file found beside a header may be the pointer of a file Git LFS did not download.
    if (dataPath !== path) refuseLfsPointer(await readHead(dataPath, await isGzip(dataPath)), basename(dataPath));
  }
  let summary: IngestSummary = { rows: 0, emitted: 0, skipped: {}, adjusted: {}, messages: [], warnings: [] };
  const chunks = dataStream(dataPath, dataPath === path ? gz : await isGzip(dataPath), options.chunkBytes ?? 1 << 20);
  const requests = ingestChunks(entry, basename(dataPath), chunks, { ...options, ...(traceHeader !== undefined ? { traceHeader } : {}) }, (s) => {
    summary = s;
  });
  return {
    format,
    path: dataPath,
    ...(headerPath !== undefined ? { headerPath } : {}),
    requests,
    uniqueIds: entry.numbersRequests === true,
    countedOutputTokens: entry.countedOutputTokens === true,
    summary: () => summary,
  };
}

/** The whole trace in memory (tests, small files). */
export async function readTrace(path: string, options: OpenTraceOptions = {}): Promise<{ format: string; requests: ArrivalRequest[]; summary: IngestSummary }> {
  const opened = await openTrace(path, options);
  const requests: ArrivalRequest[] = [];
  for await (const r of opened.requests) requests.push(r);
  return { format: opened.format, requests, summary: opened.summary() };
}
