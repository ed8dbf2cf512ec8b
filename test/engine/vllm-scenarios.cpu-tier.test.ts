/**
 * Hand-computed vLLM 0.15 CPU offload tier scenarios (OffloadingConnector with the CPU backend,
 * v1/kv_offload/lru_manager.py LRUOffloadingManager): stores append at the MRU end and evict the
 * LRU block when full; `get_num_new_matched_tokens` first touches every full block of the request
 * that the tier holds, walking `reversed(block_hashes)` so the request's first block ends most
 * recently used, then counts consecutive hits from the first block past the GPU hits (a lookup
 * moves nothing). A prefix is therefore evicted from its tail, and a later request still finds
 * its head.
 */
import { describe, expect, it } from 'vitest';
import { CpuKvTier } from '../../src/engine/cpu-tier.js';
import { runScenario } from './vllm-scenarios.helpers.js';

describe('vLLM scenarios: CPU tier LRU', () => {
  it('a touched prefix is evicted from its tail: its first block survives the next stores', () => {
    // Capacity 3. Store A0, A1, X (LRU → MRU: A0 A1 X). A request over [A0, A1] touches
    // reversed: A1 then A0 → X A1 A0. Store Y evicts X; store Z evicts A1 → A0 Y Z.
    // A lookup of [A0, A1] then hits 1 block (A0). A forward touch (A0 then A1) would have
    // evicted A0 and left no hit at all.
    const A0 = 11;
    const A1 = 12;
    const cpu = new CpuKvTier(3);
    for (const h of [A0, A1, 13]) cpu.store(h);
    const req = Float64Array.of(A0, A1);
    cpu.touch(req, 2);
    expect(cpu.lookup(req, 0, 2)).toBe(2);
    cpu.store(14);
    expect(cpu.has(13)).toBe(false);
    cpu.store(15);
    expect([cpu.has(A0), cpu.has(A1)]).toEqual([true, false]);
    expect(cpu.lookup(req, 0, 2)).toBe(1);
    expect(cpu.evictions).toBe(2);
  });

  it('touches blocks the GPU already hit and blocks past a miss; a lookup alone changes no order', () => {
    // Capacity 4: store B0, B1, B2, Q (LRU → MRU). A request [B0, miss, B2] (its GPU hit covers
    // B0): touch reversed moves B2 then B0 → B1 Q B2 B0; lookup from block 1 finds 0 hits.
    // Lookups of [B1] do not move B1: stores R and S evict B1 then Q.
    const cpu = new CpuKvTier(4);
    for (const h of [21, 22, 23, 24]) cpu.store(h);
    const req = Float64Array.of(21, 99, 23);
    cpu.touch(req, 3);
    expect(cpu.lookup(req, 1, 2)).toBe(0);
    expect(cpu.lookup(Float64Array.of(22), 0, 1)).toBe(1);
    cpu.store(25);
    expect(cpu.has(22)).toBe(false);
    cpu.store(26);
    expect([cpu.has(24), cpu.has(23), cpu.has(21)]).toEqual([false, true, true]);
  });

  it('engine: a request whose prefix the GPU serves touches it in the tier, so a later store evicts another block and the prefix loads from CPU afterwards', () => {
    // Synchronous loop; 4 GPU blocks (3 usable), block size 4; CPU tier of 3 blocks, 100 µs a
    // block to load. Stores happen when a full block of known tokens is allocated.
    // a (0 µs; g's 8 tokens, 1 out): [a:8] → 1080; G0, G1 stored (CPU: G0 G1); freed.
    // x (2000; 4 unique): [x:4] → 3040; X0 stored (CPU: G0 G1 X0).
    // c (4000; g's 8 + 1 token): GPU hits G0, G1 (floor(8/4) = 2); the connector touches both,
    //   reversed: CPU X0 G1 G0; nothing left to look up. [c:1] → 5010.
    // y (6000; 4 unique): [y:4] → 7040; storing Y0 evicts the LRU X0 (CPU: G1 G0 Y0).
    // z1, z2, z3 (8000; 2 tokens each, no full block): [z1:2, z2:2, z3:2] → 9060, evicting G1,
    //   G0 and Y0 from the GPU.
    // d (10000; g's 8 + 1): GPU misses, the tier hits G0, G1: 2 blocks allocated, the request
    //   waits for the load (WAITING_FOR_REMOTE_KVS) until 10200, then computes min(8, 9 − 1) = 8
    //   and [d:1] → 11210. Had only the hits been touched, Y0 would have evicted G0 and d would
    //   recompute 9 tokens at 10000.
    const g = { group: 'g', tokens: 8 };
    const r = runScenario({ asyncScheduling: false, blockSize: 4, totalKvBlocks: 4, maxNumBatchedTokens: 64, maxModelLen: 1000, cpuTier: { blocks: 3, loadUsPerBlock: 100, bytesPerBlock: 1 } }, [
      { id: 'a', inputTokens: 8, outputTokens: 1, prefix: g },
      { id: 'x', arrivalUs: 2000, inputTokens: 4, outputTokens: 1 },
      { id: 'c', arrivalUs: 4000, inputTokens: 9, outputTokens: 1, prefix: g },
      { id: 'y', arrivalUs: 6000, inputTokens: 4, outputTokens: 1 },
      { id: 'z1', arrivalUs: 8000, inputTokens: 2, outputTokens: 1 },
      { id: 'z2', arrivalUs: 8000, inputTokens: 2, outputTokens: 1 },
      { id: 'z3', arrivalUs: 8000, inputTokens: 2, outputTokens: 1 },
      { id: 'd', arrivalUs: 10000, inputTokens: 9, outputTokens: 1, prefix: g },
    ]);
    expect(r.batches).toEqual([['a:8'], ['x:4'], ['c:1'], ['y:4'], ['z1:2', 'z2:2', 'z3:2'], ['d:1']]);
    expect(r.stepEndsUs).toEqual([1080, 3040, 5010, 7040, 9060, 11210]);
    expect(r.reqs.c.cachedTokens).toBe(8);
    expect(r.reqs.d).toMatchObject({ cachedTokens: 0, finishedUs: 11210 });
  });
});
