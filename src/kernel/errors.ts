/**
 * Bad input raises an InputError: a stable code, where (file:line, flag or field), what was
 * found and what was expected. The CLI prints one line and exits 2.
 */
export class InputError extends Error {
  readonly code: string;
  readonly where: string;

  /** `options.cause`: the error underneath (a plug-in's own exception), kept for its stack. */
  constructor(code: string, where: string, message: string, options?: ErrorOptions) {
    super(where ? `${where}: ${message}` : message, options);
    this.name = 'InputError';
    this.code = code;
    this.where = where;
  }
}

/** `value` when it is a positive integer; otherwise InputError FLAG_OUT_OF_RANGE at `where` (a flag or config field). */
export function positiveInt(value: number, where: string): number {
  if (!Number.isInteger(value) || value < 1) throw new InputError('FLAG_OUT_OF_RANGE', where, `found ${value}; expected a positive integer`);
  return value;
}

/** `value` when it is a finite number ≥ 0; otherwise InputError FLAG_OUT_OF_RANGE at `where`. */
export function nonNegative(value: number, where: string): number {
  if (!Number.isFinite(value) || value < 0) throw new InputError('FLAG_OUT_OF_RANGE', where, `found ${value}; expected a number >= 0`);
  return value;
}

/**
 * The largest seed: seeds are whole numbers a JSON or YAML reader keeps exactly (2^53 − 1,
 * Number.MAX_SAFE_INTEGER); past it two different seeds written in a file read as one.
 */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

/** `value` when it is a seed (a whole number from 0 to MAX_SEED); otherwise InputError FLAG_OUT_OF_RANGE at `where`. */
export function checkSeed(value: number, where: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new InputError('FLAG_OUT_OF_RANGE', where, `found ${value}; expected a whole number from 0 to ${MAX_SEED}`);
  return value;
}

/** Names close to `name` (edit distance or substring), for "unknown X; did you mean" messages. */
export function closeNames(name: string, known: readonly string[], max = 5): string[] {
  const n = name.toLowerCase();
  const scored = known.map((k) => {
    const kl = k.toLowerCase();
    const sub = kl.includes(n) || n.includes(kl) ? 0 : 1;
    return { k, d: sub === 0 ? 0 : editDistance(n, kl) };
  });
  const limit = Math.max(2, Math.floor(n.length / 3));
  return scored.filter((s) => s.d <= limit).sort((a, b) => a.d - b.d || (a.k < b.k ? -1 : 1)).slice(0, max).map((s) => s.k);
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/**
 * A value as an error message quotes it: JSON, except numbers JSON cannot write (YAML's .nan and
 * .inf, which JSON.stringify shows as "null") and nothing at all.
 */
export function showValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number') return String(v);
  // Inside lists and maps too: a marker string for each non-finite number, unquoted afterwards.
  const marked = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? `\u0000${String(x)}\u0000` : x));
  return marked === undefined ? String(v) : marked.replace(/"\\u0000(-?\w+)\\u0000"/g, '$1');
}

/**
 * What JSON.parse found wrong in `text`, for an error message: V8's own message, with the line and
 * column of its character position where it gives one (Node 20 reports only the position; newer
 * V8 adds the line itself), and, when a document ends and more follows, what that usually means.
 */
export function jsonParseProblem(text: string, e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const at = /at position (\d+)/.exec(message);
  let where = '';
  if (at !== null && !/\(line \d+/.test(message)) {
    const pos = Number(at[1]);
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    where = ` (line ${line}, column ${pos - before.lastIndexOf('\n')})`;
  }
  const more = /after JSON/.test(message) ? '; a second document follows the first: one JSON document per file is expected (JSON Lines, or `vllm bench serve --append-result` output, hold several)' : '';
  return `${message}${where}${more}`;
}
