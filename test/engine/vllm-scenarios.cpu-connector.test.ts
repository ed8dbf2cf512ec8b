/**
 * Hand-computed vLLM 0.15 scenarios of the CPU tier's connector protocol (OffloadingConnector,
 * distributed/kv_transfer/kv_connector/v1/offloading_connector.py, with the scheduler's KV
 * connector paths in v1/core/sched/scheduler.py):
 * - loads: a request aborted while its CPU load is in flight (WAITING_FOR_REMOTE_KVS, its id not
 *   yet in `finished_recving_kv_req_ids`) is freed by `finish_requests` with delay_free_blocks:
 *   the load is still writing its blocks. They go back when the load is reported
 *   (`_update_from_kv_xfer_finished`: a finished request in `finished_recving` → `_free_blocks`).
 * - stores: `_get_reqs_to_store` (at schedule time, build_connector_meta) calls
 *   LRUOffloadingManager.prepare_store, which inserts the blocks not ready (`is_ready` false: not a
 *   lookup hit, not evictable); the worker submits the copy at the start of the next step
 *   (`prepare_store_kv` defers it from `wait_for_save`). `complete_store` runs only from
 *   `update_connector_output` for a request in `finished_sending`, which the worker's
 *   `get_finished` reports once the request has finished (its id arrives in the next step's
 *   `finished_req_ids`) and its store jobs are done, or from build_connector_meta for a preempted
 *   request. Meanwhile `request_finished` returns `req_id in _reqs_being_stored`, so the finished
 *   request's GPU blocks are held until then (delay_free_blocks). A block is therefore never
 *   looked up in the CPU tier before its GPU copy may be evicted: the store's completion is
 *   visible in the schedule as the finished request's blocks freed one step late, not as a hit.
 * Synchronous loop; step = 1000 µs + 10 µs per batched token; CPU loads 100 µs a block.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from './vllm-scenarios.helpers.js';

const cpuTier = (blocks: number) => ({ blocks, loadUsPerBlock: 100, bytesPerBlock: 1 });

describe('vLLM scenarios: abort while a CPU load is in flight', () => {
  it('the aborted request keeps its blocks until the load is reported; a request waiting for them runs then', () => {
    // 4 blocks (3 usable), block 4, CPU tier of 3 blocks.
    // a (0; g's 8, 1 out): [a:8] → 1080; G0, G1 stored to CPU; freed (free queue f, G1, G0).
    // z1..z3 (2000; 2 tokens each): [z1:2, z2:2, z3:2] → 3060, evicting G1 and G0 from the GPU.
    // d (4000; g's 8 + 1, 2 out): GPU misses, the tier hits G0, G1: 2 blocks allocated, the load
    //   lands at 4200; no step runs (nothing else is schedulable).
    // w (4050; 12 unique): needs 3 blocks, 1 free → waits.
    // d is aborted at 4100: finish_requests keeps its 2 blocks (delay_free_blocks); the load is
    //   reported at 4200 and frees them; w: [w:12] → 4200 + 1120 = 5320. Freeing at the abort
    //   would have run w at 4100 (→ 5220) while the load still wrote those blocks.
    const g = { group: 'g', tokens: 8 };
    const r = runScenario({ blockSize: 4, totalKvBlocks: 4, maxNumBatchedTokens: 64, maxModelLen: 1000, cpuTier: cpuTier(3) }, [
      { id: 'a', inputTokens: 8, outputTokens: 1, prefix: g },
      { id: 'z1', arrivalUs: 2000, inputTokens: 2, outputTokens: 1 },
      { id: 'z2', arrivalUs: 2000, inputTokens: 2, outputTokens: 1 },
      { id: 'z3', arrivalUs: 2000, inputTokens: 2, outputTokens: 1 },
      { id: 'd', arrivalUs: 4000, inputTokens: 9, outputTokens: 2, prefix: g },
      { id: 'w', arrivalUs: 4050, inputTokens: 12, outputTokens: 1 },
    ], [{ id: 'd', atUs: 4100 }]);
    expect(r.batches).toEqual([['a:8'], ['z1:2', 'z2:2', 'z3:2'], ['w:12']]);
    expect(r.stepEndsUs).toEqual([1080, 3060, 5320]);
    expect(r.reqs.d).toMatchObject({ firstTokenUs: -1, finishedUs: -1 });
    expect(r.reqs.w!.finishedUs).toBe(5320);
  });
});

describe('vLLM scenarios: a CPU store completes when its request is done', () => {
  it('a finished request that stored blocks holds its GPU blocks one more step (delay_free_blocks until finished_sending)', () => {
    // 5 blocks (4 usable), block 4, CPU tier of 8 blocks.
    // c (0; 2 unique, 6 out) and a (0; 8 unique, 2 out): [c:2, a:8] → 1100; prepare_store A0, A1.
    // [c:1, a:1] → 2120 (a takes its third block: the pool is full); a finishes: request_finished
    //   finds a in _reqs_being_stored → its 3 blocks stay (the store job ran during step 2).
    // b (1500; 4 unique, 1 out) needs 1 block: none at 2120 → [c:1] → 3130. In that step the
    //   worker gets finished_req_ids {a}, its store jobs are done → finished_sending {a}:
    //   _free_blocks(a) and complete_store(A0, A1) at 3130.
    // [c:1, b:4] → 4180 (c takes its second block); then [c:1] → 5190, [c:1] → 6200.
    // blis frees a's blocks at 2120 and runs [c:1, b:4] → 3170.
    const r = runScenario({ blockSize: 4, totalKvBlocks: 5, maxNumBatchedTokens: 64, maxModelLen: 1000, cpuTier: cpuTier(8) }, [
      { id: 'c', inputTokens: 2, outputTokens: 6 },
      { id: 'a', inputTokens: 8, outputTokens: 2 },
      { id: 'b', arrivalUs: 1500, inputTokens: 4, outputTokens: 1 },
    ]);
    expect(r.batches).toEqual([['c:2', 'a:8'], ['c:1', 'a:1'], ['c:1'], ['c:1', 'b:4'], ['c:1'], ['c:1']]);
    expect(r.stepEndsUs).toEqual([1100, 2120, 3130, 4180, 5190, 6200]);
    expect(r.reqs.b!.firstTokenUs).toBe(4180);
  });

  it('a request that never had a store job (its only full blocks were GPU hits already in the tier) frees its blocks when it finishes', () => {
    // 5 blocks (4 usable), block 4, CPU tier of 8 blocks.
    // p (0; g's 8, 1 out): [p:8] → 1080; G0, G1 stored (a store job): p holds its 2 blocks, and
    //   with nothing left to run the engine's empty step reports finished_sending {p} at once.
    // c (2000; 2 unique, 6 out), a (2000; g's 8 + 2, 2 out): a hits G0, G1 on the GPU (cap
    //   floor(9/4) = 2), computes tokens 8..9 in a third block: [c:2, a:2] → 3040 (pool full).
    //   a's new block (tokens 8..11) never fills with known tokens (11 at most): no prepare_store
    //   lists a block for it, a is not in _reqs_being_stored.
    // [c:1, a:1] → 4060; a finishes: request_finished returns False → its 3 blocks are free now.
    // b (3500; 4 unique, 1 out) needs 1 block: [c:1, b:4] → 5110; then [c:1] ×3 → 6120, 7130, 8140.
    // Holding a's blocks (as for a request with a store job) would give [c:1] → 5070, then b → 6120.
    const r = runScenario({ blockSize: 4, totalKvBlocks: 5, maxNumBatchedTokens: 64, maxModelLen: 1000, cpuTier: cpuTier(8) }, [
      { id: 'p', inputTokens: 8, outputTokens: 1, prefix: { group: 'g', tokens: 8 } },
      { id: 'c', arrivalUs: 2000, inputTokens: 2, outputTokens: 6 },
      { id: 'a', arrivalUs: 2000, inputTokens: 10, outputTokens: 2, prefix: { group: 'g', tokens: 8 } },
      { id: 'b', arrivalUs: 3500, inputTokens: 4, outputTokens: 1 },
    ]);
    expect(r.batches).toEqual([['p:8'], ['c:2', 'a:2'], ['c:1', 'a:1'], ['c:1', 'b:4'], ['c:1'], ['c:1'], ['c:1']]);
    expect(r.stepEndsUs).toEqual([1080, 3040, 4060, 5110, 6120, 7130, 8140]);
    expect(r.reqs.a).toMatchObject({ cachedTokens: 8, finishedUs: 4060 });
    expect(r.reqs.b!.firstTokenUs).toBe(5110);
  });

  it('asynchronous loop: the id rides on the step formed after the finish, so the blocks serve the step two after that', () => {
    // ASYNC (step_with_batch_queue): 5 blocks (4 usable), block 8, CPU tier of 8 blocks.
    // c (0; 1 in, 7 out) never needs a second block; a (0; 16 unique, 2 out); b (1500; 8 unique, 1 out).
    // F0 [c:1, a:16] 0 → 1170 (A0, A1 stored: a is in _reqs_being_stored); F1, formed behind it,
    //   [c:1, a:1] → 2190 (a takes its third block: the pool is full).
    // F2 [c:1] (a's last token in flight) → 3200. update(F1) at 2190 finishes a: its blocks stay.
    // F3, scheduled at 2190 after update(F1), carries finished_req_ids {a}; b gets no block: [c:1] → 4210.
    // F4, scheduled at 3200: [c:1] → 5220. update(F3) at 4210: get_finished ran with {a}, its store
    //   jobs done → finished_sending {a} → _free_blocks(a).
    // F5, scheduled at 4210: [c:1, b:8] → 6310 (b's first and only token); F6 [c:1] → 7320, c's 7th token.
    // Freeing at the finish would have admitted b in F3 (→ 4290).
    const r = runScenario({ asyncScheduling: true, blockSize: 8, totalKvBlocks: 5, maxNumBatchedTokens: 64, maxModelLen: 1000, cpuTier: cpuTier(8) }, [
      { id: 'c', inputTokens: 1, outputTokens: 7 },
      { id: 'a', inputTokens: 16, outputTokens: 2 },
      { id: 'b', arrivalUs: 1500, inputTokens: 8, outputTokens: 1 },
    ]);
    expect(r.batches).toEqual([['c:1', 'a:16'], ['c:1', 'a:1'], ['c:1'], ['c:1'], ['c:1'], ['c:1', 'b:8'], ['c:1']]);
    expect(r.stepEndsUs).toEqual([1170, 2190, 3200, 4210, 5220, 6310, 7320]);
    expect(r.reqs.a!.finishedUs).toBe(2190);
    expect(r.reqs.b!.firstTokenUs).toBe(6310);
    expect(r.reqs.c!.finishedUs).toBe(7320);
  });

  it('an aborted request that stored blocks holds them as a finished one does (finish_requests → request_finished)', () => {
    // 5 blocks (4 usable), block 4, CPU tier of 8 blocks.
    // c (0; 1 unique, 6 out), a (0; 8 unique, 5 out), b (1500; 4 unique, 1 out).
    // [c:1, a:8] → 1090 (A0, A1 stored); [c:1, a:1] → 2110 (a's third block: the pool is full);
    // [c:1, a:1] 2110 → 3130. a is aborted at 2500: delay_free_blocks, its id rides on the next schedule.
    // At 3130 b gets no block: [c:1] → 4140, whose get_finished reports finished_sending {a}.
    // [c:1, b:4] → 5190 (c takes its second block); [c:1] → 6200, c's sixth token.
    // Freeing at the abort would have run [c:1, b:4] at 3130 (→ 4180).
    const r = runScenario({ blockSize: 4, totalKvBlocks: 5, maxNumBatchedTokens: 64, maxModelLen: 1000, cpuTier: cpuTier(8) }, [
      { id: 'c', inputTokens: 1, outputTokens: 6 },
      { id: 'a', inputTokens: 8, outputTokens: 5 },
      { id: 'b', arrivalUs: 1500, inputTokens: 4, outputTokens: 1 },
    ], [{ id: 'a', atUs: 2500 }]);
    expect(r.batches).toEqual([['c:1', 'a:8'], ['c:1', 'a:1'], ['c:1', 'a:1'], ['c:1'], ['c:1', 'b:4'], ['c:1']]);
    expect(r.stepEndsUs).toEqual([1090, 2110, 3130, 4140, 5190, 6200]);
    expect(r.reqs.a!.finishedUs).toBe(-1);
    expect(r.reqs.b!.firstTokenUs).toBe(5190);
  });

  it('the empty step after a held finish frees the blocks even when a decode run formed it (no idle engine with work)', () => {
    // 12 blocks (11 usable), block 4, max_num_seqs 1, budget 20, CPU tier of 40 blocks.
    // r0 (0; 39 unique, 3 out): [r0:20] → 1200, [r0:19] → 2390 (first token), [r0:1] → 3400 (the
    //   leaping engine's decode run starts here), [r0:1] → 4410: r0 finishes with all 11 blocks,
    //   held (it stored its blocks). r1, r2 (2500; 1 token each) waited for the seat.
    // The formation at 4410 admits nobody (no free block): the empty step reports r0's stores,
    //   its blocks are free, and the next schedule runs [r1:1] → 5420, then [r2:1] → 6430.
    const r = runScenario({ blockSize: 4, totalKvBlocks: 12, maxNumBatchedTokens: 20, maxNumSeqs: 1, maxModelLen: 300, cpuTier: cpuTier(40) }, [
      { id: 'r0', inputTokens: 39, outputTokens: 3 },
      { id: 'r1', arrivalUs: 2500, inputTokens: 1, outputTokens: 1 },
      { id: 'r2', arrivalUs: 2500, inputTokens: 1, outputTokens: 1 },
    ]);
    expect(r.batches).toEqual([['r0:20'], ['r0:19'], ['r0:1'], ['r0:1'], ['r1:1'], ['r2:1']]);
    expect(r.stepEndsUs).toEqual([1200, 2390, 3400, 4410, 5420, 6430]);
    expect(r.reqs.r2!.finishedUs).toBe(6430);
  });
});

describe('vLLM scenarios: a CPU load reported by an empty step (asynchronous loop)', () => {
  it('an empty step reports the loads that landed by the time it ran, and vLLM schedules again at once', () => {
    // 5 blocks (4 usable p1..p4), block 4, CPU tier of 8 blocks, loads 100 µs a block.
    // a (0; g's 8, 1 out): [a:8] → 1080; G0, G1 stored to the tier; freed: [p3, p4, p2, p1].
    // z (2000; 16 unique, 1 out): [z:16] → 3160, taking every block (G0, G1 evicted from the GPU).
    // q (3200; 1 prompt token, 3 out: it never fills a block, so it stores nothing): F1 [q:1]
    //   3200 → 4210; F2 [q:1] (formed behind F1 at 3200) → 5220; F3 [q:1] (formed at 4210) → 6230.
    // L (4500; g's 8 + 1, 1 out) is first reached by F4, formed at 5220 behind F3: q's last token
    //   is in flight, so F4 is empty, but L misses on the GPU and hits G0, G1 in the tier: its 2
    //   blocks are allocated and the load lands at 5420 (WAITING_FOR_REMOTE_KVS).
    // 6230: F3's outputs (q finishes). step_with_batch_queue schedules F5: L is still waiting for
    //   its KV, nothing else waits: empty. It pops F4, whose no-forward get_finished ran at 5220,
    //   before the landing: nothing. It schedules F6 (empty again) and pops F5, which ran at 6230
    //   (gpu_model_runner.py execute_model → kv_connector_no_forward → get_finished): L's load is
    //   reported (finished_recving) and F7, formed at once, runs [L:1] (8 tokens loaded) → 7240.
    //   Without that report the engine would wait for the next poll of the load (→ 7241).
    // Synchronous loop: L's load starts with [q:1] formed at 5220 and is reported at its end
    // (6230), so [L:1] runs 6230 → 7240 as well.
    const reqs = [
      { id: 'a', inputTokens: 8, outputTokens: 1, prefix: { group: 'g', tokens: 8 } },
      { id: 'z', arrivalUs: 2000, inputTokens: 16, outputTokens: 1 },
      { id: 'q', arrivalUs: 3200, inputTokens: 1, outputTokens: 3 },
      { id: 'L', arrivalUs: 4500, inputTokens: 9, outputTokens: 1, prefix: { group: 'g', tokens: 8 } },
    ];
    for (const asyncScheduling of [true, false]) {
      const r = runScenario({ asyncScheduling, blockSize: 4, totalKvBlocks: 5, maxNumBatchedTokens: 64, maxModelLen: 1000, cpuTier: cpuTier(8) }, reqs);
      expect(r.batches).toEqual([['a:8'], ['z:16'], ['q:1'], ['q:1'], ['q:1'], ['L:1']]);
      expect(r.stepEndsUs).toEqual([1080, 3160, 4210, 5220, 6230, 7240]);
      expect(r.reqs.L).toMatchObject({ firstTokenUs: 7240, finishedUs: 7240, cachedTokens: 0, cpuCachedTokens: 8 });
    }
  });
});
