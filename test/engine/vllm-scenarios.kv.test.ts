/**
 * Hand-computed vLLM 0.15 scenarios for the KV cache: preemption, prefix hits and the order in
 * which freed blocks are evicted, derived from v1/core/sched/scheduler.py `schedule()` /
 * `_preempt_request`, v1/core/kv_cache_manager.py `get_computed_blocks` / `allocate_slots`,
 * v1/core/single_type_kv_cache_manager.py `free` (a request's blocks are freed in reverse, so its
 * tail is evicted first) and v1/core/block_pool.py (allocation pops the head of the free queue
 * and evicts that block's hash; freed blocks join its tail; a hit on a free block takes it out).
 * Synchronous loop; step time = 1000 µs + 10 µs per batched token; block size 4.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from './vllm-scenarios.helpers.js';

const SYNC = { asyncScheduling: false, blockSize: 4, maxNumBatchedTokens: 64, maxModelLen: 1000 } as const;

describe('vLLM scheduler scenarios: KV cache (synchronous loop)', () => {
  it('preempts the last running request, which resumes ahead of an earlier waiting request and re-hits the block of its own that survived', () => {
    // 5 blocks, 4 usable. a, b: 7 prompt tokens, 6 out, at 0.
    // Step 1: a:7, b:7, 2 blocks each (0 free); allocate_slots caches the full block of 4 known
    //   tokens of each (min(7, num_tokens 7) = 7). 1140 µs; both sample their 1st token.
    // Step 2: a:1, b:1 (their 8th tokens fit their 2nd blocks; b's 2nd block is now full of
    //   known tokens and is cached). 1020 → 2160.
    // Step 3: a's 9th token needs a 3rd block, none free: fcfs preempts self.running.pop() = b.
    //   b's blocks are freed last first (free queue: b1, b0); a's new block pops the head, b1,
    //   evicting its hash. Something was preempted: no waiting request is tried. [a:1] → 3170.
    // Steps 4–6: a:1. b (num_tokens 9: 7 + 2 out) looks up at most floor(8 / 4) = 2 blocks: b0
    //   hits, b1 was evicted; it then needs 3 − 1 = 2 new blocks plus its free hit (3) and 1 is
    //   free: the waiting loop breaks. a samples its 6th token in step 6 (6200) and frees 3 blocks.
    // Step 7: b: hit b0 (4 tokens), compute 9 − 4 = 5. [b:5] 1050 → 7250: its 3rd token.
    // Steps 8–10: b:1 → its 6th token at 10280.
    // c (8 tokens, 1 out) arrives at 100 and needs 2 blocks: it waits from step 2 on. b was put
    // at the front of the queue (prepend_request), so c is behind it: c is not tried while b
    // does not fit (steps 4–6), and in step 7, after b's 3 blocks, 1 is free: c waits for b's
    // end. Step 11: [c:8] → 11360. (Were b queued behind c, step 7 would be [c:8].)
    const r = runScenario({ ...SYNC, totalKvBlocks: 5 }, [
      { id: 'a', inputTokens: 7, outputTokens: 6 },
      { id: 'b', inputTokens: 7, outputTokens: 6 },
      { id: 'c', arrivalUs: 100, inputTokens: 8, outputTokens: 1 },
    ]);
    expect(r.batches).toEqual([['a:7', 'b:7'], ['a:1', 'b:1'], ['a:1'], ['a:1'], ['a:1'], ['a:1'], ['b:5'], ['b:1'], ['b:1'], ['b:1'], ['c:8']]);
    expect(r.stepEndsUs).toEqual([1140, 2160, 3170, 4180, 5190, 6200, 7250, 8260, 9270, 10280, 11360]);
    expect(r.reqs.c.finishedUs).toBe(11360);
    expect(r.reqs.a).toMatchObject({ firstTokenUs: 1140, finishedUs: 6200, preemptions: 0 });
    expect(r.reqs.b).toMatchObject({ firstTokenUs: 1140, finishedUs: 10280, preemptions: 1, cachedTokens: 0 });
  });

  it('caps prefix hits at num_tokens − 1, in whole blocks, and hits only blocks fully inside the shared prefix', () => {
    // 20 blocks. Each request arrives after the previous one finished; all share group g.
    // a: 8 tokens of g, nothing cached: [a:8].
    // b: 8 tokens of g: get_computed_blocks looks at most floor((8 − 1) / 4) = 1 block: [b:4].
    // c: 11 tokens, 8 of g: floor(10 / 4) = 2 blocks hit, [c:3].
    // d: 10 tokens, 6 of g: block 1 (tokens 4–7) is not all g, so only block 0 hits: [d:6].
    // e: 9 tokens, 8 of g: floor(8 / 4) = 2 blocks, the last token alone is computed: [e:1].
    const g = (tokens: number) => ({ group: 'g', tokens });
    const r = runScenario({ ...SYNC, totalKvBlocks: 20 }, [
      { id: 'a', inputTokens: 8, outputTokens: 1, prefix: g(8) },
      { id: 'b', arrivalUs: 5000, inputTokens: 8, outputTokens: 1, prefix: g(8) },
      { id: 'c', arrivalUs: 10000, inputTokens: 11, outputTokens: 1, prefix: g(8) },
      { id: 'd', arrivalUs: 15000, inputTokens: 10, outputTokens: 1, prefix: g(6) },
      { id: 'e', arrivalUs: 20000, inputTokens: 9, outputTokens: 1, prefix: g(8) },
    ]);
    expect(r.batches).toEqual([['a:8'], ['b:4'], ['c:3'], ['d:6'], ['e:1']]);
    expect(Object.values(r.reqs).map((q) => q.cachedTokens)).toEqual([0, 4, 8, 4, 8]);
    expect(r.reqs.e.finishedUs).toBe(20000 + 1010);
  });

  it('evicts the least recently freed block first, and of one request its last block first', () => {
    // 5 blocks, 4 usable, free queue p1..p4. Each request arrives after the previous finished.
    // a (8 tokens of group ga) takes p1, p2 and caches both; freed last first: [p3, p4, p2, p1].
    // b (8 tokens of gb) takes p3, p4; freed: [p2(a1), p1(a0), p4(b1), p3(b0)].
    // c (4 unshared tokens) takes the head, p2: a's LAST block's hash is evicted.
    // d (9 tokens, 8 of ga): may hit floor(8 / 4) = 2 blocks; a0 (p1) hits, a1 is gone: [d:5].
    // Were b's blocks evicted first d would hit 2 ([d:1]); were a's freed first-first, c would
    // have taken a0 and d would hit none ([d:9]).
    const r = runScenario({ ...SYNC, totalKvBlocks: 5 }, [
      { id: 'a', inputTokens: 8, outputTokens: 1, prefix: { group: 'ga', tokens: 8 } },
      { id: 'b', arrivalUs: 2000, inputTokens: 8, outputTokens: 1, prefix: { group: 'gb', tokens: 8 } },
      { id: 'c', arrivalUs: 4000, inputTokens: 4, outputTokens: 1 },
      { id: 'd', arrivalUs: 6000, inputTokens: 9, outputTokens: 1, prefix: { group: 'ga', tokens: 8 } },
    ]);
    expect(r.batches).toEqual([['a:8'], ['b:8'], ['c:4'], ['d:5']]);
    expect(r.reqs.d).toMatchObject({ cachedTokens: 4, finishedUs: 7050 });
  });

  it('counts a waiting request\'s prefix hits sitting in the free queue as blocks it takes', () => {
    // vLLM get_num_blocks_to_allocate counts a hit block with no reference (in the free queue)
    // as one to allocate. 5 blocks, 4 usable. a (8 tokens of g, 1 out) at 0 caches g0, g1 and
    // frees them: [p3, p4, g1, g0]. s (7 unshared tokens, 2 out) at 2000 takes p3, p4: [s:7]
    // → 3070. r (12 tokens, 8 of g, 1 out) arrives at 2500. At 3070 s:1 fits its 2nd block; r
    // hits g0 and g1 (2 free hits) and needs 1 new block: 1 + 2 = 3 > 2 free, so r waits though
    // its one new block is free. [s:1] → 4080, s finishes; then [r:4] → 5120.
    const r = runScenario({ ...SYNC, totalKvBlocks: 5 }, [
      { id: 'a', inputTokens: 8, outputTokens: 1, prefix: { group: 'g', tokens: 8 } },
      { id: 's', arrivalUs: 2000, inputTokens: 7, outputTokens: 2 },
      { id: 'r', arrivalUs: 2500, inputTokens: 12, outputTokens: 1, prefix: { group: 'g', tokens: 8 } },
    ]);
    expect(r.batches).toEqual([['a:8'], ['s:7'], ['s:1'], ['r:4']]);
    expect(r.stepEndsUs).toEqual([1080, 3070, 4080, 5120]);
    expect(r.reqs.r).toMatchObject({ cachedTokens: 8, finishedUs: 5120 });
  });
});
