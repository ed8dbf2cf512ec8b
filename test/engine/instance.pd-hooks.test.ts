import { describe, expect, it } from 'vitest';
import { Harness } from './helpers.js';
import { EngineRequest, RequestState, engineRequestFor } from '../../src/engine/engine-request.js';
import type { ArrivalRequest } from '../../src/workload/request.js';

/**
 * The P/D hooks on one instance, hand-computed (step = 1000us + 10us/token, synchronous loop,
 * blocks of 16): the decode side reserves a prompt's blocks before its transfer (local prefix
 * hits first, as vLLM's scheduler does for a remote prefill), gives them back if the transfer
 * fails, and starts decoding when it lands; the prefill side holds a prefilled request's blocks
 * until the transfer is done.
 */
function request(t: Harness, src: Partial<ArrivalRequest> & { id: string; inputTokens: number; outputTokens: number }): EngineRequest {
  const r = engineRequestFor({ arrivalUs: 0, ...src }, t.reqs.length, t.inst.config.blockSize);
  t.reqs.push(r);
  return r;
}

describe('instance P/D hooks (hand-computed)', () => {
  it('reserves the prompt blocks minus the local prefix hits, and refuses without allocating when they are not free', () => {
    // 12 blocks, 11 usable. 'warm' caches g's 48 tokens (3 full blocks) and frees them: free but cached.
    const t = new Harness({ totalKvBlocks: 12, blockSize: 16 });
    t.add({ id: 'warm', inputTokens: 48, outputTokens: 1, prefix: { group: 'g', tokens: 48 } });
    t.run();
    expect([t.inst.kvUsedBlocks, t.inst.kvFreeBlocks]).toEqual([0, 11]);
    // A holder takes 2 uncached blocks: 9 free, 3 of them g's cached blocks.
    const holder = request(t, { id: 'holder', inputTokens: 32, outputTokens: 1 });
    expect(t.inst.reserveForTransfer(holder)).toBe(2);
    expect([holder.state, t.inst.reservedCount, t.inst.kvUsedBlocks]).toEqual([RequestState.Reserved, 1, 2]);
    // 160 tokens = 10 blocks, 3 hit: 7 new + the 3 hits taken off the free queue = 10 > 9 free.
    const big = request(t, { id: 'big', inputTokens: 160, outputTokens: 1, prefix: { group: 'g', tokens: 48 } });
    expect(t.inst.reserveForTransfer(big)).toBe(-1);
    expect([big.state, t.inst.reservedCount, t.inst.kvUsedBlocks, t.inst.kvFreeBlocks]).toEqual([RequestState.New, 1, 2, 9]);
    // 144 tokens = 9 blocks, 3 hit: 6 + 3 = 9 free exactly.
    const exact = request(t, { id: 'exact', inputTokens: 144, outputTokens: 1, prefix: { group: 'g', tokens: 48 } });
    expect(t.inst.reserveForTransfer(exact)).toBe(6);
    expect([exact.cachedTokens, t.inst.reservedCount, t.inst.kvUsedBlocks, t.inst.kvFreeBlocks]).toEqual([48, 2, 11, 0]);
    // A request already reserved, or one that can never fit, is refused.
    expect(t.inst.reserveForTransfer(exact)).toBe(-1);
    const huge = request(t, { id: 'huge', inputTokens: 176, outputTokens: 2 });
    expect(t.inst.reserveForTransfer(huge)).toBe(-1);
    expect(t.inst.reservedCount).toBe(2);
  });

  it('with prefix caching off, reserves every prompt block', () => {
    const t = new Harness({ totalKvBlocks: 12, blockSize: 16, enablePrefixCaching: false });
    t.add({ id: 'warm', inputTokens: 48, outputTokens: 1, prefix: { group: 'g', tokens: 48 } });
    t.run();
    const r = request(t, { id: 'r', inputTokens: 64, outputTokens: 1, prefix: { group: 'g', tokens: 48 } });
    expect(t.inst.reserveForTransfer(r)).toBe(4);
    expect(r.cachedTokens).toBe(0);
  });

  it('cancelling a reservation frees its blocks; cancelling twice is an error', () => {
    const t = new Harness({ totalKvBlocks: 12, blockSize: 16 });
    const r = request(t, { id: 'r', inputTokens: 64, outputTokens: 4 });
    expect(t.inst.reserveForTransfer(r)).toBe(4);
    t.inst.cancelReservation(r);
    expect([r.state, t.inst.reservedCount, t.inst.kvUsedBlocks]).toEqual([RequestState.Dropped, 0, 0]);
    expect(() => t.inst.cancelReservation(r)).toThrow(/r has no reservation/);
    expect(() => t.inst.startDecode(r)).toThrow(/r has no reservation/);
  });

  it('a landed transfer recomputes the last prompt token, then decodes: first token after one 1-token step', () => {
    // computed = 63 of 64: step 1 runs 1 token (1010us) and samples token 1; tokens 2 and 3 follow
    // one decode step each (1010us).
    const t = new Harness({ totalKvBlocks: 12, blockSize: 16 });
    const r = request(t, { id: 'r', inputTokens: 64, outputTokens: 3 });
    expect(t.inst.reserveForTransfer(r)).toBe(4);
    t.inst.startDecode(r);
    expect([r.state, r.computedTokens, t.inst.reservedCount, t.inst.enqueuedCount]).toEqual([RequestState.Waiting, 63, 0, 1]);
    t.run();
    expect(t.events).toEqual(['first r 1010', 'finish r 3030']);
    expect(t.inst.kvUsedBlocks).toBe(0);
  });

  it('a prefill-only request holds its blocks after its first token until released', () => {
    // 32 prompt tokens: one step of 1000 + 320us; its blocks stay held for the transfer.
    const t = new Harness({ totalKvBlocks: 12, blockSize: 16 });
    const r = t.add({ id: 'p', inputTokens: 32, outputTokens: 5 });
    r.prefillOnly = true;
    t.run();
    expect(t.events).toEqual(['first p 1320', 'finish p 1320']);
    expect([r.state, t.inst.heldCount, t.inst.kvUsedBlocks, t.inst.idle]).toEqual([RequestState.Held, 1, 2, false]);
    t.inst.releaseHeld(r);
    expect([r.state, t.inst.heldCount, t.inst.kvUsedBlocks, t.inst.idle]).toEqual([RequestState.Finished, 0, 0, true]);
    expect(() => t.inst.releaseHeld(r)).toThrow(/p is not held/);
  });
});
