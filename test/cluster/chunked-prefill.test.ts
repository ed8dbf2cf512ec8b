/**
 * `--no-enable-chunked-prefill` as vLLM applies it (engine/arg_utils.py, config/scheduler.py): a
 * derived token budget is raised to max_model_len (at most max_num_seqs × max_model_len), a given
 * one below max_model_len is refused, the config echo says it is off, and under load prompts that
 * no longer split wait longer for their first token than chunked ones.
 */
import { describe, expect, it } from 'vitest';
import { describeClusterConfig } from '../../src/cluster/config-echo.js';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { InputError } from '../../src/kernel/errors.js';
import { runCli } from '../cli/helpers.js';

describe('chunked prefill off', () => {
  it('raises the derived budget to max_model_len and echoes the setting', () => {
    // Qwen3-14B allows 40,960 tokens; vLLM's H100 API-server default budget is 8,192.
    const off = resolveClusterConfig({ model: 'qwen/qwen3-14b', hardware: 'H100', enableChunkedPrefill: false });
    expect(off.engine.maxNumBatchedTokens).toBe(40960);
    expect(off.derivations['maxNumBatchedTokens']).toMatch(/chunked prefill off/);
    expect(describeClusterConfig(off)['enable_chunked_prefill']).toBe(false);
    const short = resolveClusterConfig({ model: 'qwen/qwen3-14b', hardware: 'H100', enableChunkedPrefill: false, maxModelLen: 4096 });
    expect(short.engine.maxNumBatchedTokens).toBe(8192);
    // At most max_num_seqs × max_model_len.
    expect(resolveClusterConfig({ model: 'qwen/qwen3-14b', hardware: 'H100', enableChunkedPrefill: false, maxModelLen: 64, maxNumSeqs: 4 }).engine.maxNumBatchedTokens).toBe(256);
    const on = resolveClusterConfig({ model: 'qwen/qwen3-14b', hardware: 'H100' });
    expect(on.engine.maxNumBatchedTokens).toBe(8192);
    expect('enable_chunked_prefill' in describeClusterConfig(on)).toBe(false);
  });

  it('refuses a given budget below max_model_len, naming the flag', () => {
    let e: unknown;
    try {
      resolveClusterConfig({ model: 'qwen/qwen3-14b', hardware: 'H100', enableChunkedPrefill: false, maxNumBatchedTokens: 8192 });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).where).toBe('--max-num-batched-tokens');
    expect((e as InputError).message).toMatch(/8192\) is smaller than max_model_len \(40960\)/);
  });

  it('the CLI flag: whole prompts wait longer for their first token under load (same traffic, same seed)', async () => {
    const base = ['run', '--model', 'qwen/qwen3-14b', '--hardware', 'H100', '--rate', '40', '--num-requests', '400', '--max-model-len', '4096', '--max-num-batched-tokens', '4096', '--seed', '3', '--output', 'json', '--quiet'];
    const chunked = JSON.parse((await runCli(base)).out);
    const whole = await runCli([...base, '--no-enable-chunked-prefill']);
    expect(whole.code).toBe(0);
    const w = JSON.parse(whole.out);
    expect(w.config.enable_chunked_prefill).toBe(false);
    expect(w.requests.completed).toBe(chunked.requests.completed);
    expect(w.ttft_ms.p99).toBeGreaterThan(chunked.ttft_ms.p99);
    const refused = await runCli(['run', '--num-requests', '5', '--no-enable-chunked-prefill', '--max-num-batched-tokens', '2048', '--quiet']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--max-num-batched-tokens.*smaller than max_model_len/);
  });
});
