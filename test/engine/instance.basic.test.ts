import { describe, expect, it } from 'vitest';
import { Harness, linearStep } from './helpers.js';
import type { BatchShape } from '../../src/model/step-time.js';

describe('instance: hand-computed timelines (step = 1000us + 10us/token)', () => {
  it('serves one request alone: TTFT = one prefill step, E2E = prefill + (out-1) decodes', () => {
    const t = new Harness({});
    const r = t.add({ id: 'a', inputTokens: 100, outputTokens: 5 });
    t.run();
    expect(r.firstScheduledUs).toBe(0);
    expect(r.firstTokenUs).toBe(2000);
    expect(r.finishedUs).toBe(2000 + 4 * 1010);
    expect(t.inst.steps).toBe(5);
    expect(t.inst.inlineSteps).toBe(5);
    expect(t.inst.kvUsedBlocks).toBe(0);
  });

  it('batches two same-time requests together and finishes each at its own length', () => {
    const t = new Harness({});
    const a = t.add({ id: 'a', inputTokens: 100, outputTokens: 3 });
    const b = t.add({ id: 'b', inputTokens: 50, outputTokens: 2 });
    t.run();
    expect(a.firstTokenUs).toBe(2500);
    expect(b.firstTokenUs).toBe(2500);
    expect(b.finishedUs).toBe(3520);
    expect(a.finishedUs).toBe(4530);
  });

  it('chunks a prompt longer than the token budget over several steps', () => {
    const t = new Harness({ maxNumBatchedTokens: 64 });
    const r = t.add({ id: 'a', inputTokens: 200, outputTokens: 2 });
    const sizes: number[] = [];
    t.inst.setStepListener({ onStep: () => sizes.push(t.inst.batch.newTokens[0]!) });
    t.run();
    expect(sizes).toEqual([64, 64, 64, 8, 1]);
    expect(r.firstTokenUs).toBe(3 * 1640 + 1080);
    expect(r.finishedUs).toBe(3 * 1640 + 1080 + 1010);
  });

  it('caps a chunk at long_prefill_token_threshold', () => {
    const t = new Harness({ longPrefillTokenThreshold: 100 });
    t.add({ id: 'a', inputTokens: 250, outputTokens: 1 });
    const sizes: number[] = [];
    t.inst.setStepListener({ onStep: () => sizes.push(t.inst.batch.newTokens[0]!) });
    t.run();
    expect(sizes).toEqual([100, 100, 50]);
  });

  it('mixes a new prefill into a running decode batch and reports the batch shape', () => {
    const shapes: string[] = [];
    const model = { stepTimeUs: (b: BatchShape) => { shapes.push(`${b.size}:${b.totalNewTokens}:${b.numPrefill}:${b.contextTokens[0]}`); return 1000; } };
    const t = new Harness({ stepTime: model });
    t.add({ id: 'a', inputTokens: 10, outputTokens: 3 });
    t.add({ id: 'b', arrivalUs: 500, inputTokens: 20, outputTokens: 1 });
    t.run();
    expect(shapes).toEqual(['1:10:1:0', '2:21:1:10', '1:1:0:11']);
  });

  it('starts a step when a request arrives at an idle instance', () => {
    const t = new Harness({});
    const r = t.add({ id: 'a', arrivalUs: 7000, inputTokens: 10, outputTokens: 1 });
    t.run();
    expect(r.firstScheduledUs).toBe(7000);
    expect(r.finishedUs).toBe(8100);
  });

  it('applies per-request overheads', () => {
    const t = new Harness({ overheads: { preScheduleUs: 300, firstTokenUs: 50, perOutputTokenUs: 7 } });
    const r = t.add({ id: 'a', inputTokens: 100, outputTokens: 3 });
    t.run();
    expect(r.firstScheduledUs).toBe(300);
    expect(r.firstTokenUs).toBe(300 + 2000 + 50);
    expect(r.finishedUs).toBe(300 + 2000 + 2 * 1010 + 50 + 2 * 7);
  });

  it('drops requests that can never fit, with a reason, exactly once', () => {
    const t = new Harness({ maxModelLen: 1000, totalKvBlocks: 10 });
    t.add({ id: 'long', inputTokens: 900, outputTokens: 200 });
    t.add({ id: 'big', inputTokens: 150, outputTokens: 20 });
    t.add({ id: 'ok', inputTokens: 100, outputTokens: 20 });
    t.run();
    expect(t.outcomes.get('long')!.dropped).toBe('exceeds-max-model-len');
    expect(t.outcomes.get('big')!.dropped).toBe('exceeds-kv-capacity');
    expect(t.outcomes.get('ok')!.dropped).toBeUndefined();
    expect(t.droppedCalls).toBe(2);
    expect(t.finishedCalls).toBe(1);
  });

  it('serves the priority scheduler in (priority, arrival) order', () => {
    const order = (scheduler: 'fcfs' | 'priority') => {
      const t = new Harness({ maxNumSeqs: 1, scheduler, stepTime: linearStep(100, 0) });
      t.add({ id: 'p2', inputTokens: 10, outputTokens: 2, priority: 2 });
      t.add({ id: 'p0', inputTokens: 10, outputTokens: 2, priority: 0 });
      t.add({ id: 'p1a', inputTokens: 10, outputTokens: 2, priority: 1 });
      t.add({ id: 'p1b', inputTokens: 10, outputTokens: 2, priority: 1 });
      t.run();
      return t.events.filter((e) => e.startsWith('first')).map((e) => e.split(' ')[1]);
    };
    expect(order('priority')).toEqual(['p0', 'p1a', 'p1b', 'p2']);
    expect(order('fcfs')).toEqual(['p2', 'p0', 'p1a', 'p1b']);
  });
});

describe('instance: run bounds', () => {
  it('never commits a step beyond run(untilUs)', () => {
    const t = new Harness({});
    const r = t.add({ id: 'a', inputTokens: 100, outputTokens: 5 });
    t.sim.run(2500);
    expect(t.sim.nowUs).toBe(2500);
    expect(r.outputDone).toBe(1);
    t.run();
    expect(r.finishedUs).toBe(2000 + 4 * 1010);
  });
});
