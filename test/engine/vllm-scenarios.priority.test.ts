/**
 * Hand-computed vLLM 0.15 scenarios for `--scheduling-policy priority` (blis `--scheduler
 * priority`): v1/core/sched/request_queue.py PriorityRequestQueue pops the smallest (priority,
 * arrival_time) (Request.__lt__); `_preempt_request` puts a victim back into that heap (no
 * "front" in a priority queue); when allocate_slots fails in the running loop of `schedule()`
 * the victim is `max(self.running, key=(priority, arrival_time))`, wherever it stands in the
 * running list, and `req_index` steps back only when the victim was already scheduled this step.
 * Ties on arrival time are broken by arrival order (blis's enqueue order stands in for vLLM's
 * `time.time()` stamps, which never tie). Step time = 1000 µs + 10 µs per batched token; block size 4.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from './vllm-scenarios.helpers.js';

const PRIO = { scheduler: 'priority', blockSize: 4, maxNumBatchedTokens: 64, maxModelLen: 1000 } as const;

describe('vLLM scheduler scenarios: priority policy', () => {
  it('admits waiting requests by (priority, arrival time), not arrival order', () => {
    // Synchronous loop, max_num_seqs 1. a (p0, 0 µs, 8 prompt, 3 out) runs alone:
    // [a:8] → 1080, [a:1] → 2090, [a:1] → 3100 (a finishes). Meanwhile b (p1, 500), c (p0, 600),
    // d (p1, 400) wait in the heap: (0, 600) c < (1, 400) d < (1, 500) b.
    // [c:8] → 4180, [d:8] → 5260, [b:8] → 6340 (one output token each).
    const r = runScenario({ ...PRIO, asyncScheduling: false, maxNumSeqs: 1, totalKvBlocks: 100 }, [
      { id: 'a', inputTokens: 8, outputTokens: 3, priority: 0 },
      { id: 'b', arrivalUs: 500, inputTokens: 8, outputTokens: 1, priority: 1 },
      { id: 'c', arrivalUs: 600, inputTokens: 8, outputTokens: 1, priority: 0 },
      { id: 'd', arrivalUs: 400, inputTokens: 8, outputTokens: 1, priority: 1 },
    ]);
    expect(r.batches).toEqual([['a:8'], ['a:1'], ['a:1'], ['c:8'], ['d:8'], ['b:8']]);
    expect(r.stepEndsUs).toEqual([1080, 2090, 3100, 4180, 5260, 6340]);
  });

  it('preempts the lowest-priority running request even when it is first in the running list (it may be the request being scheduled)', () => {
    // Synchronous loop; 5 blocks, 4 usable. lo (p1, 0 µs, 7 prompt, 6 out), hi (p0, 500 µs, 7, 6).
    // S1 (0): [lo:7], 2 blocks → 1070 (lo's 1st token; num_tokens 8).
    // S2 (1070): lo:1 (its 8th token, block 1 fills and is cached); hi waiting: 2 blocks, 2 free.
    //   [lo:1, hi:7] → 2150 (lo's 2nd, hi's 1st token). 0 free.
    // S3 (2150): lo (first in running) needs a 3rd block for its 9th token; the victim is
    //   max((1, 0), (0, 500)) = lo itself: preempted (blocks freed tail first), `break`: hi is not
    //   scheduled in this step and, something being preempted, no waiting request is either. The
    //   step is empty (execute_model returns at once with no tokens scheduled).
    //   fcfs would have popped hi instead (the last running request).
    // S4 (2150): [hi:1]; lo (num_tokens 9) hits its 2 cached blocks (floor(8/4)), needs 1 new + 2
    //   free hits = 3 > 2 free: waits. → 3160.
    // S5 (3160): hi's 9th token takes a 3rd block: the LRU head is lo's block 1 (freed first),
    //   evicted. lo now hits 1 block, needs 2 new + 1 free hit > 1 free. → 4170.
    // S6..S8: [hi:1] → 5180, 6190, 7200: hi's 6th token, hi finishes, frees 3 blocks (4 free).
    // S9 (7200): lo hits block 0, computes 9 − 4 = 5 tokens: [lo:5] → 8250 (its 3rd token).
    // S10..S12: [lo:1] → 9260, 10270, 11280 (its 6th and last).
    const r = runScenario({ ...PRIO, asyncScheduling: false, totalKvBlocks: 5 }, [
      { id: 'lo', inputTokens: 7, outputTokens: 6, priority: 1 },
      { id: 'hi', arrivalUs: 500, inputTokens: 7, outputTokens: 6, priority: 0 },
    ]);
    expect(r.batches).toEqual([
      ['lo:7'], ['lo:1', 'hi:7'], ['hi:1'], ['hi:1'], ['hi:1'], ['hi:1'], ['hi:1'], ['lo:5'], ['lo:1'], ['lo:1'], ['lo:1'],
    ]);
    expect(r.stepEndsUs).toEqual([1070, 2150, 3160, 4170, 5180, 6190, 7200, 8250, 9260, 10270, 11280]);
    expect(r.reqs.hi).toMatchObject({ firstTokenUs: 2150, finishedUs: 7200, preemptions: 0 });
    expect(r.reqs.lo).toMatchObject({ firstTokenUs: 1070, finishedUs: 11280, preemptions: 1 });
  });

  it('a victim that was not scheduled in this step (its last token in flight) does not step the running loop back: the request after the one being scheduled waits a step', () => {
    // Asynchronous loop; 7 blocks, 6 usable. x (p1, 0 µs, 4 prompt, 3 out); y (p0, 1 µs, 8
    // prompt, 3 out) and z (p0, 1 µs, 7 prompt, 2 out).
    // F1 (0): [x:4] (1 block). F2 (0): [x:1] (x's 2nd block). y, z arrive while F1 runs.
    // F1 ends 1040. F3 (1040): x:1 (its 3rd and last token); y, z admitted (2 blocks each, 0
    //   free): running [x, y, z]. [x:1, y:8, z:7].
    // F2 ends 2050. F4 (2050): x is skipped (its last token in flight, req_index 1). y's 9th token
    //   needs a 3rd block: the victim is max over running of (priority, arrival) = x, which is
    //   not in scheduled_running_reqs, so req_index is not stepped back. y takes one of x's
    //   blocks, req_index becomes 2 = len(running): z is not scheduled; nothing waits to be
    //   admitted after a preemption anyway. [y:1].
    // F3 ends 3210: x's last token is appended and x stops from the waiting queue; y's and z's
    //   first tokens. F5 (3210): [y:1, z:1]. F4 ends 4220 (y's 2nd). F6 (4220) is empty (both
    //   last tokens in flight). F5 ends 5240: y and z finish.
    const r = runScenario({ ...PRIO, asyncScheduling: true, totalKvBlocks: 7 }, [
      { id: 'x', inputTokens: 4, outputTokens: 3, priority: 1 },
      { id: 'y', arrivalUs: 1, inputTokens: 8, outputTokens: 3, priority: 0 },
      { id: 'z', arrivalUs: 1, inputTokens: 7, outputTokens: 2, priority: 0 },
    ]);
    expect(r.batches).toEqual([['x:4'], ['x:1'], ['x:1', 'y:8', 'z:7'], ['y:1'], ['y:1', 'z:1']]);
    expect(r.stepEndsUs).toEqual([1040, 2050, 3210, 4220, 5240]);
    expect(r.reqs.x).toMatchObject({ firstTokenUs: 1040, finishedUs: 3210, preemptions: 1 });
    expect(r.reqs.y).toMatchObject({ firstTokenUs: 3210, finishedUs: 5240 });
    expect(r.reqs.z).toMatchObject({ firstTokenUs: 3210, finishedUs: 5240 });
  });
  it('two running requests in a row that are each their own victim leave two empty schedules, then the rest run (no stall)', () => {
    // Synchronous loop; 12 blocks, 11 usable; no prefix caching (a victim recomputes); chunks of at
    // most 8 tokens (long_prefill_token_threshold). a (p2, 0 µs, 1 prompt, 8 out); b (p1, 500 µs,
    // 40 prompt, 1 out); c (p0, 1500 µs, 16 prompt, 2 out).
    // S1 (0): [a:1], 1 block → 1010 (a's 1st token). 10 free.
    // S2 (1010): a:1 (its 2nd token, block 0 still); b admitted, chunk 8, 2 blocks. [a:1, b:8] → 2100. 8 free.
    // S3 (2100): a:1; b:8 (4 blocks); c admitted, chunk 8 (2 blocks). [a:1, b:8, c:8] → 3270. 4 free.
    // S4 (3270): a:1 (its 4th token still fits block 0); b:8 (6 blocks); c:8 (4 blocks, its prompt
    //   done: 1st token). [a:1, b:8, c:8] → 4440. 0 free.
    // S5 (4440): running [a, b, c]. a's 5th token needs a 2nd block, none free: the victim is
    //   max((2, 0), (1, 500), (0, 1500)) = a itself: preempted (1 block back), `break`; nothing
    //   waiting is admitted after a preemption: the schedule is empty. The engine schedules again:
    //   b's next chunk needs 2 blocks, 1 free: the victim is max((1, 500), (0, 1500)) = b itself
    //   (6 blocks back): empty again. Again: c:1 (its 17th token takes a 5th block, 6 free); no
    //   preemption, so the waiting heap admits b (40 tokens from scratch, chunk 8, 2 blocks) and
    //   then a (5 tokens recomputed, 2 blocks). [c:1, b:8, a:5] → 5580: c's 2nd token, c finishes;
    //   a samples its 5th.
    // S6 (5580): [b:8, a:1] → 6670 (a's 6th). S7: [b:8, a:1] → 7760 (a's 7th). S8: [b:8, a:1] →
    //   8850 (a's 8th and last: a finishes). S9 (8850): [b:8] → 9930: b's 40th prompt token, its only
    //   output token; b finishes.
    const r = runScenario({ ...PRIO, asyncScheduling: false, totalKvBlocks: 12, longPrefillTokenThreshold: 8, enablePrefixCaching: false }, [
      { id: 'a', inputTokens: 1, outputTokens: 8, priority: 2 },
      { id: 'b', arrivalUs: 500, inputTokens: 40, outputTokens: 1, priority: 1 },
      { id: 'c', arrivalUs: 1500, inputTokens: 16, outputTokens: 2, priority: 0 },
    ]);
    expect(r.batches).toEqual([['a:1'], ['a:1', 'b:8'], ['a:1', 'b:8', 'c:8'], ['a:1', 'b:8', 'c:8'], ['c:1', 'b:8', 'a:5'], ['b:8', 'a:1'], ['b:8', 'a:1'], ['b:8', 'a:1'], ['b:8']]);
    expect(r.stepEndsUs).toEqual([1010, 2100, 3270, 4440, 5580, 6670, 7760, 8850, 9930]);
    expect(r.reqs.a).toMatchObject({ firstTokenUs: 1010, finishedUs: 8850, preemptions: 1 });
    expect(r.reqs.b).toMatchObject({ firstTokenUs: 9930, finishedUs: 9930, preemptions: 1 });
    expect(r.reqs.c).toMatchObject({ firstTokenUs: 4440, finishedUs: 5580, preemptions: 0 });
  });
});
