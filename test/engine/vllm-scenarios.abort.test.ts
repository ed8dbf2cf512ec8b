/**
 * Hand-computed vLLM 0.15 scenarios for aborts (blis `--client-timeout`: the gateway cancels the
 * request, vLLM aborts it on disconnect). v1/core/sched/scheduler.py `finish_requests` with
 * FINISHED_ABORTED removes a waiting request from the queue, or a running one from `running`,
 * and `_free_request` → `_free_blocks` frees its blocks at once: blocks freed last first, each
 * keeping the hash it was given when it became a full block of known tokens (allocate_slots →
 * cache_blocks), so later requests still hit them. A step already submitted for the request (the
 * asynchronous loop has up to two) still computes it; `update_from_output` then skips it
 * (`request is None or request.is_finished()`): nothing is emitted.
 * Step time = 1000 µs + 10 µs per batched token, all of it GPU time; block size 4.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from './vllm-scenarios.helpers.js';

const BASE = { blockSize: 4, maxNumBatchedTokens: 64, maxModelLen: 1000 } as const;

describe('vLLM scheduler scenarios: aborts', () => {
  it('an aborted running request frees its blocks for the waiting head; its full prompt blocks stay cached (LRU)', () => {
    // Synchronous loop; 5 blocks, 4 usable. a (12 prompt, first 8 tokens prefix group g, 4 out)
    // and b (12 prompt, 1 out) at 0; c (9 prompt, prefix g 8 tokens, 1 out) at 10000.
    // S1 (0): [a:12], 3 blocks (g0, g1 and a's own block cached), 1 free; b needs 3: waits. → 1120.
    // S2 (1120): a's 13th token takes the 4th block; b still waits. [a:1] → 2130.
    // 1500: a is aborted: its 4 blocks are freed last first (free queue: a3, a2, a1, a0); the
    //   token S2 samples for it is dropped.
    // S3 (2130): [b:12] takes a3, a2, a1 from the queue's head (a1's hash g1 is evicted) → 3250;
    //   b finishes and frees its blocks last first behind a0.
    // c (10000): lookup of floor(8/4) = 2 blocks: g0 (a0, still cached) hits, g1 misses:
    //   4 cached tokens, [c:5] → 11050.
    const g = { group: 'g', tokens: 8 };
    const r = runScenario(
      { ...BASE, asyncScheduling: false, totalKvBlocks: 5 },
      [
        { id: 'a', inputTokens: 12, outputTokens: 4, prefix: g },
        { id: 'b', inputTokens: 12, outputTokens: 1 },
        { id: 'c', arrivalUs: 10000, inputTokens: 9, outputTokens: 1, prefix: g },
      ],
      [{ id: 'a', atUs: 1500 }],
    );
    expect(r.batches).toEqual([['a:12'], ['a:1'], ['b:12'], ['c:5']]);
    expect(r.stepEndsUs).toEqual([1120, 2130, 3250, 11050]);
    expect(r.reqs.a).toMatchObject({ firstTokenUs: 1120, finishedUs: -1 });
    expect(r.reqs.c).toMatchObject({ cachedTokens: 4, finishedUs: 11050 });
    expect(r.events).toEqual(['first a 1120', 'first b 3250', 'finish b 3250', 'first c 11050', 'finish c 11050']);
  });

  it('an aborted waiting request leaves the queue: the next one is admitted in its place', () => {
    // Synchronous loop, max_num_seqs 1. a (8 prompt, 2 out), b, c (8 prompt, 1 out) at 0.
    // [a:8] → 1080, [a:1] → 2090 (a finishes). b is aborted at 500 while waiting.
    // [c:8] → 3170.
    const r = runScenario(
      { ...BASE, asyncScheduling: false, maxNumSeqs: 1, totalKvBlocks: 100 },
      [
        { id: 'a', inputTokens: 8, outputTokens: 2 },
        { id: 'b', inputTokens: 8, outputTokens: 1 },
        { id: 'c', inputTokens: 8, outputTokens: 1 },
      ],
      [{ id: 'b', atUs: 500 }],
    );
    expect(r.batches).toEqual([['a:8'], ['a:1'], ['c:8']]);
    expect(r.stepEndsUs).toEqual([1080, 2090, 3170]);
    expect(r.reqs.b.cachedTokens).toBe(-1);
  });

  it('asynchronous loop: the step already formed behind the one running still computes the aborted request; no token of it is emitted', () => {
    // a (8 prompt, 10 out), b (8 prompt, 3 out) at 0; a aborted at 1500.
    // F1 (0): [a:8, b:8]; F2 formed at once: [a:1, b:1]. F1 ends 1160: first tokens.
    // F3 formed at 1160 (F2 launched): [a:1, b:1] (b's 3rd and last token). Both F2 and F3 are
    //   submitted to the GPU before the abort at 1500, so both still carry a's token: F2 → 2180
    //   (b's 2nd token; a's is skipped by update_from_output), F3 → 3200 (b finishes).
    // F4 (2180) is empty: b's last token is in flight and a is gone.
    const r = runScenario(
      { ...BASE, asyncScheduling: true, totalKvBlocks: 100 },
      [
        { id: 'a', inputTokens: 8, outputTokens: 10 },
        { id: 'b', inputTokens: 8, outputTokens: 3 },
      ],
      [{ id: 'a', atUs: 1500 }],
    );
    expect(r.batches).toEqual([['a:8', 'b:8'], ['a:1', 'b:1'], ['a:1', 'b:1']]);
    expect(r.stepEndsUs).toEqual([1160, 2180, 3200]);
    expect(r.events).toEqual(['first a 1160', 'first b 1160', 'finish b 3200']);
  });
});
