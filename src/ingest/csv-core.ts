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

/**
 * Tab if the header line has tabs and no commas, semicolon if it has semicolons and neither
 * (spreadsheets write `;` where the decimal separator is a comma), else comma.
 */
export function sniffDelimiter(line: string): string {
  if (line.includes(',')) return ',';
  if (line.includes('\t')) return '\t';
  return line.includes(';') ? ';' : ',';
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

/**
 * Two paths, one result. Fast: while the input has no `"`, complete lines are split on the
 * delimiter directly (several times faster than a general CSV parser; measured in
 * bench/ingest.mjs). From the first chunk that holds a quote on, the rest of the file goes
 * through csv-parse, which handles quoting, embedded newlines and malformed records; line
 * numbers continue across the switch.
 */
export function createCsvTableReader(ctx: ReaderContext, bind: HeaderBinder, delimiter?: string): TraceReader {
  let core: CsvCore | undefined;
  let handler: RowHandler | undefined;
  let width = 0;
  let dataRows = 0;
  let delim = delimiter;
  /** Lines consumed by the fast path (csv-parse's numbering starts after them). */
  let fastLines = 0;
  let carry: Buffer | undefined;
  let started = false;
  const headerWhere = `${ctx.source}:1`;

  const onRow = (row: string[], line: number): void => {
    if (handler === undefined) {
      const header = [...row].map((h, i) => (i === 0 && h.charCodeAt(0) === 0xfeff ? h.slice(1) : h).trim());
      width = header.length;
      handler = bind(header, headerWhere);
      return;
    }
    dataRows++;
    if (row.length !== width) {
      ctx.skip('CSV_COLUMN_COUNT', line, `has ${row.length} fields, the header has ${width}`);
      return;
    }
    ctx.locate?.(line);
    try {
      handler(row, line);
    } catch (e) {
      if (e instanceof RowError) ctx.skip(e.code, line, e.message);
      else throw e;
    }
  };
  const onCoreRow = (row: string[]): void => onRow(row, fastLines + core!.info.lines);

  const feedCore = (buf: Uint8Array | undefined, end: boolean): void => {
    const err = core!.parse(buf, end, onCoreRow, () => undefined);
    if (err !== undefined) {
      if (err instanceof InputError) throw err;
      throw new InputError('CSV_MALFORMED', `${ctx.source}:${fastLines + core!.info.lines}`, err.message);
    }
  };

  const startCore = (): void => {
    const parser = parse({
      delimiter: delim ?? ',',
      bom: fastLines === 0,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      record_delimiter: ['\r\n', '\n'],
      on_skip: (err) => {
        dataRows++;
        ctx.skip('CSV_MALFORMED', fastLines + ((err as { lines?: number } | undefined)?.lines ?? core!.info.lines), err?.message ?? 'malformed CSV record');
        return undefined;
      },
    }) as unknown as { api: CsvCore };
    core = parser.api;
  };

  /** Fast path over complete lines (no quotes anywhere in them). */
  const row: string[] = [];
  const splitLines = (text: string): void => {
    const d = delim!;
    const dl = d.length;
    let pos = 0;
    /** Next delimiter at or after the scan position (-1: none left), so the scan stays O(n). */
    let nextD = text.indexOf(d);
    const n = text.length;
    while (pos < n) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) nl = n;
      fastLines++;
      let end = nl;
      if (end > pos && text.charCodeAt(end - 1) === 13) end--;
      if (end > pos) {
        // One reused row array: handlers read the row during the call and never keep it.
        let k = 0;
        let f = pos;
        if (nextD >= 0 && nextD < f) nextD = text.indexOf(d, f);
        while (nextD >= 0 && nextD < end) {
          row[k++] = text.slice(f, nextD);
          f = nextD + dl;
          nextD = text.indexOf(d, f);
        }
        row[k++] = text.slice(f, end);
        row.length = k;
        onRow(row, fastLines);
      }
      pos = nl + 1;
    }
  };

  const QUOTE = 0x22;
  const push = (bytes: Uint8Array): void => {
    if (core !== undefined) return feedCore(bytes, false);
    const buf = carry !== undefined ? Buffer.concat([carry, bytes]) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    carry = undefined;
    if (!started) {
      // The delimiter is sniffed from the whole first line: wait until it is complete.
      const first = buf.indexOf(0x0a);
      if (first < 0) {
        carry = buf;
        return;
      }
      started = true;
      const line = buf.subarray(0, first).toString('utf8');
      delim ??= sniffDelimiter(firstLine(line));
    }
    if (buf.indexOf(QUOTE) >= 0) {
      startCore();
      return feedCore(buf, false);
    }
    const lastNl = buf.lastIndexOf(0x0a);
    if (lastNl < 0) {
      carry = buf;
      return;
    }
    if (lastNl + 1 < buf.length) carry = Buffer.from(buf.subarray(lastNl + 1));
    let text = buf.toString('utf8', 0, lastNl + 1);
    if (fastLines === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    splitLines(text.charCodeAt(text.length - 1) === 10 ? text.slice(0, -1) : text);
  };

  return {
    push(chunk) {
      if (chunk.length === 0) return;
      push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    },
    end() {
      if (core === undefined && carry !== undefined) {
        const rest = carry;
        carry = undefined;
        if (!started) {
          started = true;
          delim ??= sniffDelimiter(firstLine(rest.toString('utf8')));
        }
        if (rest.indexOf(0x22) >= 0) {
          startCore();
          feedCore(rest, false);
        } else {
          let text = rest.toString('utf8');
          if (fastLines === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
          splitLines(text);
        }
      }
      if (core !== undefined) feedCore(undefined, true);
      // csv-parse skips malformed records (a JSON object's quotes among them), so a file may be
      // all records and still yield no header: say that, not "empty".
      if (handler === undefined && dataRows > 0) {
        throw new InputError('CSV_MALFORMED', ctx.source, "no CSV header could be read: every record is malformed CSV (a JSON Lines file? --columns reads one when its first line starts with '{')");
      }
      if (handler === undefined) throw new InputError('EMPTY_INPUT', ctx.source, 'is empty: expected a CSV header line and data rows');
      if (dataRows === 0) throw new InputError('EMPTY_INPUT', ctx.source, 'has a header but no data rows');
    },
  };
}
