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
