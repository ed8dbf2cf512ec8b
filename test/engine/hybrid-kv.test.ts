/**
 * vLLM's hybrid KV cache manager (hybrid-kv.ts) on hand-computed cases: the blocks a request holds
 * step by step in a 4-layer model with 2 sliding layers, the prefix-hit rule of full attention
 * plus sliding window, vLLM's own design-doc example (10 full + 20 sliding layers, a 112-token
 * request holds 11 blocks), and a pool where the hybrid manager fits what whole contexts preempt.
 */
import { describe, expect, it } from 'vitest';
import { Harness } from './helpers.js';
import { HybridKv } from '../../src/engine/hybrid-kv.js';
import { KvBlockPool } from '../../src/engine/kv-cache.js';
import { EngineRequest } from '../../src/engine/engine-request.js';
import { laneHash } from '../../src/engine/block-hash.js';
import { resolveInstanceConfig } from '../../src/engine/config.js';
import type { KvCacheGroups } from '../../src/model/kv-groups.js';
import { kvCacheGroups } from '../../src/model/kv-groups.js';
import { modelSpecFromHfConfig } from '../../src/model/hf-config.js';

/** 4 layers, 2 of them sliding over 32 tokens: one full-attention and one sliding-window group of 2 layers. */
const SMALL: KvCacheGroups = { layersPerGroup: 2, fullGroups: 1, slidingGroups: 1, slidingWindow: 32 };

describe('KV cache groups', () => {
  it('a 4-layer model alternating sliding (window 32) and full attention forms one group of each, 2 layers deep', () => {
    const m = modelSpecFromHfConfig({
      model_type: 'gpt_oss', hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 64,
      intermediate_size: 512, vocab_size: 1000, max_position_embeddings: 4096, sliding_window: 32,
      layer_types: ['sliding_attention', 'full_attention', 'sliding_attention', 'full_attention'],
    }, 'tiny', 'tiny.json');
    expect(kvCacheGroups(m)).toEqual(SMALL);
    expect(kvCacheGroups(m, 'flag')).toBeNull();
    expect(kvCacheGroups(m, 'kv-connector')).toBeNull();
  });
});

