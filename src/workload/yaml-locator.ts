/**
 * The one YAML parser for the files blis reads with positions (workload specs here, autoscaler
 * policies in control, sweep specs in plan), and file positions for their errors: a field path
 * such as `clients[0].rate` becomes `file:line clients[0].rate`, the line of the deepest node of
 * the path that exists (a map key's own line).
 */
import { LineCounter, isMap, isScalar, parseDocument, type Document } from 'yaml';
import { InputError, showValue } from '../kernel/errors.js';

export type YamlPath = readonly (string | number)[];

export function pathText(path: YamlPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s;
}

/** How a found value reads in an error message. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${showValue(v)}`;
}

export class YamlLocator {
  constructor(private readonly doc: Document, private readonly lines: LineCounter, private readonly fileName: string) {}

  where(path: YamlPath): string {
    let line = 1;
    for (let depth = path.length; depth >= 0; depth--) {
      const sub = path.slice(0, depth);
      const parent = depth > 0 ? this.doc.getIn(sub.slice(0, -1), true) : undefined;
      const last = sub[sub.length - 1];
      if (isMap(parent) && typeof last === 'string') {
        const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
        const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
        if (range) {
          line = this.lines.linePos(range[0]).line;
          break;
        }
        continue;
      }
      const node = depth === 0 ? this.doc.contents : this.doc.getIn(sub, true);
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (range) {
        line = this.lines.linePos(range[0]).line;
        break;
      }
    }
    const field = pathText(path);
    return field ? `${this.fileName}:${line} ${field}` : `${this.fileName}:${line}`;
  }

  /** A `where(key?)` function for one path (sub-keys appended). */
  fn(path: YamlPath): (key?: string) => string {
    return (key) => this.where(key === undefined ? path : [...path, key]);
  }
}

/**
 * Parses a YAML file (duplicate keys are errors) and returns its document with a locator; a
 * syntax error is an InputError `code` at `file:line:col`.
 */
export function parseYamlFile(text: string, fileName: string, code: string): { doc: Document; loc: YamlLocator; value: unknown } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0] ?? lines.linePos(err.pos[0]);
    throw new InputError(code, `${fileName}:${pos.line}:${pos.col}`, `malformed YAML: ${err.message.split('\n')[0]!}`);
  }
  // The document as plain values. Aliases are capped: a "billion laughs" file (aliases of
  // aliases) would otherwise expand without bound; the yaml library refuses it, said here.
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new InputError(code, fileName, `cannot expand the YAML: ${(e as Error).message.split('\n')[0]!}`);
  }
  return { doc, loc: new YamlLocator(doc, lines, fileName), value };
}

/**
 * Refuses a JSON text in which one object names a key twice (JSON.parse keeps the last one
 * silently): JSON is YAML 1.2, so the YAML reader, which refuses duplicate keys, finds it. Call it
 * after JSON.parse accepted the text; any other YAML complaint is ignored.
 */
export function refuseDuplicateJsonKeys(text: string, fileName: string, code: string): void {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const dup = doc.errors.find((e) => e.code === 'DUPLICATE_KEY');
  if (dup === undefined) return;
  const pos = dup.linePos?.[0] ?? lines.linePos(dup.pos[0]);
  const key = /^"((?:[^"\\]|\\.)*)"/.exec(text.slice(dup.pos[0]))?.[1];
  throw new InputError(code, `${fileName}:${pos.line}:${pos.col}`, `${key !== undefined ? `key "${key}"` : 'a key'} is given twice in one object; expected each key once (JSON readers keep the last one silently)`);
}
