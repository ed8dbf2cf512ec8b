/**
 * runSweep with configurations that coincide: a random search may draw the same values twice,
 * and two indices then have the same flags and hash. The line kept for that hash must not
 * depend on which worker finished last (the same spec gives the same bytes with any --jobs):
 * the first index runs, once. Found by scripts/leap-fuzz.mjs's --jobs check (two samples of
 * max-num-seqs [4, 64] both drew 64: index 0 with 2 workers, index 1 with one).
 */
import { describe, expect, it } from 'vitest';
import { expandSweep, type Configuration } from '../../src/plan/configurations.js';
import { RESULTS_SCHEMA, type ResultLine } from '../../src/plan/results.js';
import { runSweep, type SweepExecutor } from '../../src/plan/sweep.js';
import { parseSweepSpec } from '../../src/plan/sweep-spec.js';

const SPEC = [
  'base: {model: meta-llama/llama-3.1-8b-instruct, num-requests: 90}',
  'grid:',
  '  rate: [5, 20]',
  'random: {samples: 3, seed: 1, params: {max-num-seqs: [64]}}',
  'halving: {eta: 2, rungs: 2}',
].join('\n') + '\n';

const digest = (): string => '';

/** Finishes a batch's configurations last-first (a later index overtaking an earlier one), with a made-up TTFT by rate. */
function reverseExecutor(ran: Configuration[]): SweepExecutor {
  return async (configs, onLine) => {
    for (const c of [...configs].reverse()) {
      ran.push(c);
      const line: ResultLine = {
        schema: RESULTS_SCHEMA, index: c.index, rung: c.rung, hash: c.hash, axes: { ...c.axes }, flags: { ...c.flags }, command: '',
        metrics: { ttft_ms: { p99: Number(c.flags['rate']) } },
      };
      onLine(line);
    }
  };
}

describe('a sweep whose random samples coincide', () => {
  it('runs each distinct configuration once, under its first index, whatever order the runs finish in', async () => {
    const spec = parseSweepSpec(SPEC, 'spec.yaml');
    const configs = expandSweep(spec, digest);
    // Two rates x three identical samples: indices 0-2 share a hash, and 3-5.
    expect(configs.map((c) => c.hash)).toEqual([configs[0]!.hash, configs[0]!.hash, configs[0]!.hash, configs[3]!.hash, configs[3]!.hash, configs[3]!.hash]);
    const ran: Configuration[] = [];
    const lines = await runSweep({ spec, configs, shard: null, existing: [], execute: reverseExecutor(ran), digest });
    expect(ran.map((c) => [c.rung, c.index])).toEqual([[0, 3], [0, 0], [1, 0]]);
    expect(lines.map((l) => [l.rung, l.index])).toEqual([[0, 0], [0, 3], [1, 0]]);
  });
});
