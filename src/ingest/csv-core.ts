/**
 * The shared CSV table reader: csv-parse's synchronous core (the `api` behind its stream
 * Transform) fed chunk by chunk, the header bound once to a per-format row handler, and row
 * problems turned into counted skips with `file:line`.
 */
import { parse } from 'csv-parse';
import { InputError } from '../kernel/errors.js';
import { RowError } from './fields.js';
import type { ReaderContext, TraceReader } from './types.js';

/** Handles one data row; throws RowError for a row that cannot become a request. */
export type RowHandler = (row: string[], line: number) => void;

/** Binds the header (throws InputError for a missing column) and returns the row handler. */
export type HeaderBinder = (header: readonly string[], where: string) => RowHandler;

interface CsvCore {
  parse(buf: Uint8Array | undefined, end: boolean, push: (row: string[]) => void, close: () => void): Error | undefined;
  readonly info: { readonly lines: number };
}

/** The first line of a text, without a BOM or CR. */
export function firstLine(head: string): string {
  const start = head.charCodeAt(0) === 0xfeff ? 1 : 0;
  let end = head.indexOf('\n', start);
  if (end < 0) end = head.length;
  const line = head.slice(start, end);
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Tab if the header line has tabs and no commas, else comma. */
export function sniffDelimiter(line: string): string {
  return line.includes('\t') && !line.includes(',') ? '\t' : ',';
}

/** Header names of a CSV/TSV head (unquoted naively: enough for sniffing). */
export function headerNames(head: string): string[] {
  const line = firstLine(head);
  return line.split(sniffDelimiter(line)).map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
}

/** Fraction of `wanted` names present in the head's header (case-insensitive). */
export function headerMatch(head: string, wanted: readonly string[]): number {
  const have = new Set(headerNames(head).map((s) => s.toLowerCase()));
  let n = 0;
  for (const w of wanted) if (have.has(w.toLowerCase())) n++;
  return n / wanted.length;
}

/** Index of a column by name (exact, then case-insensitive); -1 when absent. */
export function findColumn(header: readonly string[], name: string): number {
  const i = header.indexOf(name);
  if (i >= 0) return i;
  const lower = name.toLowerCase();
  return header.findIndex((h) => h.toLowerCase() === lower);
}

export function requireColumn(header: readonly string[], name: string, where: string): number {
  const i = findColumn(header, name);
  if (i < 0) {
    throw new InputError('CSV_MISSING_COLUMN', where, `missing column '${name}'; found: ${header.join(', ') || '(none)'}`);
  }
  return i;
}

export function createCsvTableReader(ctx: ReaderContext, bind: HeaderBinder, delimiter?: string): TraceReader {
  let core: CsvCore | undefined;
  let handler: RowHandler | undefined;
  let width = 0;
  let dataRows = 0;
  const headerWhere = `${ctx.source}:1`;

  const onRow = (row: string[]): void => {
    const line = core!.info.lines;
    if (handler === undefined) {
      const header = row.map((h, i) => (i === 0 && h.charCodeAt(0) === 0xfeff ? h.slice(1) : h).trim());
      width = header.length;
      handler = bind(header, headerWhere);
      return;
    }
    dataRows++;
    if (row.length !== width) {
      ctx.skip('CSV_COLUMN_COUNT', line, `has ${row.length} fields, the header has ${width}`);
      return;
    }
    try {
      handler(row, line);
    } catch (e) {
      if (e instanceof RowError) ctx.skip(e.code, line, e.message);
      else throw e;
    }
  };

  const feed = (buf: Uint8Array | undefined, end: boolean): void => {
    const err = core!.parse(buf, end, onRow, () => undefined);
    if (err !== undefined) {
      if (err instanceof InputError) throw err;
      throw new InputError('CSV_MALFORMED', `${ctx.source}:${core!.info.lines}`, err.message);
    }
  };

  const start = (chunk: string): void => {
    const d = delimiter ?? sniffDelimiter(firstLine(chunk));
    const parser = parse({
      delimiter: d,
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        ctx.skip('CSV_MALFORMED', (err as { lines?: number } | undefined)?.lines ?? core!.info.lines, err?.message ?? 'malformed CSV record');
        return undefined;
      },
    }) as unknown as { api: CsvCore };
    core = parser.api;
  };

  return {
    push(chunk) {
      if (chunk.length === 0) return;
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (core === undefined) start(typeof chunk === 'string' ? chunk : Buffer.from(buf.buffer, buf.byteOffset, Math.min(buf.length, 4096)).toString('utf8'));
      feed(buf, false);
    },
    end() {
      if (core !== undefined) feed(undefined, true);
      if (handler === undefined) throw new InputError('EMPTY_INPUT', ctx.source, 'is empty: expected a CSV header line and data rows');
      if (dataRows === 0) throw new InputError('EMPTY_INPUT', ctx.source, 'has a header but no data rows');
    },
  };
}
