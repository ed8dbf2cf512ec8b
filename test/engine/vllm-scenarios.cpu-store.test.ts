/**
 * Hand-computed vLLM 0.15 scenarios of the CPU tier's store pass
 * (distributed/kv_transfer/kv_connector/v1/offloading_connector.py
 * OffloadingConnectorScheduler._get_reqs_to_store, run by build_connector_meta at every schedule;
 * v1/kv_offload/lru_manager.py prepare_store, touch):
 * - the pass walks a scheduled request's full blocks from `_next_stored_block_idx`, which is 0
 *   unless the request loaded from the tier, so blocks the GPU served (prefix hits) are offered
 *   too; prepare_store keeps the hashes the tier lacks, evicts the least recently used blocks they
 *   need, and appends them;
 * - when it stored any, the pass then touches every full block of the request, walking
 *   reversed(block_hashes): the request's first block ends most recently used;
 * - a stored block is not ready (ref_cnt −1, v1/kv_offload/backend.py BlockStatus) until the
 *   storing request's stores are reported, which the worker does once the request has finished
 *   (get_finished → finished_sending → complete_store) or at its preemption: lookups stop at it,
 *   eviction skips it.
 * Synchronous loop; step = 1000 µs + 10 µs per batched token; CPU loads 100 µs a block;
 * 4 GPU blocks (3 usable), block size 4. The tier's order is written LRU → MRU.
 */
import { describe, expect, it } from 'vitest';
import { CpuKvTier } from '../../src/engine/cpu-tier.js';
import { runScenario } from './vllm-scenarios.helpers.js';

const cpuTier = (blocks: number) => ({ blocks, loadUsPerBlock: 100, bytesPerBlock: 1 });
const engine = { asyncScheduling: false, blockSize: 4, totalKvBlocks: 4, maxNumBatchedTokens: 64, maxModelLen: 1000 };
const g = { group: 'g', tokens: 8 };

