/**
 * Hand-computed cases for each vLLM 0.15 rule the scheduler cites (v1/core/sched/scheduler.py
 * `schedule()`), each built so that dropping or bending the rule changes what is asserted.
 * Step time = 1000 us + 10 us per batched token, synchronous loop, block size 16.
 */
import { describe, expect, it } from 'vitest';
import { EventPriority } from '../../src/kernel/events.js';
import { Harness, batchOf } from './helpers.js';
import type { InstanceOptions } from '../../src/engine/config.js';

/** Records every step's batch as `id:newTokens` entries, in batch order. */
function recordBatches(t: Harness): string[][] {
  const steps: string[][] = [];
  t.inst.setStepListener({ onStep: (inst) => steps.push(batchOf(inst)) });
  return steps;
}

/**
 * 6 blocks (5 usable): a P/D decode request d (do_remote_prefill) arrives at 0 just before w (30
 * tokens, 2 blocks); the schedule at 0 gives d its 32 prompt tokens' 2 blocks (it waits for the
 * transfer) and prefills w in step 1 (0 → 1300); d's transfer lands at 500, step 1 reports it, and d
 * joins step 2 after w, so running is [w, d] though d came first. Run to the end.
 */
function decodeJoinsAfterLaterArrival(opts: Partial<InstanceOptions>) {
  const t = new Harness({ totalKvBlocks: 6, ...opts });
  const steps = recordBatches(t);
  const d = t.add({ id: 'd', inputTokens: 32, outputTokens: 10 });
  d.remotePrefill = true;
  const w = t.add({ id: 'w', inputTokens: 30, outputTokens: 10 });
  t.sim.schedule(500, EventPriority.TransferEnd, { handle: () => t.inst.remoteLanded(d) });
  t.run();
  expect(t.events.slice(0, 2)).toEqual(['load d 2 0', 'first w 1300']);
  return { t, steps, d, w };
}

