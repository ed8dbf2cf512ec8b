import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BlockHashArena, computeBlockHashes, requestBlockHashes } from '../../src/engine/block-hash.js';

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

const sharedLead = (a: Float64Array, b: Float64Array): number => {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
};

describe('requestBlockHashes: how many blocks, which are shared, whose they are', () => {
  it('covers the full blocks of prompt + output − 1 tokens (the last output token is never cached)', () => {
    const len = (inputTokens: number, outputTokens: number) => computeBlockHashes({ id: 'r', arrivalUs: 0, inputTokens, outputTokens }, 16).length;
    expect(len(30, 1)).toBe(1);
    expect(len(30, 2)).toBe(1);
    expect(len(30, 3)).toBe(2);
    expect(len(20, 40)).toBe(3);
    expect(len(32, 1)).toBe(2);
  });

  it('marks blocks as the request\'s own from the first block past its shared content', () => {
    const none = requestBlockHashes({ id: 'a', arrivalUs: 0, inputTokens: 100, outputTokens: 1 }, 16);
    expect(none.sharedBlocks).toBe(0);
    // Blocks 0-3 lie inside the 64-token prefix; block 4 (64-80) holds unique tokens, and so does 5.
    const prefixed = requestBlockHashes({ id: 'a', arrivalUs: 0, inputTokens: 100, outputTokens: 1, prefix: { group: 'g', tokens: 64 } }, 16);
    expect(prefixed.hashes.length).toBe(6);
    expect(prefixed.sharedBlocks).toBe(4);
    const whole = requestBlockHashes({ id: 'a', arrivalUs: 0, inputTokens: 64, outputTokens: 1, prefix: { group: 'g', tokens: 64 } }, 16);
    expect(whole.sharedBlocks).toBe(4);
  });

  it('gives each id a non-negative integer identity, the same for the same id', () => {
    const a = requestBlockHashes({ id: 'a', arrivalUs: 0, inputTokens: 10, outputTokens: 1 }, 16);
    const a2 = requestBlockHashes({ id: 'a', arrivalUs: 5, inputTokens: 99, outputTokens: 7 }, 16);
    const b = requestBlockHashes({ id: 'b', arrivalUs: 0, inputTokens: 10, outputTokens: 1 }, 16);
    for (const x of [a, b]) expect(Number.isSafeInteger(x.idKey) && x.idKey >= 0).toBe(true);
    expect(a2.idKey).toBe(a.idKey);
    expect(b.idKey).not.toBe(a.idKey);
  });
});

describe('sessions: a turn whose prefix is its whole prompt continues the session with its answer', () => {
  const turn = (id: string, inputTokens: number, prefixTokens: number, sessionId?: string) =>
    requestBlockHashes({ id, arrivalUs: 0, inputTokens, outputTokens: 40, ...(sessionId === undefined ? {} : { sessionId }), prefix: { group: 'session:s', tokens: prefixTokens, parent: { group: 'sys', tokens: 40 } } }, 16);

  it('the next turn (prompt = this prompt + answer) hits the answer blocks too', () => {
    const t1 = turn('t1', 64, 64, 's');
    const t2 = turn('t2', 104, 104, 's');
    expect(t1.hashes.length).toBe(6); // floor((64 + 40 − 1) / 16)
    expect(t1.sharedBlocks).toBe(6);
    expect(sharedLead(t1.hashes, t2.hashes)).toBe(6);
  });

  it('without a session, or with a prefix short of the prompt, the answer blocks are the request\'s own', () => {
    const t2 = turn('t2', 104, 104, 's');
    const noSession = turn('t1', 64, 64);
    expect(noSession.sharedBlocks).toBe(4);
    expect(sharedLead(noSession.hashes, t2.hashes)).toBe(4);
    const short = turn('t1', 64, 48, 's');
    expect(short.sharedBlocks).toBe(3);
    expect(sharedLead(short.hashes, t2.hashes)).toBe(3);
    // 50 prompt tokens, 48 of them the session's: block 3 (48-64) holds the last 2 prompt tokens
    // and the start of the answer, the request's own like every block after it.
    const partial = turn('t1', 50, 48, 's');
    expect([partial.hashes.length, partial.sharedBlocks]).toEqual([5, 3]);
  });

  it('two sessions under one system prompt share its blocks and no more, whatever their turn', () => {
    const a = turn('a', 64, 64, 'a');
    const b = requestBlockHashes({ id: 'b', arrivalUs: 0, inputTokens: 96, outputTokens: 8, sessionId: 'b', prefix: { group: 'session:b', tokens: 96, parent: { group: 'sys', tokens: 40 } } }, 16);
    expect(sharedLead(a.hashes, b.hashes)).toBe(2); // floor(40 / 16)
  });

  it('a turn whose whole prompt is the system prompt shares every prompt block with it', () => {
    const sysOnly = requestBlockHashes({ id: 's1', arrivalUs: 0, inputTokens: 96, outputTokens: 8, sessionId: 's1', prefix: { group: 'session:s1', tokens: 96, parent: { group: 'sys', tokens: 100 } } }, 16);
    const plain = requestBlockHashes({ id: 'p', arrivalUs: 0, inputTokens: 100, outputTokens: 1, prefix: { group: 'sys', tokens: 100 } }, 16);
    expect(sharedLead(sysOnly.hashes, plain.hashes)).toBe(6);
  });
});

