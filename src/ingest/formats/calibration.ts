/**
 * Per-request CSV of the calibration experiments (groundtruth/calibration/<id>.requests.csv):
 * `index, stage, arrival_us, input_tokens_counted, output_tokens_counted, ttft_us, e2e_us, error`.
 * `error=1` rows hit the client timeout (token counts 0, TTFT blank): skipped under
 * REQUEST_FAILED unless `keepFailed` (then kept with their e2e and counted REQUEST_FAILED_KEPT).
 */
import { createCsvTableReader, headerMatch, requireColumn } from '../csv-core.js';
import { optionalNumber, parseNumber, parseTimeUs, parseTokens } from '../fields.js';
import type { FormatEntry } from '../types.js';
import type { ObservedLatency } from '../../workload/request.js';

const COLUMNS = ['index', 'stage', 'arrival_us', 'input_tokens_counted', 'output_tokens_counted', 'ttft_us', 'e2e_us', 'error'] as const;

export const calibrationFormat: FormatEntry = {
  name: 'calibration-requests',
  describe: 'per-request CSV of the calibration experiments (arrival_us, *_tokens_counted, ttft_us, e2e_us, error)',
  timeBase: 'relative',
  order: 'arrival',
  countedOutputTokens: true,
  options: { keepFailed: 'keep error=1 rows (client timeouts) instead of skipping them (default false)' },
  sniff: ({ head }) => (headerMatch(head, COLUMNS) === 1 ? 0.97 : 0),
  create: (ctx, options) =>
    createCsvTableReader(ctx, (header, where) => {
      const [ix, st, t, i, o, ttft, e2e, err] = COLUMNS.map((c) => requireColumn(header, c, where)) as number[] as [
        number, number, number, number, number, number, number, number,
      ];
      const keepFailed = options.keepFailed === true;
      return (row, line) => {
        const failed = row[err] !== '' && row[err] !== '0';
        if (failed) {
          if (!keepFailed) {
            ctx.skip('REQUEST_FAILED', line, `request failed in the source (error=${row[err]})`);
            return;
          }
          ctx.note('REQUEST_FAILED_KEPT');
        }
        const ttftUs = optionalNumber(row[ttft], 'ttft_us');
        const e2eUs = optionalNumber(row[e2e], 'e2e_us');
        const observed: ObservedLatency = {
          ...(ttftUs !== undefined ? { ttftUs } : {}),
          ...(e2eUs !== undefined ? { e2eUs } : {}),
        };
        ctx.emit({
          id: String(parseTokens(row[ix], 'index')),
          arrivalUs: parseTimeUs(row[t], 'us', 'arrival_us'),
          inputTokens: parseTokens(row[i], 'input_tokens_counted'),
          outputTokens: parseTokens(row[o], 'output_tokens_counted'),
          stage: parseNumber(row[st], 'stage'),
          ...(ttftUs !== undefined || e2eUs !== undefined ? { observed } : {}),
        });
      };
    }, options.delimiter),
};
