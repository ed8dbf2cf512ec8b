import { describe, expect, it } from 'vitest';
import { MetricsCollector } from '../../src/cluster/metrics.js';
import type { RequestRecord } from '../../src/cluster/record.js';
import { summarize } from '../../src/cluster/summary.js';

/** A completed request on `instance` whose TTFT is `ttftUs` (past 16,384 µs: the histogram's bins there are geometric, not exact). */
function completed(i: number, instance: number, ttftUs: number): RequestRecord {
  const arrivalUs = 1000 * i;
  return {
    id: `r${i}`, index: i, arrivalUs, inputTokens: 100, outputTokens: 10, status: 'completed', admission: 'admitted', admittedUs: arrivalUs,
    routedUs: arrivalUs, instance, pool: '', enqueuedUs: arrivalUs, firstScheduledUs: arrivalUs, firstTokenUs: arrivalUs + ttftUs,
    finishedUs: arrivalUs + ttftUs + 90_000, cachedTokens: 0, preemptions: 0, producedTokens: 10,
  };
}

const ttftOf = (i: number): number => 20_000 + ((i * 7919) % 100_003);

function run(numInstances: number, requests: number) {
  const c = new MetricsCollector(numInstances, [], { pools: [] });
  for (let i = 0; i < requests; i++) c.addRecord(completed(i, 0, ttftOf(i)));
  const doc = c.document({}, { simulatedUs: 10 ** 9, events: 0 });
  const exact = summarize(Array.from({ length: requests }, (_, i) => ttftOf(i)), requests, 1e-3);
  return { run: doc.ttft_ms, instance: doc.instances[0]!.ttft_ms, exact };
}

describe("instances share the run's budget of exact latency samples", () => {
  it('one instance keeps as many exact as the run (250,000): its block is the run\'s', () => {
    const r = run(1, 20_000);
    expect(r.run).toEqual(r.exact);
    expect(r.instance).toEqual(r.exact);
  });

  it('with 64 instances each keeps 8,192 exact, then its percentiles come from its histogram (within 0.05 %); the run stays exact', () => {
    const below = run(64, 8192);
    expect(below.instance).toEqual(below.exact);
    const r = run(64, 9000);
    expect(r.run).toEqual(r.exact);
    expect(r.instance.count).toBe(9000);
    expect(r.instance.mean).toBeCloseTo(r.exact.mean!, 9);
    expect(r.instance).not.toEqual(r.exact);
    for (const k of ['p50', 'p90', 'p95', 'p99', 'min', 'max'] as const) expect(Math.abs(r.instance[k]! / r.exact[k]! - 1)).toBeLessThan(0.0005);
  });

  it('with 8 instances each keeps 31,250 exact (a one-hour seed run has 22,500 per instance)', () => {
    const r = run(8, 31_250);
    expect(r.instance).toEqual(r.exact);
    expect(run(8, 31_251).instance).not.toEqual(run(8, 31_251).exact);
  });
});
