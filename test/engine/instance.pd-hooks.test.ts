import { describe, expect, it } from 'vitest';
import { Harness } from './helpers.js';
import { EventPriority } from '../../src/kernel/events.js';
import { RequestState, type EngineRequest } from '../../src/engine/engine-request.js';
import type { ArrivalRequest } from '../../src/workload/request.js';

/**
 * The P/D hooks on one instance, hand-computed (step = 1000us + 10us/token, synchronous loop,
 * blocks of 16), after vLLM 0.15's scheduler with NixlConnector: a decode-side request
 * (do_remote_prefill) waits in the queue like any other; when the waiting loop reaches it (room
 * under max_num_seqs, blocks free) it gets blocks for its prompt past the local prefix hits and
 * waits for remote KVs at its place; the step carrying that allocation starts the transfer
 * ("load <id> <blocks> <time>"); a step ending after the landing reports it (at once when idle)
 * and the request is promoted where it stands, recomputing its last prompt token. The prefill
 * side holds a prefilled request's blocks until the transfer is done.
 */
function remote(t: Harness, a: Partial<ArrivalRequest> & { id: string; inputTokens: number; outputTokens: number }): EngineRequest {
  const r = t.add(a);
  r.remotePrefill = true;
  return r;
}

/** Calls `fn` at `atUs` (the cluster's landing priority). */
function at(t: Harness, atUs: number, fn: () => void): void {
  t.sim.schedule(atUs, EventPriority.TransferEnd, { handle: fn });
}