describe('vLLM scheduler rules, hand-computed', () => {
  it('without chunked prefill a prompt is scheduled whole or waits, and the queue behind it waits too', () => {
    // Budget 100 tokens. a (60), b (60) and c (10) arrive at 0. Chunked (vLLM's default): step 1
    // fills the budget [a:60, b:40] and step 2 finishes b's prompt beside a's first decode
    // [a:1, b:20, c:10]. Unchunked: b's 60 tokens do not fit the 40 left, so admission stops there
    // (scheduler.py breaks) and c, which would fit, waits behind it: [a:60] (1000 + 600 us), then
    // [a:1, b:60, c:10] (1000 + 710 us): b's and c's first tokens at 3310.
    const run = (enableChunkedPrefill: boolean) => {
      const t = new Harness({ maxNumBatchedTokens: 100, maxModelLen: 100, enableChunkedPrefill });
      const steps = recordBatches(t);
      t.add({ id: 'a', inputTokens: 60, outputTokens: 5 });
      const b = t.add({ id: 'b', inputTokens: 60, outputTokens: 5 });
      const c = t.add({ id: 'c', inputTokens: 10, outputTokens: 5 });
      t.run();
      return { steps, b, c, t };
    };
    const chunked = run(true);
    expect(chunked.steps.slice(0, 2)).toEqual([['a:60', 'b:40'], ['a:1', 'b:20', 'c:10']]);
    const whole = run(false);
    expect(whole.steps.slice(0, 2)).toEqual([['a:60'], ['a:1', 'b:60', 'c:10']]);
    expect([whole.b.firstTokenUs, whole.c.firstTokenUs]).toEqual([3310, 3310]);
    expect(whole.t.finishedCalls).toBe(3);
    // vLLM refuses a budget below max_model_len without chunking (config/scheduler.py).
    expect(() => new Harness({ maxNumBatchedTokens: 100, maxModelLen: 101, enableChunkedPrefill: false })).toThrowError(/max_num_batched_tokens \(100\) is smaller than max_model_len \(101\) with chunked prefill off/);
  });

  it('admits no waiting request in a step that preempted (scheduler.py: `if not preempted_reqs`)', () => {
    // 6 blocks, 5 usable (null block). a (priority 0) and b (priority 5) prefill 32 tokens each
    // in step 1 (0 → 1640 us; 4 blocks, 1 free). c (priority 1, 1 token) arrives meanwhile.
    // Step 2 (1640): a's first decode needs a 3rd block and takes the free one; b's needs one
    // too, none is left, and the victim (largest priority value) is b itself. Something was
    // preempted, so c waits although b's 2 freed blocks would hold it: batch [a:1], 1010 us.
    // Step 3 (2650): a decodes in its 3rd block, c is admitted (1 block), b (33 tokens, 3
    // blocks) does not fit: batch [a:1, c:1], 1020 us; c's only token at 3670.
    const t = new Harness({ totalKvBlocks: 6, scheduler: 'priority' });
    const steps = recordBatches(t);
    t.add({ id: 'a', inputTokens: 32, outputTokens: 40, priority: 0 });
    const b = t.add({ id: 'b', inputTokens: 32, outputTokens: 40, priority: 5 });
    const c = t.add({ id: 'c', arrivalUs: 100, inputTokens: 1, outputTokens: 1, priority: 1 });
    t.run();
    expect(steps.slice(0, 3)).toEqual([['a:32', 'b:32'], ['a:1'], ['a:1', 'c:1']]);
    expect(c.firstTokenUs).toBe(3670);
    expect(b.preemptions).toBeGreaterThanOrEqual(1);
    expect(t.finishedCalls).toBe(3);
  });

  it('schedules no running request after one that preempted itself (the loop breaks)', () => {
    // 6 blocks, 5 usable. Step 1: a (priority 0, 10 tokens, 1 block) and b (priority 5, 20
    // tokens, 2 blocks). d (priority 1, 2 tokens) arrives at 100 and is admitted in step 2
    // (1 block): running is [a, b, d], 1 block free. Each later step adds one token to each:
    // step k computes a up to 11 + (k − 2) tokens and b up to 21 + (k − 2). Step 8: a reaches 17
    // tokens, needs a 2nd block and takes the free one. Step 14: b reaches 33, needs a 3rd block,
    // none is free, and the victim (largest priority value) is b itself: b is preempted and the
    // loop stops, so d, which needed nothing, is not scheduled either: batch [a:1].
    const t = new Harness({ totalKvBlocks: 6, scheduler: 'priority' });
    const steps = recordBatches(t);
    t.add({ id: 'a', inputTokens: 10, outputTokens: 40, priority: 0 });
    const b = t.add({ id: 'b', inputTokens: 20, outputTokens: 40, priority: 5 });
    t.add({ id: 'd', arrivalUs: 100, inputTokens: 2, outputTokens: 40, priority: 1 });
    t.run();
    expect(steps[0]).toEqual(['a:10', 'b:20']);
    expect(steps[1]).toEqual(['a:1', 'b:1', 'd:2']);
    for (let k = 2; k < 13; k++) expect(steps[k], `step ${k + 1}`).toEqual(['a:1', 'b:1', 'd:1']);
    expect(steps[13]).toEqual(['a:1']);
    expect(steps[14]).toEqual(['a:1', 'd:1']);
    expect(b.preemptions).toBeGreaterThanOrEqual(1);
    expect(t.finishedCalls).toBe(3);
  });

  it('picks the latest arrival among equal priorities as the victim, not the last running (priority scheduler)', () => {
    // vLLM: max(running, key=(priority, arrival_time)). A P/D decode request d reserves its 32
    // prompt tokens' 2 blocks at 0 (instance arrival 0); w arrives next (arrival 1, 30 tokens, 2
    // blocks) and prefills in step 1 (0 → 1300). d's transfer lands at 500; d joins step 2
    // after w, so running is [w, d] though d arrived first. 5 usable blocks, 1 free after step
    // 2. Step 3: d's token 33 takes the free block. Step 4: w's token 33 needs a block, none is
    // free: the victim is w (the later arrival, itself), not d (the last running).
    const { t, steps, d, w } = decodeJoinsAfterLaterArrival({ scheduler: 'priority' });
    expect(steps.slice(0, 3)).toEqual([['w:30'], ['w:1', 'd:1'], ['w:1', 'd:1']]);
    expect(w.preemptions).toBeGreaterThanOrEqual(1);
    expect(d.preemptions).toBe(0);
    expect(t.finishedCalls).toBe(2);
  });

  it('preempts the last running request under fcfs, whatever the arrival order, and records when (detail)', () => {
    // The case above with the fcfs policy: step 4 (formed at 1300 + 1020 + 1020 = 3340) w needs a
    // block, none is free, and the victim is the last running request, d; w keeps running.
    const { t, steps, d, w } = decodeJoinsAfterLaterArrival({ scheduler: 'fcfs', detail: { enabled: true, tokenEvery: 1 } });
    expect(steps.slice(0, 4)).toEqual([['w:30'], ['w:1', 'd:1'], ['w:1', 'd:1'], ['w:1']]);
    expect(w.preemptions).toBe(0);
    expect(d.preemptions).toBeGreaterThanOrEqual(1);
    expect(d.preemptionTimesUs![0]).toBe(3340);
    expect(w.preemptionTimesUs).toEqual([]);
    expect(t.finishedCalls).toBe(2);
  });

  it('a victim already scheduled in this step leaves the batch, and the requests after the preempting one still run', () => {
    // 6 blocks, 5 usable, priority policy. x (priority 5, 16 tokens) prefills alone in step 1
    // [0, 1160); y (30 tokens) and z (8 tokens), priority 0, arrive at 100 and join step 2 after
    // x's 2nd block: running [x, y, z], no block free. Step 5: x is scheduled (its 20th token fits
    // its 2 blocks), then y's 33rd token needs a 3rd block: the victim is x (priority 5), already
    // in the batch: it leaves it, its 2 blocks go to y, and z is scheduled as usual. Step 6: x
    // (20 tokens now, 2 blocks) does not fit in the 1 free block.
    const t = new Harness({ totalKvBlocks: 6, scheduler: 'priority' });
    const steps = recordBatches(t);
    const x = t.add({ id: 'x', inputTokens: 16, outputTokens: 40, priority: 5 });
    t.add({ id: 'y', arrivalUs: 100, inputTokens: 30, outputTokens: 40 });
    t.add({ id: 'z', arrivalUs: 100, inputTokens: 8, outputTokens: 40 });
    t.run();
    expect(steps.slice(0, 6)).toEqual([['x:16'], ['x:1', 'y:30', 'z:8'], ['x:1', 'y:1', 'z:1'], ['x:1', 'y:1', 'z:1'], ['y:1', 'z:1'], ['y:1', 'z:1']]);
    expect(x.preemptions).toBeGreaterThanOrEqual(1);
    expect(x.firstScheduledUs).toBe(0); // its first scheduling, not its readmission
    expect(t.finishedCalls).toBe(3);
  });

  it('shares the token budget in queue order: running requests first, then waiting ones, none with no budget left', () => {
    // 32 tokens per step: a's 40-token prompt takes 32, b waits; then a's last 8 and 24 of b's;
    // then a's decode and b's last 16.
    const t = new Harness({ maxNumBatchedTokens: 32 });
    const steps = recordBatches(t);
    t.add({ id: 'a', inputTokens: 40, outputTokens: 2 });
    t.add({ id: 'b', inputTokens: 40, outputTokens: 2 });
    t.run();
    expect(steps).toEqual([['a:32'], ['a:8', 'b:24'], ['a:1', 'b:16'], ['b:1']]);
  });

  it('leaves the last prompt token to recompute on a decode instance that holds the whole prompt (num_tokens − 1 cap)', () => {
    // A 96-token prompt is 6 full blocks. After serving it once, the instance holds all 6, but
    // vLLM never counts the whole prompt as cached (the last token is recomputed to sample from):
    // hits are capped at floor((96 − 1) / 16) = 5 blocks, so 1 block still comes over the link.
    const t = new Harness({ totalKvBlocks: 40 });
    const first = t.add({ id: 'a', inputTokens: 96, outputTokens: 2, prefix: { group: 'g', tokens: 96 } });
    t.run();
    expect(first.cachedTokens).toBe(0);
    const again = t.add({ id: 'b', arrivalUs: 10_000, inputTokens: 96, outputTokens: 2, prefix: { group: 'g', tokens: 96 } });
    again.remotePrefill = true;
    t.run();
    expect(t.events.at(-1)).toBe('load b 1 10000');
    expect(again.cachedTokens).toBe(80);
  });
});
