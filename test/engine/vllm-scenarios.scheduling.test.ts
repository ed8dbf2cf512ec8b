/**
 * Hand-computed vLLM 0.15 scheduler scenarios: who runs in each step and with how many tokens,
 * derived by following v1/core/sched/scheduler.py `schedule()` step by step (synchronous loop,
 * vLLM's `EngineCore.step`: schedule, execute, update_from_output). Each scenario exercises one
 * rule; the derivation is the comment above its assertions. Step time = 1000 µs + 10 µs per
 * batched token; block size 4; a step's tokens are sampled at its end.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from './vllm-scenarios.helpers.js';

const SYNC = { asyncScheduling: false, blockSize: 4, totalKvBlocks: 100, maxModelLen: 1000 } as const;

describe('vLLM scheduler scenarios: batch formation (synchronous loop)', () => {
  it('running requests take their tokens first; a waiting prefill is chunked into what is left of the budget', () => {
    // max_num_batched_tokens 16. a (10 prompt, 4 out), b (20, 2), c (30, 1) arrive at 0.
    // Step 1: running is empty; waiting in order: a gets 10 (budget 6 left), b gets
    //   min(20, 6) = 6 (a chunk: it samples nothing), c is not reached (budget 0: the loop's
    //   `while self.waiting and token_budget > 0` ends). [a:10, b:6], 1160 µs; a's first token.
    // Step 2: running [a, b] first: a gets num_tokens − num_computed = 11 − 10 = 1, b gets
    //   min(14, 15) = 14 (its prompt completes: first token); then waiting c gets the 1 token
    //   left, a 1-token chunk. [a:1, b:14, c:1], 1160 µs, ends 2320.
    // Step 3: a:1, b:1 (b's 2nd and last token), c: min(29, 14) = 14. Ends 3480.
    // Step 4: a:1 (its 4th, last), c: 15 (its prompt completes: its only token). Ends 4640.
    const r = runScenario({ ...SYNC, maxNumBatchedTokens: 16 }, [
      { id: 'a', inputTokens: 10, outputTokens: 4 },
      { id: 'b', inputTokens: 20, outputTokens: 2 },
      { id: 'c', inputTokens: 30, outputTokens: 1 },
    ]);
    expect(r.batches).toEqual([['a:10', 'b:6'], ['a:1', 'b:14', 'c:1'], ['a:1', 'b:1', 'c:14'], ['a:1', 'c:15']]);
    expect(r.stepEndsUs).toEqual([1160, 2320, 3480, 4640]);
    expect(r.reqs.a).toMatchObject({ firstTokenUs: 1160, finishedUs: 4640 });
    expect(r.reqs.b).toMatchObject({ firstTokenUs: 2320, finishedUs: 3480 });
    expect(r.reqs.c).toMatchObject({ firstTokenUs: 4640, finishedUs: 4640 });
  });

  it('max_num_seqs stops admission; the seats free only when a request finishes', () => {
    // max_num_seqs 2, budget 64. a, b (8 prompt, 3 out), c, d (4 prompt, 2 and 1 out) at 0.
    // Step 1: a:8, b:8; then `len(self.running) == self.max_num_running_reqs` breaks the
    //   waiting loop with budget left. 1160 µs.
    // Steps 2, 3: a:1, b:1 (1020 µs each); both sample their 3rd token in step 3 and are freed
    //   by update_from_output at 3200.
    // Step 4: c:4, d:4, 1080 µs → 4280 (d finishes). Step 5: c:1 → 5290.
    const r = runScenario({ ...SYNC, maxNumSeqs: 2, maxNumBatchedTokens: 64 }, [
      { id: 'a', inputTokens: 8, outputTokens: 3 },
      { id: 'b', inputTokens: 8, outputTokens: 3 },
      { id: 'c', inputTokens: 4, outputTokens: 2 },
      { id: 'd', inputTokens: 4, outputTokens: 1 },
    ]);
    expect(r.batches).toEqual([['a:8', 'b:8'], ['a:1', 'b:1'], ['a:1', 'b:1'], ['c:4', 'd:4'], ['c:1']]);
    expect(r.stepEndsUs).toEqual([1160, 2180, 3200, 4280, 5290]);
    expect(r.reqs.c).toMatchObject({ firstTokenUs: 4280, finishedUs: 5290 });
  });

  it('a waiting request whose blocks do not fit stops the waiting loop: no request behind it is tried (FCFS head-of-line blocking)', () => {
    // 6 blocks (vLLM takes the null block: 5 usable), block size 4, budget 64.
    // a (12 prompt, 2 out), b (12, 1), c (4, 1) arrive at 0 in that order.
    // Step 1: a:12 takes 3 blocks (2 free); b needs 3: allocate_slots returns None and the
    //   loop breaks, so c (1 block, would fit) waits too. [a:12], 1120 µs.
    // Step 2: a:1 computes its 13th token: a 4th block (1 free); b still needs 3. [a:1],
    //   1010 µs → 2130; a samples its 2nd token, finishes, frees its 4 blocks.
    // Step 3: b:12 (3 blocks), c:4 (1 block). 1160 µs → 3290.
    const r = runScenario({ ...SYNC, totalKvBlocks: 6, maxNumBatchedTokens: 64 }, [
      { id: 'a', inputTokens: 12, outputTokens: 2 },
      { id: 'b', inputTokens: 12, outputTokens: 1 },
      { id: 'c', inputTokens: 4, outputTokens: 1 },
    ]);
    expect(r.batches).toEqual([['a:12'], ['a:1'], ['b:12', 'c:4']]);
    expect(r.reqs.c.firstTokenUs).toBe(3290);
    expect(r.reqs.a.finishedUs).toBe(2130);
  });

  it('long_prefill_token_threshold caps every prefill chunk, running or waiting', () => {
    // Budget 64, threshold 8. a (20 prompt, 2 out), b (6, 1) at 0.
    // Step 1: a: min(20, 8) = 8; b: 6 (under the threshold). [a:8, b:6] 1140 µs; b finishes.
    // Step 2: running a: 12 left, capped to 8. [a:8] 1080 → 2220.
    // Step 3: a:4, its prompt completes: first token at 3260. Step 4: a:1 → 4270.
    const r = runScenario({ ...SYNC, maxNumBatchedTokens: 64, longPrefillTokenThreshold: 8 }, [
      { id: 'a', inputTokens: 20, outputTokens: 2 },
      { id: 'b', inputTokens: 6, outputTokens: 1 },
    ]);
    expect(r.batches).toEqual([['a:8', 'b:6'], ['a:8'], ['a:4'], ['a:1']]);
    expect(r.reqs.a).toMatchObject({ firstTokenUs: 3260, finishedUs: 4270 });
    expect(r.reqs.b.finishedUs).toBe(1140);
  });

  it('without chunked prefill a running decode takes its token first and the next prompt goes whole when it fits what is left', () => {
    // --no-enable-chunked-prefill, budget 16 = max_model_len 16. a (10, 3), b (10, 2), c (2, 1).
    // Step 1: a:10 (6 left); b's 10 > 6: scheduler.py breaks (chunked prefill off), so c,
    //   which would fit, is not tried. [a:10] 1100 µs.
    // Step 2: a:1 (15 left), b:10 (5 left), c:2. [a:1, b:10, c:2] 1130 → 2230; c finishes.
    // Step 3: a:1 (its 3rd, last), b:1 (its 2nd, last). 1020 → 3250.
    const r = runScenario({ ...SYNC, maxModelLen: 16, maxNumBatchedTokens: 16, enableChunkedPrefill: false }, [
      { id: 'a', inputTokens: 10, outputTokens: 3 },
      { id: 'b', inputTokens: 10, outputTokens: 2 },
      { id: 'c', inputTokens: 2, outputTokens: 1 },
    ]);
    expect(r.batches).toEqual([['a:10'], ['a:1', 'b:10', 'c:2'], ['a:1', 'b:1']]);
    expect(r.stepEndsUs).toEqual([1100, 2230, 3250]);
  });

  it('a request needing more than max_model_len tokens is refused at arrival; one needing exactly max_model_len runs to its end', () => {
    // max_model_len 16. vLLM's frontend rejects prompt + max_tokens > max_model_len
    // (the OpenAI frontend's _validate_input: "'max_tokens' ... is too large"); 10 + 6 = 16 is
    // allowed: its last token is sampled at position 15 and never computed, so the running
    // loop's `max_model_len − 1 − num_computed_tokens` cap never binds.
    // a: [a:10] 1100, then 5 decodes of 1010 µs → 6150.
    const r = runScenario({ ...SYNC, maxModelLen: 16 }, [
      { id: 'a', inputTokens: 10, outputTokens: 6 },
      { id: 'x', inputTokens: 10, outputTokens: 7 },
    ]);
    expect(r.events[0]).toBe('drop x exceeds-max-model-len 0');
    expect(r.batches).toEqual([['a:10'], ['a:1'], ['a:1'], ['a:1'], ['a:1'], ['a:1']]);
    expect(r.reqs.a.finishedUs).toBe(6150);
  });
});
