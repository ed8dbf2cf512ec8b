import { describe, expect, it } from 'vitest';
import { Harness } from './helpers.js';
import { EventPriority } from '../../src/kernel/events.js';

describe('instance: KV cache, prefix cache and preemption', () => {
  it('preempts the newest running request when blocks run out, and both still finish', () => {
    // 6 blocks of 16: two 32-token prompts take 2 blocks each; decodes grow them until the
    // pool is full and the newer request (b) is preempted to let a continue.
    const t = new Harness({ totalKvBlocks: 6 });
    const a = t.add({ id: 'a', inputTokens: 32, outputTokens: 40 });
    const b = t.add({ id: 'b', inputTokens: 32, outputTokens: 40 });
    let peak = 0;
    t.inst.setStepListener({ onStep: () => { peak = Math.max(peak, t.inst.kvUsedBlocks); t.inst.scheduler.pool.checkInvariants(); } });
    t.run();
    expect(a.preemptions).toBe(0);
    expect(b.preemptions).toBeGreaterThanOrEqual(1);
    expect(t.finishedCalls).toBe(2);
    expect(b.finishedUs).toBeGreaterThan(a.finishedUs);
    expect(peak).toBeLessThanOrEqual(6);
    expect(t.inst.kvUsedBlocks).toBe(0);
    expect(t.inst.preemptions).toBe(b.preemptions);
  });

  it('preempts the lowest-priority request under the priority scheduler', () => {
    const t = new Harness({ totalKvBlocks: 6, scheduler: 'priority' });
    const a = t.add({ id: 'a', inputTokens: 32, outputTokens: 40, priority: 5 });
    const b = t.add({ id: 'b', inputTokens: 32, outputTokens: 40, priority: 0 });
    t.run();
    expect(b.preemptions).toBe(0);
    expect(a.preemptions).toBeGreaterThanOrEqual(1);
    expect(t.finishedCalls).toBe(2);
  });

  it('serves a repeated prefix from the cache (cachedTokens, shorter prefill)', () => {
    const t = new Harness({});
    t.add({ id: 'a', inputTokens: 100, outputTokens: 2, prefix: { group: 'sys', tokens: 64 } });
    const b = t.add({ id: 'b', arrivalUs: 10000, inputTokens: 100, outputTokens: 2, prefix: { group: 'sys', tokens: 64 } });
    const c = t.add({ id: 'c', arrivalUs: 20000, inputTokens: 100, outputTokens: 2, prefix: { group: 'other', tokens: 64 } });
    t.run();
    expect(b.cachedTokens).toBe(64);
    expect(b.firstTokenUs - 10000).toBe(1000 + 10 * 36);
    expect(c.cachedTokens).toBe(0);
    expect(t.inst.cachedPrefixBlocks(b)).toBe(6);
  });

  it('always recomputes at least the last prompt token on a full hit', () => {
    const t = new Harness({});
    t.add({ id: 'a', inputTokens: 64, outputTokens: 1, prefix: { group: 'g', tokens: 64 } });
    const b = t.add({ id: 'b', arrivalUs: 5000, inputTokens: 64, outputTokens: 1, prefix: { group: 'g', tokens: 64 } });
    t.run();
    expect(b.cachedTokens).toBe(48);
    expect(b.finishedUs - 5000).toBe(1000 + 160);
  });

  it('emits stored/evicted KV events only with a listener', () => {
    const t = new Harness({ totalKvBlocks: 8 });
    const kinds: string[] = [];
    t.inst.setKvEventListener({ onKvEvent: (_i, kind) => kinds.push(kind) });
    t.add({ id: 'a', inputTokens: 64, outputTokens: 1 });
    t.add({ id: 'b', arrivalUs: 5000, inputTokens: 64, outputTokens: 1 });
    t.add({ id: 'c', arrivalUs: 9000, inputTokens: 64, outputTokens: 1 });
    t.run();
    expect(kinds.filter((k) => k === 'stored').length).toBe(12);
    expect(kinds.filter((k) => k === 'evicted').length).toBeGreaterThan(0);
  });

  it('P/D: a prefillOnly request holds its blocks until released; the decode side reserves and decodes', () => {
    const p = new Harness({});
    const r = p.add({ id: 'a', inputTokens: 100, outputTokens: 5 });
    r.prefillOnly = true;
    p.run();
    expect(r.firstTokenUs).toBe(2000);
    expect(r.finishedUs).toBe(2000);
    expect(p.inst.kvUsedBlocks).toBe(7);
    p.inst.releaseHeld(r);
    expect(p.inst.kvUsedBlocks).toBe(0);

    // The decode side: the same prompt arrives as a remote prefill; the idle engine gives it 7
    // blocks to fill from the prefill side at once, and the transfer lands at 3000.
    const d = new Harness({ totalKvBlocks: 20 });
    const dr = d.add({ id: 'a', inputTokens: 100, outputTokens: 5 });
    dr.remotePrefill = true;
    d.sim.schedule(3000, EventPriority.TransferEnd, { handle: () => d.inst.remoteLanded(dr) });
    d.run();
    expect(d.events[0]).toBe('load a 7 0');
    // Idle, the landing is reported at once; the first step recomputes the last prompt token
    // (1000 + 10 us) and samples the first token; then four decode steps.
    expect(dr.firstScheduledUs).toBe(3000);
    expect(dr.firstTokenUs).toBe(3000 + 1010);
    expect(dr.finishedUs).toBe(3000 + 5 * 1010);
    expect(dr.outputDone).toBe(5);
    expect(d.finishedCalls).toBe(1);
    expect(d.inst.kvUsedBlocks).toBe(0);
    // The landed prompt is in the decode instance's prefix cache (its full blocks but the last
    // token's): a request with the same prompt needs only the last block from the prefill side.
    const again = d.add({ id: 'a', arrivalUs: 20_000, inputTokens: 100, outputTokens: 5 });
    again.remotePrefill = true;
    d.run();
    expect(d.events.at(-1)).toBe('load a 1 20000');
    expect(again.cachedTokens).toBe(96);
  });
});
