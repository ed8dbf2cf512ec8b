/**
 * Round one's asynchronous preemption scenarios (vllm-scenarios.async.test.ts) in vLLM 0.15's
 * synchronous loop (`--no-async-scheduling`, v1/engine/core.py `EngineCore.step`: schedule,
 * execute, update_from_output). Every token is appended before the next `schedule()`, so no
 * placeholder survives a preemption: a request preempted after its prefill has had its first
 * token emitted already, and a request whose last token was just sampled has left before the
 * next formation (it can no longer be a victim). fcfs: the victim is `self.running.pop()`.
 * Step time = 1000 µs + 10 µs per batched token, all of it GPU time; block size 4.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from './vllm-scenarios.helpers.js';

const SYNC = { asyncScheduling: false, blockSize: 4, maxNumBatchedTokens: 64, maxModelLen: 1000, totalKvBlocks: 5 } as const;

describe('vLLM scheduler scenarios: preemption in the synchronous loop', () => {
  it('preempts the newest running request when a decode needs a block; it resumes on its surviving cached block', () => {
    // 5 blocks, 4 usable; a, b: 7 prompt, 6 out at 0.
    // S1 (0): [a:7, b:7], 2 blocks each, 0 free → 1140 (first tokens; num_tokens 8).
    // S2 (1140): [a:1, b:1] (8th tokens fill and cache block 1 of each) → 2160.
    // S3 (2160): a's 9th token needs a 3rd block: running.pop() = b, freed last first (b1, b0);
    //   a takes b1 (its hash evicted). No admission after a preemption. [a:1] → 3170.
    // S4 (3170): b (num_tokens 9) looks up floor(8/4) = 2 blocks: b0 hits, b1 misses; 2 new + 1
    //   free hit > 1 free: waits. [a:1] → 4180; S5 → 5190; S6 → 6200: a's 6th token, a
    //   finishes and frees 3 blocks.
    // S7 (6200): [b:5] (9 − 4 hit) → 7250 (b's 3rd token); S8..S10 [b:1] → 8260, 9270, 10280.
    const r = runScenario(SYNC, [
      { id: 'a', inputTokens: 7, outputTokens: 6 },
      { id: 'b', inputTokens: 7, outputTokens: 6 },
    ]);
    expect(r.batches).toEqual([['a:7', 'b:7'], ['a:1', 'b:1'], ['a:1'], ['a:1'], ['a:1'], ['a:1'], ['b:5'], ['b:1'], ['b:1'], ['b:1']]);
    expect(r.stepEndsUs).toEqual([1140, 2160, 3170, 4180, 5190, 6200, 7250, 8260, 9270, 10280]);
    expect(r.reqs.a).toMatchObject({ firstTokenUs: 1140, finishedUs: 6200, preemptions: 0 });
    expect(r.reqs.b).toMatchObject({ firstTokenUs: 1140, finishedUs: 10280, preemptions: 1, cachedTokens: 0 });
  });

  it('a request that preempts itself stops the running loop; its first token was already emitted by its prefill step', () => {
    // a (7 prompt, 4 out), b (8 prompt, 2 out) at 0; 4 usable blocks.
    // S1 (0): [a:7, b:8], 4 blocks, 0 free → 1150: first tokens of both (b's num_tokens 9).
    // S2 (1150): a:1 (its 8th token, block 1); b's 9th token needs a 3rd block: the victim,
    //   running.pop(), is b itself: preempted, loop broken. [a:1] → 2160.
    // S3 (2160): a's 9th token takes b1 (LRU head); b hits b0 only, 2 new + 1 > 1 free: waits.
    //   [a:1] → 3170. S4: [a:1] → 4180: a's 4th token, a frees 3 blocks.
    // S5 (4180): [b:5] → 5230: b's 2nd and last token.
    const r = runScenario(SYNC, [
      { id: 'a', inputTokens: 7, outputTokens: 4 },
      { id: 'b', inputTokens: 8, outputTokens: 2 },
    ]);
    expect(r.batches).toEqual([['a:7', 'b:8'], ['a:1'], ['a:1'], ['a:1'], ['b:5']]);
    expect(r.stepEndsUs).toEqual([1150, 2160, 3170, 4180, 5230]);
    expect(r.reqs.b).toMatchObject({ firstTokenUs: 1150, finishedUs: 5230, preemptions: 1 });
  });

  it('a request whose only token was sampled has left before the next formation: nobody is preempted', () => {
    // a (8 prompt, 5 out), v (8 prompt, 1 out) at 0; 4 usable blocks.
    // S1 (0): [a:8, v:8], 0 free → 1160: v's token, v finishes and frees 2 blocks.
    // S2..S5: [a:1] (a's 9th token takes a free block) → 2170, 3180, 4190, 5200.
    // (Asynchronous: S2 is formed before v's token is back and preempts v; see the async file.)
    const r = runScenario(SYNC, [
      { id: 'a', inputTokens: 8, outputTokens: 5 },
      { id: 'v', inputTokens: 8, outputTokens: 1 },
    ]);
    expect(r.batches).toEqual([['a:8', 'v:8'], ['a:1'], ['a:1'], ['a:1'], ['a:1']]);
    expect(r.reqs.v).toMatchObject({ firstTokenUs: 1160, finishedUs: 1160, preemptions: 0 });
    expect(r.reqs.a).toMatchObject({ finishedUs: 5200, preemptions: 0 });
  });

  it('a block freed by a request finishing in this step serves the next formation: no self-preemption', () => {
    // a (4 prompt, 1 out), b (12 prompt, 3 out) at 0; 4 usable blocks.
    // S1 (0): [a:4, b:12], 0 free → 1160: a finishes (1 block freed); b's first token.
    // S2 (1160): b's 13th token takes the freed block: [b:1] → 2170. S3: [b:1] → 3180.
    const r = runScenario(SYNC, [
      { id: 'a', inputTokens: 4, outputTokens: 1 },
      { id: 'b', inputTokens: 12, outputTokens: 3 },
    ]);
    expect(r.batches).toEqual([['a:4', 'b:12'], ['b:1'], ['b:1']]);
    expect(r.reqs.b).toMatchObject({ firstTokenUs: 1160, finishedUs: 3180, preemptions: 0 });
  });

  it('three running requests: the newest is preempted for the first, and a later shortfall preempts the next newest', () => {
    // 7 blocks, 6 usable. a, b, c (8 prompt, 6 out) at 0.
    // S1 (0): [a:8, b:8, c:8], 6 blocks, 0 free → 1240: first tokens (num_tokens 9).
    // S2 (1240): a's 9th token needs a block: pop c (c1, c0 freed); a takes c1, b takes c0 (both
    //   hashes evicted). [a:1, b:1] → 2260.
    // S3, S4, S5: [a:1, b:1] (tokens 10–12, inside block 2) → 3280, 4300, 5320; c needs 3
    //   blocks, 0 free.
    // S6 (5320): a's 13th token needs a 4th block: pop b (b2, b1, b0 freed); a takes b2. [a:1]
    //   → 6330: a's 6th token, a frees its 4 blocks last first. Waiting: b (prepended), c.
    // S7 (6330): b (num_tokens 13) looks up 3 blocks: b0, b1 hit, b2 was evicted: 2 new + 2 free
    //   hits ≤ 6 free: [b:5]; c (no hits left) needs 3 > 2 free: waits. → 7380: b finishes.
    // S8 (7380): [c:9] → 8470 (its 2nd token); S9..S12 [c:1] → 9480 .. 12510.
    const r = runScenario({ ...SYNC, totalKvBlocks: 7 }, [
      { id: 'a', inputTokens: 8, outputTokens: 6 },
      { id: 'b', inputTokens: 8, outputTokens: 6 },
      { id: 'c', inputTokens: 8, outputTokens: 6 },
    ]);
    expect(r.batches).toEqual([
      ['a:8', 'b:8', 'c:8'], ['a:1', 'b:1'], ['a:1', 'b:1'], ['a:1', 'b:1'], ['a:1', 'b:1'], ['a:1'], ['b:5'], ['c:9'], ['c:1'], ['c:1'], ['c:1'], ['c:1'],
    ]);
    expect(r.stepEndsUs).toEqual([1240, 2260, 3280, 4300, 5320, 6330, 7380, 8470, 9480, 10490, 11500, 12510]);
    expect(r.reqs.a).toMatchObject({ finishedUs: 6330, preemptions: 0 });
    expect(r.reqs.b).toMatchObject({ firstTokenUs: 1240, finishedUs: 7380, preemptions: 1 });
    expect(r.reqs.c).toMatchObject({ firstTokenUs: 1240, finishedUs: 12510, preemptions: 1 });
  });
});
