import { describe, expect, test } from 'vitest';
import { getModel } from '../../src/model/catalog.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { BASIS_SIZE, ROOFLINE_BASIS, rooflineBasis } from '../../src/model/roofline.js';
import { ROOFLINE_DEFAULTS } from '../../src/model/roofline-params.js';
import { rooflineShapes } from '../../src/model/roofline-shapes.js';
import { expectedBusiestExperts, moeLayersUs } from '../../src/model/moe-parallel.js';
import { routedExpertBytes, weightBytesOnGpu } from '../../src/model/kv-sizing.js';
import { moeJitFacts, moeVariant } from '../../src/model/moe-jit.js';
import type { MoeParallelism, StepTimeContext } from '../../src/model/step-time.js';
import { batchOf, decodes } from './helpers.js';

const h100 = getHardware('H100');
const mixtral = getModel('mistralai/mixtral-8x7b-v0.1');
const MOE = ROOFLINE_BASIS.indexOf('moe_us');
const COLL = ROOFLINE_BASIS.indexOf('allreduce_us');

function basisOf(ctx: StepTimeContext, batch = decodes(16, 500)): Float64Array {
  const out = new Float64Array(BASIS_SIZE);
  rooflineBasis(ctx)(batch, out);
  return out;
}
const par = (dp: number, expertParallel = false): MoeParallelism => ({ dp, expertParallel });

describe('expected busiest GPU under expert parallelism', () => {
  test('two GPUs of two experts each, each expert touched with p = 1/2: E[max] = 22/16 (enumerated by hand)', () => {
    // Each GPU's count is binomial(2, 1/2): P(max = 0) = 1/16, P(max <= 1) = (3/4)^2 = 9/16.
    // E[max] = P(max >= 1) + P(max >= 2) = 15/16 + 7/16.
    expect(expectedBusiestExperts(2, 2, 0.5)).toBeCloseTo(22 / 16, 12);
  });

  test('one GPU is the mean, e·p; certainty and impossibility are exact', () => {
    expect(expectedBusiestExperts(8, 1, 0.3)).toBeCloseTo(2.4, 12);
    expect(expectedBusiestExperts(4, 8, 1)).toBe(4);
    expect(expectedBusiestExperts(4, 8, 0)).toBe(0);
  });

  test('the busiest of several GPUs holds at least the mean and grows with the GPUs', () => {
    for (const p of [0.05, 0.2, 0.5, 0.9]) {
      const one = expectedBusiestExperts(4, 1, p);
      const two = expectedBusiestExperts(4, 2, p);
      const eight = expectedBusiestExperts(4, 8, p);
      expect(two).toBeGreaterThanOrEqual(one);
      expect(eight).toBeGreaterThanOrEqual(two);
      expect(eight).toBeLessThanOrEqual(4);
    }
  });
});

