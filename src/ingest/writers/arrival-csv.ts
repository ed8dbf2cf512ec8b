/** Writes the normalised arrival CSV (header ARRIVAL_CSV_COLUMNS; hash_ids space-separated), or TSV. */
import { ARRIVAL_CSV_COLUMNS } from '../../workload/request.js';
import { arrivalToValues } from '../formats/arrival-fields.js';
import { bufferedSink, csvField, type WriterEntry } from './types.js';

export const arrivalCsvWriter: WriterEntry = {
  name: 'arrival-csv',
  describe: 'normalised arrival CSV',
  matches: (path) => /\.(csv|tsv)$/i.test(path) && !/\.trace_data[^/]*\.csv$/i.test(path),
  create(sinks, options) {
    const sep = options.fieldSeparator ?? ',';
    const out = bufferedSink(sinks.data);
    out.add(`${ARRIVAL_CSV_COLUMNS.join(sep)}\n`);
    return {
      write(r) {
        const v = arrivalToValues(r);
        let line = '';
        for (let i = 0; i < ARRIVAL_CSV_COLUMNS.length; i++) {
          const x = v[ARRIVAL_CSV_COLUMNS[i]!];
          if (i > 0) line += sep;
          line += Array.isArray(x) ? x.join(' ') : csvField(x as string | number | undefined, sep);
        }
        out.add(`${line}\n`);
      },
      end: () => out.flush(),
    };
  },
};
