/**
 * Numeric flag values are decimal numbers as people type them: JavaScript's Number() also reads
 * hex, binary and octal literals ('0x10' is 16), which no --rate or --tp means.
 */
import { describe, expect, it } from 'vitest';
import { intFlag, numFlag } from '../../src/cli/parse.js';
import { InputError } from '../../src/kernel/errors.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof InputError ? e.code : String(e);
  }
  return undefined;
}

describe('numeric flag parsers', () => {
  const rate = numFlag('--rate');
  const tp = intFlag('--tp');

  it('read decimal numbers, signs, fractions and exponents', () => {
    expect(rate('5')).toBe(5);
    expect(rate(' 2.5 ')).toBe(2.5);
    expect(rate('.5')).toBe(0.5);
    expect(rate('5.')).toBe(5);
    expect(rate('1e3')).toBe(1000);
    expect(rate('-0.25')).toBe(-0.25);
    expect(rate('+3')).toBe(3);
    expect(tp('8')).toBe(8);
    expect(tp(' 8 ')).toBe(8);
  });

  it.each(['0x10', '0b11', '0o7', '1_000', 'Infinity', '', ' ', '5 rps', '1e', '.', '--1'])("refuse '%s' with FLAG_MALFORMED", (v) => {
    expect(code(() => rate(v))).toBe('FLAG_MALFORMED');
    expect(code(() => tp(v))).toBe('FLAG_MALFORMED');
  });

  it('an integer flag takes digits only, as vLLM\'s argparse int() does: no fraction or exponent', () => {
    expect(code(() => tp('2.5'))).toBe('FLAG_MALFORMED');
    expect(code(() => tp('1e1'))).toBe('FLAG_MALFORMED');
    expect(code(() => tp('2.'))).toBe('FLAG_MALFORMED');
  });
});
