/**
 * vLLM 0.15's engine-argument rules the cluster config applies: the default max_num_seqs is at most
 * the token budget (engine/arg_utils.py: min(default, max_num_batched_tokens)); a budget below the
 * sequence cap is refused (config/scheduler.py: "max_num_batched_tokens must be greater than or
 * equal to max_num_seqs"); --block-size outside vLLM's choices (config/cache.py BlockSize) is simulated
 * as given and noted in the config echo.
 */
import { describe, expect, it } from 'vitest';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { runCli } from '../cli/helpers.js';

const base = { model: 'qwen/qwen3-14b', hardware: 'H100' } as const;

describe("vLLM's engine-argument rules", () => {
  it('the default max_num_seqs is capped by a smaller token budget, and says so', () => {
    const c = resolveClusterConfig({ ...base, maxNumBatchedTokens: 512 });
    expect(c.engine.maxNumSeqs).toBe(512);
    expect(c.derivations['maxNumSeqs']).toMatch(/capped at max_num_batched_tokens 512/);
    // The default budget (8192 on H100) leaves the default cap (1024) alone.
    expect(resolveClusterConfig(base).engine.maxNumSeqs).toBe(1024);
    // A100's defaults are 2048 / 256: a 128-token budget caps the sequences at 128.
    expect(resolveClusterConfig({ ...base, hardware: 'A100-80', maxNumBatchedTokens: 128 }).engine.maxNumSeqs).toBe(128);
  });

  it('each pool caps its own default the same way', () => {
    const c = resolveClusterConfig({ ...base, pools: [{ role: 'unified', count: 1, maxNumBatchedTokens: 256 }, { role: 'unified', name: 'big', count: 1 }] });
    expect(c.pools.map((p) => [p.engine.maxNumBatchedTokens, p.engine.maxNumSeqs])).toEqual([[256, 256], [8192, 1024]]);
  });

  it('a derived budget is at most max_num_seqs × max_model_len with chunked prefill on too, which sizes the profiled activations and so the KV cache', () => {
    // engine/arg_utils.py _set_default_max_num_seqs_and_batched_tokens_args: when the budget is
    // not given, `max_num_batched_tokens = min(max_num_seqs * max_model_len, ...)` whatever the
    // chunked-prefill setting. H100: 8192 by default; 2 sequences of 1024 tokens give 2048.
    const c = resolveClusterConfig({ ...base, maxNumSeqs: 2, maxModelLen: 1024 });
    expect(c.engine.maxNumBatchedTokens).toBe(2048);
    expect(c.derivations['maxNumBatchedTokens']).toMatch(/at most max_num_seqs x max_model_len = 2048/);
    // The KV cache is what vLLM's profile run over a 2048-token forward leaves.
    expect(c.engine.totalKvBlocks).toBe(resolveClusterConfig({ ...base, maxNumSeqs: 2, maxModelLen: 1024, maxNumBatchedTokens: 2048 }).engine.totalKvBlocks);
    // A given budget is kept (vLLM only warns that it exceeds max_num_seqs * max_model_len).
    expect(resolveClusterConfig({ ...base, maxNumSeqs: 2, maxModelLen: 1024, maxNumBatchedTokens: 8192 }).engine.maxNumBatchedTokens).toBe(8192);
    // The default sequence cap (1024) times a 16-token max_model_len: 16384 ≥ 8192, no cap.
    expect(resolveClusterConfig({ ...base, maxModelLen: 16 }).engine.maxNumBatchedTokens).toBe(8192);
    // Each pool derives its own the same way.
    const p = resolveClusterConfig({ ...base, maxModelLen: 1024, pools: [{ role: 'unified', count: 1, maxNumSeqs: 3 }, { role: 'unified', name: 'big', count: 1 }] });
    expect(p.pools.map((x) => [x.engine.maxNumBatchedTokens, x.engine.maxNumSeqs])).toEqual([[3072, 3], [8192, 1024]]);
  });

  it('a budget below a given sequence cap is refused, as vLLM refuses it', () => {
    expect(() => resolveClusterConfig({ ...base, maxNumBatchedTokens: 64, maxNumSeqs: 128 })).toThrow(/max_num_batched_tokens \(64\) must be greater than or equal to max_num_seqs \(128\)/);
    expect(resolveClusterConfig({ ...base, maxNumBatchedTokens: 128, maxNumSeqs: 128 }).engine.maxNumSeqs).toBe(128);
    expect(() => resolveClusterConfig({ ...base, pools: [{ role: 'unified', count: 1, maxNumBatchedTokens: 100, maxNumSeqs: 200 }] })).toThrow(/pools\[0\] maxNumBatchedTokens: max_num_batched_tokens \(100\)/);
  });

  it("--block-size outside vLLM's choices is simulated as given, and the config echo says vLLM would not take it", async () => {
    for (const ok of [1, 8, 16, 32, 64, 128, 256]) {
      const c = resolveClusterConfig({ ...base, blockSize: ok });
      expect([c.engine.blockSize, c.derivations['blockSize']]).toEqual([ok, undefined]);
    }
    const c = resolveClusterConfig({ ...base, blockSize: 4 });
    expect(c.engine.blockSize).toBe(4);
    expect(c.derivations['blockSize']).toBe("4 is simulated as given; vLLM's --block-size accepts 1, 8, 16, 32, 64, 128, 256");
    const r = await runCli(['run', '--model', 'qwen/qwen3-14b', '--block-size', '4', '--num-requests', '2', '--output', 'json', '--quiet']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { config: { derivations: Record<string, string> } }).config.derivations['blockSize']).toMatch(/simulated as given/);
  });
});
