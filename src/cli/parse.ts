/**
 * Flag value parsers that fail with an InputError naming the flag. Each parser carries its kind
 * (and choices), so the run-config file and its JSON Schema know a flag's type from the flag.
 */
import { InputError } from '../kernel/errors.js';

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
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n)) throw new InputError('FLAG_MALFORMED', flag, `found '${v}'; expected an integer`);
    return n;
  }, 'int');
}

export function numFlag(flag: string): ((v: string) => number) & FlagTag {
  return tagged((v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InputError('FLAG_MALFORMED', flag, `found '${v}'; expected a number`);
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
