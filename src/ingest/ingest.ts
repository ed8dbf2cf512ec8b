/**
 * An ingest session: one reader, its issue log and the transformation pipeline, push-style.
 * `push(chunk)` / `end()` in, requests out through `onRequest`; the summary at any time.
 */
import type { ArrivalRequest } from '../workload/request.js';
import { IssueLog, type IngestSummary } from './issues.js';
import { createPipeline, resolveTransform, type TransformOptions } from './transform.js';
import type { FormatEntry, ReaderContext, ReaderOptions, TraceReader } from './types.js';

export interface IngestOptions extends ReaderOptions, TransformOptions {
  /** Stop at the first bad row with an InputError (default: skip and count). */
  strict?: boolean;
}

export interface IngestSession extends TraceReader {
  /** True when no further input can produce output (limit reached or past `to`): stop reading. */
  readonly done: boolean;
  summary(): IngestSummary;
}

export function createIngestSession(
  entry: FormatEntry,
  source: string,
  options: IngestOptions,
  onRequest: (request: ArrivalRequest) => void,
): IngestSession {
  const issues = new IssueLog(options.strict === true);
  const pipeline = createPipeline(resolveTransform(options, entry), issues, source, onRequest);
  const ctx: ReaderContext = {
    source,
    emit(r) {
      issues.rows++;
      pipeline.push(r);
    },
    skip(code, at, message) {
      issues.rows++;
      issues.skip(code, typeof at === 'number' ? `${source}:${at}` : `${source} ${at}`, message);
    },
    note(code) {
      issues.adjust(code);
    },
  };
  const reader = entry.create(ctx, options);
  return {
    push(chunk) {
      if (!pipeline.done) reader.push(chunk);
    },
    end() {
      if (!pipeline.done) reader.end();
      pipeline.end();
    },
    get done() {
      return pipeline.done;
    },
    summary: () => issues.summary(),
  };
}

/** Sync convenience: a whole text (tests, small files) → requests and summary. */
export function ingestText(entry: FormatEntry, source: string, text: string, options: IngestOptions = {}): { requests: ArrivalRequest[]; summary: IngestSummary } {
  const requests: ArrivalRequest[] = [];
  const session = createIngestSession(entry, source, options, (r) => requests.push(r));
  session.push(text);
  session.end();
  return { requests, summary: session.summary() };
}

/** Async-iterable form: chunks in, requests out, in bounded memory (one chunk's worth). */
export async function* ingestChunks(
  entry: FormatEntry,
  source: string,
  chunks: AsyncIterable<string | Uint8Array>,
  options: IngestOptions = {},
  onSummary?: (summary: IngestSummary) => void,
): AsyncGenerator<ArrivalRequest> {
  let batch: ArrivalRequest[] = [];
  const session = createIngestSession(entry, source, options, (r) => batch.push(r));
  for await (const chunk of chunks) {
    session.push(chunk);
    if (batch.length > 0) {
      const out = batch;
      batch = [];
      yield* out;
    }
    if (session.done) break;
  }
  session.end();
  yield* batch;
  onSummary?.(session.summary());
}
