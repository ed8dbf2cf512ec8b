import { InputError } from '../../src/kernel/errors.js';

/** The InputError `f` throws (any other error is rethrown; none at all fails the test). */
export function inputErrorOf(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}
