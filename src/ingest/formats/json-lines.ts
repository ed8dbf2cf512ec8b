/**
 * A JSON Lines reader core: one object per line, blank lines ignored; a line that does not parse
 * is skipped as JSONL_BAD_LINE (a last line without newline that does not parse is reported as
 * JSONL_TRUNCATED). The format maps each object to a request or throws RowError.
 */
import { InputError } from '../../kernel/errors.js';
import { RowError } from '../fields.js';
import { createLineSplitter } from '../lines.js';
import type { ReaderContext, TraceReader } from '../types.js';

export type ObjectHandler = (obj: Record<string, unknown>, line: number) => void;

export function createJsonLinesReader(ctx: ReaderContext, handle: ObjectHandler): TraceReader {
  let records = 0;
  let atEnd = false;
  const splitter = createLineSplitter((text, line) => {
    if (text.trim() === '') return;
    records++;
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      const code = atEnd ? 'JSONL_TRUNCATED' : 'JSONL_BAD_LINE';
      ctx.skip(code, line, atEnd ? 'last line is not complete JSON (truncated file?)' : `not JSON: ${(e as Error).message}`);
      return;
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      ctx.skip('JSONL_NOT_OBJECT', line, 'expected a JSON object');
      return;
    }
    ctx.locate?.(line);
    try {
      handle(obj as Record<string, unknown>, line);
    } catch (e) {
      if (e instanceof RowError) ctx.skip(e.code, line, e.message);
      else throw e;
    }
  });
  return {
    push: (chunk) => splitter.push(chunk),
    end() {
      atEnd = true;
      splitter.end();
      if (records === 0) throw new InputError('EMPTY_INPUT', ctx.source, 'is empty: expected JSON Lines, one object per line');
    },
  };
}

/** True when a head's first non-blank line is a JSON object that has all `keys`. */
export function firstObjectHasKeys(head: string, keys: readonly string[]): boolean {
  const line = head.trimStart().split('\n', 1)[0] ?? '';
  if (!line.startsWith('{')) return false;
  return keys.every((k) => line.includes(`"${k}"`));
}
