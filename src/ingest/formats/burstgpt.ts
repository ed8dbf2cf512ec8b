/**
 * BurstGPT (HPMLL/BurstGPT) CSV, both layouts, columns mapped by name:
 * 6 columns `Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type` and 8 columns
 * with `Session ID,Elapsed time` inserted after `Timestamp`. Timestamp is seconds (int or `.0`
 * float) from the start of the collection, not Unix time, so the stream is rebased.
 * A failed request has `Response tokens` = 0 (request tokens may be non-zero): skipped under
 * BURSTGPT_FAILED unless `keepFailed` (then kept as is and counted under BURSTGPT_FAILED_KEPT).
 * `Elapsed time` is the provider's whole-response time in seconds, not TTFT; it is not used.
 */
import { createCsvTableReader, findColumn, headerMatch, requireColumn } from '../csv-core.js';
import { parseTimeUs, parseTokens, RowError } from '../fields.js';
import type { FormatEntry } from '../types.js';

export const burstgptFormat: FormatEntry = {
  name: 'burstgpt',
  describe: 'BurstGPT CSV, 6- or 8-column layout (Timestamp, [Session ID, Elapsed time,] Model, Request/Response tokens)',
  timeBase: 'absolute',
  order: 'arrival',
  numbersRequests: true,
  options: { keepFailed: 'keep failed rows (Response tokens = 0) instead of skipping them (default false)', delimiter: 'field delimiter (default: sniffed)' },
  sniff: ({ head }) => (headerMatch(head, ['Timestamp', 'Request tokens', 'Response tokens']) === 1 ? 0.95 : 0),
  create: (ctx, options) =>
    createCsvTableReader(ctx, (header, where) => {
      const t = requireColumn(header, 'Timestamp', where);
      const i = requireColumn(header, 'Request tokens', where);
      const o = requireColumn(header, 'Response tokens', where);
      const model = findColumn(header, 'Model');
      const session = findColumn(header, 'Session ID');
      const keepFailed = options.keepFailed === true;
      let n = 0;
      return (row, line) => {
        const id = `r${n++}`;
        const arrivalUs = parseTimeUs(row[t], 's', 'Timestamp');
        const inputTokens = parseTokens(row[i], 'Request tokens');
        const outputTokens = parseTokens(row[o], 'Response tokens');
        if (outputTokens === 0) {
          if (!keepFailed) {
            ctx.skip('BURSTGPT_FAILED', line, `failed request (Response tokens = 0, Request tokens = ${inputTokens})`);
            return;
          }
          ctx.note('BURSTGPT_FAILED_KEPT');
        }
        const m = model >= 0 ? row[model] : undefined;
        const s = session >= 0 ? row[session] : undefined;
        if (arrivalUs < 0) throw new RowError('FIELD_NEGATIVE_TIME', `Timestamp is negative`);
        ctx.emit({
          id,
          arrivalUs,
          inputTokens,
          outputTokens,
          ...(m ? { model: m } : {}),
          ...(s ? { sessionId: s } : {}),
        });
      };
    }, options.delimiter),
};
