/**
 * Scheduler scenarios worked by hand from vLLM 0.15's code, run through `blis replay` as a user
 * would (arrival CSV, `--latency-model linear`, engine flags, `--requests-out`): batching, token
 * budget, chunked prefill, head-of-line blocking, priority order. KV cache scenarios (prefix hits,
 * preemption) are in hand-scenarios.kv.test.ts. The engine itself is diffed against vLLM's
 * scheduler in test/engine/vllm-diff.test.ts; these check that each CLI flag is the vLLM knob a
 * hand computation assumes and that the times come out where docs/engine.md, *Working a
 * scenario by hand*, says.
 *
 * Rules used in every derivation (α0 = 10 ms, α1 = 10 µs per prompt token unless stated):
 * - a step lasts α0 + α1·(prompt tokens computed in it) + α2·(decoding requests) + α3·(Σ tokens
 *   already in the KV of its requests), in integer µs; steps run back to back; a token is emitted
 *   at the end of the step that samples it, so first_token_us is the end of the step that
 *   completes the prompt and finished_us the end of the step that samples the last token.
 * - vLLM v1/core/sched/scheduler.py `schedule()`: running requests first, each getting
 *   num_tokens + placeholders − computed tokens, capped by long_prefill_token_threshold and the
 *   budget left (max_num_batched_tokens: a decode takes 1 of it); then, only if nothing was
 *   preempted, waiting requests in queue order while budget and max_num_seqs allow.
 * - synchronous loop (`--no-async-scheduling`, v1/engine/core.py `step`): schedule, run,
 *   update_from_output; the next schedule sees every request that arrived by that step's end.
 * - asynchronous loop (default, core.py `step_with_batch_queue`, batch queue 2): step N+1 is
 *   scheduled as soon as step N is launched, before N's outputs (AsyncScheduler counts the token
 *   N samples as a placeholder), so a request arriving while N runs is first scheduled in N+2,
 *   formed when N ends; a request whose last token is in flight is not scheduled again
 *   (scheduler.py: "Async scheduling: Avoid scheduling an extra step ..."); an empty schedule
 *   behind a step in flight waits for that step's outputs.
 */
import { describe } from 'vitest';
import { scenario } from './hand-scenario.js';