describe('vLLM scenarios: CPU tier store pass', () => {
  it('prepare_store lists the missing hashes before it evicts: a block of the range evicted by the call is not stored again', () => {
    // Capacity 2, holding B then Q (B least recently used). Storing [A, B]: only A is missing;
    // one eviction takes B; A is appended → Q A. Storing block by block would have stored B
    // again after A evicted it (→ A B).
    const A = 31;
    const B = 32;
    const cpu = new CpuKvTier(2);
    cpu.store(B);
    cpu.store(33);
    expect(cpu.prepareStore(Float64Array.of(A, B), 0, 2)).toBe(1);
    expect([cpu.has(A), cpu.has(B), cpu.has(33)]).toEqual([true, false, true]);
    expect(cpu.evictions).toBe(1);
    // More blocks than the tier holds: prepare_store returns None and nothing changes.
    expect(cpu.prepareStore(Float64Array.of(41, 42, 43), 0, 3)).toBe(-1);
    expect([cpu.has(A), cpu.has(33), cpu.numStored]).toEqual([true, true, 2]);
  });

  it('a prefix the GPU serves after the tier evicted it is stored again, so it loads from CPU once the GPU evicts it too', () => {
    // CPU tier of 2 blocks.
    // a (0; g's 8, 1 out): blocks 1, 2. [a:8] → 1080. Stores G0, G1, then touches them reversed:
    //   CPU G1 G0. Held for its store job; no work left, freed at 1080 (free queue 3, 2, 1).
    // x (2000; 4 unique): block 3. [x:4] → 3040. Storing X0 evicts the LRU G1: CPU G0 X0.
    // c (4000; g's 8 + 1): GPU hits G0, G1 (blocks 1, 2) + block 3. The lookup touches G0 (CPU
    //   X0 G0) and finds nothing past the hits. [c:1] → 5010. The store pass walks blocks 0..1
    //   from 0: G1 is missing, evicts X0 → G0 G1; the touch makes it G1 G0.
    // z1, z2, z3 (6000; 2 tokens each): blocks 3, 2, 1, evicting G1 and G0 from the GPU.
    //   [z1:2, z2:2, z3:2] → 7060.
    // d (8000; g's 8 + 1): GPU misses; the tier hits G0, G1: 2 blocks load until 8200, then
    //   computed min(8, 9 − 1) = 8: [d:1] → 9210.
    // Had c stored only the blocks it registered (none), the tier would still hold X0 G0 and d,
    // missing G1, would load only G0; storing and touching nothing at all (a: G0 G1; x evicts G0)
    // leaves d no CPU hit: [d:9] → 9090.
    const r = runScenario({ ...engine, cpuTier: cpuTier(2) }, [
      { id: 'a', inputTokens: 8, outputTokens: 1, prefix: g },
      { id: 'x', arrivalUs: 2000, inputTokens: 4, outputTokens: 1 },
      { id: 'c', arrivalUs: 4000, inputTokens: 9, outputTokens: 1, prefix: g },
      { id: 'z1', arrivalUs: 6000, inputTokens: 2, outputTokens: 1 },
      { id: 'z2', arrivalUs: 6000, inputTokens: 2, outputTokens: 1 },
      { id: 'z3', arrivalUs: 6000, inputTokens: 2, outputTokens: 1 },
      { id: 'd', arrivalUs: 8000, inputTokens: 9, outputTokens: 1, prefix: g },
    ]);
    expect(r.batches).toEqual([['a:8'], ['x:4'], ['c:1'], ['z1:2', 'z2:2', 'z3:2'], ['d:1']]);
    expect(r.stepEndsUs).toEqual([1080, 3040, 5010, 7060, 9210]);
    expect(r.reqs.c!.cachedTokens).toBe(8);
    expect(r.reqs.d).toMatchObject({ cachedTokens: 0, finishedUs: 9210 });
  });

  it('a store touches the request\'s blocks, its first block last: the next eviction takes its tail', () => {
    // CPU tier of 3 blocks.
    // a (0; g's 8, 1 out): blocks 1, 2. [a:8] → 1080. Stores G0, G1 (G0 G1), then the touch walks
    //   G1, G0: CPU G1 G0. Freed at 1080 (free queue 3, 2, 1).
    // x (2000; 4 unique): block 3. [x:4] → 3040. Stores X0: G1 G0 X0. Free queue 2, 1, 3.
    // y (4000; 4 unique): block 2, evicting G1 from the GPU. [y:4] → 5040. Storing Y0 evicts the
    //   LRU G1: G0 X0 Y0.
    // d (6000; g's 8 + 1): GPU hit G0 (block 1); the tier lacks G1, so d computes 9 − 4 = 5
    //   tokens at once: [d:5] → 7050. Without the store's touch, G0 would have been the LRU
    //   block, Y0 would have evicted it and d would have loaded G1 (100 µs) and run [d:1] → 7110.
    const r = runScenario({ ...engine, cpuTier: cpuTier(3) }, [
      { id: 'a', inputTokens: 8, outputTokens: 1, prefix: g },
      { id: 'x', arrivalUs: 2000, inputTokens: 4, outputTokens: 1 },
      { id: 'y', arrivalUs: 4000, inputTokens: 4, outputTokens: 1 },
      { id: 'd', arrivalUs: 6000, inputTokens: 9, outputTokens: 1, prefix: g },
    ]);
    expect(r.batches).toEqual([['a:8'], ['x:4'], ['y:4'], ['d:5']]);
    expect(r.stepEndsUs).toEqual([1080, 3040, 5040, 7050]);
    expect(r.reqs.d).toMatchObject({ cachedTokens: 4, finishedUs: 7050 });
  });

  it("a stored block is ready only once its request's stores complete: lookups stop at it, eviction skips it", () => {
    const cpu = new CpuKvTier(3);
    // Request 7 stores A, B: present but not ready.
    expect(cpu.prepareStore(Float64Array.of(41, 42), 0, 2, 7)).toBe(2);
    expect([cpu.has(41), cpu.lookup(Float64Array.of(41, 42), 0, 2)]).toEqual([true, 0]);
    // Another request's completion does not make them ready.
    cpu.completeStores(Float64Array.of(41, 42), 2, 8);
    expect(cpu.lookup(Float64Array.of(41, 42), 0, 2)).toBe(0);
    // A ready block C fills the tier; storing D must evict, and only C is evictable.
    cpu.store(43);
    expect(cpu.prepareStore(Float64Array.of(44), 0, 1, 9)).toBe(1);
    expect([cpu.has(41), cpu.has(42), cpu.has(43), cpu.has(44)]).toEqual([true, true, false, true]);
    // Nothing ready left to evict: prepare_store returns None and nothing changes.
    expect(cpu.prepareStore(Float64Array.of(45), 0, 1, 9)).toBe(-1);
    expect(cpu.has(45)).toBe(false);
    // Request 7 finishes: its blocks become ready (and evictable, least recently used first).
    cpu.completeStores(Float64Array.of(41, 42), 2, 7);
    expect(cpu.lookup(Float64Array.of(41, 42), 0, 2)).toBe(2);
    expect(cpu.prepareStore(Float64Array.of(45), 0, 1, 10)).toBe(1);
    expect([cpu.has(41), cpu.has(42), cpu.has(44), cpu.has(45)]).toEqual([false, true, true, true]);
  });

  it('a prompt of whole blocks loads its last block from the tier only once the request that stored it has finished', () => {
    // 8 GPU blocks, CPU tier of 4. A prompt of exactly 8 tokens is 2 full blocks G0 G1; the GPU
    // serves at most 1 of them (vLLM recomputes the last token: max_cache_hit_length = 8 − 1),
    // and the connector looks past the GPU hits in the tier (get_num_new_matched_tokens).
    // a (0; g's 8, 3 out): [a:8] → 1080; the store pass stores G0, G1 for a (not ready).
    //   [a:1] → 2090.
    // c (1500; g's 8, 1 out), scheduled at 2090: GPU hit G0; the tier holds G1 but a is still
    //   running, so it is not ready: no load, c computes its last block, 4 tokens.
    //   [a:1, c:4] → 3140 (a's third token: it finishes; c's only token: it finishes). Both had
    //   store jobs (a stored G0 G1; c found them stored: no job), so a is held for its store
    //   job, and the next step reports it (no work: the empty step at once), completing G0, G1.
    // d (5000; g's 8, 1 out): GPU hit G0; the tier's G1 is ready: it loads (100 µs) and waits
    //   (WAITING_FOR_REMOTE_KVS); reported at 5100 by the poll, then [d:1] → 6110 (vLLM recomputes
    //   the last token of a fully loaded prompt).
    // Before the readiness rule c loaded G1 too (its batch [c:1] after a 100 µs load).
    const r = runScenario({ ...engine, totalKvBlocks: 8, cpuTier: cpuTier(4) }, [
      { id: 'a', inputTokens: 8, outputTokens: 3, prefix: g },
      { id: 'c', arrivalUs: 1500, inputTokens: 8, outputTokens: 1, prefix: g },
      { id: 'd', arrivalUs: 5000, inputTokens: 8, outputTokens: 1, prefix: g },
    ]);
    expect(r.batches).toEqual([['a:8'], ['a:1'], ['a:1', 'c:4'], ['d:1']]);
    expect(r.reqs.c).toMatchObject({ cachedTokens: 4, finishedUs: 3140 });
    expect(r.reqs.d!.cachedTokens).toBe(4);
    expect(r.stepEndsUs).toEqual([1080, 2090, 3140, 6110]);
  });
});
