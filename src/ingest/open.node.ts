/**
 * File opening for ingest (the only ingest code touching node:fs): sniff the head, resolve
 * TraceV2 siblings, stream the file through an ingest session as an async iterable.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../kernel/errors.js';
import type { ArrivalRequest, ArrivalStream } from '../workload/request.js';
import { ingestChunks, type IngestOptions } from './ingest.js';
import type { IngestSummary } from './issues.js';
import { headerNamesFor, pickDataFile, traceV2Names } from './paths.js';
import { createFormatRegistry, type FormatRegistry } from './registry.js';

export const SNIFF_BYTES = 65536;

export interface OpenTraceOptions extends IngestOptions {
  /** A registry name or 'auto' (default; 'csv' when `columns` is given). */
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
  /** Counts so far; complete once `requests` is exhausted. */
  summary(): IngestSummary;
}

async function readHead(path: string): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new InputError('FILE_NOT_READABLE', path, `cannot open: ${(e as Error).message}`);
  }
  try {
    if ((await fh.stat()).isDirectory()) throw new InputError('FILE_IS_DIRECTORY', path, 'is a directory; expected a trace file');
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
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
  const head = await readHead(path);
  let format = options.format ?? 'auto';
  if (format === 'auto' && options.columns !== undefined) format = 'csv';
  if (format === 'auto') format = registry.sniff({ head, fileName: basename(path) });
  const entry = registry.get(format);
  let dataPath = path;
  let headerPath: string | undefined;
  let traceHeader = options.traceHeader;
  if (format === 'tracev2') {
    ({ headerPath, dataPath } = await resolveTraceV2(path));
    if (headerPath !== undefined && traceHeader === undefined) traceHeader = await readFile(headerPath, 'utf8');
  }
  let summary: IngestSummary = { rows: 0, emitted: 0, skipped: {}, adjusted: {}, messages: [], warnings: [] };
  const chunks = createReadStream(dataPath, { highWaterMark: options.chunkBytes ?? 1 << 20 }) as AsyncIterable<Buffer>;
  const requests = ingestChunks(entry, basename(dataPath), chunks, { ...options, ...(traceHeader !== undefined ? { traceHeader } : {}) }, (s) => {
    summary = s;
  });
  return {
    format,
    path: dataPath,
    ...(headerPath !== undefined ? { headerPath } : {}),
    requests,
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