describe('MoE data parallelism in the roofline', () => {
  test('one rank without expert parallelism is the TP-sharded model, bit for bit', () => {
    const plain = basisOf({ model: mixtral, hardware: h100, tp: 2 });
    const dp1 = basisOf({ model: mixtral, hardware: h100, tp: 2, moeParallel: par(1) });
    expect(Array.from(dp1)).toEqual(Array.from(plain));
  });

  test('two ranks halve the expert weights a weight-bound decode step reads on each GPU', () => {
    // 16 decodes a rank at top-2 of 8 touch all 8 experts either way (1 − (3/4)^16 ≈ 0.99): each GPU
    // reads half of every expert's TP shard, and the gathered 32 tokens' activations.
    const one = basisOf({ model: mixtral, hardware: h100, tp: 2 })[MOE]!;
    const two = basisOf({ model: mixtral, hardware: h100, tp: 2, moeParallel: par(2) })[MOE]!;
    expect(two / one).toBeGreaterThan(0.45);
    expect(two / one).toBeLessThan(0.6);
  });

  test('each MoE layer adds an all-gather and a reduce-scatter over the ranks, by hand', () => {
    const ctx = { model: mixtral, hardware: h100, tp: 2 };
    const T = 16;
    const extra = basisOf({ ...ctx, moeParallel: par(2) })[COLL]! - basisOf(ctx)[COLL]!;
    const p = ROOFLINE_DEFAULTS;
    const h = mixtral.hiddenSize;
    const ab = p.activationBytes;
    const bytesPerUs = h100.interconnectGBps * 1e3 * p.interconnectEfficiency;
    // Per layer: 2 collectives' latency, and (dp − 1)/dp of the gathered 2 ranks' tokens (hidden
    // states and top-2 ids and weights out, hidden states back) over the link.
    const perLayer = 2 * p.collectiveLatencyUs + (T * 2 * (2 * h * ab + 2 * 8) * (1 / 2)) / bytesPerUs;
    expect(extra).toBeCloseTo(mixtral.moeLayers * perLayer, 6);
  });

  test('expert parallelism reads the busiest GPU\'s whole experts: more than the sharded mean below saturation, the same at it', () => {
    const ctx = { model: mixtral, hardware: h100, tp: 1 };
    const sharded = rooflineShapes(mixtral, h100, 1, ROOFLINE_DEFAULTS, par(4)).moe!;
    const whole = rooflineShapes(mixtral, h100, 1, ROOFLINE_DEFAULTS, par(4, true)).moe!;
    expect(whole.expertWeightBytes).toBeCloseTo(sharded.expertWeightBytes * 4, 0);
    expect(moeLayersUs(whole, 1)).toBeGreaterThan(moeLayersUs(sharded, 1));
    // 256 tokens a rank: every expert touched, each GPU reads its two whole experts = a quarter of all eight.
    const big = basisOf({ ...ctx, moeParallel: par(4, true) }, decodes(256, 100))[MOE]!;
    const bigSharded = basisOf({ ...ctx, moeParallel: par(4) }, decodes(256, 100))[MOE]!;
    expect(big / bigSharded).toBeGreaterThan(0.9);
    expect(big / bigSharded).toBeLessThan(1.1);
  });

  test('a prefill chunk through twice the ranks keeps its FLOPs per GPU and reads half the weights', () => {
    const chunk = batchOf([[2048, 0, 1]]);
    const one = basisOf({ model: mixtral, hardware: h100, tp: 2 }, chunk)[MOE]!;
    const two = basisOf({ model: mixtral, hardware: h100, tp: 2, moeParallel: par(2) }, chunk)[MOE]!;
    // Twice the tokens at half of each expert's width is the same FLOPs on a GPU, near compute-bound
    // at 2,048 tokens; half the weight bytes take a little off what the smooth roofline charges.
    expect(two / one).toBeGreaterThan(0.8);
    expect(two / one).toBeLessThan(1.05);
    const sixteen = basisOf({ model: mixtral, hardware: h100, tp: 2, moeParallel: par(2) }, batchOf([[16384, 0, 1]]))[MOE]!;
    const sixteenOne = basisOf({ model: mixtral, hardware: h100, tp: 2 }, batchOf([[16384, 0, 1]]))[MOE]!;
    expect(sixteen / sixteenOne).toBeGreaterThan(0.9);
  });
});

describe('MoE data parallelism in memory and kernels', () => {
  test('weights per GPU lose the share of the routed experts the other ranks hold (Mixtral TP 2, 2 ranks)', () => {
    const experts = routedExpertBytes(mixtral);
    // 32 layers × 8 experts × 3 × 4096 × 14336 × 2 bytes
    expect(experts).toBe(32 * 8 * 3 * 4096 * 14336 * 2);
    expect(weightBytesOnGpu(mixtral, 2, 2)).toBeCloseTo(weightBytesOnGpu(mixtral, 2) - experts / 4, 0);
    expect(weightBytesOnGpu(getModel('qwen/qwen3-14b'), 2, 2)).toBe(weightBytesOnGpu(getModel('qwen/qwen3-14b'), 2));
  });

  test('the fused-MoE kernel sees every rank\'s tokens and the GPU\'s share of the expert width', () => {
    const base = moeJitFacts({ model: mixtral, hardware: h100, tp: 2 })!;
    const dp2 = moeJitFacts({ model: mixtral, hardware: h100, tp: 2, moeParallel: par(2) })!;
    expect(dp2.tokenScale).toBe(2);
    // 16 tokens on each of two ranks launch the variant of 32 tokens.
    expect(moeVariant(dp2, 16)).toBe(moeVariant(base, 32));
    const ep = moeJitFacts({ model: mixtral, hardware: h100, tp: 2, moeParallel: par(2, true) })!;
    expect(ep.experts).toBe(2);
  });
});
