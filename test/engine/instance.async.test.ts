import { describe, expect, it } from 'vitest';
import { Harness, linearStep } from './helpers.js';
import type { BatchShape, StepTimeModel } from '../../src/model/step-time.js';

/**
 * Async scheduling, hand-computed from vLLM 0.15 v1/engine/core.py step_with_batch_queue: with
 * a batch queue of 2, step N+1 is scheduled right after step N is launched ("if
 * len(batch_queue) < self.batch_queue_size ... return"), and the scheduler skips a request whose
 * last token is already in flight (v1/core/sched/scheduler.py: "Async scheduling: Avoid
 * scheduling an extra step when we are sure that the previous step has reached
 * request.max_tokens").
 */
describe('instance: async scheduling (step = 1000us + 10us/token, all of it GPU time)', () => {
  it('schedules a request that arrives during a busy step one step later than the synchronous loop', () => {
    const run = (asyncScheduling: boolean) => {
      const t = new Harness({ asyncScheduling });
      const a = t.add({ id: 'a', inputTokens: 100, outputTokens: 5 });
      const b = t.add({ id: 'b', arrivalUs: 500, inputTokens: 20, outputTokens: 1 });
      t.run();
      return { a, b };
    };
    const sync = run(false);
    // Sync: step 1 [0, 2000) prefills a; b (arrived at 500) joins step 2 with a's decode: 1000 + 210.
    expect(sync.b.firstScheduledUs).toBe(2000);
    expect(sync.b.firstTokenUs).toBe(3210);
    expect(sync.a.finishedUs).toBe(3210 + 3 * 1010);
    const asy = run(true);
    // Async: at 0 step 1 (a's prefill) and step 2 (a's first decode) are scheduled; b waits for
    // step 3, scheduled at 2000 when step 2 starts, and runs [3010, 4220) with a's third token.
    expect(asy.a.firstTokenUs).toBe(2000);
    expect(asy.b.firstScheduledUs).toBe(3010);
    expect(asy.b.firstTokenUs).toBe(4220);
    // a's tokens: 2000, 3010, 4220, 5230, 6240; no step is scheduled past its fifth token.
    expect(asy.a.finishedUs).toBe(6240);
  });

  it('an idle engine that receives a request has no lag', () => {
    const t = new Harness({ asyncScheduling: true });
    const r = t.add({ id: 'a', arrivalUs: 7000, inputTokens: 10, outputTokens: 3 });
    t.run();
    expect(r.firstScheduledUs).toBe(7000);
    expect(r.firstTokenUs).toBe(8100);
    expect(r.finishedUs).toBe(8100 + 2 * 1010);
    expect(t.inst.steps).toBe(3);
  });

  it('returns a finished request\'s slot one step late: the waiting request starts a step later', () => {
    // max_num_seqs 2: a (2 tokens) and c (10 tokens) run, b waits for a's slot.
    const run = (asyncScheduling: boolean) => {
      const t = new Harness({ asyncScheduling, maxNumSeqs: 2 });
      const a = t.add({ id: 'a', inputTokens: 100, outputTokens: 2 });
      t.add({ id: 'c', inputTokens: 10, outputTokens: 10 });
      const b = t.add({ id: 'b', arrivalUs: 10, inputTokens: 10, outputTokens: 1 });
      t.run();
      return { a, b };
    };
    // Sync: step 1 [0, 2100) prefills a and c; step 2 [2100, 3120) decodes both and a finishes;
    // b takes a's slot in step 3 [3120, 4230) with c's decode.
    const sync = run(false);
    expect(sync.a.finishedUs).toBe(3120);
    expect([sync.b.firstScheduledUs, sync.b.firstTokenUs]).toEqual([3120, 4230]);
    // Async: step 3 is scheduled at 2100, while a still holds its slot (a is skipped: its last
    // token is in flight); a's slot is free at 3120, when step 4 is scheduled with b; step 3
    // (c alone) runs [3120, 4130) and step 4 (c + b) [4130, 5240).
    const asy = run(true);
    expect(asy.a.finishedUs).toBe(3120);
    expect([asy.b.firstScheduledUs, asy.b.firstTokenUs]).toEqual([4130, 5240]);
  });

  it('overlaps CPU work with the GPU: a step lasts max(GPU, next step\'s CPU) + sync, the first after idle also its own CPU', () => {
    // GPU 600 + 10/token, CPU 400 per step (sync: 1000 + 10/token as before), sync cost 50.
    const model: StepTimeModel = {
      stepTimeUs: (b: BatchShape) => 1000 + 10 * b.totalNewTokens,
      split: { asyncSyncUs: 50, stepCostUs: (b: BatchShape, out: Float64Array) => { out[0] = 600 + 10 * b.totalNewTokens; out[1] = 400; } },
    };
    const sync = new Harness({ asyncScheduling: false, stepTime: model });
    const s = sync.add({ id: 'a', inputTokens: 100, outputTokens: 3 });
    sync.run();
    expect([s.firstTokenUs, s.finishedUs]).toEqual([2000, 4020]);
    const asy = new Harness({ asyncScheduling: true, stepTime: model });
    const a = asy.add({ id: 'a', inputTokens: 100, outputTokens: 3 });
    const durations: number[] = [];
    asy.inst.setStepListener({ onStep: (_i, d) => durations.push(d) });
    asy.run();
    // Step 1: 400 (its CPU) + max(1600, 400 for step 2) + 50; step 2: max(610, 400) + 50;
    // step 3: max(610, 0: nothing left to schedule) + 50.
    expect(durations).toEqual([2050, 660, 660]);
    expect([a.firstTokenUs, a.finishedUs]).toEqual([2050, 3370]);
  });

  it('when CPU work dominates, a step lasts the next step\'s CPU time, and the last one (nothing formed behind it) its GPU time', () => {
    // GPU 100 + 10/token, CPU 500 per formed step, no sync cost. a (10 tokens, 3 out): step 1 =
    // 500 (its CPU) + max(200, 500 for step 2); step 2 = max(110, 500 for step 3); step 3 =
    // max(110, 0: a's last token is in flight, nothing is formed). b (1 out): 500 + max(200, 0).
    const model: StepTimeModel = {
      stepTimeUs: (b: BatchShape) => 600 + 10 * b.totalNewTokens,
      split: { asyncSyncUs: 0, stepCostUs: (b: BatchShape, out: Float64Array) => { out[0] = 100 + 10 * b.totalNewTokens; out[1] = 500; } },
    };
    const durations = (outputTokens: number): number[] => {
      const t = new Harness({ asyncScheduling: true, stepTime: model });
      t.add({ id: 'a', inputTokens: 10, outputTokens });
      const out: number[] = [];
      t.inst.setStepListener({ onStep: (_i, d) => out.push(d) });
      t.run();
      return out;
    };
    expect(durations(3)).toEqual([1000, 500, 110]);
    expect(durations(1)).toEqual([700]);
  });

  it('runs the step already formed behind an aborted request (its output is discarded)', () => {
    // a alone: step 1 [0, 1100) and step 2 (its first decode) are formed at 0. a is aborted at
    // 500: step 2 still runs [1100, 2110), with nothing to commit.
    const t = new Harness({ asyncScheduling: true });
    const a = t.add({ id: 'a', inputTokens: 10, outputTokens: 50 });
    t.sim.run(500);
    t.inst.abort(a);
    t.run();
    expect([t.inst.steps, t.inst.busyUs, a.firstTokenUs]).toEqual([2, 2110, -1]);
  });

  it('continues a chunked prefill without a bubble: the next chunk is scheduled while this one runs', () => {
    const t = new Harness({ asyncScheduling: true, maxNumBatchedTokens: 64 });
    const r = t.add({ id: 'a', inputTokens: 200, outputTokens: 2 });
    const sizes: number[] = [];
    t.inst.setStepListener({ onStep: () => sizes.push(t.inst.batch.newTokens[0]!) });
    t.run();
    expect(sizes).toEqual([64, 64, 64, 8, 1]);
    expect(r.firstTokenUs).toBe(3 * 1640 + 1080);
    expect(r.finishedUs).toBe(3 * 1640 + 1080 + 1010);
  });
});

describe('instance: async scheduling keeps the synchronous results when nothing arrives mid-step', () => {
  it('gives the same timeline for a same-time batch (no split cost)', () => {
    const run = (asyncScheduling: boolean) => {
      const t = new Harness({ asyncScheduling, stepTime: linearStep() });
      t.add({ id: 'a', inputTokens: 100, outputTokens: 3 });
      t.add({ id: 'b', inputTokens: 50, outputTokens: 6 });
      t.run();
      return t.events;
    };
    expect(run(true)).toEqual(run(false));
  });
});
