/**
 * Any other CSV/TSV, through a column mapping (`--columns arrival=ts,input=prompt_tokens,
 * output=completion_tokens[,ttft=..,e2e=..,first_token=..,end=..,session=..,model=..,id=..,status=..]`) and a time unit
 * (`--time-unit ms|s|us|iso`, default s). ttft/e2e columns are durations in the same unit
 * (seconds when the unit is iso). Never sniffed: chosen when a mapping is given.
 */
import { createCsvTableReader, requireColumn } from '../csv-core.js';
import type { ColumnMapping, FormatEntry } from '../types.js';
import { createMappedEmitter, requireMapping } from './mapping.js';

export { parseColumnMapping, parseLatencyUnit, parseTimeUnit } from './mapping.js';

export const MAPPING_OPTIONS = {
  columns: 'arrival=..,input=..,output=..[,ttft=..,e2e=..,first_token=..,end=..,session=..,model=..,id=..,status=..] (required)',
  keepFailed: 'keep rows whose status column says the request failed (default: skipped as REQUEST_FAILED)',
  timeUnit: 'unit of the arrival column: ns, us, ms, s or iso (default s)',
  latencyUnit: 'unit of the ttft and e2e columns: ns, us, ms or s (default: the time unit; s with iso)',
} as const;

export const mappedCsvFormat: FormatEntry = {
  name: 'csv',
  describe: 'any CSV/TSV with a column mapping (--columns arrival=..,input=..,output=.. and --time-unit)',
  timeBase: 'absolute',
  order: 'arrival',
  options: { ...MAPPING_OPTIONS, delimiter: 'field delimiter (default: sniffed)' },
  sniff: () => 0,
  create: (ctx, options) => {
    const map = requireMapping('csv', options);
    const emit = createMappedEmitter(ctx, map, options);
    return createCsvTableReader(ctx, (header, where) => {
      const index: Partial<Record<keyof ColumnMapping, number>> = {};
      for (const [field, column] of Object.entries(map) as Array<[keyof ColumnMapping, string]>) index[field] = requireColumn(header, column, where);
      let row: string[] = [];
      const value = (f: keyof ColumnMapping): string | undefined => {
        const i = index[f];
        return i === undefined ? undefined : row[i];
      };
      return (r) => {
        row = r;
        emit(value);
      };
    }, options.delimiter);
  },
};
