import { describe, expect, it } from 'vitest';
import { Harness } from './helpers.js';
import { EngineRequest, RequestState } from '../../src/engine/engine-request.js';

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

  it('refuses a reservation that does not fit and frees a cancelled one', () => {
    const d = new Harness({ totalKvBlocks: 10 });
    const big = new EngineRequest({ id: 'big', arrivalUs: 0, inputTokens: 200, outputTokens: 2 }, 0, new Float64Array(0), 0);
    expect(d.inst.reserveForTransfer(big)).toBe(-1);
    const r = new EngineRequest({ id: 'r', arrivalUs: 0, inputTokens: 100, outputTokens: 2 }, 1, new Float64Array(0), 0);
    expect(d.inst.reserveForTransfer(r)).toBe(7);
    expect(d.inst.kvUsedBlocks).toBe(7);
    d.inst.cancelReservation(r);
    expect(d.inst.kvUsedBlocks).toBe(0);
    expect(r.state).toBe(RequestState.Dropped);
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
