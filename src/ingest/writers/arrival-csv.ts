/** Writes the normalised arrival CSV (header ARRIVAL_CSV_COLUMNS; hash_ids space-separated). */
import { ARRIVAL_CSV_COLUMNS } from '../../workload/request.js';
import { arrivalToValues } from '../formats/arrival-fields.js';
import { bufferedSink, csvField, type WriterEntry } from './types.js';

export const arrivalCsvWriter: WriterEntry = {
  name: 'arrival-csv',
  describe: 'normalised arrival CSV',
  matches: (path) => /\.(csv|tsv)$/i.test(path) && !/\.trace_data[^/]*\.csv$/i.test(path),
  create(sinks) {
    const out = bufferedSink(sinks.data);
    out.add(`${ARRIVAL_CSV_COLUMNS.join(',')}\n`);
    return {
      write(r) {
        const v = arrivalToValues(r);
        let line = '';
        for (let i = 0; i < ARRIVAL_CSV_COLUMNS.length; i++) {
          const x = v[ARRIVAL_CSV_COLUMNS[i]!];
          if (i > 0) line += ',';
          line += Array.isArray(x) ? x.join(' ') : csvField(x as string | number | undefined);
        }
        out.add(`${line}\n`);
      },
      end: () => out.flush(),
    };
  },
};
