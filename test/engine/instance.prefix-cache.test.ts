import { describe, expect, it } from 'vitest';
import { Harness } from './helpers.js';
import { KvBlockPool } from '../../src/engine/kv-cache.js';

/** Block pool details of vLLM 0.15 (v1/core/block_pool.py, kv_cache_utils.py, v1/request.py), hand-computed. */
describe('instance: vLLM 0.15 block pool and prefix cache details (step = 1000us + 10us/token)', () => {
  it('takes the null block out of the pool: --total-kv-blocks N leaves N - 1 usable', () => {
    // block_pool.py: "self.null_block = self.free_block_queue.popleft()".
    const t = new Harness({ totalKvBlocks: 10, blockSize: 16, maxModelLen: 1000 });
    expect(t.inst.kvTotalBlocks).toBe(9);
    // input + output - 1 = 160 tokens = 10 blocks: dropped; 144 tokens = 9 blocks: served.
    t.add({ id: 'ten', inputTokens: 150, outputTokens: 11 });
    t.add({ id: 'nine', inputTokens: 140, outputTokens: 5 });
    t.run();
    expect(t.outcomes.get('ten')?.dropped).toBe('exceeds-kv-capacity');
    expect(t.outcomes.get('nine')?.dropped).toBeUndefined();
  });

  it('keeps a duplicate block registered: after the first copy is evicted the second still hits', () => {
    // 4 blocks (3 usable). a (32 prompt tokens of group g) caches h1, h2 on blocks 0 and 1.
    // b (same 32 tokens) hits h1 only (the num_tokens - 1 cap: floor(31 / 16) = 1) and recomputes
    // its second block on the free queue's head, block 2: a second copy of h2.
    // d (16 unique tokens) then takes the head of the free queue [1, 2, 0] (b freed 2 then 0):
    // block 1, a's copy of h2. c (g's 32 tokens + 16) still hits h1 and h2 (block 2).
    const t = new Harness({ totalKvBlocks: 4, blockSize: 16 });
    t.add({ id: 'a', inputTokens: 32, outputTokens: 1, prefix: { group: 'g', tokens: 32 } });
    const b = t.add({ id: 'b', arrivalUs: 5000, inputTokens: 32, outputTokens: 1, prefix: { group: 'g', tokens: 32 } });
    t.add({ id: 'd', arrivalUs: 10000, inputTokens: 16, outputTokens: 1 });
    const c = t.add({ id: 'c', arrivalUs: 15000, inputTokens: 48, outputTokens: 1, prefix: { group: 'g', tokens: 32 } });
    t.run();
    expect(b.cachedTokens).toBe(16);
    expect(c.cachedTokens).toBe(32);
    // Without duplicates kept (one block per hash), c would hit 16 tokens and prefill 32.
    expect(c.finishedUs - 15000).toBe(1000 + 10 * 16);
  });

  it('a pool lookup returns the oldest copy; evicting it leaves the next', () => {
    const pool = new KvBlockPool(3);
    const x = pool.allocate(), y = pool.allocate();
    pool.cache(x, 7);
    pool.cache(y, 7);
    const out = new Int32Array(1);
    expect(pool.lookup(Float64Array.of(7), 1, out)).toBe(1);
    expect(out[0]).toBe(x);
    pool.release(x);
    pool.release(y);
    // Free queue: [2, x, y]; allocating twice evicts x's copy; y's still hits.
    pool.allocate();
    pool.allocate();
    expect(pool.lookup(Float64Array.of(7), 1, out)).toBe(1);
    expect(out[0]).toBe(y);
    expect(pool.numCached).toBe(1);
    pool.checkInvariants();
  });

  it.each([false, true])('caches output blocks: a preempted request resumes from its prompt and generated blocks (private registration deferred: %s)', (uniqueIds) => {
    // 7 blocks (6 usable) of 16. a and b: 16-token prompts, decoding together; after step k each
    // has computed 15 + k tokens. At step 34 a needs a 4th block (49 tokens) and none is free:
    // b (the newest) is preempted with 3 full blocks cached: its prompt (0-15) and two output
    // blocks (16-31, 32-47). Freed last-first, b's blocks join the free queue as [32-47, 16-31,
    // 0-15]; a takes the head (b's third block, evicting it). a finishes at step 40 without
    // needing more; b resumes with numTokens 49: hits blocks 0-15 and 16-31 (an output block)
    // and recomputes 17 tokens. With only prompt blocks cached it would recompute 33.
    // Deferred (unique ids): b's private blocks reach the pool only as it is preempted, and hit the same.
    const t = new Harness({ totalKvBlocks: 7, blockSize: 16 }, uniqueIds);
    const a = t.add({ id: 'a', inputTokens: 16, outputTokens: 40 });
    const b = t.add({ id: 'b', inputTokens: 16, outputTokens: 60 });
    expect(b.deferPrivate).toBe(uniqueIds);
    const chunks: number[] = [];
    t.inst.setStepListener({ onStep: () => { const k = t.inst.batch.slotOf(b); if (k >= 0 && t.inst.batch.isPrefill[k] === 1) chunks.push(t.inst.batch.newTokens[k]!); } });
    t.run();
    expect(a.preemptions).toBe(0);
    expect(b.preemptions).toBe(1);
    expect(chunks).toEqual([16, 17]);
    expect(b.outputDone).toBe(60);
  });

  it('deferred private registration: nothing of a running request reaches the pool until it is preempted, and a finished one leaves its blocks unhashed', () => {
    // One request, 16-token prompt and 40 outputs: 3 full blocks when it finishes (55 tokens known).
    const t = new Harness({ totalKvBlocks: 8, blockSize: 16 }, true);
    const r = t.add({ id: 'solo', inputTokens: 16, outputTokens: 40 });
    let hashedWhileRunning = 0;
    t.inst.setStepListener({ onStep: () => { for (let k = 0; k < r.numBlocks; k++) if (t.inst.scheduler.pool.hashOf(r.blocks[k]!) >= 0) hashedWhileRunning++; } });
    t.run();
    expect(r.outputDone).toBe(40);
    expect(hashedWhileRunning).toBe(0);
    for (let b = 0; b < 7; b++) expect(t.inst.scheduler.pool.hashOf(b)).toBe(-1);
    // The same request with eager registration hashes its blocks as they fill, and keeps them when freed.
    const e = new Harness({ totalKvBlocks: 8, blockSize: 16 });
    e.add({ id: 'solo', inputTokens: 16, outputTokens: 40 });
    e.run();
    let hashed = 0;
    for (let b = 0; b < 7; b++) if (e.inst.scheduler.pool.hashOf(b) >= 0) hashed++;
    expect(hashed).toBe(3);
  });

  it.each([false, true])('deferred registration keeps the count of registered blocks the eager path has, step by step (async scheduling: %s)', (asyncScheduling) => {
    // Three requests decoding together in a decode run (event leaping): a deferred request is out of
    // the run's registration calendar and its count is brought up to date whenever it is written out.
    const counts = (uniqueIds: boolean): string[] => {
      const t = new Harness({ blockSize: 16, asyncScheduling }, uniqueIds);
      const rs = [t.add({ id: 'a', inputTokens: 16, outputTokens: 70 }), t.add({ id: 'b', inputTokens: 21, outputTokens: 50 }), t.add({ id: 'c', inputTokens: 9, outputTokens: 60 })];
      const seen: string[] = [];
      t.inst.setStepListener({ onStep: () => { t.inst.syncRequests(); seen.push(rs.map((r) => r.numHashedBlocks).join(',')); } });
      t.run();
      return seen;
    };
    const eager = counts(false);
    expect(eager.length).toBeGreaterThan(60);
    expect(counts(true)).toEqual(eager);
  });

  it('a request that shares a prefix defers only its private blocks: the shared ones hit at once', () => {
    // a: 32 prompt tokens of group g (2 shared blocks) + 16 of its own; b arrives while a runs and hits g's 2 blocks.
    const t = new Harness({ blockSize: 16 }, true);
    const a = t.add({ id: 'a', inputTokens: 48, outputTokens: 30, prefix: { group: 'g', tokens: 32 } });
    const b = t.add({ id: 'b', arrivalUs: 5000, inputTokens: 40, outputTokens: 1, prefix: { group: 'g', tokens: 32 } });
    t.run();
    expect(a.deferPrivate).toBe(true);
    expect(b.cachedTokens).toBe(32);
  });

  it('a session follow-up hits the previous turn\'s answer', () => {
    // Turn 1: 32-token prompt (the whole prompt is the session's context), 33 output tokens: its
    // full blocks cover prompt + output - 1 = 64 tokens = 4 blocks. Turn 2's prompt repeats the
    // 65 tokens of turn 1 and adds 15: it hits 4 blocks (64 tokens) and prefills 16.
    const t = new Harness({ blockSize: 16 });
    const group = 'session:s1';
    t.add({ id: 't1', inputTokens: 32, outputTokens: 33, sessionId: 's1', turn: 1, prefix: { group, tokens: 32 } });
    const t2 = t.add({ id: 't2', arrivalUs: 100000, inputTokens: 80, outputTokens: 1, sessionId: 's1', turn: 2, prefix: { group, tokens: 80 } });
    t.run();
    expect(t2.cachedTokens).toBe(64);
    expect(t2.finishedUs - 100000).toBe(1000 + 10 * 16);
  });
});
