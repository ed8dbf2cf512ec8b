import { describe, expect, it } from 'vitest';
import { InputError, closeNames } from '../../src/kernel/errors.js';

describe('InputError', () => {
  it('carries a stable code and a location that leads its message', () => {
    const e = new InputError('FLAG_OUT_OF_RANGE', '--tp', 'found 0; expected a positive integer');
    expect(e).toBeInstanceOf(Error);
    expect([e.name, e.code, e.where, e.message]).toEqual(['InputError', 'FLAG_OUT_OF_RANGE', '--tp', '--tp: found 0; expected a positive integer']);
    expect(new InputError('EMPTY_INPUT', '', 'no rows').message).toBe('no rows');
  });
});

describe('closeNames (did-you-mean suggestions)', () => {
  const known = ['round-robin', 'least-loaded', 'random', 'weighted'];
  it('suggests names within a third of the typed length in edits (at least 2), closest first', () => {
    expect(closeNames('randon', known)).toEqual(['random']);
    expect(closeNames('wieghted', known)).toEqual(['weighted']);
    expect(closeNames('Least-Loded', known)).toEqual(['least-loaded']);
    expect(closeNames('xyz', known)).toEqual([]);
  });
  it('counts a name containing the other (either way) as distance 0, ties in name order', () => {
    expect(closeNames('robin', known)).toEqual(['round-robin']);
    expect(closeNames('random-pick', known)).toEqual(['random']);
    expect(closeNames('r', ['rb', 'ra', 'x'])).toEqual(['ra', 'rb', 'x']);
  });
  it('returns at most `max` names', () => {
    expect(closeNames('a', ['ab', 'ac', 'ad', 'ae'], 2)).toEqual(['ab', 'ac']);
  });
  it('measures edits as Levenshtein distance (insert, delete, substitute cost 1)', () => {
    // 'kitten' → 'sitting' is 3 edits; the limit for a 6-letter name is 2, for 9 letters 3.
    expect(closeNames('kitten', ['sitting'])).toEqual([]);
    expect(closeNames('kittenabc', ['sittingabc'])).toEqual(['sittingabc']);
    expect(closeNames('abcd', ['abdc', 'abxy', 'axyz'])).toEqual(['abdc', 'abxy']);
    expect(closeNames('abcd', ['abxy', 'abce', 'zbcd'])).toEqual(['abce', 'zbcd', 'abxy']);
  });
});
