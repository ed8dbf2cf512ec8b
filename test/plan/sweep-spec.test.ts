/** The sweep spec: parsing with located errors, the expansion's order and seeded samples, content hashes. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson, configurationHash, expandSweep } from '../../src/plan/configurations.js';
import { parseSweepSpec } from '../../src/plan/sweep-spec.js';
import { rungLength, promoted } from '../../src/plan/halving.js';
import { inShard, parseShard } from '../../src/plan/shard.js';
import type { ResultLine } from '../../src/plan/results.js';

const noFiles = (): string => { throw new Error('no files here'); };

describe('sweep spec', () => {
  it('reads the issue example as written and expands it to 8 configurations, first axis slowest', () => {
    const spec = parseSweepSpec(readFileSync('examples/sweep-grid.yaml', 'utf8'), 'sweep-grid.yaml');
    const configs = expandSweep(spec, noFiles);
    expect(configs.map((c) => `${c.axes['hardware']}/${c.axes['tp']}/${c.axes['num-instances']}`)).toEqual([
      'H100/1/2', 'H100/1/4', 'H100/2/2', 'H100/2/4', 'A100-80/1/2', 'A100-80/1/4', 'A100-80/2/2', 'A100-80/2/4']);
    expect(configs[0]!.flags).toEqual({ model: 'qwen/qwen3-14b', workload: 'chatbot', rate: 20, 'num-requests': 1500, seed: 1, hardware: 'H100', tp: 1, 'num-instances': 2, slo: 'ttft_p99=500' });
    expect(new Set(configs.map((c) => c.hash)).size).toBe(8);
  });

  it('sets a bundle axis\'s flags together and shows its label', () => {
    const spec = parseSweepSpec([
      'base: {rate: 5}', 'grid:', '  tp: [1, 2]', '  pd:',
      '    - {name: unified, num-instances: 4}',
      '    - {prefill-instances: 1, decode-instances: 3, num-instances: 4}',
    ].join('\n'), 'b.yaml');
    const configs = expandSweep(spec, noFiles);
    expect(configs.map((c) => c.axes)).toEqual([
      { tp: 1, pd: 'unified' }, { tp: 1, pd: 'prefill-instances=1 decode-instances=3 num-instances=4' },
      { tp: 2, pd: 'unified' }, { tp: 2, pd: 'prefill-instances=1 decode-instances=3 num-instances=4' },
    ]);
    expect(configs[1]!.flags).toEqual({ rate: 5, tp: 1, 'prefill-instances': 1, 'decode-instances': 3, 'num-instances': 4 });
    expect(configs[0]!.flags).toEqual({ rate: 5, tp: 1, 'num-instances': 4 });
    expect(() => parseSweepSpec('grid:\n  r:\n    - {name: a, rate: 1}\n    - {name: a, rate: 2}\n', 'b.yaml')).toThrow(/same label/);
    expect(() => parseSweepSpec('grid:\n  r:\n    - {name: a}\n', 'b.yaml')).toThrow(/b.yaml:3 grid.r\[0\]: expected a bundle of at least one flag/);
  });

  it('locates errors by file, line and field', () => {
    const bad = (text: string) => () => parseSweepSpec(text, 's.yaml');
    expect(bad('base: {rate: 1}\ngrid:\n  tp: []\n')).toThrow(/s.yaml:3 grid.tp: expected a non-empty list.*; found an empty list$/);
    expect(bad('base: {rate: 1}\ngird: {tp: [1]}\n')).toThrow(/s.yaml:2 gird: unknown field 'gird' \(did you mean grid\?\)/);
    expect(bad('base: {rate: 1}\n')).toThrow(/expected 'grid' or 'random'/);
    expect(bad('grid: {--tp: [1, 2]}\n')).toThrow(/expected the flag's long name without the leading --, e.g. tp/);
    expect(bad('grid: {tp: [1, 1]}\n')).toThrow(/listed twice/);
    expect(bad('grid: {tp: [1]}\nslo: {ttft_p99: fast}\n')).toThrow(/s.yaml:2 slo.ttft_p99/);
    expect(bad('random: {samples: 3, params: {rate: {min: 5, max: 2}}}\n')).toThrow(/expected max > min/);
    // Samples are drawn up front: 1e30 of them ran out of memory.
    expect(bad('random: {samples: 1.0e+30, params: {rate: {min: 1, max: 2}}}\n')).toThrow(/s.yaml:1 random.samples: expected an integer >= 1 and <= 1000000; found number 1e\+30/);
    expect(bad('grid: {num-requests: [10, 20]}\nhalving: {eta: 3}\n')).toThrow(/successive halving sets 'num-requests'/);
  });

  it('draws the same random samples for the same seed, within their ranges', () => {
    const text = 'base: {rate: 1}\nrandom:\n  samples: 50\n  seed: 7\n  params:\n    rate: {min: 10, max: 80}\n    num-instances: {min: 1, max: 4, integer: true}\n    max-num-seqs: {min: 16, max: 512, log: true, integer: true}\n    routing-policy: [round-robin, least-loaded]\n';
    const a = expandSweep(parseSweepSpec(text, 'r.yaml'), noFiles);
    const b = expandSweep(parseSweepSpec(text, 'r.yaml'), noFiles);
    expect(a.map((c) => c.axes)).toEqual(b.map((c) => c.axes));
    expect(a).toHaveLength(50);
    for (const c of a) {
      expect(c.axes['rate']).toBeGreaterThanOrEqual(10);
      expect(c.axes['rate']).toBeLessThanOrEqual(80);
      expect([1, 2, 3, 4]).toContain(c.axes['num-instances']);
      expect(Number.isInteger(c.axes['max-num-seqs'])).toBe(true);
    }
    // Every integer value and both choices turn up in 50 draws.
    expect(new Set(a.map((c) => c.axes['num-instances'])).size).toBe(4);
    expect(new Set(a.map((c) => c.axes['routing-policy'])).size).toBe(2);
    const other = expandSweep(parseSweepSpec(text.replace('seed: 7', 'seed: 8'), 'r.yaml'), noFiles);
    expect(other.map((c) => c.axes)).not.toEqual(a.map((c) => c.axes));
  });

  it('hashes the flags and the contents of the files they name, not the key order', () => {
    const digest = (p: string) => (p === 'w.yaml' ? 'aaa' : 'bbb');
    const h = configurationHash({ rate: 1, 'workload-spec': 'w.yaml' }, digest);
    expect(configurationHash({ 'workload-spec': 'w.yaml', rate: 1 }, digest)).toBe(h);
    expect(configurationHash({ rate: 1, 'workload-spec': 'w.yaml' }, () => 'ccc')).not.toBe(h);
    expect(configurationHash({ rate: 2, 'workload-spec': 'w.yaml' }, digest)).not.toBe(h);
    expect(canonicalJson({ b: [1, { d: 2, c: 3 }], a: 'x' })).toBe('{"a":"x","b":[1,{"c":3,"d":2}]}');
  });
});

describe('shards and halving', () => {
  it('splits indices into disjoint slices whose union is everything', () => {
    const s = [0, 1, 2].map((i) => parseShard(`${i}/3`));
    for (let k = 0; k < 20; k++) expect(s.filter((x) => inShard(k, x))).toHaveLength(1);
    expect(() => parseShard('3/3')).toThrow(/expected I\/N with 0 <= I < N/);
    expect((() => { try { parseShard('3/3'); } catch (e) { return (e as { code: string }).code; } return ''; })()).toBe('FLAG_OUT_OF_RANGE');
    expect((() => { try { parseShard('a/3'); } catch (e) { return (e as { code: string }).code; } return ''; })()).toBe('FLAG_MALFORMED');
    expect(() => parseShard('$JOB_COMPLETION_INDEX/3')).toThrow(/--shard/);
  });

  it('runs rung r at base / eta^(R-1-r) and promotes the best third', () => {
    const spec = parseSweepSpec('base: {num-requests: 900}\ngrid: {tp: [1, 2]}\nhalving: {eta: 3, rungs: 3}\n', 'h.yaml');
    expect([0, 1, 2].map((r) => rungLength(spec, r))).toEqual([{ 'num-requests': 100 }, { 'num-requests': 300 }, { 'num-requests': 900 }]);
    const line = (index: number, holds: boolean, attainment: number, cost: number): ResultLine => ({
      schema: 'blis.sweep-result/v1', index, rung: 0, hash: String(index), axes: {}, flags: {}, command: '',
      metrics: { ttft_ms: { p99: 100 } }, cost: { fleet_per_hour: cost },
      slo: { targets: {}, holds, checks: [], attainment: { met: 0, counted: 0, attainment, uncovered: 0, by_class: {}, by_tenant: {}, by_model: {} }, goodput: { requests_per_s: 0, input_tokens_per_s: 0, output_tokens_per_s: 0 } },
    });
    // Holding beats not holding; among holders the cheaper; among the rest the higher attainment.
    const lines = [line(0, false, 0.9, 1), line(1, true, 1, 8), line(2, true, 0.99, 4), line(3, false, 0.95, 2), line(4, false, 0.5, 1), line(5, true, 1, 16)];
    expect(promoted(lines, 3)).toEqual([1, 2]);
    expect(promoted(lines, 2)).toEqual([1, 2, 5]);
  });
});
