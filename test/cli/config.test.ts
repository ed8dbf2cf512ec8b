/** --config FILE, repeated flags, --output json for the catalogs, --quiet. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'blis-config-'));
const write = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return name;
};
const metrics = async (argv: string[]): Promise<Record<string, any>> => {
  const r = await runCli([...argv, '--output', 'json', '--quiet'], dir);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out);
};

describe('--config FILE', () => {
  it('sets flags by their long name from YAML or JSON, the same as on the command line', async () => {
    const flags = ['--num-instances', '3', '--routing-policy', 'least-loaded', '--num-requests', '120', '--rate', '30', '--no-enable-prefix-caching', '--seed', '5'];
    const direct = await metrics(['run', ...flags]);
    const yaml = write('c.yaml', 'num-instances: 3\nrouting-policy: least-loaded\nnum-requests: 120\nrate: 30\nenable-prefix-caching: false\nseed: 5\n');
    const json = write('c.json', JSON.stringify({ $schema: '../schemas/run-config.schema.json', 'num-instances': 3, 'routing-policy': 'least-loaded', 'num-requests': 120, rate: 30, 'enable-prefix-caching': false, seed: 5 }));
    for (const file of [yaml, json]) {
      const viaConfig = await metrics(['run', '--config', file]);
      expect(viaConfig.config.enable_prefix_caching).toBe(false);
      expect({ ...viaConfig, config: undefined }).toEqual({ ...direct, config: undefined });
    }
  });

  it('lets the command line win over the file', async () => {
    const file = write('w.yaml', 'num-instances: 3\nnum-requests: 60\n');
    const m = await metrics(['run', '--config', file, '--num-instances', '2']);
    expect(m.config.num_instances).toBe(2);
    expect(m.requests.injected).toBe(60);
  });

  it('runs the shipped example config', async () => {
    const m = await metrics(['run', '--config', join(import.meta.dirname, '..', '..', 'examples', 'run-config.yaml'), '--num-requests', '100']);
    expect(m.config).toMatchObject({ model: 'qwen/qwen3-14b', num_instances: 8, tp: 2, routing_policy: 'weighted', routing_scorers: 'prefix-affinity:2,queue-depth:1' });
  });

  it('names the file and key of a bad entry: unknown flag (with suggestions), bad value, wrong shape', async () => {
    const cases: Array<[string, RegExp]> = [
      ['num-instance: 2\n', /\[CONFIG_UNKNOWN_FLAG\] .*u\.yaml: num-instance: 'num-instance' is not a flag of blis run; did you mean num-instances/],
      ['num-instances: two\n', /\[FLAG_MALFORMED\] .*u\.yaml: num-instances: found 'two'; expected an integer/],
      ['quiet: "yes"\n', /\[CONFIG_BAD_VALUE\] .*u\.yaml: quiet: found "yes"; expected true or false/],
      ['rate: [1, 2]\n', /\[CONFIG_BAD_VALUE\] .*u\.yaml: rate: found a list; this flag takes one value/],
      ['rate: .nan\n', /\[CONFIG_BAD_VALUE\] .*u\.yaml: rate: found NaN; expected a string or a finite number/],
      ['- 1\n- 2\n', /\[CONFIG_MALFORMED\] .*u\.yaml: expected a map of flag names to values/],
    ];
    for (const [text, message] of cases) {
      write('u.yaml', text);
      const r = await runCli(['run', '--config', 'u.yaml'], dir);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
    }
  });

  it('names the file and key of a value refused only when the run resolves (a range), and the flag when it was given there', async () => {
    write('r.yaml', 'rate: -5\nnum-requests: 10\n');
    const fromFile = await runCli(['run', '--config', 'r.yaml'], dir);
    expect(fromFile.code).toBe(2);
    expect(fromFile.err).toMatch(/\[FLAG_OUT_OF_RANGE\] .*r\.yaml: rate \(--rate\): expected a number > 0; found -5/);
    write('n.json', JSON.stringify({ 'num-instances': 0, 'num-requests': 10 }));
    const json = await runCli(['run', '--config', 'n.json'], dir);
    expect(json.err).toMatch(/\[FLAG_OUT_OF_RANGE\] .*n\.json: num-instances \(--num-instances\): found 0; expected a positive integer/);
    // The command line wins, and its error names the flag.
    const flag = await runCli(['run', '--config', 'r.yaml', '--rate', '-3'], dir);
    expect(flag.err).toMatch(/\[FLAG_OUT_OF_RANGE\] --rate: expected a number > 0; found -3/);
  });
});

describe('--config JSON with a key given twice', () => {
  it('is refused at the second key\'s line (JSON.parse would keep the last silently), like YAML', async () => {
    write('d.json', '{\n  "num-requests": 10,\n  "seed": 1,\n  "num-requests": 20\n}\n');
    const r = await runCli(['run', '--config', 'd.json', '--quiet'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[CONFIG_MALFORMED\] .*d\.json:4:3: key "num-requests" is given twice in one object/);
    write('d.yaml', 'num-requests: 10\nnum-requests: 20\n');
    expect((await runCli(['run', '--config', 'd.yaml', '--quiet'], dir)).err).toMatch(/\[CONFIG_MALFORMED\] .*d\.yaml:2:1: .*unique/);
  });

  it('a JSON config with tabs and escapes, each key once, still reads', async () => {
    write('ok.json', '{\t"num-requests":\t12, "routing-policy": "least\\u002dloaded", "$schema": "x"}');
    const m = await metrics(['run', '--config', 'ok.json']);
    expect(m.requests.injected).toBe(12);
    expect(m.config.routing_policy).toBe('least-loaded');
  });
});

describe('flag hygiene', () => {
  it('refuses a single-value flag given twice; a repeatable flag collects', async () => {
    const r = await runCli(['run', '--num-requests', '10', '--seed', '1', '--seed', '2', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[FLAG_REPEATED\] --seed: given more than once/);
    const v = await runCli(['validate', '--jobs', '1', '--jobs', '2']);
    expect(v.err).toMatch(/\[FLAG_REPEATED\] --jobs/);
  });

  it('models and hardware take --output json, with --json kept as an alias', async () => {
    for (const cmd of ['models', 'hardware']) {
      const a = await runCli([cmd, '--output', 'json']);
      const b = await runCli([cmd, '--json', '--quiet']);
      expect(a.code).toBe(0);
      expect(a.out).toBe(b.out);
      expect(Array.isArray(JSON.parse(a.out))).toBe(true);
      expect((await runCli([cmd])).out).toMatch(/^(model|gpu) /);
    }
  });

  it('--quiet silences notes on stderr and never changes stdout, in every command', async () => {
    const trace = join(import.meta.dirname, '..', '..', 'traces', 'burstgpt3-rows0001-0100.csv');
    const pairs: string[][] = [
      ['run', '--num-requests', '30'],
      ['replay', trace, '--num-instances', '1'],
      ['convert', trace, '--to', join(dir, 'conv.csv')],
      ['models'],
    ];
    for (const argv of pairs) {
      const loud = await runCli(argv);
      const quiet = await runCli([...argv, '--quiet']);
      expect(quiet.code).toBe(0);
      expect(quiet.out.replace(/[\d.]+ s wall/g, '')).toBe(loud.out.replace(/[\d.]+ s wall/g, ''));
      expect(quiet.err).toBe('');
    }
  });
});

describe('blis capacity --config FILE', () => {
  it('takes its flags, lists included, from the file as from the command line (--config itself was passed on to every probe, which refused it)', async () => {
    const flags = ['--model', 'qwen/qwen2.5-7b-instruct', '--num-requests', '80', '--rate', '10', '--slo', 'ttft_p99=300', '--hardware', 'H100,L40S', '--num-instances', '1,2'];
    const direct = await metrics(['capacity', ...flags]);
    const file = write('capacity.yaml', 'model: qwen/qwen2.5-7b-instruct\nnum-requests: 80\nrate: 10\nslo: ttft_p99=300\nhardware: H100,L40S\nnum-instances: "1,2"\n');
    expect(await metrics(['capacity', '--config', file])).toEqual(direct);
  });
});
