/**
 * A session's final turn (PrefixRef.final, RequestLedger.aloneInGroup) is a speed hint: with it
 * honoured (its session blocks registered only if it is preempted) and with it dropped from the
 * arrivals (registered as they fill), a run writes the same metrics document and records, byte for
 * byte; the unique-ids knob is on in both, so only the hint differs (leap.test.ts compares unique
 * ids on and off). Drawn: short think times and client timeouts (a final turn arriving while an
 * earlier turn runs, or just after it timed out), tiny KV pools (preemption), the CPU tier, prefix
 * caching off, priority scheduling, several instances under prefix-affinity and precise-prefix
 * routing, data-parallel MoE servers (ranks in lockstep, engine/lockstep.ts), and a millisecond
 * grid (constant step times, arrivals and deadlines on whole milliseconds, so deadlines fall on the
 * instant a group's step starts). The same runs check --no-leap against leaping and DESIGN.md §5's
 * conservation and causality. scripts/defer-fuzz.mjs draws thousands of these.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { resolveClusterConfig, type ClusterOptions } from '../../src/cluster/config.js';
import { simulate } from '../../src/cluster/simulate.js';
import { topStepTimeContext } from '../../src/cluster/moe-parallel-config.js';
import { CollectingSink } from '../../src/cluster/sink.js';
import type { RequestRecord } from '../../src/cluster/record.js';
import { ZERO_OVERHEADS } from '../../src/engine/config.js';
import { Rng } from '../../src/kernel/rng.js';
import { createStepTimeModel } from '../../src/model/registry.js';
import { generateArrivals } from '../../src/workload/generate.js';
import { resolveWorkload } from '../../src/workload/resolve.js';
import { parseWorkloadSpec } from '../../src/workload/spec.js';
import type { ArrivalRequest, PrefixRef } from '../../src/workload/request.js';

const caseArb = fc.record({
  dataParallel: fc.boolean(),
  servers: fc.constantFrom(1, 2),
  routing: fc.constantFrom('round-robin', 'least-loaded', 'prefix', 'precise'),
  asyncScheduling: fc.boolean(),
  totalKvBlocks: fc.constantFrom(40, 80, 150, 600),
  maxNumSeqs: fc.constantFrom(2, 8, 64),
  priority: fc.boolean(),
  kvCpuBlocks: fc.constantFrom(0, 0, 0, 400),
  prefixCaching: fc.constantFrom(true, true, true, false),
  clientTimeoutS: fc.constantFrom(0, 0.3, 1, 3),
  grid: fc.boolean(),
  thinkS: fc.constantFrom(0, 0.01, 0.1, 1),
  system: fc.constantFrom('prefix: null, ', '', 'prefix: {groups: 2, tokens: 200}, '),
  maxInput: fc.constantFrom(60, 300, 1500),
  maxOutput: fc.constantFrom(5, 60, 400),
  rate: fc.constantFrom(8, 30, 100),
  numRequests: fc.integer({ min: 20, max: 120 }),
  seed: fc.integer({ min: 0, max: 1000 }),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function optionsOf(c: Case): ClusterOptions {
  const numInstances = c.dataParallel ? 2 * c.servers : c.servers;
  const routing = numInstances > 1 ? c.routing : 'round-robin';
  return {
    model: c.dataParallel ? 'qwen/qwen3-30b-a3b' : 'meta-llama/llama-3.1-8b-instruct',
    hardware: 'H100',
    numInstances,
    ...(c.dataParallel ? { dataParallelSize: 2 } : {}),
    asyncScheduling: c.asyncScheduling,
    totalKvBlocks: c.totalKvBlocks,
    maxNumSeqs: c.maxNumSeqs,
    maxNumBatchedTokens: 512,
    scheduler: c.priority ? 'priority' : 'fcfs',
    ...(c.kvCpuBlocks > 0 ? { kvCpuBlocks: c.kvCpuBlocks } : {}),
    enablePrefixCaching: c.prefixCaching,
    routingPolicy: routing === 'prefix' || routing === 'precise' ? 'weighted' : routing,
    ...(routing === 'prefix' ? { routingScorers: 'prefix-affinity:2,queue-depth:1' } : {}),
    ...(routing === 'precise' ? { routingScorers: 'precise-prefix-cache:2,kv-utilization:1', cacheSignalDelayMs: 50 } : {}),
    // On the grid every step takes 1 ms (model/linear.ts: alpha0 only) and deadlines are whole milliseconds.
    ...(c.grid ? { latencyModel: 'linear', latencyCoefficients: { alpha0Us: 1000, alpha1UsPerPrefillToken: 0, alpha2UsPerDecodeToken: 0, alpha3UsPerContextToken: 0 } } : {}),
    clientTimeoutS: c.grid && c.clientTimeoutS > 0 ? c.clientTimeoutS / 10 : c.clientTimeoutS,
  };
}

function arrivalsOf(c: Case): ArrivalRequest[] {
  const priority = c.priority ? ', priority: 1' : '';
  const spec = parseWorkloadSpec(
    `clients:\n  - {name: a, rate_fraction: 1, ${c.system}input: {dist: uniform, min: 5, max: ${c.maxInput}}, output: {dist: uniform, min: 1, max: ${c.maxOutput}}, sessions: {turns: {dist: uniform, min: 1, max: 5}, think_time_s: ${c.thinkS}}${priority}}\n` +
      `  - {name: b, rate_fraction: 0.5, input: {dist: uniform, min: 5, max: 400}, output: {dist: uniform, min: 1, max: 100}, sessions: {turns: {dist: uniform, min: 1, max: 3}, think_time_s: 0.05}}\n`,
    'sessions.yaml',
  );
  const workload = resolveWorkload({ spec, rate: c.rate, numRequests: c.numRequests, seed: c.seed });
  const arrivals = [...generateArrivals(workload, new Rng(c.seed).fork('workload'))];
  return c.grid ? arrivals.map((a) => ({ ...a, arrivalUs: Math.round(a.arrivalUs / 1000) * 1000 })) : arrivals;
}

/** The arrivals with every `final` hint dropped (everything else kept, `exclusive` included). */
function withoutFinal(arrivals: readonly ArrivalRequest[]): ArrivalRequest[] {
  const strip = (p: PrefixRef | undefined): PrefixRef | undefined =>
    p === undefined ? undefined : { group: p.group, tokens: p.tokens, ...(p.exclusive !== undefined ? { exclusive: p.exclusive } : {}), ...(p.parent !== undefined ? { parent: strip(p.parent) } : {}) };
  return arrivals.map((a) => (a.prefix === undefined ? a : { ...a, prefix: strip(a.prefix)! }));
}

