import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computeBlockHashes } from '../../src/engine/block-hash.js';

describe('computeBlockHashes', () => {
  it('gives one safe-integer hash per full prompt block', () => {
    const h = computeBlockHashes({ id: 'a', arrivalUs: 0, inputTokens: 100, outputTokens: 1 }, 16);
    expect(h.length).toBe(6);
    for (const x of h) expect(Number.isSafeInteger(x) && x >= 0).toBe(true);
  });

  it('shares exactly floor(prefixTokens/blockSize) leading hashes within a prefix group', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 600 }), fc.constantFrom(1, 16, 64), (p, ia, ib, bs) => {
        const a = computeBlockHashes({ id: 'a', arrivalUs: 0, inputTokens: ia, outputTokens: 1, prefix: { group: 'sys', tokens: p } }, bs);
        const b = computeBlockHashes({ id: 'b', arrivalUs: 0, inputTokens: ib, outputTokens: 1, prefix: { group: 'sys', tokens: p } }, bs);
        let shared = 0;
        while (shared < a.length && shared < b.length && a[shared] === b[shared]) shared++;
        expect(shared).toBe(Math.floor(Math.min(p, ia, ib) / bs));
      }),
      { numRuns: 200 },
    );
  });

  it('different groups or ids share nothing', () => {
    const a = computeBlockHashes({ id: 'a', arrivalUs: 0, inputTokens: 64, outputTokens: 1, prefix: { group: 'x', tokens: 64 } }, 16);
    const b = computeBlockHashes({ id: 'a', arrivalUs: 0, inputTokens: 64, outputTokens: 1, prefix: { group: 'y', tokens: 64 } }, 16);
    const c = computeBlockHashes({ id: 'c', arrivalUs: 0, inputTokens: 64, outputTokens: 1 }, 16);
    expect(a[0]).not.toBe(b[0]);
    expect(c[0]).not.toBe(a[0]);
  });

  it('maps Mooncake hash_ids to sub-blocks: equal leading ids share hashes', () => {
    const a = computeBlockHashes({ id: 'a', arrivalUs: 0, inputTokens: 1536, outputTokens: 1, hashIds: { ids: [7, 8, 9], blockTokens: 512 } }, 16);
    const b = computeBlockHashes({ id: 'b', arrivalUs: 0, inputTokens: 1200, outputTokens: 1, hashIds: { ids: [7, 8, 10], blockTokens: 512 } }, 16);
    expect(a.length).toBe(96);
    let shared = 0;
    while (a[shared] === b[shared]) shared++;
    expect(shared).toBe(64);
  });
});

describe('prefix parents (a system prompt under a session context)', () => {
  it('two sessions under one system prompt share exactly the system prompt blocks', async () => {
    const { computeBlockHashes } = await import('../../src/engine/block-hash.js');
    const sys = { group: 'sys', tokens: 100 };
    const a = computeBlockHashes({ id: 'a', arrivalUs: 0, inputTokens: 400, outputTokens: 1, prefix: { group: 'session:a', tokens: 400, parent: sys } }, 16);
    const b = computeBlockHashes({ id: 'b', arrivalUs: 0, inputTokens: 300, outputTokens: 1, prefix: { group: 'session:b', tokens: 300, parent: sys } }, 16);
    let shared = 0;
    while (shared < Math.min(a.length, b.length) && a[shared] === b[shared]) shared++;
    expect(shared).toBe(Math.floor(100 / 16));
    const a2 = computeBlockHashes({ id: 'a2', arrivalUs: 0, inputTokens: 500, outputTokens: 1, prefix: { group: 'session:a', tokens: 500, parent: sys } }, 16);
    let sameSession = 0;
    while (sameSession < a.length && a[sameSession] === a2[sameSession]) sameSession++;
    expect(sameSession).toBe(Math.floor(400 / 16));
  });
});
