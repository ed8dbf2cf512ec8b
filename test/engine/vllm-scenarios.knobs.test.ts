/**
 * Hand-computed vLLM 0.15 scenarios for knob combinations and rules the other scenario files do
 * not pin, each derived from v1/core/sched/scheduler.py `schedule()` and run in both engine loops
 * (synchronous `EngineCore.step`, asynchronous `step_with_batch_queue`) and both engine modes
 * (runScenario: `--no-leap` and leaping must agree):
 * - the waiting loop caps a prompt at long_prefill_token_threshold *before* its "chunked prefill
 *   off: stop here" test (`if not enable_chunked_prefill and num_new_tokens > token_budget:
 *   break`), and the running loop never makes that test, so with --no-enable-chunked-prefill a
 *   threshold still splits prompts;
 * - the threshold also caps a preempted request's recompute (num_tokens − hits: prompt and
 *   output), which resumes on its own surviving cached block;
 * - under the priority policy only the running loop preempts (when allocate_slots fails for a
 *   running request); a waiting request of higher priority whose blocks do not fit stops the
 *   waiting loop like any other (`if new_blocks is None: break`) and preempts nobody;
 * - a prefix hit on a block in the free queue is taken out of the queue before the request's new
 *   blocks are popped from its head (kv_cache_manager.py allocate_slots:
 *   `allocate_new_computed_blocks` then `allocate_new_blocks`; block_pool.py `touch` removes a
 *   hit with no reference from the free queue), so a hit at the queue's head is not evicted by its
 *   own request's allocation;
 * - with prefix caching off (`get_computed_blocks` returns nothing when `not enable_caching`) a
 *   preempted request recomputes its whole prompt and output.
 * Step time = 1000 µs + 10 µs per batched token, all GPU time; block size 4.
 */
import { describe, expect, it } from 'vitest';
import { runScenario, type ScenarioResult } from './vllm-scenarios.helpers.js';
import type { InstanceOptions } from '../../src/engine/config.js';

const BASE = { blockSize: 4, maxNumBatchedTokens: 64, maxModelLen: 1000 } as const;

/** The scenario in the synchronous and then the asynchronous loop. */
function bothLoops(opts: Partial<InstanceOptions>, reqs: Parameters<typeof runScenario>[1]): [ScenarioResult, ScenarioResult] {
  return [runScenario({ ...opts, asyncScheduling: false }, reqs), runScenario({ ...opts, asyncScheduling: true }, reqs)];
}