async function run(c: Case, arrivals: readonly ArrivalRequest[], leap: boolean) {
  const config = resolveClusterConfig(optionsOf(c));
  const stepTime = createStepTimeModel(config.stepTime, topStepTimeContext(config));
  const sink = new CollectingSink();
  const res = await simulate({ config, arrivals, stepTime, overheads: stepTime.overheads ?? ZERO_OVERHEADS, sinks: [sink], leap, uniqueIds: true });
  return { metrics: res.metrics, json: JSON.stringify(res.metrics), records: sink.records, lines: sink.records.map((r) => JSON.stringify(r)), numInstances: config.numInstances };
}

/** Final turns preempted after arriving when every earlier turn of their session had left: registerDeferred's case. */
function deferredAndPreempted(arrivals: readonly ArrivalRequest[], records: readonly RequestRecord[]): number {
  const left = new Map<string, number>();
  const byId = new Map(records.map((r) => [r.id, r]));
  let n = 0;
  for (const a of arrivals) {
    const r = byId.get(a.id);
    const group = a.prefix?.group;
    if (r === undefined || group === undefined || a.prefix?.exclusive !== true) continue;
    const earlierLeft = left.get(group) ?? -1;
    if (a.prefix.final === true && a.prefix.parent?.exclusive !== true && earlierLeft < r.arrivalUs && r.preemptions > 0) n++;
    left.set(group, r.finishedUs < 0 ? Number.MAX_SAFE_INTEGER : Math.max(earlierLeft, r.finishedUs));
  }
  return n;
}

describe("a session's final turn", () => {
  it('writes the same metrics and records with its hint honoured or dropped, leaping or not, and keeps the invariants', async () => {
    let exercised = 0;
    let timedOut = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const arrivals = arrivalsOf(c);
        const hinted = await run(c, arrivals, true);
        const plain = await run(c, withoutFinal(arrivals), true);
        expect(plain.json).toBe(hinted.json);
        expect(plain.lines).toEqual(hinted.lines);
        const stepped = await run(c, arrivals, false);
        expect(stepped.json).toBe(hinted.json);
        expect(stepped.lines).toEqual(hinted.lines);

        const m = hinted.metrics;
        const q = m.requests;
        expect(q.injected).toBe(arrivals.length);
        expect(q.unfinished).toBe(0);
        expect(q.completed + q.rejected + q.timed_out + q.dropped).toBe(q.injected);
        for (const inst of m.instances) {
          const r = inst.requests;
          expect(r.completed + r.rejected + r.timed_out + r.dropped + r.unfinished).toBe(r.injected);
        }
        expect(m.kv.peak_utilization).toBeLessThanOrEqual(1);
        for (const r of hinted.records) {
          expect(r.instance).toBeLessThan(hinted.numInstances);
          if (r.status !== 'completed') continue;
          const chain = [r.arrivalUs, r.admittedUs, r.routedUs, r.enqueuedUs, r.firstScheduledUs, r.firstTokenUs, r.finishedUs];
          for (let i = 1; i < chain.length; i++) expect(chain[i]!, `${r.id} step ${i}`).toBeGreaterThanOrEqual(chain[i - 1]!);
          expect(r.producedTokens).toBe(r.outputTokens);
        }
        if (c.prefixCaching && c.kvCpuBlocks === 0) exercised += deferredAndPreempted(arrivals, hinted.records);
        if (q.timed_out > 0) timedOut++;
      }),
      { numRuns: 150, seed: 20261207 },
    );
    // The runs reach registerDeferred for final turns (the case the hint changes) and time requests out.
    expect(exercised).toBeGreaterThan(15);
    expect(timedOut).toBeGreaterThan(40);
  });
});
