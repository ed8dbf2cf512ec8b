/** Runs as flags: argv and command lines, validation, and the flags a parsed command was given. */
import { describe, expect, it } from 'vitest';
import { checkRunFlags, commandLine, flagsToArgv } from '../../src/cli/run-flags.js';
import { runCli } from '../cli/helpers.js';

describe('run flags', () => {
  it('turns flags into argv in name order, switches into their --no- form or nothing', () => {
    expect(flagsToArgv({ rate: 3, 'enable-prefix-caching': false, 'flow-control': false, 'in-flight-tracking': true, 'slo-class': ['a:ttft_p50=1', 'b:e2e_p99=2'] }))
      .toEqual(['--no-enable-prefix-caching', '--in-flight-tracking', '--rate', '3', '--slo-class', 'a:ttft_p50=1', '--slo-class', 'b:e2e_p99=2']);
    expect(commandLine({ trace: 'my trace.csv', model: 'x', 'routing-scorers': 'prefix-affinity:2,queue-depth:1' }))
      .toBe("blis replay 'my trace.csv' --model x --routing-scorers prefix-affinity:2,queue-depth:1");
  });

  it('knows run and replay flags apart and names the closest flag', () => {
    expect(() => checkRunFlags({ 'max-num-seq': 4 }, (f) => `spec:${f}`)).toThrow(/spec:max-num-seq: unknown flag 'max-num-seq' \(did you mean max-num-seqs/);
    expect(() => checkRunFlags({ 'rate-scale': 2 }, (f) => f)).toThrow(/unknown flag 'rate-scale'/);
    expect(() => checkRunFlags({ trace: 't.csv', 'rate-scale': 2 }, (f) => f)).not.toThrow();
    expect(() => checkRunFlags({ 'otlp-out': 'x.pb' }, (f) => f)).toThrow(/RUN_FLAG_NOT_ALLOWED|chooses outputs/);
  });

  it('carries a capacity command\'s own flags, switches included, into every probe', async () => {
    const r = await runCli(['capacity', '--model', 'meta-llama/llama-3.1-8b-instruct', '--num-requests', '40', '--no-enable-prefix-caching',
      '--slo', 'ttft_p99=100000', '--slo-class', 'x:e2e_p99=100000', '--max-probes', '2', '--rate', '4', '--output', 'json', '--quiet']);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.probes.map((p: { command: string }) => p.command)).toEqual([
      'blis run --no-enable-prefix-caching --model meta-llama/llama-3.1-8b-instruct --num-requests 40 --rate 4 --slo ttft_p99=100000 --slo-class x:e2e_p99=100000',
      'blis run --no-enable-prefix-caching --model meta-llama/llama-3.1-8b-instruct --num-requests 40 --rate 8 --slo ttft_p99=100000 --slo-class x:e2e_p99=100000',
    ]);
    expect(out.stopped).toBe('max-probes');
  });
});
