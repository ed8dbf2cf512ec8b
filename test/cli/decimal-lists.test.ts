/**
 * Numbers inside list-valued flags are decimal, as plain numeric flags are (src/kernel/decimal.ts):
 * Number() read '0x10' as 16, so `--slo ttft_p99=0x10` set a 16 ms target without a word.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const RUN = ['run', '--num-requests', '5', '--quiet', '--output', 'json'];

describe('numbers inside list flags', () => {
  it.each([
    [['--slo', 'ttft_p99=0x10'], /ttft_p99/],
    [['--gpu-price', 'H100=0x2'], /--gpu-price/],
    [['--routing-policy', 'weighted', '--routing-scorers', 'queue-depth:0x2'], /--routing-scorers/],
    [['--arrival', 'gamma:cv=0x2'], /--arrival/],
  ])('%j is refused (exit 2) naming the flag or field', async (flags, named) => {
    const r = await runCli([...RUN, ...flags]);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toMatch(named);
  });

  it.each([
    [['--slo', 'ttft_p99=2e2']],
    [['--gpu-price', 'H100=2.10']],
    [['--routing-policy', 'weighted', '--routing-scorers', 'queue-depth:.5,kv-utilization:1']],
    [['--arrival', 'gamma:cv=1.5']],
  ])('%j, decimal, is taken', async (flags) => {
    const r = await runCli([...RUN, ...flags]);
    expect(r.code, r.err).toBe(0);
  });
});
