import { describe, expect, it } from 'vitest';
import { Harness } from './helpers.js';
import { CpuKvTier } from '../../src/engine/cpu-tier.js';
import { RequestState } from '../../src/engine/engine-request.js';

/**
 * The CPU offload tier, hand-computed from vLLM 0.15's OffloadingConnector: full blocks are
 * stored once, a lookup continues past the GPU hits (offloading_connector.py
 * get_num_new_matched_tokens returns (hit tokens, True): an asynchronous load), the request
 * waits as WAITING_FOR_REMOTE_KVS with its blocks allocated, and once the load is reported
 * the scheduler computes min(loaded, num_tokens - 1) tokens (scheduler.py
 * _update_waiting_for_remote_kv: "if num_computed_tokens == request.num_tokens: num_computed_tokens -= 1").
 */
/**
 * 6 blocks (5 usable), 16-token blocks. a (g's 64 tokens) runs [0, 1640) and frees its 4 blocks
 * last first: free queue [4, 3, 2, 1, 0]. d (1 token, 40 out) takes block 4 at 1700. b (48 unique
 * tokens) joins d at 2710 and takes blocks 3, 2, 1, evicting a's last three blocks; a's first
 * (block 0) stays cached. c (g's 64 tokens) is looked up at 5210 with d holding 1 block and 4
 * free: 1 GPU hit (free) + 3 CPU hits = 4 blocks, exactly what is free; its load takes
 * 3 × loadUsPerBlock while d decodes in steps of 1010 us.
 */