describe('instance P/D hooks (hand-computed)', () => {
  it('allocates the prompt past the local prefix hits when the waiting loop reaches it; blocks short stop the loop (head of line)', () => {
    // 12 blocks, 11 usable. warm (0) caches g's 48 tokens: [warm:48] → 1480; 3 cached blocks free.
    // At 2000 holder (32 tokens), big (160, g's 48 first) and exact (144, g's 48 first) arrive, all
    //   remote. The (empty) step at 2000: holder takes 2 never-used blocks; big hits 3 cached blocks,
    //   needs 7 more: 7 + its 3 free hits = 10 > 9 free → the loop stops (exact behind it waits too).
    //   The empty step carries holder's pull: load holder 2 at 2000.
    // holder lands at 5000, idle: reported at once, promoted (computed 31 of 32): [holder:1] → 6010,
    //   its only token; its 2 blocks free (11 free). Next formation: big takes its 3 hits and 7
    //   blocks (1 left): load big 7 at 6010; exact's hits are big's now: 6 > 1 free → stop.
    // big lands at 8000: [big:1] → 9010; 11 free; exact takes its 3 hits and 6 blocks: load exact 6 at 9010.
    const t = new Harness({ totalKvBlocks: 12, blockSize: 16 });
    const g = { group: 'g', tokens: 48 };
    t.add({ id: 'warm', inputTokens: 48, outputTokens: 1, prefix: g });
    const holder = remote(t, { id: 'holder', arrivalUs: 2000, inputTokens: 32, outputTokens: 1 });
    const big = remote(t, { id: 'big', arrivalUs: 2000, inputTokens: 160, outputTokens: 1, prefix: g });
    const exact = remote(t, { id: 'exact', arrivalUs: 2000, inputTokens: 144, outputTokens: 1, prefix: g });
    at(t, 3000, () => {
      expect([holder.state, big.state, exact.state]).toEqual([RequestState.LoadingKv, RequestState.Waiting, RequestState.Waiting]);
      expect([t.inst.waitingCount, t.inst.kvUsedBlocks, t.inst.kvFreeBlocks]).toEqual([3, 2, 9]);
    });
    at(t, 5000, () => t.inst.remoteLanded(holder));
    at(t, 8000, () => t.inst.remoteLanded(big));
    t.run();
    expect(t.events).toEqual([
      'first warm 1480', 'finish warm 1480', 'load holder 2 2000',
      'first holder 6010', 'finish holder 6010', 'load big 7 6010',
      'first big 9010', 'finish big 9010', 'load exact 6 9010',
    ]);
    expect([holder.cachedTokens, big.cachedTokens, exact.cachedTokens]).toEqual([0, 48, 48]);
    expect([exact.state, t.inst.kvUsedBlocks, t.inst.waitingCount]).toEqual([RequestState.LoadingKv, 9, 1]);
    // A second landing report, or one for a request without a transfer, changes nothing.
    t.inst.remoteLanded(holder);
    expect(t.inst.kvUsedBlocks).toBe(9);
  });

  it('with prefix caching off, allocates every prompt block', () => {
    const t = new Harness({ totalKvBlocks: 12, blockSize: 16, enablePrefixCaching: false });
    t.add({ id: 'warm', inputTokens: 48, outputTokens: 1, prefix: { group: 'g', tokens: 48 } });
    const r = remote(t, { id: 'r', arrivalUs: 2000, inputTokens: 64, outputTokens: 1, prefix: { group: 'g', tokens: 48 } });
    t.run();
    expect(t.events).toEqual(['first warm 1480', 'finish warm 1480', 'load r 4 2000']);
    expect(r.cachedTokens).toBe(0);
  });

  it('a full batch (max_num_seqs) holds the transfer back until a seat frees', () => {
    // max_num_seqs 1. r0 (0; 16 tokens, 3 out): [r0:16] → 1160, [r0:1] → 2170, [r0:1] → 3180.
    // d (remote, 32 tokens) arrives at 500: vLLM's waiting loop does not run while the batch is
    //   full, so d gets its blocks only at 3180, when r0 has left: load d 2 at 3180.
    const t = new Harness({ totalKvBlocks: 12, blockSize: 16, maxNumSeqs: 1 });
    t.add({ id: 'r0', inputTokens: 16, outputTokens: 3 });
    const d = remote(t, { id: 'd', arrivalUs: 500, inputTokens: 32, outputTokens: 2 });
    at(t, 4000, () => t.inst.remoteLanded(d));
    t.run();
    // d lands at 4000 (idle): [d:1] → 5010 (first token), [d:1] → 6020.
    expect(t.events).toEqual(['first r0 1160', 'finish r0 3180', 'load d 2 3180', 'first d 5010', 'finish d 6020']);
    expect(t.inst.kvUsedBlocks).toBe(0);
  });

  it('a busy engine reports a landing at the end of the step in flight; an abort frees a transfer\'s blocks at once', () => {
    // max_num_seqs 2. r0 (0; 16 tokens, 4 out): [r0:16] → 1160. d (remote, 32) arrives at 500: the
    //   formation at 1160 gives r0 its decode and d its 2 blocks; that step carries the pull:
    //   load d 2 at 1160; [r0:1] → 2170. d lands at 1500, inside that step: reported at 2170, then
    //   [r0:1, d:1] → 3190 (d's first token), [r0:1, d:1] → 4210 (both finish).
    // e (remote, 32) arrives at 4500 (idle): load e 2 at 4500; aborted at 4600: NixlConnector's
    //   request_finished does not delay the free (do_remote_prefill was cleared at allocation), so
    //   its blocks go at once; its landing at 5000 changes nothing.
    const t = new Harness({ totalKvBlocks: 12, blockSize: 16, maxNumSeqs: 2 });
    t.add({ id: 'r0', inputTokens: 16, outputTokens: 4 });
    const d = remote(t, { id: 'd', arrivalUs: 500, inputTokens: 32, outputTokens: 2 });
    const e = remote(t, { id: 'e', arrivalUs: 4500, inputTokens: 32, outputTokens: 2 });
    at(t, 1500, () => t.inst.remoteLanded(d));
    at(t, 2000, () => expect(d.state).toBe(RequestState.LoadingKv));
    at(t, 4600, () => {
      t.inst.abort(e);
      expect([e.state, t.inst.kvUsedBlocks, t.inst.waitingCount]).toEqual([RequestState.Aborted, 0, 0]);
    });
    at(t, 5000, () => t.inst.remoteLanded(e));
    t.run();
    expect(t.events).toEqual(['first r0 1160', 'load d 2 1160', 'first d 3190', 'finish r0 4210', 'finish d 4210', 'load e 2 4500']);
    expect([t.inst.kvUsedBlocks, t.inst.abortedCount]).toEqual([0, 1]);
  });

  it('the prefill side frees held blocks when a step reports the read: the step in flight, at once with requests waiting, else the next step', () => {
    // 12 blocks, 11 usable. p (0; 32 tokens, prefill only): [p:32] → 1320, held (2 blocks).
    // q (1500; 32): [q:32] → 2820. p's read finishes at 2000, inside q's step: reported at 2820,
    //   when q's step ends (finished_sending), and p's blocks free then.
    // p2 (3000; 32, prefill only): [p2:32] → 4320, held. Its read finishes at 5000 with no request
    //   here: no step runs, so it stays held (read done) until the next request's step:
    //   w (8000; 16): [w:16] → 9160 reports it.
    // p3 (10000; 160 tokens, prefill only): [p3:160] → 12600, holds 10 blocks. big (11000; 16 + 144 =
    //   160 tokens, 10 blocks) waits behind them: no step in flight and a request waiting, so the
    //   empty steps poll and p3's read at 13000 frees its blocks at once: [big:160] → 15600.
    const t = new Harness({ totalKvBlocks: 12, blockSize: 16 });
    const p = t.add({ id: 'p', inputTokens: 32, outputTokens: 1 });
    p.prefillOnly = true;
    t.add({ id: 'q', arrivalUs: 1500, inputTokens: 32, outputTokens: 1 });
    const p2 = t.add({ id: 'p2', arrivalUs: 3000, inputTokens: 32, outputTokens: 1 });
    p2.prefillOnly = true;
    t.add({ id: 'w', arrivalUs: 8000, inputTokens: 16, outputTokens: 1 });
    const p3 = t.add({ id: 'p3', arrivalUs: 10_000, inputTokens: 160, outputTokens: 1 });
    p3.prefillOnly = true;
    t.add({ id: 'big', arrivalUs: 11_000, inputTokens: 160, outputTokens: 1 });
    const seen: Array<[number, number, number]> = [];
    const look = (atUs: number): void => {
      t.sim.schedule(atUs, EventPriority.TransferEnd, { handle: () => seen.push([atUs, t.inst.heldCount, t.inst.kvUsedBlocks]) });
    };
    at(t, 2000, () => t.inst.sendDone(p));
    look(2001);
    at(t, 5000, () => t.inst.sendDone(p2));
    look(5001);
    look(9159);
    at(t, 13_000, () => t.inst.sendDone(p3));
    t.run();
    expect(t.events).toEqual([
      'first p 1320', 'finish p 1320', 'first q 2820', 'finish q 2820', 'first p2 4320', 'finish p2 4320',
      'first w 9160', 'finish w 9160', 'first p3 12600', 'finish p3 12600', 'first big 15600', 'finish big 15600',
    ]);
    // [time, held, blocks in use]: p still held inside q's step; p2 held and idle until w's step ends.
    expect(seen).toEqual([[2001, 1, 4], [5001, 1, 2], [9159, 1, 3]]);
    expect([t.inst.heldCount, t.inst.readDone, t.inst.kvUsedBlocks, t.inst.idle]).toEqual([0, 0, 0, true]);
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
