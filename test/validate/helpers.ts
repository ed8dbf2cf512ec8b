import { expect } from 'vitest';
import { InputError } from '../../src/kernel/errors.js';

/** The InputError `f` throws (the test fails if it throws anything else or nothing). */
export function errorOf(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}
