/**
 * Hand-computed vLLM 0.15 scenarios for asynchronous scheduling (the default): v1/engine/core.py
 * `step_with_batch_queue` with a batch queue of 2 schedules step N+1 right after launching step
 * N, from the state before N's outputs; v1/core/sched/async_scheduler.py counts a sampling
 * step's token as a placeholder (`num_output_placeholders`) until update_from_output appends it.
 * When step N+1's formation preempts a request that step N is sampling for, vLLM keeps that
 * token: `_preempt_request` leaves the placeholder, and update_from_output appends N's token to
 * the (now PREEMPTED) request (AsyncScheduler._update_request_with_output only skips caching
 * its blocks); a request whose last token it was stops there, from the waiting queue
 * (`stopped_preempted_reqs`). An empty formation is not retried before N's outputs: the engine
 * then blocks on N and schedules again after update_from_output.
 * Step time = 1000 µs + 10 µs per batched token, all of it GPU time; block size 4.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from './vllm-scenarios.helpers.js';

const ASYNC = { asyncScheduling: true, blockSize: 4, maxNumBatchedTokens: 64, maxModelLen: 1000 } as const;

describe('vLLM scheduler scenarios: asynchronous scheduling', () => {
  it('schedules a request\'s next token before the previous one is sampled and none past its last', () => {
    // a (8 prompt, 3 out) alone. F1 at 0: [a:8] (samples token 1; placeholder 1). Launched, F2
    // is formed at once: num_tokens 8 + placeholders 1 − computed 8 = 1: [a:1]. F1 ends 1080
    // (token 1); F2 launches, F3 = [a:1] (output 1 + placeholder 1 < 3). F2 ends 2090 (token
    // 2); F4 is not formed: placeholder 1 and num_computed 10 + 2 − 1 ≥ 8 + 3 (its last token
    // is in flight). F3 ends 3100: token 3.
    const r = runScenario(ASYNC, [{ id: 'a', inputTokens: 8, outputTokens: 3 }]);
    expect(r.batches).toEqual([['a:8'], ['a:1'], ['a:1']]);
    expect(r.reqs.a).toMatchObject({ firstTokenUs: 1080, finishedUs: 3100 });
  });

  it('keeps the token in flight of a request preempted by the next formation; it resumes with it', () => {
    // 5 blocks, 4 usable; a, b: 7 prompt, 6 out, at 0.
    // F1 (0): [a:7, b:7], 2 blocks each, 0 free. F2 (0): [a:1, b:1] (8th tokens, same blocks).
    // F1 ends 1140: first tokens of a and b. F3 (1140): a's 9th token needs a block: b is
    //   preempted (blocks freed last first; a pops b1). [a:1].
    // F2 ends 2160: a's 2nd token; b's 2nd token is appended although b is PREEMPTED
    //   (num_tokens 9, placeholders 0). F4 (2160): a:1; b looks up floor(8/4) = 2 blocks: b0
    //   hits (b1 never held known tokens while b ran), needs 2 new + 1 free hit > 1 free: waits.
    // F3..F6 [a:1] end 3170, 4180, 5190, 6200; F7 (5190) is empty (a's last token in flight,
    //   b does not fit). At 6200 a finishes (3 blocks freed); F8 (6200): [b:5] (9 − 4 hit) →
    //   7250, b's 3rd token; F9..F11 [b:1] → 8260, 9270, 10280: b's 6th and last.
    const r = runScenario({ ...ASYNC, totalKvBlocks: 5 }, [
      { id: 'a', inputTokens: 7, outputTokens: 6 },
      { id: 'b', inputTokens: 7, outputTokens: 6 },
    ]);
    expect(r.batches).toEqual([['a:7', 'b:7'], ['a:1', 'b:1'], ['a:1'], ['a:1'], ['a:1'], ['a:1'], ['b:5'], ['b:1'], ['b:1'], ['b:1']]);
    expect(r.stepEndsUs).toEqual([1140, 2160, 3170, 4180, 5190, 6200, 7250, 8260, 9270, 10280]);
    expect(r.reqs.a).toMatchObject({ firstTokenUs: 1140, finishedUs: 6200 });
    expect(r.reqs.b).toMatchObject({ firstTokenUs: 1140, finishedUs: 10280, preemptions: 1 });
  });

  it('a request preempted while its prefill samples keeps that first token (TTFT at the prefill\'s end)', () => {
    // 5 blocks, 4 usable. a (7 prompt, 4 out), b (8 prompt, 2 out) at 0.
    // F1 (0): [a:7, b:8], 4 blocks (b's two cached), 0 free. F2 (0): a:1 (8th token, its 2nd
    //   block); b's 9th token needs a 3rd block: the victim, running.pop(), is b itself: [a:1].
    // F1 ends 1150: a's and b's first tokens. F3 (1150): a:1 takes a block (pops b1); b
    //   (num_tokens 9) hits b0, needs 2 + 1 > 1 free: waits. F4 (2160): [a:1]. F5 (3170): a's
    //   last token in flight, b does not fit: empty.
    // F4 ends 4180: a's 4th token, a frees 3 blocks. F6 (4180): [b:5] → 5230: b's 2nd and last.
    const r = runScenario({ ...ASYNC, totalKvBlocks: 5 }, [
      { id: 'a', inputTokens: 7, outputTokens: 4 },
      { id: 'b', inputTokens: 8, outputTokens: 2 },
    ]);
    expect(r.batches).toEqual([['a:7', 'b:8'], ['a:1'], ['a:1'], ['a:1'], ['b:5']]);
    expect(r.reqs.a).toMatchObject({ firstTokenUs: 1150, finishedUs: 4180 });
    expect(r.reqs.b).toMatchObject({ firstTokenUs: 1150, finishedUs: 5230, preemptions: 1 });
  });

  it('a request preempted while its last token is in flight finishes when that token arrives', () => {
    // 5 blocks, 4 usable. a (8 prompt, 5 out), v (8 prompt, 1 out) at 0.
    // F1 (0): [a:8, v:8], 0 free. F2 (0): a's 9th token needs a block: running.pop() is v
    //   (its only token in flight): v is preempted, a takes a block. [a:1].
    // F1 ends 1160: a's first token; v's token is appended and v stops (FINISHED_LENGTH_CAPPED)
    //   from the waiting queue. a then decodes alone: tokens at 2170, 3180, 4190, 5200.
    const r = runScenario({ ...ASYNC, totalKvBlocks: 5 }, [
      { id: 'a', inputTokens: 8, outputTokens: 5 },
      { id: 'v', inputTokens: 8, outputTokens: 1 },
    ]);
    expect(r.batches).toEqual([['a:8', 'v:8'], ['a:1'], ['a:1'], ['a:1'], ['a:1']]);
    expect(r.reqs.v).toMatchObject({ firstTokenUs: 1160, finishedUs: 1160, preemptions: 1 });
    expect(r.reqs.a.finishedUs).toBe(5200);
  });

  it('after a formation left empty by a self-preemption, schedules again only once the step in flight has ended', () => {
    // 5 blocks, 4 usable. a (4 prompt, 1 out), b (12 prompt, 3 out) at 0.
    // F1 (0): [a:4, b:12], 4 blocks (b's 3 cached), 0 free. F2 (0): a is skipped (its only
    //   token in flight); b's 13th token needs a 4th block: the victim is b itself. F2 is empty.
    // F1 ends 1160: a finishes (frees its block); b's first token is appended (num_tokens 13).
    // F3 (1160): b hits its 3 cached blocks (floor(12/4) = 3; 3 free hits + 1 new ≤ 4 free) and
    //   computes its 13th token alone: [b:1] → 2170, b's 2nd token. F4 (1160): [b:1] → 3180.
    // Rescheduling at 0 instead would re-prefill b before its first token is back.
    const r = runScenario({ ...ASYNC, totalKvBlocks: 5 }, [
      { id: 'a', inputTokens: 4, outputTokens: 1 },
      { id: 'b', inputTokens: 12, outputTokens: 3 },
    ]);
    expect(r.batches).toEqual([['a:4', 'b:12'], ['b:1'], ['b:1']]);
    expect(r.reqs.b).toMatchObject({ firstTokenUs: 1160, finishedUs: 3180, preemptions: 1 });
  });

  it('caches a finished request\'s last block, filled by its final step, before freeing it: a session follow-up hits it', () => {
    // 20 blocks. t1: 8-token prompt (all of it the session's context), 5 out: its blocks hold
    // prompt + output − 1 = 12 tokens. F1 [t1:8] → 1080, then [t1:1] → 2090, 3100, 4110, 5120.
    // allocate_slots caches min(num_computed + new, num_tokens) tokens: at F5 (formed at 3100,
    // num_tokens 11) 2 blocks. update_from_output of F5's token (5120) caches num_computed 12 −
    // placeholders 0 = 12 tokens (AsyncScheduler._update_request_with_output, RUNNING) before
    // _free_request: block 2 (tokens 8–11) is cached. t2 at 10000 repeats t1's 13 tokens and
    // adds 3 (16): hits floor(15/4) = 3 blocks, computes 4. [t2:4] → 11040.
    const group = 'session:s1';
    const r = runScenario({ ...ASYNC, totalKvBlocks: 20 }, [
      { id: 't1', inputTokens: 8, outputTokens: 5, sessionId: 's1', turn: 1, prefix: { group, tokens: 8 } },
      { id: 't2', arrivalUs: 10000, inputTokens: 16, outputTokens: 1, sessionId: 's1', turn: 2, prefix: { group, tokens: 16 } },
    ]);
    expect(r.batches).toEqual([['t1:8'], ['t1:1'], ['t1:1'], ['t1:1'], ['t1:1'], ['t2:4']]);
    expect(r.reqs.t1.finishedUs).toBe(5120);
    expect(r.reqs.t2).toMatchObject({ cachedTokens: 12, finishedUs: 11040 });
  });
});
