import { describe, expect, it } from 'vitest';
import { KernelJit } from '../../src/engine/kernel-jit.js';
import type { MoeJitFacts } from '../../src/model/moe-jit.js';
import { simulate, type RequestRecord } from '../../src/index.js';

const DEFAULT_CONFIG: MoeJitFacts = { experts: 8, paddedExperts: 8, tokenScale: 1, topK: 2, keys: null, classes: null, numClasses: 2, stallUs: 1_000_000, configSource: 'get_default_config' };

describe('KernelJit: which steps wait for a first-use compile', () => {
  it('graph-padded steps never wait; an eager step waits once per new variant; the profile run and capture sizes start compiled', () => {
    // max_num_seqs 128, budget 2048: graphs up to 256 tokens; the profile ran 2048 (÷8: flags 1).
    const jit = new KernelJit(DEFAULT_CONFIG, { maxNumSeqs: 128, maxNumBatchedTokens: 2048 });
    expect(jit.stallUs(1)).toBe(0);
    expect(jit.stallUs(250)).toBe(0); // padded to 256, captured
    expect(jit.stallUs(264)).toBe(0); // eager, but the same variant as capture size 256 and the profile (M ÷ 8)
    expect(jit.stallUs(257)).toBe(1_000_000); // neither integer ÷ 16: new
    expect(jit.stallUs(259)).toBe(0); // same variant, compiled now
    expect(jit.stallUs(260)).toBe(1_000_000); // EM ÷ 16 only: new
    expect(jit.stallUs(2044)).toBe(0);
    // Two variants compiled on first use, a second each.
    expect(jit.compiles).toBe(2);
    expect(jit.stalledUs).toBe(2_000_000);
  });

  it('a tuned file: each config class the capture sizes did not reach compiles its variants when first needed', () => {
    const tuned: MoeJitFacts = { ...DEFAULT_CONFIG, keys: [128, 256, 512, 1024], classes: [0, 1, 2, 3], numClasses: 4 };
    const jit = new KernelJit(tuned, { maxNumSeqs: 128, maxNumBatchedTokens: 1024 });
    expect(jit.stallUs(512)).toBe(1_000_000); // key 512: never run at start-up
    expect(jit.stallUs(520)).toBe(0);
    expect(jit.stallUs(1000)).toBe(0); // key 1024, ÷ 8 like the profile's 1024
    expect(jit.stallUs(999)).toBe(1_000_000);
  });
});

describe('first-use compile stalls in a simulation', () => {
  const arrivals = [0, 20_000_000].map((arrivalUs, i) => ({ id: `r${i}`, arrivalUs, inputTokens: 585, outputTokens: 4 }));

  async function ttfts(warmKernelCache: boolean, model: string, hardware = 'H100'): Promise<number[]> {
    const records: RequestRecord[] = [];
    await simulate({ model, hardware, tp: 2, arrivals, warmKernelCache, onRecord: (r) => records.push(r) });
    return records.sort((a, b) => a.arrivalUs - b.arrivalUs).map((r) => r.firstTokenUs - r.arrivalUs);
  }

  it("a fresh Mixtral server's first 585-token prefill waits 1 s for its two kernels; the same shape later does not", async () => {
    const cold = await ttfts(false, 'mistralai/mixtral-8x7b-v0.1');
    const warm = await ttfts(true, 'mistralai/mixtral-8x7b-v0.1');
    expect(cold[0]! - warm[0]!).toBeCloseTo(1_000_000, 0);
    expect(cold[1]).toBe(warm[1]);
  });

  it('a dense model compiles nothing: the flag changes no output', async () => {
    expect(await ttfts(false, 'qwen/qwen3-14b')).toEqual(await ttfts(true, 'qwen/qwen3-14b'));
  });

  it('the metrics name the compiles and the seconds steps stalled, and so does a regime they push past stable', async () => {
    const run = (model: string, warmKernelCache: boolean, arr = arrivals) => simulate({ model, hardware: 'H100', tp: 2, arrivals: arr, warmKernelCache });
    // One variant (both of its kernels) for the first 585-token prefill (above), none for the second.
    expect((await run('mistralai/mixtral-8x7b-v0.1', false)).metrics['kernel_compiles']).toEqual({ compiles: 1, stalled_s: 1 });
    expect((await run('mistralai/mixtral-8x7b-v0.1', true)).metrics['kernel_compiles']).toBeUndefined();
    expect((await run('qwen/qwen3-14b', false)).metrics['kernel_compiles']).toBeUndefined();
    // Requests arriving during the stall wait for it: the queue-wait sign reads them as the knee, and the reason says why.
    const burst = Array.from({ length: 40 }, (_, i) => ({ id: `b${i}`, arrivalUs: i * 50_000, inputTokens: 585, outputTokens: 4 }));
    const cold = (await run('mistralai/mixtral-8x7b-v0.1', false, burst)).metrics;
    const compiled = cold['kernel_compiles'] as { compiles: number; stalled_s: number };
    expect(cold.regime!.state).not.toBe('stable');
    expect(cold.regime!.reasons.at(-1)).toMatch(new RegExp(`^${compiled.compiles} first-use fused-MoE kernel compiles? stalled steps for ${compiled.stalled_s} s`));
    const warm = (await run('mistralai/mixtral-8x7b-v0.1', true, burst)).metrics.regime!;
    expect(warm.reasons.some((r) => r.includes('kernel compile'))).toBe(false);
  });
});
