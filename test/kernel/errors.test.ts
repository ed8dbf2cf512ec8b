import { describe, expect, it } from 'vitest';
import { InputError, closeNames, jsonParseProblem } from '../../src/kernel/errors.js';

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

describe('jsonParseProblem', () => {
  it('turns a character position into a line and a 1-based column', () => {
    const text = '{"a": 1,\n "b": 2,,\n}';
    // Position 17 is the second comma: line 2 is ` "b": 2,,`, where it is column 9.
    const msg = jsonParseProblem(text, new Error('Expected double-quoted property name in JSON at position 17'));
    expect(msg).toBe('Expected double-quoted property name in JSON at position 17 (line 2, column 9)');
  });

  it('leaves a message that already names its line alone (newer V8)', () => {
    const msg = 'Unexpected token in JSON at position 17 (line 2 column 9)';
    expect(jsonParseProblem('{}', new Error(msg))).toBe(msg);
  });

  it('says what a second document after the first means, from the parser\'s own message', () => {
    const text = '{"a": 1}\n{"a": 2}\n';
    let caught: unknown;
    try {
      JSON.parse(text);
    } catch (e) {
      caught = e;
    }
    const msg = jsonParseProblem(text, caught);
    expect(msg).toMatch(/line 2/);
    expect(msg).toContain('one JSON document per file');
  });
});
