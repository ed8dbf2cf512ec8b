/**
 * Azure LLM inference traces (Azure/AzurePublicDataset), 2023 and 2024 CSV:
 * `TIMESTAMP,ContextTokens,GeneratedTokens`. 2023 writes `2023-11-16 18:17:03.9799600` (UTC, 7
 * fractional digits), 2024 `2024-05-10 00:00:00.009930+00:00`; both parse to epoch µs, so the
 * stream is rebased to first arrival = 0.
 */
import { createCsvTableReader, headerMatch, requireColumn } from '../csv-core.js';
import { parseIsoUs, parseTokens } from '../fields.js';
import type { FormatEntry } from '../types.js';

const COLUMNS = ['TIMESTAMP', 'ContextTokens', 'GeneratedTokens'] as const;

export const azureFormat: FormatEntry = {
  name: 'azure',
  describe: 'Azure LLM inference trace CSV, 2023 or 2024 (TIMESTAMP, ContextTokens, GeneratedTokens)',
  timeBase: 'absolute',
  order: 'arrival',
  sniff: ({ head }) => (headerMatch(head, COLUMNS) === 1 ? 0.95 : 0),
  create: (ctx, options) =>
    createCsvTableReader(ctx, (header, where) => {
      const [t, i, o] = COLUMNS.map((c) => requireColumn(header, c, where)) as [number, number, number];
      let n = 0;
      return (row) => {
        const id = `r${n++}`;
        ctx.emit({
          id,
          arrivalUs: parseIsoUs(row[t], 'TIMESTAMP'),
          inputTokens: parseTokens(row[i], 'ContextTokens'),
          outputTokens: parseTokens(row[o], 'GeneratedTokens'),
        });
      };
    }, options.delimiter),
};
