/**
 * Any other CSV/TSV, through a column mapping (`--columns arrival=ts,input=prompt_tokens,
 * output=completion_tokens[,ttft=..,e2e=..,session=..,model=..,id=..]`) and a time unit
 * (`--time-unit ms|s|us|iso`, default s). ttft/e2e columns are durations in the same unit
 * (seconds when the unit is iso). Never sniffed: chosen when a mapping is given.
 */
import { InputError } from '../../kernel/errors.js';
import { createCsvTableReader, requireColumn } from '../csv-core.js';
import { parseTimeUs, parseTokens } from '../fields.js';
import { TIME_UNITS, type ColumnMapping, type FormatEntry, type TimeUnit } from '../types.js';
import type { ObservedLatency } from '../../workload/request.js';

const FIELDS = ['arrival', 'input', 'output', 'id', 'ttft', 'e2e', 'session', 'model'] as const;

/** `--time-unit` value → TimeUnit, or an InputError listing the known units. */
export function parseTimeUnit(value: string, where = '--time-unit'): TimeUnit {
  if ((TIME_UNITS as readonly string[]).includes(value)) return value as TimeUnit;
  throw new InputError('FLAG_BAD_VALUE', where, `'${value}' is not a time unit; known: ${TIME_UNITS.join(', ')}`);
}

/** `arrival=ts,input=prompt_tokens,output=completion_tokens` → ColumnMapping. */
export function parseColumnMapping(spec: string, where = '--columns'): ColumnMapping {
  const out: Record<string, string> = {};
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? '' : part.slice(0, eq).trim();
    const value = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (!(FIELDS as readonly string[]).includes(key) || value === '') {
      throw new InputError('FLAG_BAD_VALUE', where, `'${part}' is not field=column with field one of ${FIELDS.join(', ')}`);
    }
    out[key] = value;
  }
  for (const k of ['arrival', 'input', 'output']) {
    if (out[k] === undefined) throw new InputError('FLAG_BAD_VALUE', where, `missing ${k}=<column> (required: arrival, input, output)`);
  }
  return out as unknown as ColumnMapping;
}

function observedOf(ttftUs: number | undefined, e2eUs: number | undefined): ObservedLatency {
  return { ...(ttftUs !== undefined ? { ttftUs } : {}), ...(e2eUs !== undefined ? { e2eUs } : {}) };
}

export const mappedCsvFormat: FormatEntry = {
  name: 'csv',
  describe: 'any CSV/TSV with a column mapping (--columns arrival=..,input=..,output=.. and --time-unit)',
  timeBase: 'absolute',
  order: 'arrival',
  options: { columns: 'arrival=..,input=..,output=..[,ttft=..,e2e=..,session=..,model=..,id=..] (required)', timeUnit: 'unit of the arrival column: us, ms, s or iso (default s)', delimiter: 'field delimiter (default: sniffed)' },
  sniff: () => 0,
  create: (ctx, options) => {
    const map = options.columns;
    if (map === undefined) throw new InputError('FLAG_MISSING', '--columns', "format 'csv' needs a column mapping, e.g. arrival=ts,input=prompt_tokens,output=completion_tokens");
    const unit = parseTimeUnit(options.timeUnit ?? 's');
    const durUnit = unit === 'iso' ? 's' : unit;
    return createCsvTableReader(ctx, (header, where) => {
      const t = requireColumn(header, map.arrival, where), i = requireColumn(header, map.input, where), o = requireColumn(header, map.output, where);
      const opt = (c: string | undefined): number => (c === undefined ? -1 : requireColumn(header, c, where));
      const id = opt(map.id), ttft = opt(map.ttft), e2e = opt(map.e2e), session = opt(map.session), model = opt(map.model);
      let n = 0;
      return (row) => {
        const gen = `r${n++}`;
        const ttftUs = ttft >= 0 && row[ttft] !== '' ? parseTimeUs(row[ttft], durUnit, map.ttft!) : undefined;
        const e2eUs = e2e >= 0 && row[e2e] !== '' ? parseTimeUs(row[e2e], durUnit, map.e2e!) : undefined;
        const s = session >= 0 ? row[session] : '';
        const m = model >= 0 ? row[model] : '';
        ctx.emit({
          id: id >= 0 && row[id] !== '' ? row[id]! : gen,
          arrivalUs: parseTimeUs(row[t], unit, map.arrival),
          inputTokens: parseTokens(row[i], map.input),
          outputTokens: parseTokens(row[o], map.output),
          ...(s ? { sessionId: s } : {}),
          ...(m ? { model: m } : {}),
          ...(ttftUs !== undefined || e2eUs !== undefined ? { observed: observedOf(ttftUs, e2eUs) } : {}),
        }, id >= 0 && row[id] !== '');
      };
    }, options.delimiter);
  },
};
