/**
 * Event leaping (decode-run.ts) changes how much work a step costs, never what happens: over
 * random configurations (both engine loops, split step costs, the CPU tier, prefix caching on and
 * off, overheads, detail recording, preemption-sized pools, aborts) an instance with leaping and
 * one without produce the same listener calls at the same times, the same step-by-step record
 * (start, duration, tokens, KV in use), the same KV events, the same per-request results and
 * counters and the same number of simulator events, with and without steps that wait for
 * first-use kernel compiles.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Harness, engineKnobs, requestKnobs } from './helpers.js';
import { EventPriority } from '../../src/kernel/events.js';
import type { Instance } from '../../src/engine/instance.js';
import type { BatchShape, StepTimeModel } from '../../src/model/step-time.js';
import type { MoeJitFacts } from '../../src/model/moe-jit.js';

/** Fused-MoE kernels compiled on first use (engine/kernel-jit.ts): steps above the graph sizes stall 5 ms per new variant. */
const JIT: MoeJitFacts = { experts: 8, paddedExperts: 8, tokenScale: 1, topK: 2, keys: null, classes: null, numClasses: 2, stallUs: 5000, configSource: 'get_default_config' };

/** A step cost that reads the batch's context (so a wrong aggregate shows), with its decode-only capability. */
function contextModel(split: boolean, jit: boolean): StepTimeModel {
  const ctxSum = (b: BatchShape): number => {
    let s = 0;
    for (let i = 0; i < b.size; i++) s += b.contextTokens[i]!;
    return s;
  };
  const whole = (tokens: number, n: number, ctx: number): number => 400 + 3 * tokens + 5 * n + Math.floor(ctx / 40);
  const parts = (tokens: number, n: number, ctx: number, out: Float64Array): void => {
    out[0] = 250 + 3 * tokens + ctx / 64;
    out[1] = 150 + 7 * n;
  };
  return {
    stepTimeUs: (b) => whole(b.totalNewTokens, b.size, ctxSum(b)),
    decode: {
      decodeStepUs: (n, ctx) => whole(n, n, ctx),
      decodeCostUs: (n, ctx, out) => parts(n, n, ctx, out),
    },
    ...(split ? { split: { asyncSyncUs: 20, stepCostUs: (b: BatchShape, out: Float64Array) => parts(b.totalNewTokens, b.size, ctxSum(b), out) } } : {}),
    ...(jit ? { kernelJit: JIT } : {}),
  };
}

const configArb = fc.record({
  ...engineKnobs({ maxNumSeqs: 24, totalKvBlocks: 400, shortModelLen: 400 }),
  firstTokenUs: fc.constantFrom(0, 700),
  perOutputTokenUs: fc.constantFrom(0, 0.5, 13),
  detailEvery: fc.constantFrom(0, 1, 3),
  jit: fc.boolean(),
});
type Cfg = typeof configArb extends fc.Arbitrary<infer T> ? T : never;

const reqArb = fc.record({
  ...requestKnobs({ maxGapUs: 20000, maxOutputTokens: 160 }),
  abortAfterUs: fc.option(fc.integer({ min: 0, max: 200000 }), { nil: undefined, freq: 4 }),
});
type Req = typeof reqArb extends fc.Arbitrary<infer T> ? T : never;

interface Trace {
  log: string[];
  steps: number[];
  kv: string[];
  eventsProcessed: number;
  perRequest: unknown[];
  counters: unknown[];
  leapSteps: number;
}

function counters(i: Instance): unknown[] {
  return [i.steps, i.inlineSteps, i.preemptions, i.peakKvUsedBlocks, i.busyUs, i.cpuLoads, i.cpuHitTokens, i.cpuStoreBytes, i.promptTokensScheduled, i.cachedTokensScheduled, i.finishedCount, i.droppedCount, i.abortedCount, i.kvUsedBlocks];
}