describe('vLLM scheduler scenarios: knob combinations (both loops)', () => {
  it('with chunked prefill off, long_prefill_token_threshold still splits prompts: the waiting loop caps before its whole-prompt test', () => {
    // --no-enable-chunked-prefill, budget 20 = max_model_len 20, threshold 8, 100 blocks.
    // a (14 prompt, 2 out), b (13, 2), c (6, 1) at 0.
    // Synchronous:
    // S1: waiting a: num_new 14 → threshold 8; 8 ≤ 20 passes the chunked-prefill test: a:8 (12
    //   left). b: 13 > 12, but the threshold comes first: 8 ≤ 12, b:8 (4 left). c: 6 > 4 and
    //   chunking is off: break. [a:8, b:8] 1160. (Testing before capping would stop at b:
    //   [a:8]; without the threshold: a:14, then b's 13 > 6: break, [a:14].)
    // S2: running a: 14 − 8 = 6 (its prompt completes: 1st token), b: 5 (1st token); waiting c:
    //   6 ≤ 9: c:6 (its only token). [a:6, b:5, c:6] 1170 → 2330.
    // S3: a:1, b:1, their 2nd and last tokens. 1020 → 3350.
    // Asynchronous: F1 (0) [a:8, b:8]; F2 formed at once behind it from the same state: a:6, b:5
    //   (both sample: a placeholder each), c:6 → the same batch; F3 at 1160: a: 14 + 1 − 14 = 1,
    //   b likewise; c's only token is in flight (skipped). F4 at 2330: both last tokens in
    //   flight: empty, it waits for F3. Same steps and times.
    const reqs = [
      { id: 'a', inputTokens: 14, outputTokens: 2 },
      { id: 'b', inputTokens: 13, outputTokens: 2 },
      { id: 'c', inputTokens: 6, outputTokens: 1 },
    ];
    for (const r of bothLoops({ ...BASE, maxNumBatchedTokens: 20, maxModelLen: 20, enableChunkedPrefill: false, longPrefillTokenThreshold: 8, totalKvBlocks: 100 }, reqs)) {
      expect(r.batches).toEqual([['a:8', 'b:8'], ['a:6', 'b:5', 'c:6'], ['a:1', 'b:1']]);
      expect(r.stepEndsUs).toEqual([1160, 2330, 3350]);
      expect(r.reqs.a).toMatchObject({ firstTokenUs: 2330, finishedUs: 3350 });
      expect(r.reqs.b).toMatchObject({ firstTokenUs: 2330, finishedUs: 3350 });
      expect(r.reqs.c).toMatchObject({ firstTokenUs: 2330, finishedUs: 2330 });
    }
  });

  it('the threshold caps a preempted request\'s recompute, which resumes on its own surviving block', () => {
    // Threshold 4, 5 blocks (4 usable). a, b (7 prompt, 6 out) at 0.
    // Synchronous:
    // S1: a:4, b:4 (1 block each; block 0 of each is full of known tokens and cached). 1080.
    // S2: a:3, b:3 (a 2nd block each, 0 free; both sample their 1st token). 1060 → 2140.
    // S3: a:1, b:1 (8th tokens: 2nd blocks full and cached). 1020 → 3160.
    // S4: a's 9th token needs a 3rd block, none free: fcfs preempts b (self.running.pop()); b's
    //   blocks are freed last first (free queue b1, b0) and a pops b1, evicting its hash. [a:1]
    //   → 4170. Something was preempted: the waiting loop does not run.
    // S5–S7: [a:1] → 5180, 6190, 7200 (a's 6th token: it finishes and frees 3 blocks). Meanwhile
    //   b (num_tokens 9) looks up floor(8 / 4) = 2 blocks: b0 hits, b1 is gone; num_new 9 − 4 = 5
    //   → threshold 4; 1 new block + 1 free hit = 2 > 1 free: the waiting loop breaks.
    // S8: b hits b0 and computes 4 of its 5: [b:4] (no token) 1040 → 8240. Without the
    //   threshold it would be [b:5], sampling at 8250.
    // S9: b:1 (the last of its 9 tokens: its 3rd token) → 9250. S10–S12: [b:1] → 10260, 11270,
    //   12280 (its 6th and last).
    // Asynchronous: F2 (formed behind F1 at 0) is [a:3, b:3]; F3 (1080) [a:1, b:1]; F4 (2140,
    //   after the 1st tokens) preempts b, whose F3 token arrives at 3160 (kept: num_tokens 9); b1
    //   was never cached (when F3 was formed b's 8th token was not known), so b again hits b0
    //   only; F8 (6190) is empty (a's last token in flight, b does not fit) and waits for F7;
    //   from 7200 b runs [b:4], then [b:1] (formed behind it, sampling). Same steps and times.
    const reqs = [
      { id: 'a', inputTokens: 7, outputTokens: 6 },
      { id: 'b', inputTokens: 7, outputTokens: 6 },
    ];
    for (const r of bothLoops({ ...BASE, longPrefillTokenThreshold: 4, totalKvBlocks: 5 }, reqs)) {
      expect(r.batches).toEqual([['a:4', 'b:4'], ['a:3', 'b:3'], ['a:1', 'b:1'], ['a:1'], ['a:1'], ['a:1'], ['a:1'], ['b:4'], ['b:1'], ['b:1'], ['b:1'], ['b:1']]);
      expect(r.stepEndsUs).toEqual([1080, 2140, 3160, 4170, 5180, 6190, 7200, 8240, 9250, 10260, 11270, 12280]);
      expect(r.reqs.a).toMatchObject({ firstTokenUs: 2140, finishedUs: 7200, preemptions: 0 });
      // num_cached_tokens is set at the first scheduling only: the hit on resuming does not count.
      expect(r.reqs.b).toMatchObject({ firstTokenUs: 2140, finishedUs: 12280, preemptions: 1, cachedTokens: 0 });
    }
  });

  it('priority: a waiting request of higher priority whose blocks do not fit waits; nothing is preempted for it', () => {
    // --scheduler priority, 5 blocks (4 usable). lo (priority 1, 8 prompt, 3 out) at 0; hi
    // (priority 0, 8 prompt, 1 out) at 100.
    // Synchronous:
    // S1 (0): [lo:8], 2 blocks (2 free). 1080.
    // S2 (1080): running lo: its 9th token takes a 3rd block (1 free). Waiting hi: 2 blocks > 1
    //   free: allocate_slots returns None and the waiting loop breaks. vLLM's waiting loop has no
    //   preemption: lo keeps running although hi outranks it. [lo:1] → 2090.
    // S3: [lo:1] (its 3rd and last token; block 2 has room), hi still does not fit → 3100: lo
    //   finishes, 4 blocks free.
    // S4: [hi:8] → 4180.
    // Asynchronous: F2 (formed at 0, before hi arrives) is [lo:1]; F3 (1080) [lo:1], hi does not
    //   fit; F4 (2090) is empty (lo's last token in flight, hi does not fit) and waits for F3's
    //   end (3100), where lo's blocks are freed: [hi:8] → 4180. Same.
    const reqs = [
      { id: 'lo', inputTokens: 8, outputTokens: 3, priority: 1 },
      { id: 'hi', arrivalUs: 100, inputTokens: 8, outputTokens: 1, priority: 0 },
    ];
    for (const r of bothLoops({ ...BASE, scheduler: 'priority', totalKvBlocks: 5 }, reqs)) {
      expect(r.batches).toEqual([['lo:8'], ['lo:1'], ['lo:1'], ['hi:8']]);
      expect(r.stepEndsUs).toEqual([1080, 2090, 3100, 4180]);
      expect(r.reqs.lo).toMatchObject({ finishedUs: 3100, preemptions: 0 });
      expect(r.reqs.hi).toMatchObject({ firstTokenUs: 4180, preemptions: 0 });
    }
  });

  it('a hit on the block at the free queue\'s head is taken before the request\'s new blocks are popped', () => {
    // 5 blocks, 4 usable; free queue p1..p4. Each request arrives after the previous finished.
    // a (8 tokens of g, 1 out) takes p1 (g0), p2 (g1); freed last first: [p3, p4, p2, p1].
    // s (12 unshared tokens, 1 out) takes p3, p4, p2 (g1's hash evicted); freed: [p1(g0), p2, p4,
    //   p3].
    // r (12 tokens, 8 of g, 1 out): looks up floor(11 / 4) = 2 blocks: g0 hits (p1, free), g1 is
    //   gone. 2 new blocks + 1 free hit = 3 ≤ 4 free. allocate_slots touches p1 (out of the queue)
    //   and then pops p2, p4: [r:8], cached_tokens 4. Were the new blocks popped first, p1 would be
    //   one of them with g0 evicted.
    // q (9 tokens, 8 of g, 1 out) after r: g0 still cached (r freed p1 with its hash; g1 is r's
    //   block 1, cached when r computed it): floor(8 / 4) = 2 blocks hit: [q:1].
    const g = (tokens: number) => ({ group: 'g', tokens });
    const reqs = [
      { id: 'a', inputTokens: 8, outputTokens: 1, prefix: g(8) },
      { id: 's', arrivalUs: 2000, inputTokens: 12, outputTokens: 1 },
      { id: 'r', arrivalUs: 4000, inputTokens: 12, outputTokens: 1, prefix: g(8) },
      { id: 'q', arrivalUs: 6000, inputTokens: 9, outputTokens: 1, prefix: g(8) },
    ];
    for (const r of bothLoops({ ...BASE, totalKvBlocks: 5 }, reqs)) {
      expect(r.batches).toEqual([['a:8'], ['s:12'], ['r:8'], ['q:1']]);
      expect(r.stepEndsUs).toEqual([1080, 3120, 5080, 7010]);
      expect(Object.values(r.reqs).map((x) => x.cachedTokens)).toEqual([0, 0, 4, 8]);
    }
  });
  it('with prefix caching off a preempted request recomputes its prompt and output whole', () => {
    // --no-enable-prefix-caching, 5 blocks (4 usable). a, b (7 prompt, 6 out) at 0.
    // Synchronous: S1 [a:7, b:7] 1140 (0 free); S2 [a:1, b:1] → 2160; S3: a's 9th token needs a
    //   block: b is preempted (num_tokens 9 with its 2 tokens). [a:1] → 3170; S4–S6 [a:1] → 4180,
    //   5190, 6200 (a's 6th, 3 blocks freed). b needs cdiv(9, 4) = 3 blocks, 1 free until then.
    //   S7: no lookup: [b:9] (its 3rd token) 1090 → 7290; S8–S10 [b:1] → 8300, 9310, 10320.
    //   (With prefix caching b would hit its block 0 and run [b:5]: vllm-scenarios.kv.)
    // Asynchronous: F3 (1140) preempts b, whose F2 token arrives at 2160 (kept); F7 (5190) is
    //   empty (a's last token in flight, b does not fit) and waits; F8 (6200) [b:9], then [b:1]
    //   formed behind it. Same steps and times.
    const reqs = [
      { id: 'a', inputTokens: 7, outputTokens: 6 },
      { id: 'b', inputTokens: 7, outputTokens: 6 },
    ];
    for (const r of bothLoops({ ...BASE, enablePrefixCaching: false, totalKvBlocks: 5 }, reqs)) {
      expect(r.batches).toEqual([['a:7', 'b:7'], ['a:1', 'b:1'], ['a:1'], ['a:1'], ['a:1'], ['a:1'], ['b:9'], ['b:1'], ['b:1'], ['b:1']]);
      expect(r.stepEndsUs).toEqual([1140, 2160, 3170, 4180, 5190, 6200, 7290, 8300, 9310, 10320]);
      expect(r.reqs.a).toMatchObject({ firstTokenUs: 1140, finishedUs: 6200, preemptions: 0, cachedTokens: 0 });
      expect(r.reqs.b).toMatchObject({ firstTokenUs: 1140, finishedUs: 10320, preemptions: 1, cachedTokens: 0 });
    }
  });
});
