/**
 * The hybrid KV cache manager over random engines and traffic (both loops, chunking, prefix
 * caching, preemption-sized pools, one to three groups of each kind, windows shorter and longer
 * than a block): after every step the pool is consistent, the references held are exactly the
 * blocks the requests' tables name, each sliding table holds no block before its window and every
 * block from there on, every request completes, the router's KV events name only real block
 * hashes (one group's), and neither leaping (which a hybrid engine does not do) nor a KV-event
 * listener (which keeps every hash in the shared index instead of per-id lists) changes anything.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Harness, engineKnobs, requestKnobs } from './helpers.js';
import type { BatchShape, StepTimeModel } from '../../src/model/step-time.js';
import type { KvCacheGroups } from '../../src/model/kv-groups.js';
import type { Instance } from '../../src/engine/instance.js';

/** A step cost reading the batch's context, with the decode-only capability (so a non-hybrid engine would leap). */
const contextModel: StepTimeModel = {
  stepTimeUs: (b: BatchShape) => {
    let ctx = 0;
    for (let i = 0; i < b.size; i++) ctx += b.contextTokens[i]!;
    return 400 + 3 * b.totalNewTokens + 5 * b.size + Math.floor(ctx / 40);
  },
  decode: { decodeStepUs: (n, ctx) => 400 + 8 * n + Math.floor(ctx / 40) },
};

const { cpuTierBlocks: _c, cpuLoadUsPerBlock: _l, split: _s, ...knobs } = engineKnobs({ maxNumSeqs: 16, totalKvBlocks: 300, shortModelLen: 400 });
const configArb = fc.record({
  ...knobs,
  // Pools small enough that a good share of runs preempt (every table costs a block per group).
  totalKvBlocks: fc.integer({ min: 20, max: 150 }),
  maxModelLen: fc.constant(100000),
  groups: fc.record({
    fullGroups: fc.integer({ min: 0, max: 2 }),
    slidingGroups: fc.integer({ min: 1, max: 3 }),
    slidingWindow: fc.constantFrom(3, 17, 32, 100),
  }),
});
type Cfg = typeof configArb extends fc.Arbitrary<infer T> ? T : never;
// Dense traffic over a few shared prefixes: most runs hit the prefix cache, many preempt.
const reqArb = fc.record({
  ...requestKnobs({ maxGapUs: 3000, maxOutputTokens: 60 }),
  inputTokens: fc.integer({ min: 16, max: 200 }),
  group: fc.integer({ min: 0, max: 2 }),
  prefixTokens: fc.integer({ min: 16, max: 150 }),
});
type Req = typeof reqArb extends fc.Arbitrary<infer T> ? T : never;

function checkTables(inst: Instance, groups: KvCacheGroups): void {
  const s = inst.scheduler;
  const kv = s.hybrid!;
  const pool = s.pool;
  pool.checkInvariants();
  let refs = 0;
  for (let b = 0; b < pool.totalBlocks; b++) refs += pool.refCountOf(b);
  let held = 0;
  const holders = [...s.running];
  s.waiting.forEach((r) => { if (r.numBlocks > 0) holders.push(r); });
  for (const r of holders) {
    held += kv.heldBlocks(r);
    if (r.numBlocks * s.blockSize < r.computedTokens) throw new Error(`${r.src.id}: ${r.numBlocks} blocks for ${r.computedTokens} computed tokens`);
    if (r.slidingStart > kv.skippedBlocks(r.computedTokens)) throw new Error(`${r.src.id}: sliding tables start at ${r.slidingStart}, past the window`);
    const lanes = groups.fullGroups + groups.slidingGroups;
    for (let lane = 0; lane < lanes; lane++) {
      const first = lane < groups.fullGroups ? 0 : r.slidingStart;
      for (let k = 0; k < r.numBlocks; k++) {
        const b = r.blocks[lane * r.laneStride + k]!;
        if (k < first ? b !== -1 : pool.refCountOf(b) < 1) throw new Error(`${r.src.id}: table ${lane} entry ${k} is ${b}`);
      }
    }
  }
  if (refs !== held) throw new Error(`${refs} references held, the tables name ${held} blocks`);
}

/** `events`: a KV-event listener puts every hash in the shared index; without one, past-prefix blocks are private to their id. */
function simulate(cfg: Cfg, reqs: Req[], leap: boolean, events: boolean) {
  const { groups, preScheduleUs, ...rest } = cfg;
  const kvGroups: KvCacheGroups = { layersPerGroup: 1, ...groups };
  const t = new Harness({ ...rest, leap, kvGroups, stepTime: contextModel, overheads: { preScheduleUs, firstTokenUs: 0, perOutputTokenUs: 0 } });
  const steps: number[] = [];
  const stored: number[] = [];
  if (events) t.inst.setKvEventListener({ onKvEvent: (_i, kind, hash) => { if (kind === 'stored') stored.push(hash); } });
  t.inst.setStepListener({
    onStep: (inst, durUs, tokens) => {
      steps.push(inst.stepStartedUs, durUs, tokens, inst.kvUsedBlocks);
      checkTables(inst, kvGroups);
    },
  });
  let at = 0;
  reqs.forEach((q, i) => {
    at += q.gapUs;
    t.add({ id: `r${i}`, arrivalUs: at, inputTokens: q.inputTokens, outputTokens: q.outputTokens, priority: q.priority, prefix: q.group > 0 ? { group: `g${q.group}`, tokens: q.prefixTokens } : undefined });
  });
  t.run();
  const known = new Set<number>();
  for (const r of t.reqs) for (const h of r.seqBlockHashes) known.add(h);
  return {
    t,
    stored,
    known,
    trace: {
      log: t.events,
      steps,
      perRequest: t.reqs.map((r) => [r.state, r.firstTokenUs, r.finishedUs, r.preemptions, r.cachedTokens]),
      counters: [t.inst.steps, t.inst.preemptions, t.inst.peakKvUsedBlocks, t.inst.kvUsedBlocks, t.sim.eventsProcessed],
    },
  };
}

describe('hybrid KV cache manager: invariants over random engines', () => {
  it('consistent tables and references after every step, every request served, events of real hashes, leap-identical', () => {
    let hits = 0;
    let preempted = 0;
    fc.assert(
      fc.property(configArb, fc.array(reqArb, { minLength: 4, maxLength: 24, size: 'max' }), (cfg, reqs) => {
        const stepped = simulate(cfg, reqs, false, true);
        const leaped = simulate(cfg, reqs, true, true);
        const unheard = simulate(cfg, reqs, false, false);
        const t = stepped.t;
        expect(t.finishedCalls + t.droppedCalls).toBe(reqs.length);
        expect(t.inst.kvUsedBlocks).toBe(0);
        for (const h of stepped.stored) expect(stepped.known.has(h)).toBe(true);
        expect(leaped.t.inst.leapSteps).toBe(0);
        expect(leaped.trace).toEqual(stepped.trace);
        // Per-id private lists (no listener) find exactly what the shared index finds.
        expect(unheard.trace).toEqual(stepped.trace);
        hits += t.inst.cachedTokensScheduled > 0 ? 1 : 0;
        preempted += t.inst.preemptions > 0 ? 1 : 0;
      }),
      { numRuns: 100 },
    );
    // Worth something only if runs hit the prefix cache and preempt (about 30 of 100 runs do each).
    expect(hits).toBeGreaterThan(12);
    expect(preempted).toBeGreaterThan(10);
  });
});
