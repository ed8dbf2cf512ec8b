/**
 * The shape both Azure layouts share: a CSV of arrival time, prompt tokens and output tokens
 * under fixed column names; only the names and the time parser differ.
 */
import { createCsvTableReader, requireColumn } from '../csv-core.js';
import { parseTokens } from '../fields.js';
import type { ReaderContext, ReaderOptions, TraceReader } from '../types.js';

export function threeColumnReader(
  ctx: ReaderContext,
  options: ReaderOptions,
  columns: readonly [time: string, input: string, output: string],
  parseArrivalUs: (field: string | undefined, column: string) => number,
): TraceReader {
  return createCsvTableReader(ctx, (header, where) => {
    const [t, i, o] = columns.map((c) => requireColumn(header, c, where)) as [number, number, number];
    let n = 0;
    return (row) => {
      ctx.emit({
        id: `r${n++}`,
        arrivalUs: parseArrivalUs(row[t], columns[0]),
        inputTokens: parseTokens(row[i], columns[1]),
        outputTokens: parseTokens(row[o], columns[2]),
      }, false);
    };
  }, options.delimiter);
}