describe('an exclusive session group: its blocks are private to the session, not to one request', () => {
  const turn = (id: string, inputTokens: number, prefixTokens: number, group = 'session:s', exclusive = true) =>
    requestBlockHashes({ id, arrivalUs: 0, inputTokens, outputTokens: 40, sessionId: group, prefix: { group, tokens: prefixTokens, exclusive, parent: { group: 'sys', tokens: 40 } } }, 16);

  it('leaves the hashes as they are and makes every block past the system prompt private to one key for all turns', () => {
    const t1 = turn('t1', 64, 64);
    const t2 = turn('t2', 104, 104);
    const plain = turn('t1', 64, 64, 'session:s', false);
    expect([...t1.hashes]).toEqual([...plain.hashes]);
    expect(plain.sharedBlocks).toBe(6); // without the hint the whole chain is shared (the next turn hits it)
    expect([t1.sharedBlocks, t2.sharedBlocks]).toEqual([2, 2]); // floor(40 / 16) system-prompt blocks
    expect(t2.idKey).toBe(t1.idKey);
    expect(t1.idKey).not.toBe(plain.idKey); // the session's key, not the request id's
    expect(Number.isSafeInteger(t1.idKey) && t1.idKey >= 0).toBe(true);
    expect(turn('u1', 64, 64, 'session:u').idKey).not.toBe(t1.idKey);
  });

  it('keys the request\'s own blocks after the session\'s content by the session too (the first private block decides)', () => {
    // 64 prompt tokens, 48 of them the session's: block 2 (32-48) is the session's, 3 on the request's own.
    const short = turn('t1', 64, 48);
    expect([short.sharedBlocks, short.idKey]).toEqual([2, turn('t9', 104, 104).idKey]);
  });
});

