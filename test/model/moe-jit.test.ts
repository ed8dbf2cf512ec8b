import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getModel } from '../../src/model/catalog.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { cudaGraphSizes, moeJitFacts, moeVariant, moeVariantCount, tileClass, type MoeJitFacts } from '../../src/model/moe-jit.js';
import { KernelJit } from '../../src/engine/kernel-jit.js';
import { readQuantization } from '../../src/model/quantization.js';

const mixtral = getModel('mistralai/mixtral-8x7b-v0.1');

function facts(over: Partial<MoeJitFacts>): MoeJitFacts {
  const experts = over.experts ?? 8;
  return { experts, paddedExperts: experts, tokenScale: 1, topK: 2, keys: null, classes: null, numClasses: 2, stallUs: 1_000_000, configSource: 'get_default_config', ...over };
}

describe('CUDA-graph capture sizes (vLLM 0.15 _set_cudagraph_sizes defaults)', () => {
  it('1, 2, 4, every 8 below 256, every 16 from 256, up to min(2 · max_num_seqs, 512, budget)', () => {
    const s128 = cudaGraphSizes(128, 2048);
    expect(s128.slice(0, 5)).toEqual([1, 2, 4, 8, 16]);
    expect(s128.at(-2)).toBe(248);
    expect(s128.at(-1)).toBe(256);
    expect(s128).toHaveLength(3 + 31 + 1);
    const s1024 = cudaGraphSizes(1024, 8192);
    expect(s1024.at(-1)).toBe(512);
    expect(s1024.filter((s) => s >= 256)).toEqual([256, 272, 288, 304, 320, 336, 352, 368, 384, 400, 416, 432, 448, 464, 480, 496, 512]);
    expect(cudaGraphSizes(100, 2048).at(-1)).toBe(200);
    expect(cudaGraphSizes(2, 2048)).toEqual([1, 2, 4]);
    expect(cudaGraphSizes(256, 96).at(-1)).toBe(96); // the token budget caps it
  });
});

describe('fused-MoE kernel variants', () => {
  it("get_default_config: one tile for M <= E, another above; num_valid_tokens and EM keyed by 16-divisibility", () => {
    const f = facts({});
    expect(tileClass(f, 8)).toBe(0);
    expect(tileClass(f, 9)).toBe(1);
    // M = 584, top-2 of 8: num_valid 1168 (÷16), EM = 1168 + 8·63 = 1672 (not ÷16): class 1, flag 1.
    expect(moeVariant(f, 584)).toBe(4 + 1);
    // M = 588: num_valid 1176 (not ÷16), EM = 1176 + 504 = 1680 (÷16).
    expect(moeVariant(f, 588)).toBe(4 + 2);
    expect(moeVariant(f, 585)).toBe(4);
    // Below E routed tokens EM is num_valid · BLOCK_SIZE_M, a multiple of 16 (M = 3, top-2 of 8: 6 < 8).
    expect(moeVariant(f, 3)).toBe(2);
  });

  it('with E a multiple of 16 both integers are divisible together (E·(BLOCK_SIZE_M − 1) ≡ 0 mod 16)', () => {
    const f = facts({ experts: 128, topK: 8 });
    fc.assert(fc.property(fc.integer({ min: 17, max: 100_000 }), (m) => {
      const flags = moeVariant(f, m) % 4;
      expect(flags === 0 || flags === 3).toBe(true);
      expect(flags === 3).toBe((8 * m) % 16 === 0);
    }));
  });

  it('the EM flag matches the padded length for every BLOCK_SIZE_M a config can have', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 20_000 }), fc.constantFrom(16, 32, 64, 128, 256), (E, topK, m, bm) => {
      const numValid = topK * m;
      const em = numValid < E ? Math.min(numValid * bm, numValid + E * (bm - 1)) : numValid + E * (bm - 1);
      const f = facts({ experts: E, topK });
      expect((moeVariant(f, m) & 2) !== 0).toBe(em % 16 === 0);
      expect((moeVariant(f, m) & 1) !== 0).toBe(numValid % 16 === 0);
    }));
  });

  it("a tuned file: the nearest key's config, the smaller key on a tie (Python's min over ascending keys)", () => {
    const f = facts({ keys: [256, 512, 1024], classes: [0, 1, 0], numClasses: 2 });
    expect(tileClass(f, 300)).toBe(0);
    expect(tileClass(f, 384)).toBe(0); // |256 − 384| = |512 − 384|
    expect(tileClass(f, 385)).toBe(1);
    expect(tileClass(f, 900)).toBe(0); // key 1024 shares key 256's config
    expect(tileClass(f, 1)).toBe(0);
    expect(tileClass(f, 50_000)).toBe(0);
  });
});

