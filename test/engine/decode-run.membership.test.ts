/**
 * A decode run outlives its batch changing: a request admitted while others decode joins it, a
 * request sampling its last token leaves it, and the run goes on with the others' counters kept
 * implicit. Hand-built timelines (one run for a whole busy spell) and a property over random
 * traffic: leaping and stepping give the same listener calls, steps and per-request results.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Harness } from './helpers.js';
import type { BatchShape, StepTimeModel } from '../../src/model/step-time.js';
import type { EngineRequest } from '../../src/engine/engine-request.js';

/** Costs that read the batch's contexts (a wrong aggregate or context shows in the step times). */
function contextModel(): StepTimeModel {
  const whole = (tokens: number, n: number, ctx: number): number => 300 + 4 * tokens + 7 * n + Math.floor(ctx / 16);
  const ctxSum = (b: BatchShape): number => {
    let s = 0;
    for (let i = 0; i < b.size; i++) s += b.contextTokens[i]!;
    return s;
  };
  return { stepTimeUs: (b) => whole(b.totalNewTokens, b.size, ctxSum(b)), decode: { decodeStepUs: (n, ctx) => whole(n, n, ctx) } };
}

interface Arrival { id: string; arrivalUs: number; inputTokens: number; outputTokens: number }

function simulate(arrivals: Arrival[], leap: boolean, asyncScheduling: boolean, detail: boolean, maxNumSeqs = 8) {
  const t = new Harness({ stepTime: contextModel(), asyncScheduling, leap, blockSize: 4, maxNumBatchedTokens: 64 * Math.ceil(maxNumSeqs / 8), maxNumSeqs, detail: { enabled: detail, tokenEvery: 2 } });
  const steps: number[] = [];
  t.inst.setStepListener({ onStep: (inst, durUs, tokens) => { steps.push(inst.stepStartedUs, durUs, tokens, inst.kvUsedBlocks); } });
  for (const a of arrivals) t.add(a);
  t.run();
  const perRequest = t.reqs.map((r) => [r.firstScheduledUs, r.firstTokenUs, r.finishedUs, r.outputDone, r.numTokens, r.tokenTimesUs, r.prefillChunks]);
  return { log: t.events, steps, perRequest, runs: t.inst.scheduler.run?.started ?? 0, leapSteps: t.inst.leapSteps, allSteps: t.inst.steps };
}

