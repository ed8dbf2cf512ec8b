/**
 * Flag value parsers that fail with an InputError naming the flag. Each parser carries its kind
 * (and choices), so the run-config file and its JSON Schema know a flag's type from the flag.
 */
import { InputError, MAX_SEED } from '../kernel/errors.js';
import { decimalNumber } from '../kernel/decimal.js';

export type FlagKind = 'int' | 'number' | 'choice' | 'list';
export interface FlagTag {
  readonly kind?: FlagKind;
  readonly choices?: readonly string[];
}

function tagged<F extends object>(fn: F, kind: FlagKind, choices?: readonly string[]): F & FlagTag {
  return Object.assign(fn, { kind, ...(choices ? { choices } : {}) });
}

export function intFlag(flag: string): ((v: string) => number) & FlagTag {
  return tagged((v: string) => {
    // Decimal digits only, as vLLM's argparse type=int reads them: Number() also takes '0x2', '0b10' and '2e0'.
    const t = v.trim();
    const n = Number(t);
    if (!/^[+-]?[0-9]+$/.test(t) || !Number.isInteger(n)) throw new InputError('FLAG_MALFORMED', flag, `found '${v}'; expected an integer`);
    return n;
  }, 'int');
}

/** `--seed`: a whole number from 0 to 2^53 − 1, checked on the text (a longer number would round to another seed). */
export function seedFlag(flag: string): ((v: string) => number) & FlagTag {
  return tagged((v: string) => {
    const t = v.trim();
    const n = Number(t);
    if (!/^\+?[0-9]+$/.test(t)) throw new InputError('FLAG_MALFORMED', flag, `found '${v}'; expected a whole number from 0 to ${MAX_SEED}`);
    if (!Number.isSafeInteger(n)) throw new InputError('FLAG_OUT_OF_RANGE', flag, `found '${v}'; expected a whole number from 0 to ${MAX_SEED}`);
    return n;
  }, 'int');
}

export function numFlag(flag: string): ((v: string) => number) & FlagTag {
  return tagged((v: string) => {
    const n = decimalNumber(v);
    if (!Number.isFinite(n)) throw new InputError('FLAG_MALFORMED', flag, `found '${v}'; expected a number`);
    return n;
  }, 'number');
}

export function choiceFlag(flag: string, choices: readonly string[]): ((v: string) => string) & FlagTag {
  return tagged((v: string) => {
    const c = v.trim().toLowerCase();
    if (!choices.includes(c)) throw new InputError('FLAG_MALFORMED', flag, `found '${v}'; expected one of ${choices.join(', ')}`);
    return c;
  }, 'choice', choices);
}

/** A repeatable flag: every occurrence is kept, in order (`--otlp-header a=1 --otlp-header b=2`). */
export function listFlag(): ((v: string, previous?: string[]) => string[]) & FlagTag {
  return tagged((v: string, previous?: string[]) => [...(previous ?? []), v], 'list');
}

const BYTE_UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/** A byte size: a number with an optional unit (B, KB, MB, GB, KiB, MiB, GiB, ...), e.g. `8GiB`. */
export function bytesFlag(flag: string): (v: string) => number {
  return (v) => {
    const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-z]*)\s*$/i.exec(v);
    const unit = m ? BYTE_UNITS[m[2]!.toLowerCase()] : undefined;
    if (!m || unit === undefined) throw new InputError('FLAG_MALFORMED', flag, `found '${v}'; expected a size such as 8GiB, 500MB or 1073741824`);
    return Math.round(Number(m[1]) * unit);
  };
}