describe('moeJitFacts: which models compile the Triton fused-MoE GEMM, and from which config file', () => {
  it("Mixtral-8x7B at TP 2 on H100 reads vLLM's tuned E=8,N=7168 file", () => {
    const f = moeJitFacts({ model: mixtral, hardware: getHardware('H100'), tp: 2 })!;
    expect(f).not.toBeNull();
    expect(f.experts).toBe(8);
    expect(f.topK).toBe(2);
    expect(f.configSource).toMatch(/E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3\.json$/);
    expect(f.keys!.length).toBe(f.classes!.length);
    expect(f.stallUs).toBe(1_000_000);
  });

  it("under expert parallelism the tile config sees the GPU's experts, but EM is padded for every expert of the model (moe_align_block_size gets global_num_experts)", () => {
    // Mixtral at TP 2 with 2 ranks: 4 GPUs, 2 whole experts each; every MoE layer runs both ranks' tokens (M = 2T).
    const f = moeJitFacts({ model: mixtral, hardware: getHardware('H100'), tp: 2, moeParallel: { dp: 2, expertParallel: true } })!;
    expect([f.experts, f.paddedExperts, f.tokenScale]).toEqual([2, 8, 2]);
    expect(f.configSource).toBe('get_default_config'); // no tuned E=2,N=14336 file
    // T = 2: M = 4 (above E = 2: class 1), num_valid 8 (not ÷16), EM = 8 + 8·(BLOCK_SIZE_M − 1) ≡ 0 (mod 16); padded for 2 experts it would be ≡ 6.
    expect(moeVariant(f, 2)).toBe(4 + 2);
    // T = 1: M = 2 (class 0), num_valid 4 < 8 experts: EM = 4 · BLOCK_SIZE_M, a multiple of 16.
    expect(moeVariant(f, 1)).toBe(2);
    // T = 3: num_valid 12, EM ≡ 12 − 8 = 4 (mod 16): neither flag.
    expect(moeVariant(f, 3)).toBe(4);
    // Sharded over the 4 GPUs, every GPU sees all 8 experts: the two counts agree.
    const sharded = moeJitFacts({ model: mixtral, hardware: getHardware('H100'), tp: 2, moeParallel: { dp: 2, expertParallel: false } })!;
    expect([sharded.experts, sharded.paddedExperts]).toEqual([8, 8]);
  });

  it("bf16 Llama-4-Scout at TP 4 on H100 reads vLLM's E=16,N=2048 file (N = w2's shard, 8192 / 4); its 15 distinct configs set the variants", () => {
    const f = moeJitFacts({ model: getModel('meta-llama/llama-4-scout-17b-16e-instruct'), hardware: getHardware('H100'), tp: 4 })!;
    expect([f.experts, f.paddedExperts, f.topK]).toEqual([16, 16, 1]);
    expect(f.configSource).toBe('vllm-project/vllm@b55e7b9d9895bb7faefda7be12a5dc8078e2d5d4 configs/E=16,N=2048,device_name=NVIDIA_H100_80GB_HBM3.json');
    // The file's 18 keys hold 15 distinct config objects: key 128 repeats key 1's, 256 repeats 96's, 4096 repeats 2048's.
    expect(f.numClasses).toBe(15);
    expect(moeVariantCount(f)).toBe(60);
    expect(tileClass(f, 128)).toBe(tileClass(f, 1));
    expect(tileClass(f, 3)).toBe(1); // tie between keys 2 and 4: key 2's config
    expect(tileClass(f, 200)).toBe(tileClass(f, 96)); // nearest key 256
    expect(tileClass(f, 1500)).not.toBe(tileClass(f, 1000));
    expect(tileClass(f, 4000)).toBe(tileClass(f, 2048));
    // Graphs up to 256 tokens, the profile at 4,096. top-1 of 16 experts: EM ≡ num_valid (mod 16), both flags together.
    const jit = new KernelJit(f, { maxNumSeqs: 128, maxNumBatchedTokens: 4096 });
    expect(jit.stallUs(300)).toBe(0); // key 256, not ÷16: capture size 248's variant
    expect(jit.stallUs(1000)).toBe(1_000_000); // key 1024: not reached at start-up
    expect(jit.stallUs(1500)).toBe(1_000_000); // key 1536: its own config
    expect(jit.stallUs(1300)).toBe(0); // nearest key 1536 too, same flags
    expect(jit.stallUs(2000)).toBe(0); // key 2048 shares key 4096's config, which the profile run compiled (÷16)
    expect(jit.stallUs(3000)).toBe(1_000_000); // key 3072
    expect(jit.compiles).toBe(3);
  });

  it('FP8 Llama-4-Scout (CUTLASS grouped GEMMs in vLLM 0.15) compiles no Triton fused-MoE variant on any GPU or TP', () => {
    const fp8 = getModel('redhatai/llama-4-scout-17b-16e-instruct-fp8-dynamic');
    for (const gpu of ['H100', 'H200', 'A100-80', 'L40S']) for (const tp of [1, 2, 4, 8]) expect(moeJitFacts({ model: fp8, hardware: getHardware(gpu), tp })).toBeNull();
  });

  it('a GPU without a tuned file falls back to get_default_config; a dense model, or fp8 experts, compile nothing here', () => {
    expect(moeJitFacts({ model: mixtral, hardware: getHardware('L40S'), tp: 2 })!.configSource).toBe('get_default_config');
    expect(moeJitFacts({ model: getModel('qwen/qwen3-14b'), hardware: getHardware('H100'), tp: 1 })).toBeNull();
    const fp8 = { ...mixtral, ...pick(readQuantization({ quantization_config: { quant_method: 'fp8' } }, 'test')) };
    expect(moeJitFacts({ model: fp8, hardware: getHardware('H100'), tp: 2 })).toBeNull();
  });
});

function pick(q: ReturnType<typeof readQuantization>): { weightBytes: number; gemmFormat: typeof q.gemm } {
  return { weightBytes: q.weightBytes, gemmFormat: q.gemm };
}
