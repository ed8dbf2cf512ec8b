/** The normalised arrival CSV (header = ARRIVAL_CSV_COLUMNS; optional columns may be absent). */
import { createCsvTableReader, findColumn, headerMatch, requireColumn } from '../csv-core.js';
import type { FormatEntry } from '../types.js';
import { ARRIVAL_CSV_COLUMNS } from '../../workload/request.js';
import { ORDER_FIELD, arrivalFromFields, arrivalOrder, type ArrivalColumn } from './arrival-fields.js';

export const arrivalCsvFormat: FormatEntry = {
  name: 'arrival-csv',
  describe: 'normalised arrival CSV (blis convert output; header id, arrival_us, input_tokens, output_tokens, ...)',
  timeBase: 'relative',
  order: 'arrival',
  sniff: ({ head }) => {
    if (headerMatch(head, ['arrival_us', 'input_tokens', 'output_tokens']) < 1) return 0;
    return 0.6 + 0.39 * headerMatch(head, ARRIVAL_CSV_COLUMNS);
  },
  create: (ctx, options) =>
    createCsvTableReader(ctx, (header, where) => {
      for (const c of ['arrival_us', 'input_tokens', 'output_tokens']) requireColumn(header, c, where);
      const index = new Map<ArrivalColumn, number>();
      for (const c of ARRIVAL_CSV_COLUMNS) {
        const i = findColumn(header, c);
        if (i >= 0) index.set(c, i);
      }
      const orderAt = findColumn(header, ORDER_FIELD);
      let n = 0;
      let row: string[] = [];
      const get = (name: ArrivalColumn): string | undefined => {
        const i = index.get(name);
        return i === undefined ? undefined : row[i];
      };
      return (r) => {
        row = r;
        const generated = `r${n++}`;
        const request = arrivalFromFields(get, generated);
        ctx.emit(request, request.id !== generated, orderAt >= 0 ? arrivalOrder(row[orderAt]) : undefined);
      };
    }, options.delimiter),
};
