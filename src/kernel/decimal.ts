/**
 * A number as people type it in a flag or a flag's list: optional sign, digits, fraction,
 * exponent, spaces around. JavaScript's Number() alone also reads '0x10' as 16 and '0b11',
 * '0o7' as 3 and 7, and '' as 0, none of which a rate, price, weight or target means.
 */
const DECIMAL = /^\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*$/;

/** The decimal number `text` spells, or NaN when it spells none. */
export function decimalNumber(text: string): number {
  return DECIMAL.test(text) ? Number(text) : NaN;
}
