import { describe, expect, it } from 'vitest';
import { Harness } from './helpers.js';
import { RequestState } from '../../src/engine/engine-request.js';

describe('instance: abort (client timeout)', () => {
  it('aborts waiting, running and pre-schedule requests, freeing their blocks, without listener calls', () => {
    const t = new Harness({ maxNumSeqs: 1, overheads: { preScheduleUs: 100, firstTokenUs: 0, perOutputTokenUs: 0 } });
    const a = t.add({ id: 'a', inputTokens: 100, outputTokens: 50 });
    const b = t.add({ id: 'b', inputTokens: 100, outputTokens: 5 });
    const c = t.add({ id: 'c', arrivalUs: 3000, inputTokens: 100, outputTokens: 5 });
    t.sim.run(3050);
    expect(a.state).toBe(RequestState.Running);
    expect(b.state).toBe(RequestState.Waiting);
    expect(c.state).toBe(RequestState.New);
    t.inst.abort(b);
    t.inst.abort(c);
    t.inst.abort(a); // mid-step: the step in flight commits nothing for it
    expect(t.inst.kvUsedBlocks).toBe(0);
    const d = t.add({ id: 'd', arrivalUs: 4000, inputTokens: 100, outputTokens: 2 });
    t.run();
    expect([a.state, b.state, c.state]).toEqual([RequestState.Aborted, RequestState.Aborted, RequestState.Aborted]);
    expect(t.events.filter((e) => !e.includes(' d '))).toEqual(['first a 2100']);
    expect(d.state).toBe(RequestState.Finished);
    expect(t.inst.abortedCount).toBe(3);
    expect(t.inst.kvUsedBlocks).toBe(0);
    t.inst.scheduler.pool.checkInvariants();
  });
});
