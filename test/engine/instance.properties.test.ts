import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Harness, engineKnobs, linearStep, requestKnobs } from './helpers.js';
import { RequestState } from '../../src/engine/engine-request.js';
import { EventPriority } from '../../src/kernel/events.js';

/** engineKnobs, and chunked prefill off in a third of the configs (vLLM then needs a budget of max_model_len). */
const configArb = fc.record({ ...engineKnobs({ maxNumSeqs: 16, totalKvBlocks: 120, shortModelLen: 300 }), chunked: fc.constantFrom(true, true, false) });

type Cfg = { maxNumBatchedTokens: number; maxNumSeqs: number; longPrefillTokenThreshold: number; blockSize: number; totalKvBlocks: number; maxModelLen: number; scheduler: 'fcfs' | 'priority'; enablePrefixCaching: boolean; preScheduleUs: number; asyncScheduling: boolean; split: boolean; cpuTierBlocks: number; cpuLoadUsPerBlock: number; chunked: boolean };

/** The engine options of a generated config (the rest are harness knobs). */
function engineOptions(cfg: Cfg) {
  const { preScheduleUs, split, cpuTierBlocks, cpuLoadUsPerBlock, chunked, ...knobs } = cfg;
  const rest = chunked ? knobs : { ...knobs, enableChunkedPrefill: false, maxNumBatchedTokens: Math.max(knobs.maxNumBatchedTokens, knobs.maxModelLen) };
  const base = linearStep(500, 3);
  const stepTime = split
    ? { stepTimeUs: base.stepTimeUs, split: { asyncSyncUs: 20, stepCostUs: (b: { totalNewTokens: number; size: number }, out: Float64Array) => { out[0] = 300 + 3 * b.totalNewTokens; out[1] = 200 + 7 * b.size; } } }
    : base;
  return { ...rest, stepTime, overheads: { preScheduleUs, firstTokenUs: 0, perOutputTokenUs: 0 }, cpuTier: cpuTierBlocks > 0 ? { blocks: cpuTierBlocks, loadUsPerBlock: cpuLoadUsPerBlock, bytesPerBlock: 1000 } : null };
}

/** Invariants checked after every event. */
function checkState(t: Harness, maxNumSeqs: number): void {
  // Running requests' counters are run counters while the engine leaps: bring them up to date first.
  t.inst.syncRequests();
  const pool = t.inst.scheduler.pool;
  pool.checkInvariants();
  expect(pool.numFree + pool.numUsed).toBe(pool.totalBlocks);
  expect(t.inst.runningCount).toBeLessThanOrEqual(maxNumSeqs);
  const bs = t.inst.config.blockSize;
  for (const r of t.inst.scheduler.running) {
    // Every running request holds the blocks its computed tokens need, and at most one token per step in flight.
    expect(r.numBlocks).toBeGreaterThanOrEqual(Math.ceil(r.computedTokens / bs));
    expect(r.pendingTokens).toBeGreaterThanOrEqual(0);
    expect(r.pendingTokens).toBeLessThanOrEqual(2);
  }
  // Work conservation: queued or running work always has a step in flight or pending (or a load poll when only loads block it).
  if (t.inst.scheduler.waiting.length + t.inst.runningCount > 0) expect(t.inst.stepScheduled || t.inst.loadPollPending).toBe(true);
  // Loads in flight, aborted ones included (their blocks wait for the load), are polled for.
  if (t.inst.scheduler.loads.any) expect(t.inst.stepScheduled || t.inst.loadPollPending).toBe(true);
}

const reqArb = fc.record(requestKnobs({ maxGapUs: 3000, maxOutputTokens: 60 }));


function simulate(cfg: Cfg, reqs: Array<{ gapUs: number; inputTokens: number; outputTokens: number; group: number; prefixTokens: number; priority: number }>, check: boolean, ticker = false) {
  const t = new Harness(engineOptions(cfg));
  let at = 0;
  reqs.forEach((q, i) => {
    at += q.gapUs;
    t.add({ id: `r${i}`, arrivalUs: at, inputTokens: q.inputTokens, outputTokens: q.outputTokens, priority: q.priority, prefix: q.group > 0 ? { group: `g${q.group}`, tokens: q.prefixTokens } : undefined });
  });
  if (ticker) {
    // A 50us ticker keeps an event pending before every step end, forcing the scheduled-event path.
    const tick = { handle: () => { if (t.finishedCalls + t.droppedCalls < reqs.length) t.sim.schedule(t.sim.nowUs + 50, EventPriority.Scrape, tick); } };
    t.sim.schedule(0, EventPriority.Scrape, tick);
  }
  while (t.sim.step()) {
    if (check) checkState(t, cfg.maxNumSeqs);
  }
  return t;
}

