/** Flag value parsers that fail with an InputError naming the flag. */
import { InputError } from '../kernel/errors.js';

export function intFlag(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n)) throw new InputError('FLAG_MALFORMED', flag, `found '${v}'; expected an integer`);
    return n;
  };
}

export function numFlag(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InputError('FLAG_MALFORMED', flag, `found '${v}'; expected a number`);
    return n;
  };
}

export function choiceFlag(flag: string, choices: readonly string[]): (v: string) => string {
  return (v) => {
    const c = v.trim().toLowerCase();
    if (!choices.includes(c)) throw new InputError('FLAG_MALFORMED', flag, `found '${v}'; expected one of ${choices.join(', ')}`);
    return c;
  };
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