function loadBesideDecode(loadUsPerBlock: number) {
  const t = new Harness({ totalKvBlocks: 6, blockSize: 16, cpuTier: { blocks: 10, loadUsPerBlock, bytesPerBlock: 1 } });
  t.add({ id: 'a', inputTokens: 64, outputTokens: 1, prefix: { group: 'g', tokens: 64 } });
  const d = t.add({ id: 'd', arrivalUs: 1700, inputTokens: 1, outputTokens: 40 });
  t.add({ id: 'b', arrivalUs: 2000, inputTokens: 48, outputTokens: 1 });
  const c = t.add({ id: 'c', arrivalUs: 5000, inputTokens: 64, outputTokens: 1, prefix: { group: 'g', tokens: 64 } });
  return { t, c, d };
}

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

  it('stores a hash once, evicts the least recently used, and a touch (not a lookup) reorders', () => {
    const tier = new CpuKvTier(2);
    tier.store(1);
    tier.store(2);
    tier.store(1); // already stored: no write, no reorder
    expect(tier.stores).toBe(2);
    expect(tier.lookup(Float64Array.of(1), 0, 1)).toBe(1); // a lookup moves nothing: order [1, 2]
    tier.touch(Float64Array.of(1), 1); // order [2, 1]
    tier.store(3); // evicts 2
    expect([tier.has(1), tier.has(2), tier.has(3)]).toEqual([true, false, true]);
    expect(tier.lookup(Float64Array.of(9, 1, 3), 1, 2)).toBe(2);
    expect(tier.lookup(Float64Array.of(1, 2, 3), 0, 3)).toBe(1);
    expect(tier.evictions).toBe(1);
  });

  it('a lookup that fits the free blocks exactly loads GPU and CPU hits together (hand-computed)', () => {
    // The load (3 × 50 us) lands during d's step [5210, 6220) and is reported at its end; c's last
    // token runs with d's in [6220, 7240). GPU-cached 16 tokens, loaded 64 − 1 − 16 = 47.
    const { t, c, d } = loadBesideDecode(50);
    // The loaded blocks join the GPU prefix cache: e (g's 64 tokens) hits 3 blocks there (the
    // num_tokens − 1 cap) and loads the 4th from the CPU tier (whole known blocks): 63 − 48 = 15.
    const e = t.add({ id: 'e', arrivalUs: 8000, inputTokens: 64, outputTokens: 1, prefix: { group: 'g', tokens: 64 } });
    t.run();
    expect([c.cachedTokens, c.cpuCachedTokens, c.loadTokens]).toEqual([16, 47, 48]);
    expect([c.firstScheduledUs, c.finishedUs, c.loadDoneUs]).toEqual([6220, 7240, -1]);
    expect(d.preemptions).toBe(0);
    expect([e.cachedTokens, e.cpuCachedTokens, t.inst.cpuHitTokens, t.inst.cpuLoads]).toEqual([48, 15, 47 + 15, 2]);
  });

  it('a slow load is reported at the end of the first step after it lands', () => {
    // c's blocks land at 5210 + 3 × 2000 = 11210; d's steps end at 6220, 7230, ..., 11270: c runs [11270, 12290).
    const { t, c } = loadBesideDecode(2000);
    t.run();
    expect([c.cpuCachedTokens, c.firstScheduledUs, c.finishedUs]).toEqual([47, 11270, 12290]);
  });

  it('a load covering part of the prompt leaves the rest to compute', () => {
    // a (g's 64 tokens + 16 of its own) stores 5 blocks; b (80 unique tokens) evicts them all from
    // the GPU; c (g's 64 tokens + 16 of its own) finds g's 4 blocks in the CPU tier only: it loads
    // 64 tokens (5000 → 5200) and computes its last 16 in one step (1000 + 160 us).
    const t = new Harness({ totalKvBlocks: 6, blockSize: 16, cpuTier: { blocks: 20, loadUsPerBlock: 50, bytesPerBlock: 1 } });
    t.add({ id: 'a', inputTokens: 80, outputTokens: 1, prefix: { group: 'g', tokens: 64 } });
    t.add({ id: 'b', arrivalUs: 2000, inputTokens: 80, outputTokens: 1 });
    const c = t.add({ id: 'c', arrivalUs: 5000, inputTokens: 80, outputTokens: 1, prefix: { group: 'g', tokens: 64 } });
    t.run();
    expect([c.cachedTokens, c.cpuCachedTokens, t.inst.cpuHitTokens]).toEqual([0, 64, 64]);
    expect([c.firstScheduledUs, c.finishedUs]).toEqual([5200, 6360]);
  });

  it('a running request that would preempt itself does (as vLLM); the queue stalled behind the parked load then takes its blocks back', () => {
    // As above, but the load takes 3 × 5000 us. d, alone in the batch, fills its first block at
    // 16 tokens and needs a second at 5210 + 13 × 1010 = 18340 with none free: it preempts itself
    // (vLLM's _preempt_request; the load still lands at 20210). d, now at the queue's front, needs
    // the blocks c holds: nothing runs, loads or is held, and only then does the livelock guard
    // give c's blocks back (vLLM would wait there for good: test/engine/vllm-diff.test.ts).
    const { t, c, d } = loadBesideDecode(5000);
    t.sim.run(18000);
    expect([c.state, d.preemptions]).toEqual([RequestState.LoadingKv, 0]);
    t.sim.run(18400);
    expect([c.state, c.loadDoneUs, d.preemptions]).toEqual([RequestState.LoadingKv, 20210, 1]);
    t.run();
    expect([c.state, d.state, d.preemptions]).toEqual([RequestState.Finished, RequestState.Finished, 1]);
  });

  it('needs a positive whole capacity, counts what it holds and finds at most maxBlocks hits', () => {
    expect(() => new CpuKvTier(0)).toThrow('CPU tier capacity must be a positive integer of blocks, got 0');
    expect(() => new CpuKvTier(1.5)).toThrow('CPU tier capacity must be a positive integer');
    const tier = new CpuKvTier(1);
    expect([tier.numStored, tier.has(1), tier.has(-1)]).toEqual([0, false, false]);
    expect(tier.lookup(Float64Array.of(1), 0, 1)).toBe(0);
    tier.store(5);
    expect([tier.numStored, tier.has(5)]).toEqual([1, true]);
    const big = new CpuKvTier(8);
    for (const h of [1, 2, 3, 4]) big.store(h);
    expect(big.lookup(Float64Array.of(1, 2, 3, 4), 0, 2)).toBe(2);
    expect(big.lookup(Float64Array.of(1, 2, 3, 4), 2, 9)).toBe(2);
    expect(big.lookup(Float64Array.of(1, 2, 3, 4), 4, 9)).toBe(0);
  });

  it('loaded requests that block each other give their blocks back when nothing else can run', () => {
    // 6 blocks (5 usable), instant loads. a (g1's 48 tokens) and b (g2's 32) are stored to the
    // CPU tier; x (80 unique tokens) then takes all 5 GPU blocks, evicting theirs. At 10000, c1
    // (g1's 48 + 16 own tokens) loads 3 blocks and c2 (g2's 32 + 16 own) 2: no block is free. The
    // loads are reported together; c1, now first in the queue, needs a 4th block for its own
    // tokens and c2 holds the last two. With nothing running or loading, the parked blocks go
    // back: at 10001 c1 hits its 3 blocks on the GPU (promoted, they joined the prefix cache) and
    // computes its own 16 tokens (1160 us): its first scheduling finds 48 tokens on the GPU and
    // loads none (what it counts, as vLLM's num_cached_tokens, is set at first scheduling). c2 was never promoted (the waiting loop stopped at c1,
    // as vLLM's _update_waiting_for_remote_kv runs only where the loop reaches), so its loaded
    // blocks never joined the GPU prefix cache: it loads both again (3 loads), and its first
    // scheduling counts the 32 tokens of that load.
    const { t, c1, c2 } = evictedGroupsReturn(48, 32, 0);
    expect([c1.state, c2.state]).toEqual([RequestState.Finished, RequestState.Finished]);
    expect(t.inst.cpuLoads).toBe(3);
    expect([c1.cachedTokens, c1.cpuCachedTokens, c1.firstScheduledUs, c1.finishedUs]).toEqual([48, 0, 10001, 11161]);
    expect([c2.cachedTokens, c2.cpuCachedTokens, c2.firstScheduledUs, c2.finishedUs]).toEqual([0, 32, 11162, 12322]);
  });

  it('with no step running, a timer waits for each load in turn', () => {
    // 6 blocks (5 usable). a (g1's 16 tokens) and b (g2's 48) are stored, x (80 unique tokens)
    // evicts them from the GPU. At 10000 c1 (g1's 16 + 16 own) loads 1 block and c2 (g2's 48 +
    // 16 own) 3, at 5000 us a block: c1 lands at 15000 and runs [15000, 16160); with nothing
    // running, a timer then waits for c2, landing at 25000: [25000, 26160).
    const { t, c1, c2 } = evictedGroupsReturn(16, 48, 5000);
    expect([c1.cpuCachedTokens, c1.firstScheduledUs, c1.finishedUs]).toEqual([16, 15000, 16160]);
    expect([c2.cpuCachedTokens, c2.firstScheduledUs, c2.finishedUs]).toEqual([48, 25000, 26160]);
    expect(t.inst.loadPollPending).toBe(false);
  });
});

