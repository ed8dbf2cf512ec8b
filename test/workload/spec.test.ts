import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/kernel/errors.js';
import { generateArrivals } from '../../src/workload/generate.js';
import { resolveWorkload } from '../../src/workload/resolve.js';
import { parseWorkloadSpec } from '../../src/workload/spec.js';
import { Rng } from '../../src/kernel/rng.js';

function error(text: string): InputError {
  try {
    parseWorkloadSpec(text, 'w.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

describe('workload spec', () => {
  it('parses every field into the spec form', () => {
    const s = parseWorkloadSpec([
      'seed: 3',
      'rate: 12',
      'num_requests: 500',
      'arrival: {process: gamma, cv: 1.5}',
      'clients:',
      '  - name: a',
      '    rate: 8',
      '    input: {dist: lognormal, median: 300, sigma: 0.5}',
      '    output: 100',
      '    prefix: {groups: 4, tokens: 64, select: round-robin}',
      '    sessions: {turns: {dist: uniform, min: 1, max: 3}, think_time_s: 5}',
      '    model: m',
      '    tenant: t',
      '    slo_class: gold',
      '    priority: 1',
      '  - {name: b, rate: 4, preset: reasoning, prefix: none}',
      'stages:',
      '  - {rate: 5, duration_s: 10}',
      '  - {scale: 2, duration_s: 10}',
    ].join('\n'), 'w.yaml');
    expect(s.seed).toBe(3);
    expect(s.arrival).toEqual({ process: 'gamma', options: { cv: 1.5 } });
    expect(s.clients![0]).toMatchObject({ name: 'a', rateRps: 8, output: { dist: 'constant', options: { value: 100 } }, prefix: { groups: 4, tokens: 64, select: 'round-robin' }, sloClass: 'gold', priority: 1 });
    expect(s.clients![0]!.sessions!.thinkTimeS).toBe(5);
    expect(s.clients![1]).toMatchObject({ name: 'b', preset: 'reasoning', prefix: null });
    expect(s.stages).toEqual([{ rateRps: 5, durationS: 10 }, { scale: 2, durationS: 10 }]);
  });

  it.each([
    ['malformed YAML', 'rate: 10\nclients:\n  - {name: a, input: 10\n', 'SPEC_YAML_SYNTAX', /^w\.yaml:\d+:\d+$/],
    ['a duplicate key', 'rate: 10\nrate: 20\n', 'SPEC_YAML_SYNTAX', /^w\.yaml:2:\d+$/],
    ['an unknown top-level field', 'rate: 10\nstagez: []\n', 'SPEC_UNKNOWN_FIELD', 'w.yaml:2 stagez'],
    ['an unknown client field', 'clients:\n  - name: a\n    input: 10\n    output: 5\n    tennant: x\n', 'SPEC_UNKNOWN_FIELD', 'w.yaml:5 clients[0].tennant'],
    ['a negative rate', 'rate: 10\nclients:\n  - {name: a, input: 10, output: 5}\nstages:\n  - {rate: 5, duration_s: 10}\n  - {rate: -1, duration_s: 10}\n', 'SPEC_OUT_OF_RANGE', 'w.yaml:6 stages[1].rate'],
    ['a negative workload rate', 'rate: -3\n', 'SPEC_OUT_OF_RANGE', 'w.yaml:1 rate'],
    ['a string where a number belongs', 'clients:\n  - name: a\n    input: 10\n    output: 5\n    rate: fast\n', 'SPEC_WRONG_TYPE', 'w.yaml:5 clients[0].rate'],
    ['a fractional request count', 'num_requests: 10.5\n', 'SPEC_OUT_OF_RANGE', 'w.yaml:1 num_requests'],
    ['clients that is not a list', 'clients: {a: 1}\n', 'SPEC_WRONG_TYPE', 'w.yaml:1 clients'],
    ['an unknown arrival process', 'arrival: poison\n', 'SPEC_UNKNOWN_PROCESS', 'w.yaml:1 arrival'],
    ['an unknown arrival option', 'arrival: {process: gamma, cv: 2, shape: 3}\n', 'SPEC_UNKNOWN_FIELD', 'w.yaml:1 arrival.shape'],
    ['an unknown distribution', 'clients:\n  - name: a\n    input: {dist: zipf}\n    output: 5\n', 'SPEC_UNKNOWN_DISTRIBUTION', 'w.yaml:3 clients[0].input.dist'],
    ['a missing output', 'clients:\n  - name: a\n    input: 10\n', 'SPEC_MISSING_FIELD', 'w.yaml:2 clients[0].output'],
    ['an unknown preset', 'clients:\n  - preset: chatbott\n', 'SPEC_UNKNOWN_PRESET', 'w.yaml:2 clients[0].preset'],
    ['a stage without duration', 'stages:\n  - {rate: 3}\n', 'SPEC_MISSING_FIELD', 'w.yaml:2 stages[0].duration_s'],
    ['rate and rate_fraction together', 'clients:\n  - {name: a, input: 1, output: 1, rate: 2, rate_fraction: 0.5}\n', 'SPEC_CONFLICT', 'w.yaml:2 clients[0].rate_fraction'],
    ['mixed rate kinds across clients', 'clients:\n  - {name: a, input: 1, output: 1, rate: 2}\n  - {name: b, input: 1, output: 1, rate_fraction: 0.5}\n', 'SPEC_MIXED_RATES', 'w.yaml:3 clients[1]'],
    ['duplicate client names', 'clients:\n  - {name: a, input: 1, output: 1}\n  - {name: a, input: 1, output: 1}\n', 'SPEC_DUPLICATE_CLIENT', 'w.yaml:3 clients[1].name'],
    ['an unknown prefix select', 'clients:\n  - name: a\n    input: 1\n    output: 1\n    prefix: {groups: 2, tokens: 10, select: sticky}\n', 'SPEC_UNKNOWN_VALUE', 'w.yaml:5 clients[0].prefix.select'],
    ['sessions with cycled prompts', 'clients:\n  - name: a\n    input: 1\n    output: 1\n    prefix: {groups: 2, tokens: 10, select: cycled, prompts_per_group: 2}\n    sessions: {turns: 2, think_time_s: 1}\n', 'SPEC_CONFLICT', 'w.yaml:6 clients[0].sessions'],
  ])('rejects %s naming file:line and the field', (_what, text, code, where) => {
    const e = error(text);
    expect(e.code).toBe(code);
    if (typeof where === 'string') expect(e.where).toBe(where);
    else expect(e.where).toMatch(where);
    expect(e.message.startsWith(e.where)).toBe(true);
  });

  it('says what was found and what was expected', () => {
    const e = error('clients:\n  - name: a\n    input: 10\n    output: 5\n    rate: fast\n');
    expect(e.message).toContain('expected a number > 0');
    expect(e.message).toContain('found string "fast"');
    expect(error('rate: 10\nstagez: []\n').message).toContain('did you mean stages');
  });

  it('quotes YAML\'s .nan and .inf as the numbers they are (JSON would print null)', () => {
    expect(error('rate: .nan\n').message).toContain('found number NaN');
    expect(error('rate: -.inf\n').message).toContain('found number -Infinity');
    expect(error('clients:\n  - {preset: chatbot, input: .nan}\n').message).toContain('found NaN');
    expect(error('slo_classes:\n  batch: {ttft_p99: .inf}\n').message).toContain('found Infinity for ttft_p99');
    // Inside a list too.
    expect(error('clients:\n  - {preset: chatbot, input: {dist: empirical, values: [100, .nan]}}\n').message).toContain("found [100,NaN]");
  });

  it('what would exhaust the generator is refused by its key: an alias bomb, a trillion prefix groups, a rate past a million per second, a duration past a billion seconds', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]'].join('\n');
    expect(() => parseWorkloadSpec(bomb, 'bomb.yaml')).toThrow(/^bomb\.yaml: cannot expand the YAML: Excessive alias count/);
    const client = (prefix: string): string => `clients:\n  - name: a\n    preset: codegen\n    prefix: ${prefix}\n`;
    expect(() => parseWorkloadSpec(client('{groups: 1000000000000, tokens: 10}'), 'g.yaml')).toThrow(/clients\[0\]\.prefix\.groups: expected an integer from 1 to 1000000; found 1000000000000/);
    expect(() => parseWorkloadSpec(client('{groups: 1000, tokens: 10, select: cycled, prompts_per_group: 10000}'), 'p.yaml')).toThrow(/prompts_per_group: expected groups × prompts_per_group <= 1000000; found 1000 × 10000/);
    expect(() => parseWorkloadSpec('rate: 1e18\n', 'r.yaml')).toThrow(/r\.yaml:1 rate: expected a number > 0 and <= 1000000; found 1000000000000000000/);
    expect(() => resolveWorkload({ rate: 2e6 })).toThrow(/--rate: found 2000000 requests\/s; expected at most 1000000/);
    expect(() => parseWorkloadSpec('stages:\n  - {duration_s: 1.0e+30, rate: 5}\n', 'd.yaml')).toThrow(/stages\[0\]\.duration_s: expected a number > 0 and <= 1000000000; found 1e\+30/);
    expect(() => resolveWorkload({ durationS: 1e12 })).toThrow(/--duration: found 1000000000000 s; expected at most 1000000000 s/);
    expect(() => parseWorkloadSpec('clients:\n  - {name: c, preset: chatbot, sessions: {turns: 2, think_time_s: 1.0e+12}}\n', 't.yaml')).toThrow(/sessions\.think_time_s: expected a number from 0 to 3600; found 1000000000000/);
    const staged = parseWorkloadSpec('rate: 500000\nstages:\n  - {duration_s: 10, scale: 4}\n', 's.yaml');
    expect(() => resolveWorkload({ spec: staged })).toThrow(/s\.yaml: stages\[0\]: found a rate of 2000000 requests\/s \(scale × rate\)/);
  });

  it('an empty file (or comments only) is refused: a wrong path or an unsaved edit, not every default; an explicit {} is a spec of defaults', () => {
    for (const text of ['', '# nothing\n', '\n  \n']) {
      expect(() => parseWorkloadSpec(text, 'e.yaml')).toThrow(/^e\.yaml: is empty; expected a workload spec \(seed, rate/);
    }
    expect(parseWorkloadSpec('{}\n', 'e.yaml')).toEqual({ fileName: 'e.yaml' });
  });

  it.each(['workload-multi-client.yaml', 'workload-diurnal.yaml', 'workload-calibration.yaml'])('examples/%s parses, resolves and generates', (name) => {
    const text = readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8');
    const w = resolveWorkload({ spec: parseWorkloadSpec(text, name), preset: name === 'workload-diurnal.yaml' ? 'chatbot' : undefined });
    const rs = [...generateArrivals(w, new Rng(w.seed))];
    expect(rs.length).toBeGreaterThan(100);
  });
});