describe('blocks a request holds', () => {
  /** kvUsedBlocks after every step of one 100-token prompt in 10-token chunks, then 3 decodes. */
  const heldPerStep = (kvGroups: KvCacheGroups | null): number[] => {
    const t = new Harness({ kvGroups, maxNumBatchedTokens: 10, enablePrefixCaching: false });
    t.add({ id: 'a', inputTokens: 100, outputTokens: 4 });
    const held: number[] = [];
    t.inst.setStepListener({ onStep: (inst) => { held.push(inst.kvUsedBlocks); inst.scheduler.pool.checkInvariants(); } });
    t.run();
    expect(t.finishedCalls).toBe(1);
    return held;
  };

  it('full group: a block per 16 tokens; sliding group: from the block holding token computed − 31 on (freed when the step is allocated)', () => {
    // Step with computed C and slots up to N: full ceil(N/16); sliding ceil(N/16) − floor(max(0, C − 31) / 16).
    // At 10 tokens (C 0): 1 + 1; at 40 (C 30): 3 + 3; at 100 (C 90, 3 blocks left the window): 7 + 4;
    // decoding at C 100: 7 + 3 (blocks 4..6 hold tokens 64..111, the window of token 100 is 69..100).
    expect(heldPerStep(SMALL)).toEqual([2, 4, 4, 6, 8, 7, 9, 8, 9, 11, 10, 10, 0]);
    // One group of every layer holds a block per 16 tokens (blocks twice as deep).
    expect(heldPerStep(null)).toEqual([1, 2, 2, 3, 4, 4, 5, 5, 6, 7, 7, 7, 0]);
  });

  it('frees block 0 at the step computing token 47, the first whose window (16..47) is past it', () => {
    const t = new Harness({ kvGroups: SMALL, enablePrefixCaching: false });
    t.add({ id: 'a', inputTokens: 40, outputTokens: 12 });
    const held: number[] = [];
    t.inst.setStepListener({ onStep: (inst) => held.push(inst.kvUsedBlocks) });
    t.run();
    // Prefill (3 + 3), decodes at C 40..46 (3 + 3), C 47 (3 + 2), C 48, 49 (4 + 3), C 50 finishes.
    expect(held).toEqual([6, 6, 6, 6, 6, 6, 6, 6, 5, 7, 7, 0]);
  });

  it('a model whose every layer slides keeps only the window (one sliding group)', () => {
    const held = heldPerStep({ layersPerGroup: 4, fullGroups: 0, slidingGroups: 1, slidingWindow: 32 });
    expect(held).toEqual([1, 2, 2, 3, 4, 3, 4, 3, 3, 4, 3, 3, 0]);
  });

  it('admits and completes what whole contexts preempt in the same memory', () => {
    // Same bytes: 20 blocks of 4 layers, or 40 blocks of 2 layers (one full and one sliding group).
    // Two 128-token prompts decoding 64 tokens: whole contexts need 12 blocks each (24 > 19 usable);
    // the hybrid manager 12 + at most 8 sliding blocks each, 3 once past the prompt (30 <= 39).
    const run = (kvGroups: KvCacheGroups | null, totalKvBlocks: number) => {
      const t = new Harness({ kvGroups, totalKvBlocks });
      t.add({ id: 'a', inputTokens: 128, outputTokens: 64 });
      t.add({ id: 'b', inputTokens: 128, outputTokens: 64 });
      let peak = 0;
      t.inst.setStepListener({ onStep: (inst) => { peak = Math.max(peak, inst.kvUsedBlocks); inst.scheduler.pool.checkInvariants(); } });
      t.run();
      expect(t.finishedCalls).toBe(2);
      return { preemptions: t.inst.preemptions, peak, end: t.outcomes.get('b')!.finishedUs };
    };
    const whole = run(null, 20);
    const hybrid = run(SMALL, 40);
    expect(whole.preemptions).toBeGreaterThan(0);
    expect(hybrid.preemptions).toBe(0);
    expect(hybrid.peak).toBe(32);
    expect(hybrid.end).toBeLessThan(whole.end);
  });

  it('drops a request only when even its peak window cannot fit: full blocks for every token, sliding ones for a window and a chunk', () => {
    const cfg = resolveInstanceConfig({ totalKvBlocks: 30, maxModelLen: 100000, maxNumBatchedTokens: 16, kvGroups: SMALL, stepTime: { stepTimeUs: () => 1 } });
    // 320 KV tokens: 20 full blocks + min(20, ceil((31 + 16) / 16) + 1 = 4) sliding = 24 <= 29; 420 tokens: 27 + 4 = 31 > 29.
    const t = new Harness({ totalKvBlocks: 30, maxNumBatchedTokens: 16, kvGroups: SMALL });
    t.add({ id: 'fits', inputTokens: 300, outputTokens: 21 });
    t.add({ id: 'too-long', inputTokens: 420, outputTokens: 1 });
    t.run();
    expect(t.outcomes.get('fits')!.dropped).toBeUndefined();
    expect(t.outcomes.get('too-long')!.dropped).toBe('exceeds-kv-capacity');
    expect(cfg.kvGroups).toEqual(SMALL);
  });
});