describe('a decode run', () => {
  // b and c arrive while a decodes, with prompts that fit one step's budget; b finishes first.
  const staggered: Arrival[] = [
    { id: 'a', arrivalUs: 0, inputTokens: 4, outputTokens: 60 },
    { id: 'b', arrivalUs: 5000, inputTokens: 9, outputTokens: 12 },
    { id: 'c', arrivalUs: 9000, inputTokens: 5, outputTokens: 50 },
  ];

  for (const asyncScheduling of [false, true]) {
    it(`keeps going through joins and leaves (${asyncScheduling ? 'async' : 'sync'} loop): one run for the busy spell, results as stepping`, () => {
      const leaped = simulate(staggered, true, asyncScheduling, true);
      const stepped = simulate(staggered, false, asyncScheduling, true);
      expect(leaped.log).toEqual(stepped.log);
      expect(leaped.steps).toEqual(stepped.steps);
      expect(leaped.perRequest).toEqual(stepped.perRequest);
      expect(stepped.runs).toBe(0);
      // a's decodes start the run; b and c join it and b leaves it without ending it.
      expect(leaped.runs).toBe(1);
      // Every step but a's prefill (and, synchronously, the step whose commit starts the run) is a run commit.
      expect(leaped.leapSteps).toBeGreaterThanOrEqual(leaped.allSteps - 2);
      expect(leaped.log.filter((e) => e.startsWith('finish')).map((e) => e.split(' ')[1])).toEqual(['b', 'a', 'c']);
    });
  }

  it('matches stepping over random traffic that joins and leaves mid-run', () => {
    const arrival = fc.record({ gapUs: fc.integer({ min: 0, max: 6000 }), inputTokens: fc.integer({ min: 1, max: 90 }), outputTokens: fc.integer({ min: 1, max: 70 }) });
    fc.assert(
      fc.property(fc.array(arrival, { minLength: 1, maxLength: 20, size: 'max' }), fc.boolean(), fc.boolean(), (xs, asyncScheduling, detail) => {
        let at = 0;
        const arrivals = xs.map((x, i) => ({ id: `r${i}`, arrivalUs: (at += x.gapUs), inputTokens: x.inputTokens, outputTokens: x.outputTokens }));
        const leaped = simulate(arrivals, true, asyncScheduling, detail);
        const stepped = simulate(arrivals, false, asyncScheduling, detail);
        expect(leaped.log).toEqual(stepped.log);
        expect(leaped.steps).toEqual(stepped.steps);
        expect(leaped.perRequest).toEqual(stepped.perRequest);
      }),
      { numRuns: 200 },
    );
  });

  it('matches stepping when many requests share a run and leave together (cells given back and taken again)', () => {
    // Bursts of requests with few distinct output lengths: several slots leave at the same
    // formation or commit, from anywhere in the running order, and later joiners reuse their cells.
    const burst = fc.record({ gapUs: fc.integer({ min: 0, max: 40_000 }), size: fc.integer({ min: 1, max: 12 }), inputTokens: fc.integer({ min: 1, max: 40 }), outputTokens: fc.constantFrom(3, 9, 17, 30) });
    // Cases whose traffic ran a decode run at all (very short answers may never start one).
    let withRuns = 0;
    fc.assert(
      fc.property(fc.array(burst, { minLength: 1, maxLength: 8 }), fc.boolean(), (bursts, asyncScheduling) => {
        let at = 0;
        const arrivals: Arrival[] = [];
        for (const b of bursts) {
          at += b.gapUs;
          for (let i = 0; i < b.size; i++) arrivals.push({ id: `r${arrivals.length}`, arrivalUs: at + i, inputTokens: b.inputTokens + i, outputTokens: b.outputTokens + (i % 2) });
        }
        const leaped = simulate(arrivals, true, asyncScheduling, true, 48);
        const stepped = simulate(arrivals, false, asyncScheduling, true, 48);
        expect(leaped.log).toEqual(stepped.log);
        expect(leaped.steps).toEqual(stepped.steps);
        expect(leaped.perRequest).toEqual(stepped.perRequest);
        if (leaped.runs > 0) withRuns++;
      }),
      { numRuns: 150 },
    );
    expect(withRuns).toBeGreaterThan(100);
  });
});

describe('a decode run ended by a first-token listener', () => {
  // x and y are admitted in one formation while a decodes (async: they join at the next one, with
  // their prefills still in flight); x's first token makes the listener abort a, which ends the run
  // in the middle of the commit that also samples y's first token.
  class Aborting extends Harness {
    victim = '';
    override onFirstToken(req: EngineRequest, tUs: number): void {
      super.onFirstToken(req, tUs);
      if (req.src.id === 'x') this.inst.abort(this.reqs.find((r) => r.src.id === this.victim)!);
    }
  }
  const run = (leap: boolean, victim: string) => {
    const t = new Aborting({ stepTime: contextModel(), asyncScheduling: true, leap, blockSize: 4, maxNumBatchedTokens: 64, maxNumSeqs: 8 });
    t.victim = victim;
    const steps: number[] = [];
    t.inst.setStepListener({ onStep: (inst, durUs, tokens) => { steps.push(inst.stepStartedUs, durUs, tokens, inst.kvUsedBlocks); } });
    t.add({ id: 'a', arrivalUs: 0, inputTokens: 4, outputTokens: 80 });
    t.add({ id: 'x', arrivalUs: 6000, inputTokens: 6, outputTokens: 20 });
    t.add({ id: 'y', arrivalUs: 6000, inputTokens: 7, outputTokens: 20 });
    t.run();
    return { log: t.events, steps, perRequest: t.reqs.map((r) => [r.state, r.firstTokenUs, r.finishedUs, r.outputDone, r.numTokens]) };
  };
  for (const victim of ['a', 'y']) {
    it(`gives the stepping results (the listener aborts ${victim})`, () => {
      const leaped = run(true, victim);
      const stepped = run(false, victim);
      expect(leaped).toEqual(stepped);
      expect(stepped.log.some((e) => e.startsWith('first x'))).toBe(true);
    });
  }
});
