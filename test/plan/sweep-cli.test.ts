/**
 * `blis sweep` end to end: the grid gives 8 result lines with hashes, metrics, SLO,
 * cost and regime; the bytes do not depend on the worker count or on resuming; two shards
 * merged equal the single-machine results line for line; merge names what is missing.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';

const SMALL = [
  'base: {model: meta-llama/llama-3.1-8b-instruct, workload: chatbot, num-requests: 150, seed: 2}',
  'grid:',
  '  rate: [5, 20, 60]',
  '  num-instances: [1, 2]',
  'slo: {ttft_p99: 300, tpot_p50: 40}',
].join('\n') + '\n';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'blis-sweep-'));
}

function specDir(text = SMALL): string {
  const dir = tmp();
  writeFileSync(join(dir, 'spec.yaml'), text);
  return dir;
}

const results = (dir: string): string => readFileSync(join(dir, 'results.jsonl'), 'utf8');

describe('blis sweep', () => {
  it('runs the issue example as written: 8 lines, each with configuration, hash, metrics, attainment, cost and regime', async () => {
    const dir = tmp();
    cpSync('examples/sweep-grid.yaml', join(dir, 'grid.yaml'));
    const r = await runCli(['sweep', 'grid.yaml', '--out', 'out', '--jobs', '1'], dir);
    expect(r.code, r.err).toBe(0);
    const lines = results(join(dir, 'out')).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(8);
    expect(lines.map((l) => l.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const l of lines) {
      expect(l.hash).toMatch(/^[0-9a-f]{16}$/);
      expect(l.flags).toMatchObject({ model: 'qwen/qwen3-14b', rate: 20, 'num-requests': 1500, slo: 'ttft_p99=500' });
      expect(l.metrics.requests.injected).toBe(1500);
      expect(l.slo.checks[0]).toMatchObject({ target: 'ttft_p99', target_ms: 500 });
      expect(l.slo.checks[0].observed_ms).toBe(l.metrics.ttft_ms.p99);
      expect(l.cost.fleet_per_hour).toBeCloseTo(l.axes.tp * l.axes['num-instances'] * l.cost.price_per_gpu_hour[l.axes.hardware], 6);
      expect(['stable', 'near-knee', 'overloaded']).toContain(l.regime.state);
      expect(l.command).toContain(`--hardware ${l.axes.hardware} `);
    }
    expect(r.err).toMatch(/blis sweep: \[8\/8\] /);
    const report = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    expect(report).toContain('Pareto front');
    expect((report.match(/<figure class="heat">/g) ?? []).length).toBe(2); // tp x num-instances, one per GPU... or the largest two axes
    const pareto = readFileSync(join(dir, 'out', 'pareto.csv'), 'utf8').trimEnd().split('\n');
    expect(pareto[0]).toBe('index,hash,hardware,tp,num-instances,fleet_cost_per_hour,cost_per_thousand_requests,slo_attainment,ttft_p99_ms,slo_holds,regime,front_attainment,front_ttft');
    expect(pareto.length).toBeGreaterThan(1);
  });

  it('writes the same bytes with 1 or 2 workers and when resumed after losing lines', async () => {
    const dir = specDir();
    const one = await runCli(['sweep', 'spec.yaml', '--out', 'one', '--jobs', '1', '--quiet'], dir);
    expect(one.code, one.err).toBe(0);
    const two = await runCli(['sweep', 'spec.yaml', '--out', 'two', '--jobs', '2', '--quiet'], dir);
    expect(two.code, two.err).toBe(0);
    const bytes = results(join(dir, 'one'));
    expect(bytes.trimEnd().split('\n')).toHaveLength(6);
    expect(results(join(dir, 'two'))).toBe(bytes);
    expect(readFileSync(join(dir, 'two', 'report.html'), 'utf8')).toBe(readFileSync(join(dir, 'one', 'report.html'), 'utf8'));

    // Keep two whole lines and half of the third, as a killed sweep would leave them.
    const kept = bytes.split('\n');
    writeFileSync(join(dir, 'two', 'results.jsonl'), `${kept[0]}\n${kept[1]}\n${kept[2]!.slice(0, 100)}`);
    const again = await runCli(['sweep', 'spec.yaml', '--out', 'two', '--jobs', '1'], dir);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toMatch(/6 configurations, 2 already done/);
    expect(again.err).toMatch(/truncated last line/);
    expect(results(join(dir, 'two'))).toBe(bytes);
    // A complete directory has nothing left to do.
    const idle = await runCli(['sweep', 'spec.yaml', '--out', 'two'], dir);
    expect(idle.err).toMatch(/6 already done/);
    expect(idle.err).not.toMatch(/\[1\/6\]/);
  });

  it('merges two shards into the single-machine results, line for line, and reports missing configurations', async () => {
    const dir = specDir();
    expect((await runCli(['sweep', 'spec.yaml', '--out', 'all', '--jobs', '1', '--quiet'], dir)).code).toBe(0);
    for (const i of [0, 1]) {
      const s = await runCli(['sweep', 'spec.yaml', '--out', `s${i}`, '--shard', `${i}/2`, '--jobs', '1', '--quiet'], dir);
      expect(s.code, s.err).toBe(0);
      const idx = results(join(dir, `s${i}`)).trimEnd().split('\n').map((l) => JSON.parse(l).index);
      expect(idx).toEqual([0, 1, 2, 3, 4, 5].filter((k) => k % 2 === i));
    }
    const m = await runCli(['sweep', 'merge', 's0', 's1', '--out', 'merged'], dir);
    expect(m.code, m.err).toBe(0);
    expect(m.err).toMatch(/all 6 configurations present/);
    expect(results(join(dir, 'merged')).split('\n')).toEqual(results(join(dir, 'all')).split('\n'));
    expect(readFileSync(join(dir, 'merged', 'pareto.csv'), 'utf8')).toBe(readFileSync(join(dir, 'all', 'pareto.csv'), 'utf8'));

    const partial = await runCli(['sweep', 'merge', 's0', '--out', 'partial'], dir);
    expect(partial.code).toBe(1);
    expect(partial.err).toMatch(/3 of 6 configurations missing from the inputs: #1, #3, #5/);
    const dup = await runCli(['sweep', 'merge', 's0', 's1', 'all', '--out', 'dup'], dir);
    expect(dup.code).toBe(0);
    expect(dup.err).toMatch(/configuration #0 \([0-9a-f]{16}\) appears in s0, all \(identical; kept one\)/);
  });

  it('re-runs the best third longer in successive-halving mode', async () => {
    const dir = specDir(SMALL.replace('num-requests: 150', 'num-requests: 270') + 'halving: {eta: 3, rungs: 2}\n');
    const r = await runCli(['sweep', 'spec.yaml', '--out', 'h', '--jobs', '1', '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
    const lines = results(join(dir, 'h')).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.rung === 0)).toHaveLength(6);
    expect(lines.filter((l) => l.rung === 0).every((l) => l.flags['num-requests'] === 90)).toBe(true);
    const second = lines.filter((l) => l.rung === 1);
    expect(second).toHaveLength(2);
    expect(second.every((l) => l.flags['num-requests'] === 270 && l.metrics.requests.injected === 270)).toBe(true);
  });

  it('runs a seeded random search: the same samples every time', async () => {
    const text = 'base: {model: meta-llama/llama-3.1-8b-instruct, num-requests: 60}\nrandom:\n  samples: 3\n  seed: 11\n  params:\n    rate: {min: 2, max: 30}\n    max-num-seqs: [32, 64, 128]\n';
    const dir = specDir(text);
    const a = await runCli(['sweep', 'spec.yaml', '--out', 'a', '--jobs', '1', '--quiet'], dir);
    expect(a.code, a.err).toBe(0);
    const lines = results(join(dir, 'a')).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    for (const l of lines) {
      expect(l.flags.rate).toBeGreaterThanOrEqual(2);
      expect(l.flags.rate).toBeLessThanOrEqual(30);
      expect(l.metrics.config.max_num_seqs).toBe(l.axes['max-num-seqs']);
    }
    expect((await runCli(['sweep', 'spec.yaml', '--out', 'b', '--jobs', '1', '--quiet'], dir)).code).toBe(0);
    expect(results(join(dir, 'b'))).toBe(results(join(dir, 'a')));
  });

  it('replays a trace named by path relative to the spec', async () => {
    const dir = specDir('base: {trace: traces/code.csv, model: meta-llama/llama-3.1-8b-instruct}\ngrid:\n  num-instances: [1, 2]\nslo: {ttft_p99: 1000}\n');
    mkdirSync(join(dir, 'traces'));
    cpSync('traces/azure2023-code.reconstructed.head300.csv', join(dir, 'traces', 'code.csv'));
    const r = await runCli(['sweep', 'spec.yaml', '--out', 't', '--jobs', '1', '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
    const lines = results(join(dir, 't')).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.metrics.requests.injected)).toEqual([300, 300]);
    expect(lines[0].metrics.config.trace).toMatchObject({ file: 'traces/code.csv' });
    expect(lines[0].command).toBe('blis replay traces/code.csv --model meta-llama/llama-3.1-8b-instruct --num-instances 1 --slo ttft_p99=1000');
  });

  it('names the spec line of a bad flag and refuses output flags', async () => {
    const bad = await runCli(['sweep', 'spec.yaml', '--out', 'x'], specDir('base: {rate: 5}\ngrid:\n  num-instance: [1, 2]\n'));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/spec.yaml:3 grid.num-instance: unknown flag 'num-instance' \(did you mean num-instances/);
    const out = await runCli(['sweep', 'spec.yaml', '--out', 'x'], specDir('base: {metrics-out: m.json}\ngrid: {rate: [1, 2]}\n'));
    expect(out.code).toBe(2);
    expect(out.err).toMatch(/RUN_FLAG_NOT_ALLOWED/);
  });

  it('names the spec line of a value its flag refuses, and of a switch given a value or a value flag given true', async () => {
    const cases: Array<[string, RegExp]> = [
      ['base: {num-requests: 50}\ngrid:\n  rate: [5, abc]\n', /\[FLAG_MALFORMED\] spec.yaml:3 grid.rate: found 'abc'; expected a number/],
      ['base: {num-requests: 50, warm-kernel-cache: 5}\ngrid:\n  rate: [5]\n', /\[RUN_FLAG_INVALID\] spec.yaml:1 base.warm-kernel-cache: 'warm-kernel-cache' is a switch; expected true or false; found 5/],
      ['base: {num-requests: 50}\ngrid:\n  rate: [5, true]\n', /\[RUN_FLAG_INVALID\] spec.yaml:3 grid.rate: 'rate' takes a value \(--rate <rps>\); found true/],
      // A GPU or model neither catalogued nor described by a file ran as a configuration that "cannot run", exit 0.
      ['base: {num-requests: 50}\ngrid:\n  hardware: [H100, H10O]\n', /\[UNKNOWN_HARDWARE\] spec.yaml:3 grid.hardware: unknown hardware 'H10O'; did you mean h100/],
      ['base: {num-requests: 50, model: qwen/qwen3-14bb}\ngrid:\n  rate: [5]\n', /\[UNKNOWN_MODEL\] spec.yaml:1 base.model: unknown model 'qwen\/qwen3-14bb'; did you mean qwen\/qwen3-14b/],
    ];
    for (const [text, message] of cases) {
      const r = await runCli(['sweep', 'spec.yaml', '--out', 'x', '--quiet'], specDir(text));
      expect(r.code, text).toBe(2);
      expect(r.err).toMatch(message);
    }
  });

  it('records a configuration that cannot run as an error line and carries on', async () => {
    const dir = specDir('base: {model: meta-llama/llama-3.1-8b-instruct, num-requests: 50}\ngrid:\n  max-num-seqs: [64, 0]\n');
    const r = await runCli(['sweep', 'spec.yaml', '--out', 'e', '--jobs', '1'], dir);
    expect(r.code, r.err).toBe(0);
    const lines = results(join(dir, 'e')).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines[0].metrics.requests.completed).toBe(50);
    expect(lines[1].error).toMatch(/^\[[A-Z_]+\] .*maxNumSeqs|max-num-seqs/);
    expect(r.err).toMatch(/cannot run/);
    expect(r.err).toMatch(/blis sweep: warning: 1 of 2 configuration\(s\) cannot run .*the first: #1 max-num-seqs=0/);
  });

  it('warns, even with --quiet, when a changed spec leaves earlier results out of the directory', async () => {
    const dir = specDir('base: {model: meta-llama/llama-3.1-8b-instruct, num-requests: 20}\ngrid:\n  rate: [5, 10]\n');
    expect((await runCli(['sweep', 'spec.yaml', '--out', 'o', '--jobs', '1', '--quiet'], dir)).code).toBe(0);
    writeFileSync(join(dir, 'spec.yaml'), 'base: {model: meta-llama/llama-3.1-8b-instruct, num-requests: 20}\ngrid:\n  rate: [5, 20]\n');
    const r = await runCli(['sweep', 'spec.yaml', '--out', 'o', '--jobs', '1', '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/blis sweep: warning: left out 1 earlier line\(s\) of .*results\.jsonl whose configurations this spec no longer has/);
    expect(results(join(dir, 'o')).trimEnd().split('\n')).toHaveLength(2);
  });

  it('exits 2 when every configuration cannot run, saying how many, after writing the results', async () => {
    // Llama-3.1-70B's 141 GB of weights fit neither GPU at TP 1.
    const dir = specDir('base: {model: meta-llama/llama-3.1-70b-instruct, num-requests: 50}\ngrid:\n  hardware: [L40S, A100-40]\n');
    const r = await runCli(['sweep', 'spec.yaml', '--out', 'e', '--jobs', '1'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/all 2 configuration\(s\) cannot run; nothing was simulated .*The first: #0 hardware=L40S: \[KV_CAPACITY\]/);
    expect(results(join(dir, 'e')).trimEnd().split('\n')).toHaveLength(2);
  });
});