/**
 * 6 blocks (5 usable) of 16 tokens and a 20-block CPU tier: a (group g1's `g1` tokens) and b (g2's
 * `g2`) are stored, x (80 unique tokens, at 5000) evicts them from the GPU, and at 10000 c1 and c2
 * come back with their group's prefix plus 16 tokens of their own. Runs to the end.
 */
function evictedGroupsReturn(g1: number, g2: number, loadUsPerBlock: number) {
  const t = new Harness({ totalKvBlocks: 6, blockSize: 16, cpuTier: { blocks: 20, loadUsPerBlock, bytesPerBlock: 1 } });
  t.add({ id: 'a', inputTokens: g1, outputTokens: 1, prefix: { group: 'g1', tokens: g1 } });
  t.add({ id: 'b', inputTokens: g2, outputTokens: 1, prefix: { group: 'g2', tokens: g2 } });
  t.add({ id: 'x', arrivalUs: 5000, inputTokens: 80, outputTokens: 1 });
  const c1 = t.add({ id: 'c1', arrivalUs: 10000, inputTokens: g1 + 16, outputTokens: 1, prefix: { group: 'g1', tokens: g1 } });
  const c2 = t.add({ id: 'c2', arrivalUs: 10000, inputTokens: g2 + 16, outputTokens: 1, prefix: { group: 'g2', tokens: g2 } });
  t.run();
  return { t, c1, c2 };
}
