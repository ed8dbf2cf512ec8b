/**
 * The Azure 2023 traces as redistributed by microsoft/vidur (`data/processed_traces/splitwise_*.csv`):
 * `arrived_at` in seconds since the first request, `num_prefill_tokens`, `num_decode_tokens`.
 */
import { headerMatch } from '../csv-core.js';
import { parseTimeUs } from '../fields.js';
import type { FormatEntry } from '../types.js';
import { threeColumnReader } from './three-column.js';

const COLUMNS = ['arrived_at', 'num_prefill_tokens', 'num_decode_tokens'] as const;

export const azureVidurFormat: FormatEntry = {
  name: 'azure-vidur',
  describe: 'vidur-processed Azure trace CSV (arrived_at s, num_prefill_tokens, num_decode_tokens)',
  timeBase: 'relative',
  order: 'arrival',
  numbersRequests: true,
  sniff: ({ head }) => (headerMatch(head, COLUMNS) === 1 ? 0.95 : 0),
  create: (ctx, options) => threeColumnReader(ctx, options, COLUMNS, (v, c) => parseTimeUs(v, 's', c)),
};
