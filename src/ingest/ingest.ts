/**
 * An ingest session: one reader, its issue log and the transformation pipeline, push-style.
 * `push(chunk)` / `end()` in, requests out through `onRequest`; the summary at any time.
 */
import { requestProblem } from '../workload/check-request.js';
import type { ArrivalRequest } from '../workload/request.js';
import { IssueLog, type IngestSummary } from './issues.js';
import { RecentMap } from './recent.js';
import { createPipeline, maxModelLenProblem, resolveTransform, type TransformOptions } from './transform.js';
import type { FormatEntry, ReaderContext, ReaderOptions, TraceReader } from './types.js';

/** Ids a repeat is looked for among: at least the latest half of this (~100 MiB of strings and locations at most). */
const RECENT_IDS = 1 << 20;

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
  const transform = resolveTransform(options, entry);
  let location: number | string | undefined;
  const where = (at: number | string): string => (typeof at === 'number' ? `${source}:${at}` : `${source} ${at}`);
  // Repeated ids, for formats that take ids from the data (the others number their rows), among the
  // requests that pass the transform (--limit, --from/--until, --sample drop the others): where each
  // id was read, queued until it passes, and where each passed id was first read. Both maps keep
  // at most RECENT_IDS ids, so a 10-million-row log still replays in bounded memory.
  const tracking = entry.numbersRequests !== true;
  const readAt = new RecentMap<(number | string)[]>(RECENT_IDS);
  const passedAt = new RecentMap<number | string>(RECENT_IDS);
  const sink = !tracking ? onRequest : (q: ArrivalRequest): void => {
    const queue = readAt.get(q.id);
    if (queue !== undefined) {
      const at = queue.shift()!;
      if (queue.length === 0) readAt.delete(q.id);
      const first = passedAt.get(q.id);
      if (first === undefined) passedAt.set(q.id, at);
      else issues.duplicateId(q.id, where(at), where(first));
    }
    onRequest(q);
  };
  const pipeline = createPipeline(transform, issues, source, sink, () => (location !== undefined ? where(location) : undefined));
  const ctx: ReaderContext = {
    source,
    emit(r, idFromData = true, order) {
      issues.rows++;
      // One check for every format: a damaged value (1e20 tokens, a negative TTFT) is this row's
      // problem, skipped and counted here, never a crash further down.
      const problem = requestProblem(r) ?? maxModelLenProblem(r, transform);
      if (problem !== null) {
        issues.skip(problem.code, location !== undefined ? where(location) : `${source} request ${r.id}`, problem.message);
        return;
      }
      if (tracking && idFromData) {
        const at = location ?? `record ${issues.rows}`;
        const queue = readAt.get(r.id);
        if (queue === undefined) readAt.set(r.id, [at]);
        else queue.push(at);
      }
      pipeline.push(r, order);
    },
    skip(code, at, message) {
      issues.rows++;
      issues.skip(code, where(at), message);
    },
    note(code) {
      issues.adjust(code);
    },
    locate(at) {
      location = at;
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

/**
 * Async-iterable form: chunks in, requests out, in bounded memory (one chunk's worth of
 * requests). A hand-written iterator rather than an async generator: `for await` then costs one
 * resolved promise per request, not a generator resumption (about 3x faster, bench/ingest.mjs).
 */
export function ingestChunks(
  entry: FormatEntry,
  source: string,
  chunks: AsyncIterable<string | Uint8Array>,
  options: IngestOptions = {},
  onSummary?: (summary: IngestSummary) => void,
): AsyncIterableIterator<ArrivalRequest> {
  let batch: ArrivalRequest[] = [];
  let index = 0;
  let finished = false;
  let session: IngestSession | undefined;
  let input: AsyncIterator<string | Uint8Array> | undefined;
  const refill = async (): Promise<void> => {
    session ??= createIngestSession(entry, source, options, (r) => batch.push(r));
    input ??= chunks[Symbol.asyncIterator]();
    batch = [];
    index = 0;
    try {
      while (batch.length === 0 && !finished) {
        const step = session.done ? { done: true as const, value: undefined } : await input.next();
        if (step.done === true) {
          finished = true;
          session.end();
          onSummary?.(session.summary());
        } else {
          session.push(step.value);
          if (session.done) await input.return?.();
        }
      }
    } catch (e) {
      finished = true;
      await input.return?.();
      throw e;
    }
  };
  const iterator: AsyncIterableIterator<ArrivalRequest> = {
    async next(): Promise<IteratorResult<ArrivalRequest>> {
      if (index >= batch.length) {
        if (finished) return { done: true, value: undefined };
        await refill();
        if (index >= batch.length) return { done: true, value: undefined };
      }
      return { done: false, value: batch[index++]! };
    },
    async return(): Promise<IteratorResult<ArrivalRequest>> {
      if (!finished) {
        finished = true;
        await input?.return?.();
        if (session !== undefined) onSummary?.(session.summary());
      }
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
