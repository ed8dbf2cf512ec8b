/**
 * DESIGN §5 invariants at the cluster level, over random configurations (with per-request
 * overheads and client timeouts): conservation (per instance and for the cluster), causality of
 * every record's timestamps, determinism.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { simulate } from '../../src/cluster/simulate.js';
import { CollectingSink } from '../../src/cluster/sink.js';
import { getStepTimeModel } from '../../src/model/registry.js';
import { Rng } from '../../src/kernel/rng.js';
import { generateArrivals } from '../../src/workload/generate.js';
import { resolveWorkload } from '../../src/workload/resolve.js';

const arbConfig = fc.record({
  numInstances: fc.integer({ min: 1, max: 4 }),
  policy: fc.constantFrom('round-robin', 'least-loaded', 'vllm-dp', 'random', 'weighted'),
  preset: fc.constantFrom('chatbot', 'codegen', 'summarization', 'reasoning'),
  rate: fc.integer({ min: 5, max: 80 }),
  numRequests: fc.integer({ min: 20, max: 120 }),
  totalKvBlocks: fc.integer({ min: 400, max: 4000 }),
  maxNumSeqs: fc.integer({ min: 2, max: 64 }),
  maxNumBatchedTokens: fc.integer({ min: 256, max: 4096 }),
  snapshot: fc.constantFrom(0, 50),
  seed: fc.integer({ min: 0, max: 1000 }),
  // Per-request overheads (API, queueing, detokenise) and client timeouts: a timeout inside the
  // pre-schedule delay is only reachable with both.
  overheads: fc.record({ preScheduleUs: fc.constantFrom(0, 2_000, 20_000), firstTokenUs: fc.constantFrom(0, 5_000), perOutputTokenUs: fc.constantFrom(0, 200) }),
  timeoutS: fc.constantFrom(0, 0.5, 5),
});

type Cfg = typeof arbConfig extends fc.Arbitrary<infer T> ? T : never;

async function run(c: Cfg) {
  const config = resolveClusterConfig({
    model: 'meta-llama/llama-3.1-8b-instruct', hardware: 'H100', tp: 1,
    numInstances: c.numInstances, routingPolicy: c.policy,
    totalKvBlocks: c.totalKvBlocks, maxNumSeqs: c.maxNumSeqs, maxNumBatchedTokens: c.maxNumBatchedTokens,
    maxModelLen: 16384, snapshotRefreshIntervalMs: c.snapshot, seed: c.seed, clientTimeoutS: c.timeoutS,
  });
  const workload = resolveWorkload({ preset: c.preset, rate: c.rate, numRequests: c.numRequests, seed: c.seed });
  const stepTime = getStepTimeModel('roofline').create({ model: config.model, hardware: config.hardware, tp: 1 });
  const sink = new CollectingSink();
  const result = await simulate({
    config, arrivals: generateArrivals(workload, new Rng(c.seed)), stepTime, overheads: c.overheads, sinks: [sink],
  });
  return { result, records: sink.records };
}

describe('cluster invariants over random configurations', () => {
  it('conservation, causality and determinism hold', async () => {
    await fc.assert(fc.asyncProperty(arbConfig, async (c) => {
      const { result, records } = await run(c);
      const m = result.metrics;
      const q = m.requests;
      expect(q.injected).toBe(c.numRequests);
      expect(q.completed + q.rejected + q.timed_out + q.dropped + q.unfinished).toBe(q.injected);
      // No horizon: every request ends somehow; one left unfinished means the run stalled.
      expect(q.unfinished).toBe(0);
      for (const inst of m.instances) {
        const r = inst.requests;
        expect(r.completed + r.rejected + r.timed_out + r.dropped + r.unfinished).toBe(r.injected);
      }
      expect(m.instances.reduce((a, i) => a + i.requests.injected, 0)).toBe(records.filter((r) => r.instance >= 0).length);
      const ids = new Set(records.map((r) => r.id));
      expect(ids.size).toBe(records.length);
      for (const r of records) {
        // A request that left early (timed out, dropped, rejected) reached a prefix of the chain:
        // what it reached is in order, and it left no earlier than its last step (endedUs).
        const reached = [r.arrivalUs, r.admittedUs, r.routedUs, r.enqueuedUs, r.firstScheduledUs, r.firstTokenUs, r.finishedUs].filter((t) => t >= 0);
        if (r.status !== 'completed') reached.push(r.endedUs!);
        for (let i = 1; i < reached.length; i++) expect(reached[i]!, `${r.id} (${r.status}) step ${i}`).toBeGreaterThanOrEqual(reached[i - 1]!);
        if (r.status !== 'completed') continue;
        expect(reached, `${r.id} completed: every step happened`).toHaveLength(7);
        expect(r.producedTokens).toBe(r.outputTokens);
        expect(r.cachedTokens).toBeLessThan(r.inputTokens);
      }
      const again = await run(c);
      expect(JSON.stringify(again.result.metrics)).toBe(JSON.stringify(m));
    }), { numRuns: 25 });
  });

  it('a client that times out inside the first-token overhead never received that token', async () => {
    // fast-check's shrunk counterexample: r8's first token was due 1 ms after its 0.5 s timeout.
    const { records } = await run({ numInstances: 1, policy: 'round-robin', preset: 'chatbot', rate: 18, numRequests: 20, totalKvBlocks: 400, maxNumSeqs: 2, maxNumBatchedTokens: 256, snapshot: 0, seed: 0, overheads: { preScheduleUs: 0, firstTokenUs: 5000, perOutputTokenUs: 0 }, timeoutS: 0.5 });
    const r8 = records.find((r) => r.id === 'r8')!;
    expect(r8).toMatchObject({ status: 'timed_out', firstTokenUs: -1, producedTokens: 0 });
    for (const r of records) if (r.status !== 'completed' && r.firstTokenUs >= 0) expect(r.firstTokenUs, r.id).toBeLessThanOrEqual(r.endedUs!);
  });
});
