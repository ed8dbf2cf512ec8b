import { describe, expect, test } from 'vitest';
import { getModel } from '../../src/model/catalog.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { BASIS_SIZE, ROOFLINE_BASIS, createRoofline, rooflineBasis, rooflineCoefficients } from '../../src/model/roofline.js';
import { ROOFLINE_DEFAULTS, resolveRooflineParams } from '../../src/model/roofline-params.js';
import { rooflineShapes } from '../../src/model/roofline-shapes.js';
import { smoothRooflineUs } from '../../src/model/gemm.js';
import { batchOf, decodes } from './helpers.js';

const h100 = getHardware('H100');
const a100 = getHardware('A100-80');
const llama7 = getModel('llama-2-7b');

describe('roofline', () => {
  test('a 7B decode step on H100 is about weights / bandwidth (13.5 GB / 3.35 TB/s ≈ 4 ms, 4-8 ms with efficiency)', () => {
    const t = createRoofline({ model: llama7, hardware: h100, tp: 1 }).stepTimeUs(decodes(1, 100));
    expect(t).toBeGreaterThan(4000);
    expect(t).toBeLessThan(8000);
  });

  test('A100-80 is slower by the measured bandwidth ratio in decode and the measured compute ratio in prefill', () => {
    const h = createRoofline({ model: llama7, hardware: h100, tp: 1 });
    const a = createRoofline({ model: llama7, hardware: a100, tp: 1 });
    const dec = decodes(8, 500);
    const decRatio = a.stepTimeUs(dec) / h.stepTimeUs(dec);
    // measured streaming 3.16 / 1.66 TB/s = 1.90, diluted by the CPU and kernel floors both GPUs pay
    expect(decRatio).toBeGreaterThan(1.55);
    expect(decRatio).toBeLessThan(1.9);
    const pre = batchOf([[2048, 0, 1]]);
    expect(a.stepTimeUs(pre) / h.stepTimeUs(pre)).toBeGreaterThan(2.7); // measured 732 / 229 TFLOP/s = 3.2
    // a batch of 128 decodes sits past the A100's knee (ridge 138 FLOP/byte) but not the H100's (232)
    const big = decodes(128, 500);
    expect(a.stepTimeUs(big) / h.stepTimeUs(big)).toBeGreaterThan(decRatio);
  });

  test('GEMM time depends on the tokens in the step: a 1024, 2048 and 8192-token prefill chunk cost 1 : ~2 : ~8, and small decode batches cost about the same', () => {
    const r = rooflineBasis({ model: getModel('llama-3.1-70b'), hardware: h100, tp: 4 });
    const out = new Float64Array(BASIS_SIZE);
    const gemm = (b: ReturnType<typeof batchOf>): number => {
      r(b, out);
      return out[ROOFLINE_BASIS.indexOf('gemm_us')]!;
    };
    const c1 = gemm(batchOf([[1024, 0, 1]]));
    const c2 = gemm(batchOf([[2048, 0, 1]]));
    const c8 = gemm(batchOf([[8192, 0, 1]]));
    expect(c2 / c1).toBeGreaterThan(1.8);
    expect(c2 / c1).toBeLessThan(2.05);
    expect(c8 / c2).toBeGreaterThan(3.8);
    expect(gemm(decodes(16, 100)) / gemm(decodes(1, 100))).toBeLessThan(1.1);
    // past the knee a token costs the compute slope: per-token cost of 8192 is close to 2048's
    expect(c8 / 8192 / (c2 / 2048)).toBeGreaterThan(0.97);
  });

  test('logits and sampling grow with vocabulary × requests', () => {
    const term = (name: string, b: ReturnType<typeof batchOf>): number => {
      const out = new Float64Array(BASIS_SIZE);
      rooflineBasis({ model: getModel(name), hardware: h100, tp: 1 })(b, out);
      return out[ROOFLINE_BASIS.indexOf('sampling_us')]!;
    };
    const q = term('qwen/qwen2.5-7b-instruct', decodes(64, 10));
    expect(q / term('qwen/qwen2.5-7b-instruct', decodes(16, 10))).toBeCloseTo(4, 6);
    // 152064 vs 32000 vocabulary at the same batch
    expect(q / term('llama-2-7b', decodes(64, 10))).toBeCloseTo(152064 / 32000, 6);
    // 64 requests × 152064 logits × 42 bytes at 3.16 TB/s ≈ 129 µs
    expect(q).toBeCloseTo((64 * 152064 * 42) / 3.16e6, 3);
  });

  test('fp8 weights halve the expert reads and use the fp8 rate; bf16 attention and lm head do not shrink; activations pay quantisation', () => {
    const ctxOf = (name: string) => ({ model: getModel(name), hardware: h100, tp: 4 });
    const bf = createRoofline(ctxOf('meta-llama/llama-4-scout-17b-16e-instruct'));
    const f8 = createRoofline(ctxOf('redhatai/llama-4-scout-17b-16e-instruct-fp8-dynamic'));
    const b = decodes(64, 500);
    expect(f8.stepTimeUs(b)).toBeLessThan(bf.stepTimeUs(b));
    const p = batchOf([[4096, 0, 1]]);
    expect(f8.stepTimeUs(p)).toBeLessThan(bf.stepTimeUs(p));
    const terms = (name: string, batch: ReturnType<typeof batchOf>) => {
      const out = new Float64Array(BASIS_SIZE);
      rooflineBasis(ctxOf(name))(batch, out);
      return Object.fromEntries(ROOFLINE_BASIS.map((k, i) => [k, out[i]!]));
    };
    const tb = terms('meta-llama/llama-4-scout-17b-16e-instruct', decodes(1, 10));
    const t8 = terms('redhatai/llama-4-scout-17b-16e-instruct-fp8-dynamic', decodes(1, 10));
    expect(t8['moe_us']! / tb['moe_us']!).toBeGreaterThan(0.45);
    expect(t8['moe_us']! / tb['moe_us']!).toBeLessThan(0.56);
    expect(t8['lm_head_us']).toBeCloseTo(tb['lm_head_us']!, 6);
    // attention stays bf16; the shared expert (dense GEMMs) halves: gemm_us falls by less than half
    expect(t8['gemm_us']! / tb['gemm_us']!).toBeGreaterThan(0.6);
    expect(t8['act_us']).toBeGreaterThan(tb['act_us']!);
    expect(t8['kernels_us']).toBeGreaterThan(tb['kernels_us']!);
  });

  test('fused MoE: a single decode reads k experts, a batch reads what its tokens touch, prefill pays the padded expert GEMMs', () => {
    const ctx = { model: getModel('mixtral-8x7b'), hardware: h100, tp: 2 };
    const out = new Float64Array(BASIS_SIZE);
    const moeUs = (b: ReturnType<typeof batchOf>): number => {
      rooflineBasis(ctx)(b, out);
      return out[ROOFLINE_BASIS.indexOf('moe_us')]!;
    };
    // one token: 2 of 8 experts, each 3 × 4096 × 14336 / 2 bf16 weights = 176 MB per GPU, 32 layers
    const one = moeUs(decodes(1, 10));
    const tm = (32 * 2 * 3 * 4096 * 7168 * 2 + 32 * 2 * (2 * 4096 + 3 * 7168) * 2) / 3.16e6;
    const tc = (32 * 2 * 16 * 2 * 3 * 4096 * 7168) / 732e6; // each active expert computes a 16-token block
    expect(one).toBeCloseTo((tm ** 1.5 + tc ** 1.5) ** (1 / 1.5), 6);
    expect(moeUs(decodes(64, 10)) / one).toBeGreaterThan(3.9); // all 8 experts
    expect(moeUs(decodes(64, 10)) / one).toBeLessThan(4.3);
    // a 2048-token chunk: 4096 token-expert slots, compute-bound at the measured bf16 rate
    expect(moeUs(batchOf([[2048, 0, 1]])) / ((32 * 4096 * 2 * 3 * 4096 * 7168) / 732e6)).toBeGreaterThan(1);
    expect(moeUs(batchOf([[2048, 0, 1]])) / ((32 * 4096 * 2 * 3 * 4096 * 7168) / 732e6)).toBeLessThan(1.3); // 512 tokens per expert: still near the knee
  });

  test('TP all-reduce as vLLM runs it: latency about flat in ranks, bus traffic 2(tp−1)/tp of the message', () => {
    const ar = (tp: number, b: ReturnType<typeof batchOf>): number => {
      const out = new Float64Array(BASIS_SIZE);
      rooflineBasis({ model: getModel('llama-3.1-70b'), hardware: h100, tp })(b, out);
      return out[ROOFLINE_BASIS.indexOf('allreduce_us')]!;
    };
    const small = decodes(1, 10);
    // 161 collectives × (7 µs + 16 KB bus traffic): TP8 within 1 % of TP2 for one token
    expect(ar(8, small) / ar(2, small)).toBeLessThan(1.01);
    expect(ar(2, small)).toBeCloseTo(161 * (7 + (8192 * 2) / (450e3 * 0.7)), 3);
    const big = batchOf([[2048, 0, 1]]);
    // 2048 × 8192 × 2 = 32 MiB messages: bus traffic dominates, ×1.75 from TP2 to TP8
    expect(ar(8, big) / ar(2, big)).toBeGreaterThan(1.6);
    const l40s = (tp: number): number => {
      const out = new Float64Array(BASIS_SIZE);
      rooflineBasis({ model: getModel('llama-2-7b'), hardware: getHardware('L40S'), tp })(small, out);
      return out[ROOFLINE_BASIS.indexOf('allreduce_us')]!;
    };
    // NCCL through the host: the L40S's measured latency (1.25 × and 2.98 × H100's 7 µs at TP 2 and 4)
    // + 2(tp − 1)/tp of the 8 KB message at 0.7 × 32 GB/s, 65 collectives.
    expect(l40s(2)).toBeCloseTo(65 * (1.25 * 7 + 8192 / (32e3 * 0.7)), 6);
    expect(l40s(4)).toBeCloseTo(65 * (2.98 * 7 + (1.5 * 8192) / (32e3 * 0.7)), 6);
  });

  test('TP splits the per-GPU work and adds all-reduce', () => {
    const m = getModel('llama-3.1-70b');
    const tp4 = createRoofline({ model: m, hardware: h100, tp: 4 }).stepTimeUs(decodes(16, 1000));
    const tp8 = createRoofline({ model: m, hardware: h100, tp: 8 }).stepTimeUs(decodes(16, 1000));
    expect(tp8).toBeLessThan(tp4);
    expect(tp8).toBeGreaterThan(tp4 / 2);
    const basis = rooflineBasis({ model: m, hardware: h100, tp: 1 });
    const out = new Float64Array(BASIS_SIZE);
    basis(decodes(4, 10), out);
    expect(out[ROOFLINE_BASIS.indexOf('allreduce_us')]).toBe(0);
  });

  test('prefill attention grows with context (causal part plus cached prefix)', () => {
    const r = createRoofline({ model: getModel('qwen/qwen3-14b'), hardware: h100, tp: 1 });
    expect(r.stepTimeUs(batchOf([[2048, 30000, 1]]))).toBeGreaterThan(r.stepTimeUs(batchOf([[2048, 0, 1]])) * 1.5);
  });

  test('options override the parameter table and are validated', () => {
    const slow = createRoofline({ model: llama7, hardware: h100, tp: 1 }, { bandwidthEfficiency: 0.4 });
    const fast = createRoofline({ model: llama7, hardware: h100, tp: 1 });
    expect(slow.stepTimeUs(decodes(1, 10))).toBeGreaterThan(fast.stepTimeUs(decodes(1, 10)) * 1.5);
    expect(() => resolveRooflineParams({ bandwidthEfficiency: 1.5 })).toThrowError(/fraction/);
    expect(() => resolveRooflineParams({ bandwithEfficiency: 0.5 })).toThrowError(/did you mean bandwidthEfficiency/);
    expect(Object.isFrozen(ROOFLINE_DEFAULTS)).toBe(true);
  });

  test('the basis with roofline coefficients reproduces the roofline', () => {
    const ctx = { model: getModel('mixtral-8x7b'), hardware: h100, tp: 2 };
    const basis = rooflineBasis(ctx);
    const r = createRoofline(ctx);
    const c = rooflineCoefficients();
    const out = new Float64Array(BASIS_SIZE);
    for (const b of [decodes(3, 700), batchOf([[512, 64, 1], [1, 900, 0], [1, 20, 0]])]) {
      basis(b, out);
      const sum = ROOFLINE_BASIS.reduce((s, k, i) => s + c[k] * out[i]!, 0);
      expect(r.stepTimeUs(b)).toBe(Math.round(sum));
    }
  });

  test('split: CPU is the engine-core terms, GPU the rest, and stepTimeUs = max(1, round(gpu + cpu))', () => {
    const r = createRoofline({ model: llama7, hardware: h100, tp: 1 });
    const pair = new Float64Array(2);
    const b = decodes(10, 300);
    r.split.stepCostUs(b, pair);
    expect(pair[1]).toBeCloseTo(ROOFLINE_DEFAULTS.stepOverheadUs + 10 * ROOFLINE_DEFAULTS.perRequestUs, 9);
    expect(pair[0]).toBeGreaterThan(4000);
    expect(r.stepTimeUs(b)).toBe(Math.max(1, Math.round(pair[0]! + pair[1]!)));
    expect(r.split.asyncSyncUs).toBe(ROOFLINE_DEFAULTS.asyncSyncUs);
  });

  test('decode attention is the keys read times the one-key smooth roofline (its bytes and FLOPs scale together), within rounding of the general form', () => {
    const attn = ROOFLINE_BASIS.indexOf('attn_decode_us');
    const out = new Float64Array(BASIS_SIZE);
    for (const [name, tp] of [['llama-2-7b', 1], ['llama-3.1-70b', 4], ['qwen/qwen3-14b', 2]] as const) {
      const ctx = { model: getModel(name), hardware: h100, tp };
      const s = rooflineShapes(ctx.model, h100, tp, ROOFLINE_DEFAULTS);
      const basis = rooflineBasis(ctx);
      for (const [k, c] of [[1, 0], [7, 311], [64, 2047], [300, 9000]] as const) {
        basis(decodes(k, c), out);
        const keys = k * (c + 1);
        const general = s.layers * smoothRooflineUs(keys * s.kvBytesPerToken, keys * s.attnFlopsPerPair, s.attnRates);
        expect(Math.abs(out[attn]! / general - 1)).toBeLessThan(1e-12);
      }
      // A prefill chunk attends to keys it writes too (pairs ≠ keys): the general form, exactly.
      basis(batchOf([[64, 100, 1], [1, 500, 0], [3, 40, 0]]), out);
      const pairs = 501 + (3 * 40 + 6);
      expect(out[attn]).toBe(s.layers * smoothRooflineUs((501 + 43) * s.kvBytesPerToken, pairs * s.attnFlopsPerPair, s.attnRates));
    }
  });
});

