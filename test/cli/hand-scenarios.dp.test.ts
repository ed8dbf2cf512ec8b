/**
 * The data-parallel ranks of an MoE server step together (src/engine/lockstep.ts): vLLM 0.15's
 * ranks all-reduce their token counts before every forward (v1/worker/dp_utils.py
 * coordinate_batch_across_dp) and exchange tokens in every MoE layer, so each rank's step ends
 * when the slowest rank's does, and a rank with no requests runs dummy batches in step with the
 * others (v1/engine/core.py DPEngineCoreProc), so a request reaching it starts at the group's
 * next step. Worked by hand with the rules of hand-scenarios.batching.test.ts (a step is
 * 10 ms + 10 µs per prompt token), Mixtral-8x7B at TP 2 with two data-parallel ranks,
 * round-robin routing (r0 to rank 0, r1 to rank 1), Triton kernels already compiled.
 */
import { describe } from 'vitest';
import { scenario } from './hand-scenario.js';

const DP2 = ['--model', 'mistralai/mixtral-8x7b-v0.1', '--tp', '2', '--data-parallel-size', '2', '--routing-policy', 'round-robin', '--warm-kernel-cache'];

describe('hand-computed data-parallel MoE scenarios through blis replay', () => {
  // r0 (1000 tokens, 2 out) on rank 0 and r1 (100 tokens, 3 out) on rank 1, both at 0.
  // Alone, rank 1's prefill would end at 11000; in step with rank 0's 20000-µs prefill both end
  // at 20000 (both first tokens). Step 2 [20000, 30000): both decode, r0 finishes. Step 3: rank 1
  // alone, r1 finishes at 40000 (independent engines: r1 at [11000, 31000]).
  // Async: each rank's step 2 is formed behind its step 1 and r0's last token is then in flight,
  // so rank 0 forms nothing more; the same times.
  scenario('a rank\'s step lasts as long as the slowest rank\'s: a short prefill waits for the long one', {
    csv: 'arrival_us,input_tokens,output_tokens\n0,1000,2\n0,100,3\n',
    flags: DP2,
    sync: { r0: [20000, 30000], r1: [20000, 40000] },
  });

  // r0 (1000 tokens, 2 out) at 0 on rank 0; r1 (100 tokens, 2 out) at 5000 on rank 1, idle.
  // The group's step [0, 20000) is in flight: rank 1 starts r1's prefill at the next step, with
  // rank 0's decode: [20000, 31000) (max of 11000 and 10000): r0 finishes, r1's first token.
  // Rank 1 alone [31000, 41000): r1 finishes (independent engines: r1 at [16000, 26000]).
  scenario('a request reaching an idle rank starts at the group\'s next step boundary', {
    csv: 'arrival_us,input_tokens,output_tokens\n0,1000,2\n5000,100,2\n',
    flags: DP2,
    sync: { r0: [20000, 31000], r1: [31000, 41000] },
  });
});