describe('instance properties (random configs and workloads)', () => {
  it('gives identical results whether steps are committed inline or by scheduled events', () => {
    fc.assert(
      fc.property(configArb, fc.array(reqArb, { minLength: 1, maxLength: 30, size: 'max' }), (cfg, reqs) => {
        const inline = simulate(cfg, reqs, false);
        const evented = simulate(cfg, reqs, false, true);
        expect(evented.inst.inlineSteps).toBe(0);
        expect(inline.events).toEqual(evented.events);
        expect(inline.inst.steps).toBe(evented.inst.steps);
        expect(inline.inst.preemptions).toBe(evented.inst.preemptions);
        expect(inline.inst.peakKvUsedBlocks).toBe(evented.inst.peakKvUsedBlocks);
      }),
      { numRuns: 60 },
    );
  });

  it('conserves KV blocks and requests, keeps causality and never idles with work', () => {
    fc.assert(
      fc.property(configArb, fc.array(reqArb, { minLength: 1, maxLength: 40, size: 'max' }), (cfg, reqs) => {
        const t = simulate(cfg, reqs, true);
        expect(t.finishedCalls + t.droppedCalls).toBe(reqs.length);
        expect(t.outcomes.size).toBe(reqs.length);
        expect(t.inst.kvUsedBlocks).toBe(0);
        for (const r of t.reqs) {
          if (r.state === RequestState.Dropped) continue;
          expect(r.state).toBe(RequestState.Finished);
          expect(r.outputDone).toBe(r.outputTokens);
          expect(r.src.arrivalUs).toBeLessThanOrEqual(r.enqueuedUs);
          expect(r.enqueuedUs).toBeLessThanOrEqual(r.firstScheduledUs);
          expect(r.firstScheduledUs).toBeLessThan(r.firstTokenUs);
          expect(r.firstTokenUs).toBeLessThanOrEqual(r.finishedUs);
          expect(r.cachedTokens).toBeGreaterThanOrEqual(0);
          expect(r.cachedTokens).toBeLessThan(r.inputTokens);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(configArb, fc.array(reqArb, { minLength: 1, maxLength: 30, size: 'max' }), (cfg, reqs) => {
        const a = simulate(cfg, reqs, false);
        const b = simulate(cfg, reqs, false);
        expect(b.events).toEqual(a.events);
        expect(b.sim.eventsProcessed).toBe(a.sim.eventsProcessed);
      }),
      { numRuns: 40 },
    );
  });
});

describe('instance properties with aborts', () => {
  it('each request finishes, is dropped or is aborted exactly once; KV is conserved', () => {
    fc.assert(
      fc.property(configArb, fc.array(fc.tuple(reqArb, fc.option(fc.integer({ min: 0, max: 20000 }), { nil: undefined })), { minLength: 1, maxLength: 30, size: 'max' }), (cfg, items) => {
        const t = new Harness(engineOptions(cfg));
        let at = 0;
        const aborter = { handle: (ev: { a: number }) => t.inst.abort(t.reqs[ev.a]!) };
        items.forEach(([q, abortAfter], i) => {
          at += q.gapUs;
          const r = t.add({ id: `r${i}`, arrivalUs: at, inputTokens: q.inputTokens, outputTokens: q.outputTokens, priority: q.priority });
          if (abortAfter !== undefined) t.sim.schedule(at + abortAfter, EventPriority.Timeout, aborter, r.index);
        });
        while (t.sim.step()) checkState(t, cfg.maxNumSeqs);
        expect(t.finishedCalls + t.droppedCalls + t.inst.abortedCount).toBe(items.length);
        expect(t.inst.kvUsedBlocks).toBe(0);
        for (const r of t.reqs) expect([RequestState.Finished, RequestState.Dropped, RequestState.Aborted]).toContain(r.state);
      }),
      { numRuns: 100 },
    );
  });
});