describe('prefix hits (full attention plus sliding window)', () => {
  /** A pool where lane `lane` has `hash(k)` cached (in a free block) for each k of `blocks`. */
  function setup(groups: KvCacheGroups, cached: Record<number, number[]>) {
    const cfg = resolveInstanceConfig({ totalKvBlocks: 200, maxModelLen: 100000, kvGroups: groups, stepTime: { stepTimeUs: () => 1 } });
    const pool = new KvBlockPool(199);
    const kv = new HybridKv(pool, cfg);
    const hashes = Float64Array.from({ length: 12 }, (_, k) => 1000 + k);
    for (const [lane, blocks] of Object.entries(cached)) {
      for (const k of blocks) {
        const b = pool.allocate();
        pool.cache(b, laneHash(hashes[k]!, Number(lane)), -1, k, Number(lane) !== 0);
        pool.release(b);
      }
    }
    const r = new EngineRequest({ id: 'r', arrivalUs: 0, inputTokens: 200, outputTokens: 1 }, 0, hashes, 12);
    r.laneStride = 14;
    r.blocks = new Int32Array(kv.lanes * r.laneStride);
    return { pool, kv, r };
  }
  const all = Array.from({ length: 12 }, (_, k) => k);

  it('the hit is the full group\'s hit cut at the last 2 blocks in a row (cdiv(32 − 1, 16)) the sliding group holds', () => {
    // Full group: blocks 0..9 cached (a hit of 10 at most). Sliding: 3, 4 and 7: from the right, 7
    // alone is no window; 4 and 3 are: the hit ends after block 4 (5 blocks, 80 tokens).
    let s = setup(SMALL, { 0: all.slice(0, 10), 1: [3, 4, 7] });
    expect(s.kv.lookup(s.r, 11)).toBe(5);
    // The sliding group's blocks 0..2 are left to the null block: only 3, 4 are taken, with the full group's 5.
    expect(s.kv.hitsFree).toBe(7);
    s.kv.claim(s.r, 5);
    expect([s.r.numBlocks, s.r.slidingStart, s.r.computedTokens, s.pool.numUsed]).toEqual([5, 3, 80, 7]);
    // No two in a row: the blocks cached from block 0 on are the hit (here block 0 alone).
    s = setup(SMALL, { 0: all, 1: [0, 5, 9] });
    expect(s.kv.lookup(s.r, 11)).toBe(1);
    // Never past the full group's hit, however much the sliding group holds.
    s = setup(SMALL, { 0: [0, 1, 2], 1: all });
    expect(s.kv.lookup(s.r, 11)).toBe(3);
    // Window 17: cdiv(16, 16) = 1 block suffices, the rightmost cached one (block 7: a hit of 8).
    s = setup({ ...SMALL, slidingWindow: 17 }, { 0: all.slice(0, 10), 1: [3, 4, 7] });
    expect(s.kv.lookup(s.r, 11)).toBe(8);
    // Window 33: cdiv(32, 16) = 2 blocks in a row (3, 4: a hit of 5).
    s = setup({ ...SMALL, slidingWindow: 33 }, { 0: all.slice(0, 10), 1: [3, 4, 7] });
    expect(s.kv.lookup(s.r, 11)).toBe(5);
    // A model whose every layer slides: only the window matters (blocks 8, 9 of nothing before).
    s = setup({ layersPerGroup: 4, fullGroups: 0, slidingGroups: 1, slidingWindow: 32 }, { 0: [8, 9] });
    expect(s.kv.lookup(s.r, 11)).toBe(10);
    s.kv.claim(s.r, 10);
    expect([s.r.slidingStart, s.pool.numUsed]).toEqual([8, 2]);
  });

  it("vLLM's design-doc example: 10 full and 20 sliding layers (3 groups of 10), window 32: a 112-token hit holds 11 blocks", () => {
    // docs/design/hybrid_kv_cache_manager.md: "0-6 for full, 7-8 for sw group 1, 9-10 for sw group 2".
    const groups = { layersPerGroup: 10, fullGroups: 1, slidingGroups: 2, slidingWindow: 32 };
    const s = setup(groups, { 0: all, 1: all, 2: all });
    expect(s.kv.lookup(s.r, 7)).toBe(7);
    expect(s.kv.hitsFree).toBe(11);
    s.kv.claim(s.r, 7);
    expect(s.pool.numUsed).toBe(11);
    expect(s.kv.heldBlocks(s.r)).toBe(11);
    s.kv.release(s.r);
    expect(s.pool.numUsed).toBe(0);
  });
});
