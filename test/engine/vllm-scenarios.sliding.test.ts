/**
 * Hand-computed vLLM 0.15 scenario for sliding-window KV cache groups (hybrid models such as
 * gpt-oss): v1/core/kv_cache_manager.py allocate_slots first calls remove_skipped_blocks, where
 * single_type_kv_cache_manager.py SlidingWindowManager frees the leading blocks wholly before the
 * window of the next token (`(num_computed_tokens − sliding_window + 1) // block_size` of them,
 * replaced by the null block), then counts the new blocks every group needs
 * (get_num_blocks_to_allocate). What a sliding group gives back is free for the same step's
 * admissions. Step time = 1000 µs + 10 µs per batched token; block size 4.
 */
import { describe, expect, it } from 'vitest';
import type { KvCacheGroups } from '../../src/model/kv-groups.js';
import { runScenario } from './vllm-scenarios.helpers.js';

/** One sliding-window group (window 8) and one full-attention group, one layer each. */
const GROUPS: KvCacheGroups = { layersPerGroup: 1, fullGroups: 1, slidingGroups: 1, slidingWindow: 8 };

describe('vLLM scheduler scenarios: sliding-window KV cache groups', () => {
  it('blocks a sliding group frees when a decode is allocated let a waiting request in at the same step', () => {
    // Synchronous loop, no prefix caching; 13 blocks, 12 usable; budget 16.
    // a (16 prompt, 6 out) at 0; b (8 prompt, 1 out) at 500.
    // S1 (0): [a:16]: 4 blocks in each group, 8 used, 4 free → 1160.
    // S2 (1160): a (computed 16) — remove_skipped_blocks: (16 − 8 + 1) // 4 = 2 sliding blocks
    //   freed (6 free); its 17th token needs block 4 in both groups (4 free). b needs 2 blocks in
    //   each group = 4 ≤ 4: admitted. [a:1, b:8] → 2250 (b finishes).
    //   Whole contexts (no sliding free) would leave 2 free and b would wait for a.
    // S3..S6: [a:1] → 3260, 4270, 5280, 6290 (a's 6th token).
    const r = runScenario({ kvGroups: GROUPS, asyncScheduling: false, enablePrefixCaching: false, blockSize: 4, totalKvBlocks: 13, maxNumBatchedTokens: 16, maxModelLen: 1000 }, [
      { id: 'a', inputTokens: 16, outputTokens: 6 },
      { id: 'b', arrivalUs: 500, inputTokens: 8, outputTokens: 1 },
    ]);
    expect(r.batches).toEqual([['a:16'], ['a:1', 'b:8'], ['a:1'], ['a:1'], ['a:1'], ['a:1']]);
    expect(r.stepEndsUs).toEqual([1160, 2250, 3260, 4270, 5280, 6290]);
    expect(r.reqs.b).toMatchObject({ firstTokenUs: 2250, finishedUs: 2250 });
  });

  it('without the sliding group (one group of every layer, same bytes) the same request waits for a', () => {
    // The same memory as 6 blocks of both layers (12 single-layer blocks): 7 blocks, 6 usable,
    // each holding both layers. S1: [a:16], 4 blocks, 2 free. S2: a's 17th token takes a 5th
    // block (1 free); b needs 2: waits. [a:1] → 2170; S3, S4, S5 [a:1] → 3180, 4190, 5200;
    // S6 (5200): a's 21st token needs a 6th block (0 free left for b). [a:1] → 6210: a finishes.
    // S7 (6210): [b:8] → 7290.
    const r = runScenario({ kvGroups: null, asyncScheduling: false, enablePrefixCaching: false, blockSize: 4, totalKvBlocks: 7, maxNumBatchedTokens: 16, maxModelLen: 1000 }, [
      { id: 'a', inputTokens: 16, outputTokens: 6 },
      { id: 'b', arrivalUs: 500, inputTokens: 8, outputTokens: 1 },
    ]);
    expect(r.batches).toEqual([['a:16'], ['a:1'], ['a:1'], ['a:1'], ['a:1'], ['a:1'], ['b:8']]);
    expect(r.reqs.b).toMatchObject({ firstTokenUs: 7290, finishedUs: 7290 });
  });
});
