/**
 * Reader core for formats stored as one JSON document (benchmark result files): chunks are
 * buffered and parsed at end(). Memory grows with the file; these files hold one benchmark run
 * (thousands of requests), not production logs.
 */
import { InputError, jsonParseProblem } from '../../kernel/errors.js';
import { RowError } from '../fields.js';
import type { ReaderContext, TraceReader } from '../types.js';

export function createWholeJsonReader(ctx: ReaderContext, handle: (doc: unknown) => void): TraceReader {
  const parts: string[] = [];
  const decoder = new TextDecoder('utf-8');
  return {
    push(chunk) {
      parts.push(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    },
    end() {
      parts.push(decoder.decode());
      const text = parts.join('');
      parts.length = 0;
      if (text.trim() === '') throw new InputError('EMPTY_INPUT', ctx.source, 'is empty: expected a JSON document');
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch (e) {
        throw new InputError('JSON_MALFORMED', ctx.source, `is not valid JSON (truncated?): ${jsonParseProblem(text, e)}`);
      }
      handle(doc);
    },
  };
}

/** Runs `fn` for record `index`, turning a RowError into a counted skip labelled `record N`. */
export function perRecord(ctx: ReaderContext, index: number, fn: () => void): void {
  ctx.locate?.(`record ${index}`);
  try {
    fn();
  } catch (e) {
    if (e instanceof RowError) ctx.skip(e.code, `record ${index}`, e.message);
    else throw e;
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Property path lookup: get(o, 'info', 'response_metrics', 'output_tokens'). */
export function dig(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const k of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}
