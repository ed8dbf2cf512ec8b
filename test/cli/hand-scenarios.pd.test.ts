/**
 * P/D disaggregation scenarios worked by hand from llm-d's P/D flow and vLLM 0.15's
 * NixlConnector, run through `blis replay` as a user would (docs/cluster.md, P/D
 * disaggregation; the step rules are docs/engine.md's "Working a scenario by hand").
 *
 * One prefill instance (0) and one decode instance (1) of llama-3.1-8b (32 layers, 8 KV heads of
 * 128, bf16): a 16-token block is 2 × 32 × 8 × 128 × 2 B × 16 = 2,097,152 B, and the link moves
 * 50 GB/s = 50,000 B/µs (a drain rounds up to whole µs), then lands 1 ms later. Step: 10 ms +
 * 10 µs per prompt token computed.
 * - the prefill instance runs the prompt with max_tokens 1: its token is not the client's;
 * - on its answer the request joins the decode instance's queue; the step that allocates its
 *   blocks starts the pull (an idle engine's empty step at once) of the blocks the decode side
 *   does not hold (NixlConnector reads only the unhashed ones);
 * - on landing (reported at once by an idle engine, else at the end of the step in flight) the
 *   decode instance counts the prompt computed but its last token, recomputes it in its next
 *   step (10 ms + 10 µs) and samples the first token the client sees. TTFT therefore holds the
 *   prefill, the transfer and that step; `first_token_us` is the decode side's.
 * - `cached_tokens` is the prefill side's hit (the record's instance is the prefill instance).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEN_MS_PLUS_10US_PER_PROMPT_TOKEN, replayScenario, scenario } from './hand-scenario.js';
import { runCli } from './helpers.js';

const PD = ['--model', 'meta-llama/llama-3.1-8b-instruct', '--num-instances', '2', '--prefill-instances', '1', '--decode-instances', '1', '--block-size', '16'];
const PLAIN = 'arrival_us,input_tokens,output_tokens';
const PREFIXED = 'arrival_us,input_tokens,output_tokens,prefix_group,prefix_tokens';
const BLOCK_BYTES = 2_097_152;

describe('hand-computed P/D scenarios through blis replay', () => {
  // A 1000/3 at 0. Prefill [0, 20000) (1000 tokens). Decode idle: pull of ceil(1000/16) = 63
  // blocks = 132,120,576 B starts at 20000: 2642.4 → 2643 µs, lands 20000 + 2643 + 1000 = 23643.
  // Decode step [23643, 33653) recomputes token 1000 → first token; 43653, 53653: tokens 2, 3.
  scenario('one request: prefill, transfer of its 63 blocks, the decode step that samples the first token', {
    csv: `${PLAIN}\n0,1000,3\n`,
    flags: PD,
    sync: { r0: [33653, 53653] },
  });

  // As above, then B (the same 1000 tokens) at 100000. The prefill instance still has A's blocks
  // cached (freed after the read): floor(999/16) = 62 blocks hit, it computes 8 tokens:
  // [100000, 110080). The decode side holds A's 62 full blocks too: only the last (partial)
  // block moves, 2,097,152 B: 42 µs + 1 ms → lands 111122; step [111122, 121132) → first token.
  scenario('a repeated prompt: hits on both sides, one block moves', {
    csv: `${PREFIXED}\n0,1000,3,P,1000\n100000,1000,3,P,1000\n`,
    flags: PD,
    sync: { r0: [33653, 53653], r1: [121132, 141132] },
    counts: { r1: [0, 992] },
  });

  // prefix-threshold, --pd-prefix-threshold 256 (llm-d prefix_based_pd_decider: split only when
  // the uncached prompt is ≥ the threshold). A (255 tokens) is served whole by the decode
  // instance: [0, 12550) → first token. B (256 tokens) at 100000 is split: prefill
  // [100000, 112560); 16 blocks = 33,554,432 B: 671.1 → 672 µs, lands 114232; step → 124242.
  scenario('prefix-threshold: 255 uncached tokens stay on the decode instance, 256 are disaggregated', {
    csv: `${PLAIN}\n0,255,3\n100000,256,3\n`,
    flags: [...PD, '--pd-decider', 'prefix-threshold', '--pd-prefix-threshold', '256'],
    sync: { r0: [12550, 32550], r1: [124242, 144242] },
  });

  // prefix-threshold with the default 2 s KV-event delay: B repeats A's prompt 100 ms later. llm-d's
  // decider reads the router's own prefix index, which learnt A's 62 hashed blocks on the decode
  // instance when A was routed (PreRequest), not the KV events: 1000 − 992 = 8 < 256, so B is
  // served whole by the decode instance, where it hits 992 tokens and computes 8: [100000, 110080).
  scenario('prefix-threshold: a prompt just routed to the decode instance counts as cached there at once', {
    csv: `${PREFIXED}\n0,1000,3,P,1000\n100000,1000,3,P,1000\n`,
    flags: [...PD, '--pd-decider', 'prefix-threshold'],
    sync: { r0: [33653, 53653], r1: [110080, 130080] },
    counts: { r1: [0, 992] },
  });

  // Two transfers share the link (--pd-transfer-bandwidth 5: 5,000 B/µs). A (1000/3) at 0:
  // prefill [0, 20000), pull of 132,120,576 B from 20000. B (100/3) at 10000 waits for A's step:
  // prefill [20000, 31000); its 7 blocks (14,680,064 B) start at 31000, when A has
  // 132,120,576 − 11000 × 5000 = 77,120,576 B left. Sharing 2,500 B/µs each: B drains after
  // ceil(5872.03) = 5873 µs (36873, lands 37873); A then has 77,120,576 − 14,682,500 =
  // 62,438,076 B alone: ceil(12487.6) = 12488 µs (49361, lands 50361).
  // Sync: B lands on an idle decode engine: [37873, 47883) → B token 1; [47883, 57883) B token 2
  // (A landed at 50361 during it, reported at its end); [57883, 67893) A recomputes, B token 3:
  // A's first token 67893, then 77893, 87893.
  // Async: the step formed at 37873 runs [47883, 57883) (B token 2), the one formed at 47883 runs
  // [57883, 67883) (B token 3); A's landing, reported at 57883, joins the step formed then, which
  // runs [67883, 77893): A's first token 77893, then 87893, 97893.
  scenario('two transfers contend for one prefill instance\'s link', {
    csv: `${PLAIN}\n0,1000,3\n10000,100,3\n`,
    flags: [...PD, '--pd-transfer-bandwidth', '5'],
    sync: { r0: [67893, 87893], r1: [47883, 67893] },
    async: { r0: [77893, 97893], r1: [47883, 67883] },
  });

  // --total-kv-blocks 70: 69 usable blocks per instance; A and B (1000/3 each, 63 blocks) at 0.
  // Prefill: A [0, 20000); B cannot get 63 blocks while A's are held for the read. A's read
  // [20000, 23643) lands; the prefill engine, idle with B waiting, frees them at once: B
  // [23643, 43643). Decode: A [23643, 33653) → first token, done at 53653. B reaches the decode
  // queue at 43643 but needs 63 blocks while A holds 63 of 69: it waits for A to finish at 53653,
  // then an empty step allocates and pulls: lands 53653 + 2643 + 1000 = 57296; [57296, 67306) →
  // B's first token; 77306, 87306.
  scenario('a full decode KV cache holds the next request\'s pull until blocks free', {
    csv: `${PLAIN}\n0,1000,3\n0,1000,3\n`,
    flags: [...PD, '--total-kv-blocks', '70'],
    sync: { r0: [33653, 53653], r1: [67306, 87306] },
  });

  it('--requests-out .jsonl carries the decode side: the contended scenario\'s prefill answers, transfers and decode steps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-hand-pd-'));
    writeFileSync(join(dir, 'a.csv'), `${PLAIN}\n0,1000,3\n10000,100,3\n`);
    writeFileSync(join(dir, 'c.json'), JSON.stringify(TEN_MS_PLUS_10US_PER_PROMPT_TOKEN));
    const r = await runCli(['replay', 'a.csv', '--latency-model', 'linear', '--latency-coefficients', 'c.json', ...PD, '--pd-transfer-bandwidth', '5',
      '--no-async-scheduling', '--requests-out', 'r.jsonl', '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
    const rows = readFileSync(join(dir, 'r.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const d = Object.fromEntries(rows.map((x) => [x.id, [x.instance, x.disagg]]));
    expect(d['r0']).toEqual([0, {
      decode_instance: 1, decode_pool: 'decode', decode_routed_us: 0, prefill_done_us: 20000, decode_enqueued_us: 20000,
      transfer_start_us: 20000, transfer_end_us: 50361, transfer_bytes: 63 * BLOCK_BYTES, decode_first_scheduled_us: 57883, decode_cached_tokens: 0,
    }]);
    expect(d['r1']).toEqual([0, {
      decode_instance: 1, decode_pool: 'decode', decode_routed_us: 10000, prefill_done_us: 31000, decode_enqueued_us: 31000,
      transfer_start_us: 31000, transfer_end_us: 37873, transfer_bytes: 7 * BLOCK_BYTES, decode_first_scheduled_us: 37873, decode_cached_tokens: 0,
    }]);
  });

  it('transfer figures: bytes from the KV geometry, the wait for decode blocks, no contention for a lone transfer', async () => {
    const one = await replayScenario({ csv: `${PLAIN}\n0,1000,3\n`, flags: PD, sync: {} }, 'sync');
    const k1 = (one.metrics as unknown as { kv_transfer: Record<string, any> }).kv_transfer;
    expect([k1['count'], k1['bytes']]).toEqual([1, 63 * BLOCK_BYTES]);
    expect(k1['transfer_ms'].max).toBe(3.643);
    expect(k1['link_contention_ms'].max).toBe(0);
    const full = await replayScenario({ csv: `${PLAIN}\n0,1000,3\n0,1000,3\n`, flags: [...PD, '--total-kv-blocks', '70'], sync: {} }, 'sync');
    const k2 = (full.metrics as unknown as { kv_transfer: Record<string, any> }).kv_transfer;
    // B answered at 43643 and its pull began at 53653: 10.01 ms; A's began at once.
    expect([k2['wait_for_decode_blocks_ms'].min, k2['wait_for_decode_blocks_ms'].max]).toEqual([0, 10.01]);
    expect(k2['link_contention_ms'].max).toBe(0);
  });
});