describe('hand-computed vLLM scenarios through blis replay: batching and the token budget', () => {
  // A: 100-token prompt, 3 output tokens.
  // S1 [0, 11000): A prefill 100 (10000 + 100·10) → A token 1 at 11000.
  // S2 [11000, 21000): A decode (α2 = 0) → token 2. S3 [21000, 31000): token 3, A finishes.
  // Async: S2 is formed at 0 behind S1 (num_new = 100 + 1 placeholder − 100 = 1), S3 at 11000
  // (computed 101 + 2 − 1 placeholder < 100 + 3); at 21000 A's last token is in flight, so the
  // schedule is empty. Same times.
  scenario('a single request: a prefill step, then one decode step per further token', {
    csv: 'arrival_us,input_tokens,output_tokens\n0,100,3\n',
    sync: { r0: [11000, 31000] },
  });

  // α0 = 5000, α1 = 10, α2 = 1000 per decoding request, α3 = 2 per token already in KV.
  // A (100 tokens, 3 out) and B (50, 2 out) both at 0, in one batch.
  // S1 [0, 6500): A 100 + B 50 prefill, no context: 5000 + 150·10 = 6500 → both first tokens.
  // S2: A and B decode, contexts 100 and 50: 5000 + 2·1000 + 2·150 = 7300 → ends 13800; B done.
  // S3: A decodes alone, context 101: 5000 + 1000 + 2·101 = 6202 → ends 20002; A done.
  // Async: S2 [A, B] formed at 0 with the same contexts; S3 formed at 6500 skips B (its last
  // token is in flight in S2). Same times.
  scenario('two requests at once share the prefill step; decode and context tokens are priced per request and per token', {
    csv: 'arrival_us,input_tokens,output_tokens\n0,100,3\n0,50,2\n',
    coefficients: { alpha0Us: 5000, alpha1UsPerPrefillToken: 10, alpha2UsPerDecodeToken: 1000, alpha3UsPerContextToken: 2 },
    sync: { r0: [6500, 20002], r1: [6500, 13800] },
  });

  // --max-num-batched-tokens 64. A (150 tokens, 2 out) then B (40, 2 out), both at 0.
  // S1 [0, 10640): A 64 (budget spent, B waits). S2 [10640, 21280): A 64.
  // S3 [21280, 31900): A 22 (prompt done, samples) + B 40 = 62 tokens → 10620: both first tokens.
  // S4 [31900, 41900): both decode → both finish.
  // Async: S2 is formed at 0 (A's next 64), S3 at 10640 (A 22 + B 40), S4 at 21280 (A and B each
  // with one placeholder: one decode each). Same batches, same times.
  scenario('chunked prefill: a long prompt takes the whole budget for two steps, the next request joins its last chunk', {
    csv: 'arrival_us,input_tokens,output_tokens\n0,150,2\n0,40,2\n',
    flags: ['--max-num-batched-tokens', '64', '--max-num-seqs', '8'],
    sync: { r0: [31900, 41900], r1: [31900, 41900] },
  });

  // --max-num-batched-tokens 32: a decode takes 1 token of the budget.
  // A (40, 3 out), B (56, 2 out) at 0.
  // S1 [0, 10320): A 32. S2 [10320, 20640): A 8 (samples: A token 1) + B 24.
  // S3 [20640, 30950): A decode (1) + B 31 of its remaining 32 (budget 32 − 1) → 10310; A token 2.
  // S4 [30950, 40960): A decode + B's last prompt token → 10010: A token 3 (done), B token 1.
  // S5 [40960, 50960): B decode → done.
  // Async: S2 formed at 0 (A 8 + B 24), S3 at 10320 (A has a placeholder: 1 token; B 31), S4 at
  // 20640 (A decode, B 1), S5 at 30950 (A skipped: last token in flight; B decode). Same times.
  scenario('the token budget counts a decode as one token', {
    csv: 'arrival_us,input_tokens,output_tokens\n0,40,3\n0,56,2\n',
    flags: ['--max-num-batched-tokens', '32', '--max-num-seqs', '8'],
    sync: { r0: [20640, 40960], r1: [40960, 50960] },
  });

  // A (100, 5 out) at 0; B (100, 2 out) arrives at 5000, while A's prefill runs.
  // Sync: S1 [0, 11000) A 100. S2 [11000, 22000): A decode + B 100 → 11000; B token 1 at 22000.
  // S3 [22000, 32000): both decode; B done. S4, S5: A alone → A done at 52000.
  // Async: S1 [0, 11000) A 100; S2 (A decode) was formed at 0, before B arrived, and runs
  // [11000, 21000). S3, formed at 11000 after S1's outputs: A decode + B 100 → [21000, 32000), B
  // token 1 at 32000. S4 formed at 21000: A decode, B decode (B's placeholder from S3) → [32000,
  // 42000): B done. S5 formed at 32000: A decode, B skipped (last token in flight) → [42000,
  // 52000): A token 5, done. S6 formed at 42000 is empty (A's last token in flight).
  scenario('a request arriving during a step is scheduled one step later with async scheduling', {
    csv: 'arrival_us,input_tokens,output_tokens\n0,100,5\n5000,100,2\n',
    sync: { r0: [11000, 52000], r1: [22000, 32000] },
    async: { r0: [11000, 52000], r1: [32000, 42000] },
  });

  // --max-num-seqs 1: A (100, 3 out) and B (50, 2 out) at 0, A first in the file.
  // S1..S3 [0, 31000): A alone (B waits: len(running) == max_num_seqs); A done at 31000.
  // S4 [31000, 41500): B 50 → B token 1. S5 [41500, 51500): B done.
  // Async: S4 formed at 21000 is empty (A's last token in flight, A still running, so B cannot
  // enter); it waits for S3's outputs, and at 31000 B is scheduled. Same times.
  scenario('--max-num-seqs 1: head-of-line blocking, equal arrival times served in file order', {
    csv: 'arrival_us,input_tokens,output_tokens\n0,100,3\n0,50,2\n',
    flags: ['--max-num-seqs', '1'],
    sync: { r0: [11000, 31000], r1: [41500, 51500] },
  });

  // --long-prefill-token-threshold 40: A (100, 2 out), B (30, 2 out) at 0.
  // S1 [0, 10700): A 40 (capped) + B 30 → B token 1.
  // S2 [10700, 21100): A 40 + B decode → 10400; B done.
  // S3 [21100, 31300): A 20 → A token 1. S4 [31300, 41300): A done.
  // Async: S2 formed at 0 (A 40, B decode), S3 at 10700 (A 20; B skipped, its last token in flight).
  scenario('--long-prefill-token-threshold caps each prefill chunk', {
    csv: 'arrival_us,input_tokens,output_tokens\n0,100,2\n0,30,2\n',
    flags: ['--long-prefill-token-threshold', '40'],
    sync: { r0: [31300, 41300], r1: [10700, 21100] },
  });

  // --no-enable-chunked-prefill --max-num-batched-tokens 128 (vLLM then needs max_model_len ≤
  // 128). A (100, 2 out), B (50, 2 out), C (20, 2 out) at 0.
  // S1 [0, 11000): A 100; B's 50 > 28 left: vLLM breaks there (no chunking), C waits too.
  // S2 [11000, 21700): A decode + B 50 + C 20 → 10700: A done, B and C token 1.
  // S3 [21700, 31700): B, C decode → done.
  // Async: S2 is formed at 0 behind S1 with the same batch (A decode leaves 127 tokens). Same.
  scenario('--no-enable-chunked-prefill: a prompt that does not fit the budget left waits whole, and so does the queue behind it', {
    csv: 'arrival_us,input_tokens,output_tokens\n0,100,2\n0,50,2\n0,20,2\n',
    flags: ['--no-enable-chunked-prefill', '--max-num-batched-tokens', '128', '--max-model-len', '128'],
    sync: { r0: [11000, 21700], r1: [21700, 31700], r2: [21700, 31700] },
  });

  // The same requests and flags plus --long-prefill-token-threshold 60: vLLM's waiting loop caps
  // a prompt at the threshold before its chunked-prefill-off test, and its running loop never
  // makes that test, so prompts still split (scheduler.py schedule()).
  // S1 [0, 11100): A 60 (capped; 68 left) + B 50 (≤ 60 and ≤ 68: whole) → B token 1; C's 20 > 18
  // left: break. S2 [11100, 21700): A 40 (A token 1) + B decode (done) + C 20 (C token 1).
  // S3 [21700, 31700): A, C decode → done. Async: S2 is formed at 0 behind S1 with the same batch
  // (B's token in flight counts as a placeholder: B decodes 1); S3 at 11100: A and C decode, B's
  // last token is in flight. Same times.
  scenario('--no-enable-chunked-prefill with --long-prefill-token-threshold: prompts still split at the threshold', {
    csv: 'arrival_us,input_tokens,output_tokens\n0,100,2\n0,50,2\n0,20,2\n',
    flags: ['--no-enable-chunked-prefill', '--max-num-batched-tokens', '128', '--max-model-len', '128', '--long-prefill-token-threshold', '60'],
    sync: { r0: [21700, 31700], r1: [11100, 21700], r2: [21700, 31700] },
  });

  // The same requests with chunked prefill (default) and budget 128:
  // S1 [0, 11280): A 100 + B 28 → A token 1. S2 [11280, 21700): A decode + B 22 + C 20 → 10420:
  // A done, B and C token 1. S3 [21700, 31700): B, C done. Async: the same batches.
  scenario('chunked prefill with the same budget splits the second prompt instead', {
    csv: 'arrival_us,input_tokens,output_tokens\n0,100,2\n0,50,2\n0,20,2\n',
    flags: ['--max-num-batched-tokens', '128'],
    sync: { r0: [11280, 21700], r1: [21700, 31700], r2: [21700, 31700] },
  });

  // --scheduler priority --max-num-seqs 1 (lower value first, vLLM's convention; ties by arrival):
  // A (100, 3 out, priority 1) at 0, B (50, 2 out, priority 5) at 1000, C (50, 2 out, priority 0)
  // at 2000. A runs alone [0, 31000); then C (priority 0) before B although B came first:
  // C [31000, 41500) token 1, [41500, 51500) done; B [51500, 62000) token 1, [62000, 72000) done.
  // Async: each request's last token in flight leaves an empty schedule behind it (running is full),
  // which waits for that step's outputs, so the next request starts when the previous finishes.
  scenario('--scheduler priority: the waiting queue is ordered by priority value, lowest first', {
    csv: 'arrival_us,input_tokens,output_tokens,priority\n0,100,3,1\n1000,50,2,5\n2000,50,2,0\n',
    flags: ['--scheduler', 'priority', '--max-num-seqs', '1'],
    sync: { r0: [11000, 31000], r1: [62000, 72000], r2: [41500, 51500] },
  });
});
