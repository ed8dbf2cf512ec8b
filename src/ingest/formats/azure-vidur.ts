/**
 * The Azure 2023 traces as redistributed by microsoft/vidur (`data/processed_traces/splitwise_*.csv`):
 * `arrived_at` in seconds since the first request, `num_prefill_tokens`, `num_decode_tokens`.
 */
import { createCsvTableReader, headerMatch, requireColumn } from '../csv-core.js';
import { parseTimeUs, parseTokens } from '../fields.js';
import type { FormatEntry } from '../types.js';

const COLUMNS = ['arrived_at', 'num_prefill_tokens', 'num_decode_tokens'] as const;

export const azureVidurFormat: FormatEntry = {
  name: 'azure-vidur',
  describe: 'vidur-processed Azure trace CSV (arrived_at s, num_prefill_tokens, num_decode_tokens)',
  timeBase: 'relative',
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
          arrivalUs: parseTimeUs(row[t], 's', 'arrived_at'),
          inputTokens: parseTokens(row[i], 'num_prefill_tokens'),
          outputTokens: parseTokens(row[o], 'num_decode_tokens'),
        });
      };
    }, options.delimiter),
};
