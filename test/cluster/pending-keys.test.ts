/**
 * A session's earlier turns defer their session's blocks while they are alone on their instance,
 * and leave them pending for the next reader (engine/pending-keys.ts): a speed knob. With the
 * unique-ids knob on (it applies) and off (every block registered as it fills) a run writes the
 * same metrics document and records, byte for byte, leaping or not. Drawn: think times from
 * none to a second (turns of one session overlapping on one instance: the first turn stops
 * deferring), tiny pools (pending blocks reallocated before the next turn comes, preemption),
 * client timeouts, one to three instances, both scheduling loops. The property also checks that
 * it exercised what it is about: pending blocks registered and skipped, running turns stopped.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { simulate } from '../../src/cluster/simulate.js';
import { topStepTimeContext } from '../../src/cluster/moe-parallel-config.js';
import { CollectingSink } from '../../src/cluster/sink.js';
import { ZERO_OVERHEADS } from '../../src/engine/config.js';
import { KvBlockPool } from '../../src/engine/kv-cache.js';
import { PendingKeys } from '../../src/engine/pending-keys.js';
import { Rng } from '../../src/kernel/rng.js';
import { createStepTimeModel } from '../../src/model/registry.js';
import { generateArrivals } from '../../src/workload/generate.js';
import { resolveWorkload } from '../../src/workload/resolve.js';
import { parseWorkloadSpec } from '../../src/workload/spec.js';
import type { ArrivalRequest } from '../../src/workload/request.js';

const caseArb = fc.record({
  instances: fc.constantFrom(1, 1, 2, 3),
  asyncScheduling: fc.boolean(),
  totalKvBlocks: fc.constantFrom(60, 150, 400, 2000),
  maxNumSeqs: fc.constantFrom(4, 64),
  clientTimeoutS: fc.constantFrom(0, 0, 0.5, 2),
  thinkS: fc.constantFrom(0, 0.02, 0.2, 1),
  system: fc.constantFrom('', 'prefix: {groups: 2, tokens: 64}, '),
  rate: fc.constantFrom(10, 40, 120),
  numRequests: fc.integer({ min: 30, max: 150 }),
  seed: fc.integer({ min: 0, max: 1000 }),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function arrivalsOf(c: Case): ArrivalRequest[] {
  const spec = parseWorkloadSpec(
    `clients:\n  - {name: a, rate_fraction: 1, ${c.system}input: {dist: uniform, min: 5, max: 300}, output: {dist: uniform, min: 1, max: 120}, sessions: {turns: {dist: uniform, min: 1, max: 5}, think_time_s: ${c.thinkS}}}\n`,
    'sessions.yaml',
  );
  const workload = resolveWorkload({ spec, rate: c.rate, numRequests: c.numRequests, seed: c.seed });
  return [...generateArrivals(workload, new Rng(c.seed).fork('workload'))];
}

async function run(c: Case, arrivals: readonly ArrivalRequest[], leap: boolean, uniqueIds: boolean) {
  const config = resolveClusterConfig({
    model: 'meta-llama/llama-3.1-8b-instruct',
    hardware: 'H100',
    numInstances: c.instances,
    asyncScheduling: c.asyncScheduling,
    totalKvBlocks: c.totalKvBlocks,
    maxNumSeqs: c.maxNumSeqs,
    maxNumBatchedTokens: 512,
    routingPolicy: 'round-robin',
    clientTimeoutS: c.clientTimeoutS,
  });
  const stepTime = createStepTimeModel(config.stepTime, topStepTimeContext(config));
  const sink = new CollectingSink();
  const res = await simulate({ config, arrivals, stepTime, overheads: stepTime.overheads ?? ZERO_OVERHEADS, sinks: [sink], leap, uniqueIds });
  return { json: JSON.stringify(res.metrics), lines: sink.records.map((r) => JSON.stringify(r)) };
}

describe("a session's earlier turns' deferred blocks", () => {
  // What the property exercised: pending blocks registered and skipped at a flush, running turns stopped.
  const seen = { registered: 0, skipped: 0, stopped: 0 };
  const internals = PendingKeys.prototype as unknown as { flush(s: number, key: number): void };
  const flush = internals.flush;
  const join = PendingKeys.prototype.join;
  vi.spyOn(internals, 'flush').mockImplementation(function (this: unknown, s: number, key: number) {
    const k = this as { pool: KvBlockPool; log: Int32Array; from: Int32Array; to: Int32Array; at: Float64Array; stamp: Float64Array; base: number };
    for (let p = k.from[s]!; p < k.to[s]!; p++) {
      if (k.pool.allocatedAt(k.log[p + k.at[s]! - k.base - k.from[s]!]!) <= k.stamp[s]!) seen.registered++;
      else seen.skipped++;
    }
    flush.call(this, s, key);
  });
  vi.spyOn(PendingKeys.prototype, 'join').mockImplementation(function (this: PendingKeys, r) {
    const other = join.call(this, r);
    if (other !== null) seen.stopped++;
    return other;
  });
  afterAll(() => vi.restoreAllMocks());

  it('leave the same metrics and records as registering every block as it fills, leaping or not', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const arrivals = arrivalsOf(c);
        const lazy = await run(c, arrivals, true, true);
        const eager = await run(c, arrivals, true, false);
        expect(lazy.json).toBe(eager.json);
        expect(lazy.lines).toEqual(eager.lines);
        const stepped = await run(c, arrivals, false, true);
        expect(stepped.json).toBe(lazy.json);
        expect(stepped.lines).toEqual(lazy.lines);
      }),
      { numRuns: 60, seed: 17 },
    );
    expect(seen.registered).toBeGreaterThan(0);
    expect(seen.skipped).toBeGreaterThan(0);
    expect(seen.stopped).toBeGreaterThan(0);
  });
});
