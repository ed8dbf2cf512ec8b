/** DESIGN §5 replay parity: replaying the trace that `run` generated reproduces `run`'s metrics. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli/helpers.js';

const BLOCKS = ['requests', 'ttft_ms', 'tpot_ms', 'itl_ms', 'e2e_ms', 'queue_ms', 'kv', 'instances'] as const;

describe('replay parity', () => {
  for (const [preset, extra] of [['chatbot', ['--routing-policy', 'weighted']], ['codegen', ['--routing-policy', 'least-loaded']]] as const) {
    it(`${preset}: run → OTLP → replay, and run → OTLP → arrival CSV → replay, give run's metrics`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'blis-parity-'));
      const common = ['--num-instances', '3', '--seed', '11', '--quiet', ...extra];
      const run = await runCli(['run', '--workload', preset, '--num-requests', '400', '--rate', '30', ...common, '--otlp-out', 'run.pb', '--metrics-out', 'run.json'], dir);
      expect(run.code, run.err).toBe(0);
      const conv = await runCli(['convert', 'run.pb', '--to', 'arrivals.csv'], dir);
      expect(conv.code, conv.err).toBe(0);
      for (const trace of ['run.pb', 'arrivals.csv']) {
        const rep = await runCli(['replay', trace, ...common, '--metrics-out', `${trace}.metrics.json`], dir);
        expect(rep.code, rep.err).toBe(0);
        const a = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
        const b = JSON.parse(readFileSync(join(dir, `${trace}.metrics.json`), 'utf8'));
        for (const k of BLOCKS) expect(b[k], `${trace} ${k}`).toEqual(a[k]);
      }
    });
  }

  it('a workload spec whose clients send at the same microsecond: run → OTLP → replay gives run\'s metrics', async () => {
    // A bursty client (gamma arrivals) makes requests that share an arrival time; their order is
    // part of the workload (it decides who is scheduled first).
    const dir = mkdtempSync(join(tmpdir(), 'blis-parity-'));
    const common = ['--seed', '7', '--quiet'];
    const run = await runCli(['run', '--workload-spec', 'examples/workload-multi-client.yaml', '--num-requests', '300', ...common, '--otlp-out', join(dir, 'run.json'), '--metrics-out', join(dir, 'run.metrics.json')]);
    expect(run.code, run.err).toBe(0);
    const rep = await runCli(['replay', join(dir, 'run.json'), ...common, '--metrics-out', join(dir, 'replay.metrics.json')]);
    expect(rep.code, rep.err).toBe(0);
    const a = JSON.parse(readFileSync(join(dir, 'run.metrics.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(dir, 'replay.metrics.json'), 'utf8'));
    for (const k of BLOCKS) expect(b[k], k).toEqual(a[k]);
  });

  // The per-request file is a trace too: it carries the arrival facts (prefix groups, turns) and
  // each row's arrival index, since rows come in completion order and requests can share an
  // arrival time (a bursty client; a trace with millisecond times).
  const cases: Array<[string, string[], string[]]> = [
    ['chat sessions under a shared system prompt', ['run', '--workload', 'chatbot', '--num-requests', '300', '--rate', '30', '--seed', '11'], ['--seed', '11']],
    ['clients that send at the same microsecond', ['run', '--workload-spec', 'examples/workload-multi-client.yaml', '--num-requests', '300', '--seed', '7'], ['--seed', '7']],
    ['a Mooncake trace (hash ids, arrivals in whole ms) replayed', ['replay', 'traces/mooncake-conversation-head300.jsonl'], []],
  ];
  for (const [name, first, again] of cases) {
    for (const ext of ['csv', 'jsonl']) {
      it(`${name}: replaying its --requests-out .${ext} gives its metrics`, async () => {
        const dir = mkdtempSync(join(tmpdir(), 'blis-parity-'));
        const common = ['--num-instances', '2', '--quiet'];
        const rows = join(dir, `requests.${ext}`);
        const one = await runCli([...first, ...common, '--requests-out', rows, '--metrics-out', join(dir, 'first.json')]);
        expect(one.code, one.err).toBe(0);
        const two = await runCli(['replay', rows, ...again, ...common, '--metrics-out', join(dir, 'again.json')]);
        expect(two.code, two.err).toBe(0);
        const a = JSON.parse(readFileSync(join(dir, 'first.json'), 'utf8'));
        const b = JSON.parse(readFileSync(join(dir, 'again.json'), 'utf8'));
        for (const k of [...BLOCKS, 'throughput', 'sim'] as const) expect(b[k], k).toEqual(a[k]);
      });
    }
  }
});
