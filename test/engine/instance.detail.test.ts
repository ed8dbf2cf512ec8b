import { describe, expect, it } from 'vitest';
import { Harness } from './helpers.js';
import { RequestState } from '../../src/engine/engine-request.js';

describe('instance: detail recording and P/D reservations', () => {
  it('records prefill chunks, preemption times and every Nth token time only when enabled', () => {
    const t = new Harness({ maxNumBatchedTokens: 64, detail: { enabled: true, tokenEvery: 2 } });
    const r = t.add({ id: 'a', inputTokens: 100, outputTokens: 5 });
    t.run();
    expect(r.prefillChunks).toEqual([
      { startUs: 0, endUs: 1640, tokens: 64 },
      { startUs: 1640, endUs: 1640 + 1360, tokens: 36 },
    ]);
    expect(r.tokenTimesUs).toEqual([3000, 3000 + 2 * 1010, 3000 + 4 * 1010]);
    expect(r.preemptionTimesUs).toEqual([]);

    const off = new Harness({});
    const q = off.add({ id: 'a', inputTokens: 100, outputTokens: 5 });
    off.run();
    expect(q.prefillChunks).toBeNull();
    expect(q.tokenTimesUs).toBeNull();
  });

  it('P/D decode side: a remote prefill that can never fit is dropped at enqueue; one aborted with its transfer in flight frees its blocks at once', () => {
    // 10 blocks, 9 usable: big needs cdiv(202, 16) = 13; r's 100 prompt tokens take 7, pulled at once (idle).
    const d = new Harness({ totalKvBlocks: 10 });
    const big = d.add({ id: 'big', inputTokens: 200, outputTokens: 2 });
    big.remotePrefill = true;
    const r = d.add({ id: 'r', inputTokens: 100, outputTokens: 2 });
    r.remotePrefill = true;
    d.run();
    expect(d.events).toEqual(['drop big exceeds-kv-capacity 0', 'load r 7 0']);
    expect(d.inst.kvUsedBlocks).toBe(7);
    d.inst.abort(r);
    expect([r.state, d.inst.kvUsedBlocks]).toEqual([RequestState.Aborted, 0]);
    d.inst.remoteLanded(r);
    expect(d.inst.kvUsedBlocks).toBe(0);
  });

  it('a waiting request blocked by held blocks starts when they are released', () => {
    const t = new Harness({ totalKvBlocks: 8 });
    const p = t.add({ id: 'p', inputTokens: 100, outputTokens: 3 });
    p.prefillOnly = true;
    const w = t.add({ id: 'w', arrivalUs: 5000, inputTokens: 100, outputTokens: 1 });
    t.run();
    expect(w.firstScheduledUs).toBe(-1);
    expect(t.inst.waitingCount).toBe(1);
    t.sim.run(9000);
    t.inst.releaseHeld(p);
    t.run();
    expect(w.firstScheduledUs).toBe(9000);
    expect(w.finishedUs).toBe(9000 + 2000);
  });
});
