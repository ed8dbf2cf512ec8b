/** Arrival JSONL: one object per line with the ARRIVAL_CSV_COLUMNS names (hash_ids an array). */
import type { FormatEntry } from '../types.js';
import { ORDER_FIELD, arrivalFromFields, arrivalOrder } from './arrival-fields.js';
import { createJsonLinesReader, firstObjectHasKeys } from './json-lines.js';

export const arrivalJsonlFormat: FormatEntry = {
  name: 'arrival-jsonl',
  describe: 'normalised arrival JSON Lines (same field names as the arrival CSV)',
  timeBase: 'relative',
  order: 'arrival',
  sniff: ({ head }) => (firstObjectHasKeys(head, ['arrival_us', 'input_tokens', 'output_tokens']) ? 0.9 : 0),
  create: (ctx) => {
    let n = 0;
    return createJsonLinesReader(ctx, (obj) => {
      const generated = `r${n++}`;
      const request = arrivalFromFields((name) => obj[name], generated);
      ctx.emit(request, request.id !== generated, arrivalOrder(obj[ORDER_FIELD]));
    });
  },
};
