/**
 * Hand-computed vLLM 0.15 prefill/decode disaggregation scenarios at the engine level, as llm-d
 * runs P/D over NixlConnector (distributed/kv_transfer/kv_connector/v1/nixl_connector.py):
 * - prefill side (`kv_transfer_params.do_remote_decode`, max_tokens 1): the request runs its
 *   prompt, samples one token and finishes FINISHED_LENGTH_CAPPED; `request_finished` returns
 *   delay_free_blocks (it has blocks), so `_free_request` keeps them until the decode side has
 *   read them (`finished_sending` → `_free_blocks`). While held they are still registered in the
 *   prefix cache (hits for later prompts); freed, they keep their hashes in the free queue.
 * - decode side (`do_remote_prefill`): `get_num_new_matched_tokens` returns the prompt tokens past
 *   the local prefix hits with load_kv_async; `allocate_slots` takes blocks for the whole prompt
 *   (the hits plus fresh ones) and the request waits (WAITING_FOR_REMOTE_KVS); once
 *   `finished_recving`, `_update_waiting_for_remote_kv` caches the blocks and counts the prompt
 *   computed but its last token, which the next step computes, sampling the first token.
 * blis: `prefillOnly` → Held until `releaseHeld`; a `remotePrefill` request is allocated by the
 * waiting loop, its read starts with the step carrying that (InstanceListener.onRemoteLoad) and
 * `remoteLanded` marks its landing (the cluster calls it: test/cluster/disagg.test.ts has the
 * transfer time). Synchronous loop; step = 1000 µs + 10 µs per batched token.
 */
import { describe, expect, it } from 'vitest';
import { EventPriority } from '../../src/kernel/events.js';
import { RequestState, type EngineRequest } from '../../src/engine/engine-request.js';
import { Harness, recordSteps } from './helpers.js';

/** Runs `build` on a fresh harness with and without leaping; returns the stepped run's batches, step ends and events, after checking both agree. */
function both(opts: object, build: (t: Harness) => void): { batches: string[][]; ends: number[]; events: string[]; t: Harness } {
  const go = (leap: boolean) => {
    const t = new Harness({ blockSize: 4, maxNumBatchedTokens: 64, ...opts, leap });
    const steps = recordSteps(t);
    build(t);
    t.run();
    return { batches: steps.map((s) => s.batch), ends: steps.map((s) => s.endUs), events: t.events, t };
  };
  const stepped = go(false);
  const leapt = go(true);
  expect({ ...leapt, t: null }, 'leap and --no-leap agree').toEqual({ ...stepped, t: null });
  return stepped;
}

/** Calls `fn` at `atUs` (the cluster's landing priority). */
function at(t: Harness, atUs: number, fn: () => void): void {
  t.sim.schedule(atUs, EventPriority.TransferEnd, { handle: fn });
}