describe('Mooncake hash_ids', () => {
  it('only prompt blocks inside the listed source blocks are shared content', () => {
    // ids cover 1536 tokens but the prompt is 1200: blocks 0-74 end inside the prompt.
    const r = requestBlockHashes({ id: 'a', arrivalUs: 0, inputTokens: 1200, outputTokens: 400, hashIds: { ids: [7, 8, 9], blockTokens: 512 } }, 16);
    expect(r.sharedBlocks).toBe(75);
    // A prompt longer than its ids: blocks past 1536 tokens are the request's own.
    const long = requestBlockHashes({ id: 'b', arrivalUs: 0, inputTokens: 1600, outputTokens: 1, hashIds: { ids: [7, 8, 9], blockTokens: 512 } }, 16);
    expect(long.sharedBlocks).toBe(96);
    const exact = requestBlockHashes({ id: 'c', arrivalUs: 0, inputTokens: 1536, outputTokens: 1, hashIds: { ids: [7, 8, 9], blockTokens: 512 } }, 16);
    expect(exact.sharedBlocks).toBe(96);
  });

  it('a block straddling two source blocks depends on both', () => {
    // 40-token source blocks, 16-token KV blocks: block 2 covers tokens 32-48 (sources 0 and 1).
    const a = computeBlockHashes({ id: 'a', arrivalUs: 0, inputTokens: 80, outputTokens: 1, hashIds: { ids: [1, 2], blockTokens: 40 } }, 16);
    const b = computeBlockHashes({ id: 'b', arrivalUs: 0, inputTokens: 80, outputTokens: 1, hashIds: { ids: [1, 3], blockTokens: 40 } }, 16);
    expect(sharedLead(a, b)).toBe(2);
  });

  it('ids that differ only above 32 bits share nothing', () => {
    const a = computeBlockHashes({ id: 'a', arrivalUs: 0, inputTokens: 512, outputTokens: 1, hashIds: { ids: [1], blockTokens: 512 } }, 16);
    const b = computeBlockHashes({ id: 'b', arrivalUs: 0, inputTokens: 512, outputTokens: 1, hashIds: { ids: [4294967296 + 1], blockTokens: 512 } }, 16);
    expect(sharedLead(a, b)).toBe(0);
  });
});

describe('BlockHashArena: hash arrays carved from shared slabs', () => {
  const request = fc.record({
    id: fc.string({ minLength: 1, maxLength: 6 }),
    inputTokens: fc.integer({ min: 1, max: 3000 }),
    outputTokens: fc.integer({ min: 1, max: 600 }),
    prefixTokens: fc.integer({ min: 0, max: 2000 }),
    session: fc.boolean(),
  });

  it('gives the same hashes as arrays of their own, in slices no other request writes (property)', () => {
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 40, size: 'max' }), fc.constantFrom(1, 16, 64), fc.constantFrom(64, 256, 8192), (reqs, bs, slab) => {
        const arena = new BlockHashArena(slab);
        const srcs = reqs.map((r, k) => ({
          id: `${r.id}-${k}`, arrivalUs: k, inputTokens: r.inputTokens, outputTokens: r.outputTokens,
          ...(r.prefixTokens > 0 ? { prefix: { group: 'sys', tokens: r.prefixTokens } } : {}),
          ...(r.session ? { sessionId: 's' } : {}),
        }));
        const carved = srcs.map((s) => requestBlockHashes(s, bs, arena));
        // Every request's slice was written before the next was taken: an overlap would show as a changed earlier slice.
        srcs.forEach((s, k) => {
          const own = requestBlockHashes(s, bs);
          expect(carved[k]!.hashes.length).toBe(own.hashes.length);
          expect(Array.from(carved[k]!.hashes)).toEqual(Array.from(own.hashes));
          expect(carved[k]!.sharedBlocks).toBe(own.sharedBlocks);
          expect(carved[k]!.idKey).toBe(own.idKey);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('hands out consecutive slices of one slab, a new slab when one is full, and big requests an array of their own', () => {
    const arena = new BlockHashArena(64);
    const a = arena.take(5);
    const b = arena.take(3);
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteOffset).toBe(a.byteOffset + 5 * 8);
    const c = arena.take(8); // 5 + 3 + 8 = 16 <= 64: same slab
    expect(c.buffer).toBe(a.buffer);
    const big = arena.take(9); // more than an eighth of a slab: its own buffer
    expect(big.buffer).not.toBe(a.buffer);
    expect(big.length).toBe(9);
    for (let k = 0; k < 6; k++) arena.take(8); // 16 + 48 = 64: fills the slab exactly
    const next = arena.take(1);
    expect(next.buffer).not.toBe(a.buffer);
    expect(next.byteOffset).toBe(0);
    expect(Array.from(next)).toEqual([0]);
  });
});
