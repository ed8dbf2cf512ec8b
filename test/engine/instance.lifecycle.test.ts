import { describe, expect, it } from 'vitest';
import { Harness, linearStep } from './helpers.js';
import { Simulator } from '../../src/kernel/sim.js';
import { Instance } from '../../src/engine/instance.js';
import { resolveInstanceConfig } from '../../src/engine/config.js';
import { RequestState, engineRequestFor, type EngineRequest } from '../../src/engine/engine-request.js';

/**
 * A request's way through an instance and the counters it leaves, hand-computed
 * (step = 1000us + 10us/token, synchronous loop, blocks of 16).
 */
describe('instance lifecycle', () => {
  it('counts enqueued, dropped, finished and aborted requests, steps, busy time and peak KV use', () => {
    const t = new Harness({ totalKvBlocks: 21, maxModelLen: 1000 });
    const a = t.add({ id: 'a', inputTokens: 100, outputTokens: 3 }); // 7 blocks; [0, 2000), [2000, 3010), [3010, 4020)
    t.add({ id: 'big', arrivalUs: 10, inputTokens: 990, outputTokens: 20 }); // longer than the model: dropped
    const b = t.add({ id: 'b', arrivalUs: 5000, inputTokens: 200, outputTokens: 1 }); // 13 blocks; with c: [5000, 8100)
    const c = t.add({ id: 'c', arrivalUs: 5000, inputTokens: 10, outputTokens: 5 });
    t.sim.run(6000);
    t.inst.abort(c); // c ran in b's step: 13 + 1 blocks in use, the peak
    t.run();
    const g = t.inst;
    expect([g.enqueuedCount, g.droppedCount, g.finishedCount, g.abortedCount]).toEqual([4, 1, 2, 1]);
    expect([a.finishedUs, b.finishedUs, c.state]).toEqual([4020, 5000 + 1000 + 2100, RequestState.Aborted]);
    expect([g.steps, g.busyUs, g.peakKvUsedBlocks]).toEqual([4, 4020 + 3100, 14]);
  });

  it('refuses a request enqueued twice', () => {
    const t = new Harness({});
    const a = t.add({ id: 'a', inputTokens: 10, outputTokens: 1 });
    t.run();
    expect(() => t.inst.enqueue(a)).toThrow('request a enqueued twice');
  });

  it('a request joins a step starting at the instant it arrives, after the step that ended then', () => {
    // a's prefill [0, 1100); b arrives at 1100 and joins a's first decode: [a:1, b:10] (1110 us).
    const t = new Harness({});
    const a = t.add({ id: 'a', inputTokens: 10, outputTokens: 3 });
    const b = t.add({ id: 'b', arrivalUs: 1100, inputTokens: 10, outputTokens: 1 });
    t.run();
    expect([b.firstScheduledUs, b.finishedUs, a.finishedUs]).toEqual([1100, 2210, 2210 + 1010]);
  });

  it('aborting a held prefill or a P/D transfer in flight frees its blocks and lets a waiting request start at once', () => {
    // 8 blocks, 7 usable. p (100 tokens, 7 blocks, prefill only) is held after [0, 2000); w (100
    // tokens) arrives at 3000 and waits for blocks until p is withdrawn at 4000.
    const t = new Harness({ totalKvBlocks: 8 });
    const p = t.add({ id: 'p', inputTokens: 100, outputTokens: 3 });
    p.prefillOnly = true;
    const w = t.add({ id: 'w', arrivalUs: 3000, inputTokens: 100, outputTokens: 1 });
    t.sim.run(4000);
    expect([p.state, t.inst.heldCount, w.state]).toEqual([RequestState.Held, 1, RequestState.Waiting]);
    t.inst.abort(p);
    expect([p.state, t.inst.heldCount, t.inst.kvUsedBlocks]).toEqual([RequestState.Aborted, 0, 0]);
    t.run();
    expect([w.firstScheduledUs, w.finishedUs]).toEqual([4000, 6000]);

    // A P/D decode-side request whose transfer is in flight: its blocks go at once (NixlConnector does not delay the free).
    const r = t.add({ id: 'r', arrivalUs: 7000, inputTokens: 32, outputTokens: 2 });
    r.remotePrefill = true;
    t.run();
    expect(t.events.at(-1)).toBe('load r 2 7000');
    t.inst.abort(r);
    expect([r.state, t.inst.kvUsedBlocks, t.inst.waitingCount]).toEqual([RequestState.Aborted, 0, 0]);
  });

  it('aborting a request while its CPU-tier load is in flight frees the load\'s blocks when the load is reported', () => {
    // As in instance.cpu-tier.test.ts: c loads 4 blocks from the CPU tier from 5000 to 5200. vLLM's
    // finish_requests frees a WAITING_FOR_REMOTE_KVS request with delay_free_blocks: the blocks go
    // back on finished_recving (here the idle poll at 5200), and the request no longer counts as waiting.
    const t = new Harness({ totalKvBlocks: 6, blockSize: 16, cpuTier: { blocks: 10, loadUsPerBlock: 50, bytesPerBlock: 1 } });
    t.add({ id: 'a', inputTokens: 64, outputTokens: 1, prefix: { group: 'g', tokens: 64 } });
    t.add({ id: 'b', arrivalUs: 2000, inputTokens: 80, outputTokens: 1 });
    const c = t.add({ id: 'c', arrivalUs: 5000, inputTokens: 64, outputTokens: 1, prefix: { group: 'g', tokens: 64 } });
    t.sim.run(5100);
    expect([c.state, t.inst.kvUsedBlocks]).toEqual([RequestState.LoadingKv, 4]);
    t.inst.abort(c);
    expect([c.state, t.inst.kvUsedBlocks, t.inst.waitingCount]).toEqual([RequestState.Aborted, 4, 0]);
    t.sim.run(5199);
    expect(t.inst.kvUsedBlocks).toBe(4);
    t.sim.run(5200);
    expect(t.inst.kvUsedBlocks).toBe(0);
    t.run();
    expect([c.firstTokenUs, t.inst.idle]).toEqual([-1, true]);
  });

  it('needs no first-token callback, and skips a request its listener aborts at its first token', () => {
    const sim = new Simulator();
    const finished: string[] = [];
    let inst: Instance | null = null;
    const listener = {
      onFinished: (r: EngineRequest) => finished.push(r.src.id),
      onDropped: () => undefined,
    };
    inst = new Instance(sim, resolveInstanceConfig({ totalKvBlocks: 100, maxModelLen: 1000, stepTime: linearStep(), asyncScheduling: false }), listener);
    const a = engineRequestFor({ id: 'a', arrivalUs: 0, inputTokens: 10, outputTokens: 1 }, 0, 16);
    inst.enqueue(a);
    sim.run();
    expect([a.state, a.firstTokenUs, finished]).toEqual([RequestState.Finished, 1100, ['a']]);

    const t = new Harness({});
    const b = t.add({ id: 'b', inputTokens: 10, outputTokens: 1 });
    t.onFirstToken = (r) => t.inst.abort(r);
    t.run();
    expect([b.state, b.firstTokenUs, t.finishedCalls, t.inst.finishedCount]).toEqual([RequestState.Aborted, 1100, 0, 0]);
  });

  it('stops on a step time that is not a finite number of microseconds', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const t = new Harness({ stepTime: { stepTimeUs: () => bad } });
      t.add({ id: 'a', inputTokens: 10, outputTokens: 1 });
      expect(() => t.run()).toThrow(`step-time model returned ${bad}us (need an integer >= 1)`);
    }
    // Below 1 us rounds up to 1 us.
    const t = new Harness({ stepTime: { stepTimeUs: () => 0.2 } });
    const a = t.add({ id: 'a', inputTokens: 10, outputTokens: 2 });
    t.run();
    expect(a.finishedUs).toBe(2);
  });

  it('reports KV events only while a listener is attached', () => {
    const t = new Harness({});
    const events: string[] = [];
    t.inst.setKvEventListener({ onKvEvent: (_i, kind, _h, tUs) => events.push(`${kind} ${tUs}`) });
    t.add({ id: 'a', inputTokens: 32, outputTokens: 1 });
    t.sim.run(5000);
    t.inst.setKvEventListener(null);
    t.add({ id: 'b', arrivalUs: 6000, inputTokens: 32, outputTokens: 1 });
    t.run();
    // a's 2 full prompt blocks are stored when its prefill is scheduled; b's go unreported.
    expect(events).toEqual(['stored 0', 'stored 0']);
    expect(t.finishedCalls).toBe(2);
  });

  it('shows the batch in flight with event leaping off too', () => {
    const t = new Harness({ leap: false });
    const sizes: number[] = [];
    t.inst.setStepListener({ onStep: (inst) => sizes.push(inst.batch.totalNewTokens) });
    t.add({ id: 'a', inputTokens: 10, outputTokens: 3 });
    t.run();
    expect(sizes).toEqual([10, 1, 1]);
  });
});