describe('vLLM scenarios: P/D prefill side', () => {
  it('a do_remote_decode request holds its blocks after its token; they stay prefix hits while held and after release', () => {
    // 5 blocks (4 usable), block 4. p: prefill-only, 10 tokens (g's 8 + 2).
    //   [p:10] → 1100: token 1 sampled, p finishes (length capped) and holds 3 blocks (G0 G1 P2).
    // q (1500; g's 8 + 1): GPU hits G0, G1 on p's held blocks (in use, so no free block is
    //   taken), 1 new block of 1 free: [q:1] → 2510, q frees its own block (G0, G1 stay p's).
    // x (3000; 8 unique): 2 blocks, 1 free → waits.
    // The decode side has read p's blocks at 4000 (finished_sending): p's blocks are freed last
    //   first (P2, G1, G0 after q's block in the free queue); x takes q's block and P2:
    //   [x:8] → 5080. G0 and G1 survive.
    // y (5000, scheduled when x's step ends; g's 8 + 2): hits G0, G1 (cap floor(9/4) = 2
    //   blocks): [y:2] → 6100.
    let p: EngineRequest | null = null;
    const reqs: Record<string, EngineRequest> = {};
    const r = both({ totalKvBlocks: 5 }, (t) => {
      const g = { group: 'g', tokens: 8 };
      p = t.add({ id: 'p', inputTokens: 10, outputTokens: 5, prefix: g });
      p.prefillOnly = true;
      reqs.q = t.add({ id: 'q', arrivalUs: 1500, inputTokens: 9, outputTokens: 1, prefix: g });
      t.add({ id: 'x', arrivalUs: 3000, inputTokens: 8, outputTokens: 1 });
      reqs.y = t.add({ id: 'y', arrivalUs: 5000, inputTokens: 10, outputTokens: 1, prefix: g });
      const held = p;
      at(t, 2000, () => expect([t.inst.heldCount, t.inst.kvUsedBlocks]).toEqual([1, 4]));
      at(t, 4000, () => t.inst.releaseHeld(held));
    });
    expect(r.batches).toEqual([['p:10'], ['q:1'], ['x:8'], ['y:2']]);
    expect(r.ends).toEqual([1100, 2510, 5080, 6100]);
    expect(r.events).toEqual(['first p 1100', 'finish p 1100', 'first q 2510', 'finish q 2510', 'first x 5080', 'finish x 5080', 'first y 6100', 'finish y 6100']);
    expect([reqs.q!.cachedTokens, reqs.y!.cachedTokens]).toEqual([8, 8]);
    expect([r.t.inst.heldCount, r.t.inst.kvUsedBlocks]).toEqual([0, 0]);
  });

  it('a prefill-only request is not scheduled again while its one token is in flight (asynchronous loop)', () => {
    // Async loop, all GPU time. p (prefill-only, 8 tokens) and d (4 tokens, 3 out) at 0:
    //   step 1 [p:8, d:4] → 1120; step 2 was formed behind it: p's last (only) token is in flight,
    //   so p is skipped ("Async scheduling: Avoid scheduling an extra step"), d decodes: [d:1] → 2130.
    //   p finishes at 1120 and holds its 2 blocks; d's third token: [d:1] → 3140.
    const r = both({ asyncScheduling: true }, (t) => {
      t.add({ id: 'p', inputTokens: 8, outputTokens: 4 }).prefillOnly = true;
      t.add({ id: 'd', inputTokens: 4, outputTokens: 3 });
    });
    expect(r.batches).toEqual([['p:8', 'd:4'], ['d:1'], ['d:1']]);
    expect(r.ends).toEqual([1120, 2130, 3140]);
    expect(r.events).toEqual(['first p 1120', 'first d 1120', 'finish p 1120', 'finish d 3140']);
    expect([r.t.inst.heldCount, r.t.inst.kvUsedBlocks]).toEqual([1, 2]);
  });
});

/**
 * The stuck-head case (livelock net at 20 ms): on 20 blocks of 16 with a 24-token budget and no
 * prefix caching, b (250 tokens, 2 out, do_remote_prefill) and a (49 tokens, 2 out) arrive at 0,
 * b first; b's read lands at 1000. `more` adds events.
 */
function stuckHead(more: (t: Harness, b: EngineRequest) => void = () => {}): ReturnType<typeof both> {
  return both({ blockSize: 16, totalKvBlocks: 20, maxNumBatchedTokens: 24, enablePrefixCaching: false, livelockUs: 20_000 }, (t) => {
    const b = t.add({ id: 'b', inputTokens: 250, outputTokens: 2 });
    b.remotePrefill = true;
    t.add({ id: 'a', inputTokens: 49, outputTokens: 2 });
    at(t, 1000, () => t.inst.remoteLanded(b));
    more(t, b);
  });
}