function simulate(cfg: Cfg, reqs: Req[], leap: boolean, ticker: boolean): Trace {
  const { split, cpuTierBlocks, cpuLoadUsPerBlock, preScheduleUs, firstTokenUs, perOutputTokenUs, detailEvery, jit, ...rest } = cfg;
  const t = new Harness({
    ...rest,
    leap,
    stepTime: contextModel(split, jit),
    overheads: { preScheduleUs, firstTokenUs, perOutputTokenUs },
    detail: { enabled: detailEvery > 0, tokenEvery: Math.max(1, detailEvery) },
    cpuTier: cpuTierBlocks > 0 ? { blocks: cpuTierBlocks, loadUsPerBlock: cpuLoadUsPerBlock, bytesPerBlock: 1000 } : null,
  });
  const steps: number[] = [];
  const kv: string[] = [];
  t.inst.setStepListener({ onStep: (inst, durUs, tokens) => { steps.push(inst.stepStartedUs, durUs, tokens, inst.kvUsedBlocks); } });
  t.inst.setKvEventListener({ onKvEvent: (_i, kind, hash, tUs) => { kv.push(`${kind} ${hash} ${tUs}`); } });
  const aborter = { handle: (ev: { a: number }) => t.inst.abort(t.reqs[ev.a]!) };
  let at = 0;
  reqs.forEach((q, i) => {
    at += q.gapUs;
    const r = t.add({ id: `r${i}`, arrivalUs: at, inputTokens: q.inputTokens, outputTokens: q.outputTokens, priority: q.priority, prefix: q.group > 0 ? { group: `g${q.group}`, tokens: q.prefixTokens } : undefined });
    if (q.abortAfterUs !== undefined) t.sim.schedule(at + q.abortAfterUs, EventPriority.Timeout, aborter, r.index);
  });
  if (ticker) {
    // An observer every 700 µs (a scrape): it reads the instance and every running request, mid-run.
    const tick = {
      handle: () => {
        t.inst.syncRequests();
        t.events.push(`tick ${t.sim.nowUs} ${t.inst.waitingCount} ${t.inst.runningCount} ${t.inst.kvUsedBlocks} ${t.inst.scheduler.running.map((r) => `${r.computedTokens}/${r.pendingTokens}/${r.outputDone}/${r.numTokens}/${r.numBlocks}/${r.numHashedBlocks}`).join(',')}`);
        if (t.finishedCalls + t.droppedCalls + t.inst.abortedCount < reqs.length) t.sim.schedule(t.sim.nowUs + 700, EventPriority.Scrape, tick);
      },
    };
    t.sim.schedule(0, EventPriority.Scrape, tick);
  }
  t.run();
  return {
    log: t.events,
    steps,
    kv,
    eventsProcessed: t.sim.eventsProcessed,
    perRequest: t.reqs.map((r) => [r.state, r.firstScheduledUs, r.firstTokenUs, r.finishedUs, r.outputDone, r.numTokens, r.preemptions, r.cachedTokens, r.cpuCachedTokens, r.tokenTimesUs, r.prefillChunks, r.preemptionTimesUs]),
    counters: counters(t.inst),
    leapSteps: t.inst.leapSteps,
  };
}

describe('event leaping', () => {
  let leapt = 0;
  let total = 0;
  it('gives results identical to stepping request by request, in both engine loops, with and without the CPU tier', () => {
    fc.assert(
      fc.property(configArb, fc.array(reqArb, { minLength: 1, maxLength: 30, size: 'max' }), fc.boolean(), (cfg, reqs, ticker) => {
        const stepped = simulate(cfg, reqs, false, ticker);
        const leaped = simulate(cfg, reqs, true, ticker);
        expect(stepped.leapSteps).toBe(0);
        expect(leaped.log).toEqual(stepped.log);
        expect(leaped.steps).toEqual(stepped.steps);
        expect(leaped.kv).toEqual(stepped.kv);
        expect(leaped.perRequest).toEqual(stepped.perRequest);
        expect(leaped.counters).toEqual(stepped.counters);
        expect(leaped.eventsProcessed).toBe(stepped.eventsProcessed);
        leapt += leaped.leapSteps;
        total += leaped.counters[0] as number;
      }),
      { numRuns: 250 },
    );
    // The property is only worth something if runs actually leap: most steps here are run commits.
    expect(leapt).toBeGreaterThan(total / 4);
  });
});

describe('when an engine leaps', () => {
  // Three 4-token prompts decoding 60 tokens each: long decode-only stretches.
  const leapSteps = (stepTime: StepTimeModel, asyncScheduling: boolean): number => {
    const t = new Harness({ stepTime, asyncScheduling });
    for (const id of ['a', 'b', 'c']) t.add({ id, inputTokens: 4, outputTokens: 60 });
    t.run();
    expect(t.finishedCalls).toBe(3);
    return t.inst.leapSteps;
  };
  const whole = (b: BatchShape): number => 1000 + 10 * b.totalNewTokens;
  const split = { asyncSyncUs: 5, stepCostUs: (b: BatchShape, out: Float64Array) => { out[0] = 700 + 10 * b.totalNewTokens; out[1] = 300; } };
  const decodeStepUs = (n: number): number => 1000 + 10 * n;
  const decodeCostUs = (n: number, _ctx: number, out: Float64Array): void => { out[0] = 700 + 10 * n; out[1] = 300; };

  it('leaps when the model costs a decode batch from aggregates, in the parts it reports', () => {
    expect(leapSteps({ stepTimeUs: whole, decode: { decodeStepUs } }, false)).toBeGreaterThan(0);
    expect(leapSteps({ stepTimeUs: whole, split, decode: { decodeStepUs, decodeCostUs } }, true)).toBeGreaterThan(0);
  });

  it('steps request by request when the model cannot (no aggregate cost, or no split aggregate for a split model)', () => {
    expect(leapSteps({ stepTimeUs: whole }, false)).toBe(0);
    expect(leapSteps({ stepTimeUs: whole, split, decode: { decodeStepUs } }, true)).toBe(0);
  });
});
