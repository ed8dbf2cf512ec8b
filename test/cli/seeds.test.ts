/**
 * `--seed` in every command that takes one, and `seed` in spec files: a whole number from 0 to
 * 2^53 − 1. A negative, fractional or longer number is refused by name (exit 2), never wrapped
 * or rounded into another seed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

function inDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'blis-seed-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const TRACE = 'arrival_us,input_tokens,output_tokens\n0,100,10\n1000,100,10\n';

describe('--seed takes a whole number from 0 to 2^53 - 1', () => {
  const bad: Array<[string, RegExp]> = [
    ['-1', /\[FLAG_MALFORMED\] --seed: found '-1'; expected a whole number from 0 to 9007199254740991/],
    ['1.5', /\[FLAG_MALFORMED\] --seed: found '1.5'/],
    ['9007199254740993', /\[FLAG_OUT_OF_RANGE\] --seed: found '9007199254740993'; expected a whole number from 0 to 9007199254740991/],
  ];
  for (const [seed, message] of bad) {
    for (const command of [['run', '--num-requests', '5'], ['replay', 't.csv'], ['convert', 't.csv', '--to', 'out.jsonl']]) {
      it(`${command[0]} refuses --seed ${seed}`, async () => {
        const dir = inDir({ 't.csv': TRACE });
        const r = await runCli([...command, `--seed=${seed}`, '--quiet'], dir);
        expect(r.code).toBe(2);
        expect(r.err).toMatch(message);
      });
    }
  }

  it('accepts 0 and 2^53 - 1', async () => {
    for (const seed of ['0', '9007199254740991']) {
      const r = await runCli(['run', '--num-requests', '5', '--seed', seed, '--output', 'json', '--quiet']);
      expect(r.code, r.err).toBe(0);
    }
  });

  it('a workload spec seed past 2^53 - 1 is refused with its file:line', async () => {
    const dir = inDir({ 'w.yaml': 'seed: 100000000000000000000\nnum_requests: 5\nclients:\n  - {rate: 1, input: {dist: constant, value: 10}, output: {dist: constant, value: 5}}\n' });
    const r = await runCli(['run', '--workload-spec', 'w.yaml', '--quiet'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[SPEC_OUT_OF_RANGE\] \S*w\.yaml:1 seed: expected an integer from 0 to 9007199254740991/);
  });
});
