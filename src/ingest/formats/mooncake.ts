/**
 * Mooncake FAST'25 traces (kvcache-ai/Mooncake `FAST25-release/traces/*.jsonl`):
 * `{"timestamp": ms since trace start, "input_length", "output_length", "hash_ids": [...]}`;
 * hash_ids are prefix-block ids of 512 tokens (len = ceil(input_length / 512)).
 */
import { RowError, parseNumber, parseTokens } from '../fields.js';
import type { FormatEntry } from '../types.js';
import { createJsonLinesReader, firstObjectHasKeys } from './json-lines.js';
import { msToUs } from '../../kernel/units.js';

export const MOONCAKE_BLOCK_TOKENS = 512;

export const mooncakeFormat: FormatEntry = {
  name: 'mooncake',
  describe: 'Mooncake JSONL (timestamp ms, input_length, output_length, hash_ids of 512-token blocks)',
  timeBase: 'relative',
  order: 'arrival',
  numbersRequests: true,
  sniff: ({ head }) => (firstObjectHasKeys(head, ['timestamp', 'input_length', 'output_length']) ? 0.95 : 0),
  create: (ctx) => {
    let n = 0;
    return createJsonLinesReader(ctx, (obj) => {
      const id = `r${n++}`;
      const ids = obj['hash_ids'];
      if (ids !== undefined && (!Array.isArray(ids) || !ids.every((x) => Number.isInteger(x)))) {
        throw new RowError('FIELD_BAD_HASH_IDS', 'hash_ids is not an array of integers');
      }
      ctx.emit({
        id,
        arrivalUs: msToUs(parseNumber(String(obj['timestamp'] ?? ''), 'timestamp')),
        inputTokens: parseTokens(String(obj['input_length'] ?? ''), 'input_length'),
        outputTokens: parseTokens(String(obj['output_length'] ?? ''), 'output_length'),
        ...(Array.isArray(ids) && ids.length > 0 ? { hashIds: { ids: ids as number[], blockTokens: MOONCAKE_BLOCK_TOKENS } } : {}),
      });
    });
  },
};
