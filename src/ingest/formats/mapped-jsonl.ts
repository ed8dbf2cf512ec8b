/**
 * Any other JSON Lines request log (a gateway's or server's one object per request), through the
 * same mapping as `csv`: `--columns arrival=timestamp,input=usage.prompt_tokens,
 * output=usage.completion_tokens`, a dotted name reaching into nested objects (a key that itself
 * contains dots is matched first). Values may be JSON numbers or strings. Never sniffed: chosen
 * when a mapping is given and the file starts with `{`.
 */
import { RowError, clip } from '../fields.js';
import type { ColumnMapping, FormatEntry } from '../types.js';
import { createJsonLinesReader } from './json-lines.js';
import { createMappedEmitter, requireMapping } from './mapping.js';
import { MAPPING_OPTIONS } from './mapped-csv.js';

const REQUIRED: ReadonlySet<keyof ColumnMapping> = new Set(['arrival', 'input', 'output']);

/**
 * `usage.prompt_tokens` in `obj`: the literal key first, then the dotted path. `where`: the
 * object the walk stopped at and its name, for the message when a required field is missing.
 */
function lookup(obj: Record<string, unknown>, path: string): { value: unknown; where: string; keys: string[] } {
  if (path in obj) return { value: obj[path], where: 'the object', keys: [] };
  let at: Record<string, unknown> = obj;
  let where = 'the object';
  const keys = path.split('.');
  for (let k = 0; k < keys.length; k++) {
    const next = at[keys[k]!];
    if (k === keys.length - 1) return { value: next, where, keys: Object.keys(at) };
    if (next === null || typeof next !== 'object' || Array.isArray(next)) return { value: undefined, where, keys: Object.keys(at) };
    at = next as Record<string, unknown>;
    where = keys.slice(0, k + 1).join('.');
  }
  return { value: undefined, where, keys: Object.keys(at) };
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/**
 * True when `--columns` should read the file as JSON Lines: its first non-blank line starts a
 * JSON object, or (an empty file, whose error should speak of JSON Lines) its name says so.
 */
export function looksLikeJsonLines(head: string, fileName = ''): boolean {
  const start = head.charCodeAt(0) === 0xfeff ? 1 : 0;
  const text = head.slice(start).trimStart();
  return text.startsWith('{') || (text === '' && /\.(jsonl|ndjson)(\.gz)?$/i.test(fileName));
}

export const mappedJsonlFormat: FormatEntry = {
  name: 'jsonl',
  describe: 'any JSON Lines log with a field mapping (--columns arrival=..,input=usage.prompt_tokens,.. and --time-unit)',
  timeBase: 'absolute',
  order: 'arrival',
  options: MAPPING_OPTIONS,
  sniff: () => 0,
  create: (ctx, options) => {
    const map = requireMapping('jsonl', options);
    const emit = createMappedEmitter(ctx, map, options);
    let obj: Record<string, unknown> = {};
    const value = (f: keyof ColumnMapping): string | undefined => {
      const path = map[f];
      if (path === undefined) return undefined;
      const { value: v, where, keys } = lookup(obj, path);
      if (v === undefined && REQUIRED.has(f)) {
        throw new RowError('FIELD_EMPTY', `${path} is missing; ${where} has ${clip(keys.join(', ') || '(no fields)', 120)}`);
      }
      return text(v);
    };
    return createJsonLinesReader(ctx, (o) => {
      obj = o;
      emit(value);
    });
  },
};
