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
});
