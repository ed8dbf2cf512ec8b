/** Writes arrival JSON Lines: the arrival CSV's field names, absent fields omitted. */
import { arrivalToValues } from '../formats/arrival-fields.js';
import { bufferedSink, type WriterEntry } from './types.js';

export const arrivalJsonlWriter: WriterEntry = {
  name: 'arrival-jsonl',
  describe: 'normalised arrival JSON Lines',
  matches: (path) => /\.(jsonl|ndjson)$/i.test(path),
  create(sinks) {
    const out = bufferedSink(sinks.data);
    return {
      write(r) {
        const v = arrivalToValues(r);
        const o: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = x;
        out.add(`${JSON.stringify(o)}\n`);
      },
      end: () => out.flush(),
    };
  },
};
