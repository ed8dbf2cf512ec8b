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

/** `usage.prompt_tokens` in `obj`: the literal key first, then the dotted path (undefined when absent). */
function lookup(obj: Record<string, unknown>, path: string): unknown {
  if (path in obj) return obj[path];
  let at: unknown = obj;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object' || Array.isArray(at)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** Where the walk to a missing `path` stopped and the fields there, for the row's message (only when one is missing). */
function missing(obj: Record<string, unknown>, path: string): string {
  let at: Record<string, unknown> = obj;
  let where = 'the object';
  const keys = path.split('.');
  for (let k = 0; k < keys.length - 1; k++) {
    const next = at[keys[k]!];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) break;
    at = next as Record<string, unknown>;
    where = keys.slice(0, k + 1).join('.');
  }
  return `${path} is missing; ${where} has ${clip(Object.keys(at).join(', ') || '(no fields)', 120)}`;
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
      const v = lookup(obj, path);
      if (v === undefined && REQUIRED.has(f)) throw new RowError('FIELD_EMPTY', missing(obj, path));
      return text(v);
    };
    return createJsonLinesReader(ctx, (o) => {
      obj = o;
      emit(value);
    });
  },
};
