/**
 * Azure LLM inference traces (Azure/AzurePublicDataset), 2023 and 2024 CSV:
 * `TIMESTAMP,ContextTokens,GeneratedTokens`. 2023 writes `2023-11-16 18:17:03.9799600` (UTC, 7
 * fractional digits), 2024 `2024-05-10 00:00:00.009930+00:00`; both parse to epoch µs, so the
 * stream is rebased to first arrival = 0.
 */
import { headerMatch } from '../csv-core.js';
import { parseIsoUs } from '../fields.js';
import type { FormatEntry } from '../types.js';
import { threeColumnReader } from './three-column.js';

const COLUMNS = ['TIMESTAMP', 'ContextTokens', 'GeneratedTokens'] as const;

export const azureFormat: FormatEntry = {
  name: 'azure',
  describe: 'Azure LLM inference trace CSV, 2023 or 2024 (TIMESTAMP, ContextTokens, GeneratedTokens)',
  timeBase: 'absolute',
  order: 'arrival',
  numbersRequests: true,
  sniff: ({ head }) => (headerMatch(head, COLUMNS) === 1 ? 0.95 : 0),
  create: (ctx, options) => threeColumnReader(ctx, options, COLUMNS, (v, c) => parseIsoUs(v, c)),
};
