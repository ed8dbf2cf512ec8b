/**
 * KV cache scenarios worked by hand from vLLM 0.15's code, run through `blis replay` as a user
 * would: prefix-cache hits of a repeated prompt, preemption by recompute when a tiny
 * `--total-kv-blocks` runs out, and the priority policy's victim. The rules of a step, the two
 * loops and batch formation are in hand-scenarios.batching.test.ts's header; here also:
 * - `--total-kv-blocks N` is vLLM's num_gpu_blocks: v1/core/block_pool.py takes one null block
 *   out of the pool at start, so N − 1 blocks hold KV.
 * - v1/core/kv_cache_manager.py `get_computed_blocks` looks a waiting request up with
 *   max_cache_hit_length = num_tokens − 1: whole blocks only, and never the whole prompt (a
 *   prompt of whole blocks recomputes its last block). `allocate_slots` registers full blocks of
 *   known tokens as it allocates them, so a block is a hit from the step that first computes it.
 *   An evictable hit (free, ref_cnt 0) counts against the free blocks an allocation needs
 *   (single_type_kv_cache_manager.py `get_num_blocks_to_allocate`).
 * - a request's blocks are freed tail first (`free`: reversed), and allocation takes the least
 *   recently freed block, evicting its hash.
 * - when a running request cannot get its blocks, `schedule()` preempts (fcfs: running.pop(), the
 *   newest; priority: max (priority, arrival_time)); if the victim is the request itself, no
 *   later running request is scheduled that step; with any preemption no waiting request is
 *   admitted. A preempted request keeps its output and recomputes prompt + output as a prompt.
 * - a prompt's identity comes from the arrival CSV: rows with the same prefix_group share their
 *   first prefix_tokens tokens (prefix_tokens = input_tokens: the same prompt).
 */
import { describe } from 'vitest';
import { scenario } from './hand-scenario.js';

const PREFIXED = 'arrival_us,input_tokens,output_tokens,prefix_group,prefix_tokens';

