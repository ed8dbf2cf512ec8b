import { describe, expect, it } from 'vitest';
import { Harness } from './helpers.js';
import { CpuKvTier } from '../../src/engine/cpu-tier.js';

/**
 * The CPU offload tier, hand-computed from vLLM 0.15's OffloadingConnector: full blocks are
 * stored once, a lookup continues past the GPU hits (offloading_connector.py
 * get_num_new_matched_tokens returns (hit tokens, True): an asynchronous load), the request
 * waits as WAITING_FOR_REMOTE_KVS with its blocks allocated, and once the load is reported
 * the scheduler computes min(loaded, num_tokens - 1) tokens (scheduler.py
 * _update_waiting_for_remote_kv: "if num_computed_tokens == request.num_tokens: num_computed_tokens -= 1").
 */
describe('CPU KV tier (step = 1000us + 10us/token, 16-token blocks)', () => {
  // 6 blocks (5 usable). a (64 tokens of group g) caches and stores 4 blocks; b (80 unique
  // tokens) needs all 5 blocks and evicts a's from the GPU; c (g's 64 tokens) then misses on
  // the GPU and hits 4 blocks in the CPU tier.
  const scenario = (loadUsPerBlock: number | null) => {
    const t = new Harness({ totalKvBlocks: 6, blockSize: 16, cpuTier: loadUsPerBlock === null ? null : { blocks: 10, loadUsPerBlock, bytesPerBlock: 1 << 20 } });
    t.add({ id: 'a', inputTokens: 64, outputTokens: 1, prefix: { group: 'g', tokens: 64 } });
    t.add({ id: 'b', arrivalUs: 2000, inputTokens: 80, outputTokens: 1 });
    const c = t.add({ id: 'c', arrivalUs: 5000, inputTokens: 64, outputTokens: 1, prefix: { group: 'g', tokens: 64 } });
    t.run();
    return { t, c };
  };

  it('loads a CPU hit over PCIe instead of recomputing it, and recomputes only the last token', () => {
    const { t, c } = scenario(50);
    // Load: 4 blocks x 50 us, landing at 5200 with no step running (a timer ends the wait);
    // then one step of 1 token: 1000 + 10.
    expect(c.cachedTokens).toBe(0);
    expect(c.cpuCachedTokens).toBe(63);
    expect(c.firstScheduledUs).toBe(5200);
    expect(c.finishedUs).toBe(5200 + 1010);
    expect(t.inst.cpuLoads).toBe(1);
    expect(t.inst.cpuHitTokens).toBe(63);
    expect(t.inst.cpuLoadBytes).toBe(4 * (1 << 20));
    // Stored: a's 4 blocks and b's 5.
    expect(t.inst.cpuStoreBytes).toBe(9 * (1 << 20));
  });

  it('without the tier the same request recomputes its whole prompt', () => {
    const { c } = scenario(null);
    expect(c.finishedUs - 5000).toBe(1000 + 640);
  });

  it('a slow load costs its PCIe time: the request waits for it', () => {
    const { c } = scenario(900);
    expect(c.firstScheduledUs).toBe(5000 + 3600);
    expect(c.finishedUs).toBe(5000 + 3600 + 1010);
  });

  it('a load landing during a step is reported at that step\'s end', () => {
    // 12 blocks (11 usable). a (g's 64 tokens) runs [0, 1640); b (160 unique tokens) [1700, 4300)
    // takes 10 blocks, evicting a's blocks but the first; d (1 token, 30 out) runs its prefill
    // [4400, 5410) on the free queue's head, a's first block. c (g's 64 tokens) arrives at 5000,
    // is looked up at 5410: no GPU hit, 4 CPU blocks, loading 5410-5610 beside d's decode step
    // [5410, 6420); the load is reported at 6420 and c's last token runs with d's in [6420, 7440).
    const t = new Harness({ totalKvBlocks: 12, blockSize: 16, cpuTier: { blocks: 20, loadUsPerBlock: 50, bytesPerBlock: 1 } });
    t.add({ id: 'a', inputTokens: 64, outputTokens: 1, prefix: { group: 'g', tokens: 64 } });
    t.add({ id: 'b', arrivalUs: 1700, inputTokens: 160, outputTokens: 1 });
    t.add({ id: 'd', arrivalUs: 4400, inputTokens: 1, outputTokens: 30 });
    const c = t.add({ id: 'c', arrivalUs: 5000, inputTokens: 64, outputTokens: 1, prefix: { group: 'g', tokens: 64 } });
    t.run();
    expect(c.cpuCachedTokens).toBe(63);
    expect(c.firstScheduledUs).toBe(6420);
    expect(c.finishedUs).toBe(7440);
  });

  it('stores a hash once, evicts the least recently used and touches hits', () => {
    const tier = new CpuKvTier(2);
    tier.store(1);
    tier.store(2);
    tier.store(1); // already stored: no write, no reorder
    expect(tier.stores).toBe(2);
    expect(tier.lookup(Float64Array.of(1), 0, 1)).toBe(1); // touch 1: order [2, 1]
    tier.store(3); // evicts 2
    expect([tier.has(1), tier.has(2), tier.has(3)]).toEqual([true, false, true]);
    expect(tier.lookup(Float64Array.of(9, 1, 3), 1, 2)).toBe(2);
    expect(tier.lookup(Float64Array.of(1, 2, 3), 0, 3)).toBe(1);
    expect(tier.evictions).toBe(1);
  });
});
