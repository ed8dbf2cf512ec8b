import { describe, expect, it } from 'vitest';
import { Harness } from './helpers.js';
import { RequestState } from '../../src/engine/engine-request.js';

/**
 * What an instance shows the router and the metrics, read at hand-computed instants
 * (step = 1000us + 10us/token, synchronous loop, blocks of 16, 1000 blocks of which 999 usable).
 */
describe('instance gauges', () => {
  it('counts pre-schedule, waiting and running requests, blocks and prompt tokens as the run goes', () => {
    const t = new Harness({ maxNumSeqs: 1, overheads: { preScheduleUs: 100, firstTokenUs: 0, perOutputTokenUs: 0 } });
    const g = t.inst;
    expect([g.idle, g.stepScheduled, g.waitingCount, g.kvTotalBlocks, g.kvFreeBlocks]).toEqual([true, false, 0, 999, 999]);
    t.add({ id: 'a', inputTokens: 100, outputTokens: 3, prefix: { group: 'g', tokens: 48 } });
    t.add({ id: 'b', inputTokens: 50, outputTokens: 1, prefix: { group: 'g', tokens: 48 } });
    // 50us: both inside their 100us pre-schedule delay.
    t.sim.run(50);
    expect([g.waitingCount, g.runningCount, g.idle, g.stepScheduled]).toEqual([2, 0, false, false]);
    // 150us: a's prefill (100 tokens, 7 blocks) runs from 100 to 2100; b waits for the one seat.
    t.sim.run(150);
    expect([g.waitingCount, g.runningCount, g.idle, g.stepScheduled]).toEqual([1, 1, false, true]);
    expect([g.kvUsedBlocks, g.kvFreeBlocks, g.promptTokensScheduled, g.cachedTokensScheduled]).toEqual([7, 992, 100, 0]);
    t.run();
    // b hit a's 3 cached prefix blocks (48 tokens).
    expect([g.waitingCount, g.runningCount, g.idle, g.stepScheduled]).toEqual([0, 0, true, false]);
    expect([g.promptTokensScheduled, g.cachedTokensScheduled, g.kvUsedBlocks, g.kvFreeBlocks]).toEqual([150, 48, 0, 999]);
    expect([g.preemptions, g.cpuLoads, g.cpuHitTokens, g.cpuLoadBytes, g.cpuStoreBytes]).toEqual([0, 0, 0, 0, 0]);
  });

  it('counts a CPU-tier load in flight as waiting, with a poll timer pending', () => {
    // As in instance.cpu-tier.test.ts: c's 4 blocks load from the CPU tier from 5000 to 5200.
    const t = new Harness({ totalKvBlocks: 6, blockSize: 16, cpuTier: { blocks: 10, loadUsPerBlock: 50, bytesPerBlock: 1 << 20 } });
    t.add({ id: 'a', inputTokens: 64, outputTokens: 1, prefix: { group: 'g', tokens: 64 } });
    t.add({ id: 'b', arrivalUs: 2000, inputTokens: 80, outputTokens: 1 });
    const c = t.add({ id: 'c', arrivalUs: 5000, inputTokens: 64, outputTokens: 1, prefix: { group: 'g', tokens: 64 } });
    t.sim.run(5100);
    expect(c.state).toBe(RequestState.LoadingKv);
    expect([t.inst.waitingCount, t.inst.runningCount, t.inst.loadPollPending, t.inst.stepScheduled, t.inst.idle]).toEqual([1, 0, true, false, false]);
    t.run();
    expect([t.inst.loadPollPending, t.inst.idle]).toEqual([false, true]);
  });

  it('is not idle while it holds a prefilled request for a transfer or a decode-side request waits for one', () => {
    const t = new Harness({});
    const held = t.add({ id: 'held', inputTokens: 32, outputTokens: 5 });
    held.prefillOnly = true;
    t.run();
    expect([held.state, t.inst.heldCount, t.inst.idle]).toEqual([RequestState.Held, 1, false]);
    t.inst.releaseHeld(held);
    t.run();
    expect(t.inst.idle).toBe(true);
    const r = t.add({ id: 'r', arrivalUs: t.sim.nowUs, inputTokens: 32, outputTokens: 2 });
    r.remotePrefill = true;
    t.run();
    expect([r.state, t.inst.waitingCount, t.inst.runningCount, t.inst.idle]).toEqual([RequestState.LoadingKv, 1, 0, false]);
    t.inst.remoteLanded(r);
    t.run();
    expect([r.state, t.inst.idle]).toEqual([RequestState.Finished, true]);
  });
});