describe('hand-computed vLLM scenarios through blis replay: prefix cache and preemption', () => {
  // Block 16. A (64-token prompt P, 2 out) at 0: S1 [0, 10640) A 64 → token 1; [10640, 20640) done.
  // B (the same 64 tokens, 2 out) at 100000, engine idle: the lookup may hit at most
  // floor((64 − 1) / 16) = 3 blocks = 48 tokens, so B computes 16: [100000, 110160) → token 1;
  // [110160, 120160) done. cached_tokens 48; prefix hit rate 48 / 128. Both loops alike (idle between).
  scenario('a repeated prompt of whole blocks hits all but its last block', {
    csv: `${PREFIXED}\n0,64,2,P,64\n100000,64,2,P,64\n`,
    sync: { r0: [10640, 20640], r1: [110160, 120160] },
    counts: { r1: [0, 48] },
  });

  // The same with --no-enable-prefix-caching: B computes all 64 tokens, [100000, 110640).
  scenario('--no-enable-prefix-caching: the repeated prompt is computed whole', {
    csv: `${PREFIXED}\n0,64,2,P,64\n100000,64,2,P,64\n`,
    flags: ['--no-enable-prefix-caching'],
    sync: { r0: [10640, 20640], r1: [110640, 120640] },
  });

  // A 70-token prompt whose first 64 tokens are the shared P: the cap floor(69 / 16) = 4 blocks
  // lets B hit all 64 shared tokens and compute 6: [100000, 110060) → token 1; done at 120060.
  scenario('a repeated prefix of whole blocks followed by new tokens hits every shared block', {
    csv: `${PREFIXED}\n0,70,2,P,64\n100000,70,2,P,64\n`,
    sync: { r0: [10700, 20700], r1: [110060, 120060] },
    counts: { r1: [0, 64] },
  });

  // A and B, the same 64-token prompt, both at 0: A's four blocks are registered when S1
  // allocates them, before B's lookup in the same schedule, so B hits 48 tokens at once.
  // S1 [0, 10800): A 64 + B 16 → both token 1; S2 [10800, 20800): both done.
  scenario('identical prompts arriving together: the second hits the blocks the first is computing', {
    csv: `${PREFIXED}\n0,64,2,P,64\n0,64,2,P,64\n`,
    sync: { r0: [10800, 20800], r1: [10800, 20800] },
    counts: { r1: [0, 48] },
  });

  // A (64 tokens P, 3 out) at 0, B (the same prompt, 2 out) at 5000, during A's prefill.
  // Sync: S1 [0, 10640) A 64. S2 [10640, 20800): A decode + B 16 (48 hit) → 10160: B token 1.
  // S3 [20800, 30800): both decode: A token 3 and B token 2, both done.
  // Async: S2 (A decode) formed at 0 runs [10640, 20640); S3 formed at 10640: A decode + B 16 →
  // [20640, 30800): A done, B token 1. S4 formed at 20640: A skipped (last token in flight), B
  // decode → [30800, 40800): B done.
  scenario('a prefix hit for a request arriving while the prefix is in use, in both loops', {
    csv: `${PREFIXED}\n0,64,3,P,64\n5000,64,2,P,64\n`,
    sync: { r0: [10640, 30800], r1: [20800, 30800] },
    async: { r0: [10640, 30800], r1: [30800, 40800] },
    counts: { r1: [0, 48] },
  });

  // --block-size 16 --total-kv-blocks 4: 3 usable blocks. A (32, 3 out), B (8, 10 out) at 0.
  // S1 [0, 10400): A 32 (2 blocks) + B 8 (1 block), pool empty → both token 1.
  // S2: A needs a 3rd block for token 33: fcfs preempts running.pop() = B (freed, not self), A takes
  // its block; nothing is admitted this step. [10400, 20400): A token 2.
  // S3 [20400, 30400): A decode, B (9 tokens, 1 block) cannot get one → A token 3, done, 3 blocks free.
  // S4 [30400, 40490): B recomputes 9 tokens (prefill, 10090) → token 2; then one decode per token:
  // token 10 at 40490 + 8·10000 = 120490.
  // Async: S2 is formed at 0 with the same preemption (B's token 1 from S1 still arrives at 10400,
  // vLLM's update_from_output appends it to the preempted request); S3 formed at 10400 (A decode, B
  // blocked), S4 formed at 20400 empty (A's last token in flight, no block for B): it waits for S3's
  // outputs, and B is scheduled at 30400. Same times.
  scenario('KV exhaustion: --total-kv-blocks counts vLLM\'s null block, and the newest running request is preempted', {
    csv: 'arrival_us,input_tokens,output_tokens\n0,32,3\n0,8,10\n',
    flags: ['--block-size', '16', '--total-kv-blocks', '4'],
    sync: { r0: [10400, 30400], r1: [10400, 120490] },
    counts: { r1: [1, 0] },
  });

  // --block-size 16 --total-kv-blocks 4 (3 usable). A (16, 3 out), B (16, 3 out) at 0.
  // S1 [0, 10320): A 16 + B 16 (a block each) → both token 1.
  // S2: A takes the last block for token 17; B needs one: fcfs victim running.pop() = B itself,
  // preempted (its full prompt block stays cached, free). [10320, 20320): A token 2.
  // S3: B's lookup hits its block (floor(16 / 16) = 1), needs 1 new + 1 evictable hit = 2 > 1 free:
  // waits. [20320, 30320): A token 3, done.
  // S4 [30320, 40330): B computes 1 token (its token 1; the prompt block is a hit) → 10010, token 2.
  // S5 [40330, 50330): B done. cached_tokens stays 0 (vLLM sets num_cached_tokens on the first
  // scheduling only). Async: S2 formed at 0 makes the same self-preemption; S4 formed at 20320 is
  // empty and waits for S3; B resumes at 30320. Same times.
  scenario('KV exhaustion: a request that is itself the newest preempts itself and resumes from its cached prompt', {
    csv: 'arrival_us,input_tokens,output_tokens\n0,16,3\n0,16,3\n',
    flags: ['--block-size', '16', '--total-kv-blocks', '4'],
    sync: { r0: [10320, 30320], r1: [10320, 50330] },
    counts: { r1: [1, 0] },
  });

  // --scheduler priority --block-size 16 --total-kv-blocks 4 (3 usable).
  // A (31 tokens, 3 out, priority 5) at 0; B (8 tokens, 10 out, priority 0) at 5000.
  // Sync: S1 [0, 10310): A 31 (2 blocks) → token 1 (A's 2nd block now full of known tokens).
  // S2 [10310, 20390): A decode (token 32 fits 2 blocks) + B 8 (the last block) → B token 1.
  // S3 at 20390: A needs a 3rd block; victim = max (priority, arrival) = A itself (5 > 0), though B
  // is newer; B, after A in running, is not scheduled, and the schedule is empty; the engine
  // schedules again at once: B decode, A waiting (hits its 2 cached blocks, needs 1 + 2 evictable
  // > 2 free). B token k at 20390 + (k − 1)·10000. At 100390 B's token-10 step takes a block,
  // evicting A's tail block; at 110390 B is done. A: hit 1 block (16 tokens), recomputes 17
  // [110390, 120560) → token 3, done.
  // Async: S2 (A decode) is formed at 0, before B arrives; S3 formed at 10310 gives A its 3rd
  // block at once (the pool had 1 free) and leaves B none; A finishes at 30310 unpreempted, B
  // starts at 30310: token 1 at 40390, token 10 at 130390.
  scenario('--scheduler priority: the victim is the lowest-priority running request, here the one asking', {
    csv: 'arrival_us,input_tokens,output_tokens,priority\n0,31,3,5\n5000,8,10,0\n',
    flags: ['--scheduler', 'priority', '--block-size', '16', '--total-kv-blocks', '4'],
    sync: { r0: [10310, 120560], r1: [20390, 110390] },
    async: { r0: [10310, 30310], r1: [40390, 130390] },
    counts: { r0: [1, 0] },
    asyncCounts: {},
  });
});