describe('vLLM scenarios: P/D decode side', () => {
  it('local prefix hits first, blocks for the rest of the prompt, then the last prompt token is computed after the transfer', () => {
    // 8 blocks, block 4. w (0; g's 8): [w:8] → 1080; G0, G1 cached and freed.
    // d (g's 8 + 6 = 14 tokens, 3 out, do_remote_prefill) reaches the decode side at 2000: the
    //   idle engine's schedule finds local hits G0, G1 (8 tokens); the connector matches the other
    //   14 − 8 = 6 asynchronously; allocate_slots takes cdiv(14, 4) − 2 = 2 fresh blocks (the
    //   transfer fills them) and d waits (WAITING_FOR_REMOTE_KVS). The empty step carries the read.
    // x (2500; 4 unique, 1 out) runs beside it: [x:4] → 3540.
    // The transfer lands at 5000 (idle: the next empty step's get_finished reports it):
    //   computed = min(4 blocks × 4, 14) = 14 = num_tokens → 13;
    //   [d:1] → 6010 samples the first token, then [d:1] → 7020, [d:1] → 8030 (finish).
    let d: EngineRequest | null = null;
    const r = both({ totalKvBlocks: 8 }, (t) => {
      const g = { group: 'g', tokens: 8 };
      t.add({ id: 'w', inputTokens: 8, outputTokens: 1, prefix: g });
      t.add({ id: 'x', arrivalUs: 2500, inputTokens: 4, outputTokens: 1 });
      const req = t.add({ id: 'd', arrivalUs: 2000, inputTokens: 14, outputTokens: 3, prefix: g });
      req.remotePrefill = true;
      d = req;
      at(t, 2100, () => expect([req.cachedTokens, t.inst.kvUsedBlocks, req.state]).toEqual([8, 4, RequestState.LoadingKv]));
      at(t, 5000, () => t.inst.remoteLanded(req));
    });
    expect(r.batches).toEqual([['w:8'], ['x:4'], ['d:1'], ['d:1'], ['d:1']]);
    expect(r.ends).toEqual([1080, 3540, 6010, 7020, 8030]);
    expect(r.events).toEqual(['first w 1080', 'finish w 1080', 'load d 2 2000', 'first x 3540', 'finish x 3540', 'first d 6010', 'finish d 8030']);
    expect(d!.preemptions).toBe(0);
    expect(r.t.inst.kvUsedBlocks).toBe(0);
  });
  it('a local head preempting itself round after round behind a landed read: vLLM goes round for ever; blis follows it, then stops the instance as stuck (livelock net)', () => {
    // 20 blocks (19 usable), block 16, budget 24, no prefix caching. b (250 tokens, 2 out,
    // do_remote_prefill) and a (49 tokens, 2 out) arrive at 0, b first.
    // F1 (0): b gets cdiv(250, 16) = 16 blocks and waits for its read (no budget, no seat); a takes
    //   24 tokens and 2 blocks (1 free). [a:24] → 1240. b's read lands at 1000.
    // F2 (1240): [a:24] (a's 3rd block, 0 free; the budget spent, the waiting loop never runs) → 2480.
    // F3 (2480): a's 49th token needs a 4th block: a is its own victim (3 blocks back) and the
    //   schedule is empty; scheduled again, a (front of the queue, from token 0) takes the whole
    //   budget again, so the waiting loop never reaches b. [a:24] → 3720, [a:24] → 4960, and so on:
    //   vLLM 0.15 goes round for ever (a preempts itself at 2480, 4960, ..., every 2480 µs).
    // With the net at 20 ms: busy since 0, no token sampled, preemptions since: after the step
    //   ending at 21080 (17 × 1240, the first end past 20000) the instance stops: 17 steps,
    //   8 preemptions (2480 … 19840), nothing finished, nothing scheduled; a stays running (its
    //   first 24 tokens computed) and b waiting.
    const r = stuckHead();
    expect(r.batches).toEqual(Array.from({ length: 17 }, () => ['a:24']));
    expect(r.ends).toEqual(Array.from({ length: 17 }, (_, k) => 1240 * (k + 1)));
    expect(r.events).toEqual(['load b 16 0']);
    expect(r.t.inst.preemptions).toBe(8);
    expect([r.t.inst.stepScheduled, r.t.inst.runningCount, r.t.inst.scheduler.waiting.length]).toEqual([false, 1, 1]);
  });
  it('an abort gives a stuck instance another hour: the head goes on once the parked blocks are freed', () => {
    // The scenario above, the net at 20 ms (stopped after the step ending at 21080, a running with
    // 24 tokens computed). The client aborts b at 30000: its 16 blocks are freed and the instance
    // starts again: [a:24] → 31240 (48 computed, 3 blocks), [a:1] → 32250 (the 49th token takes a
    // 4th block; a's 1st token), [a:1] → 33260 (a's 2nd: a finishes).
    const r = stuckHead((t, b) => at(t, 30_000, () => t.inst.abort(b, 30_000)));
    expect(r.batches.slice(17)).toEqual([['a:24'], ['a:1'], ['a:1']]);
    expect(r.ends.slice(16)).toEqual([21080, 31240, 32250, 33260]);
    expect(r.events).toEqual(['load b 16 0', 'first a 32250', 'finish a 33260']);
  });
});
