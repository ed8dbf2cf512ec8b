/**
 * The prefix-chain memo never changes a request's block hashes: over random streams of requests
 * (nested prefix levels, exclusive session levels, continuing turns, Mooncake hash ids, no prefix,
 * block sizes 1 to 128, one group under different outer levels, memos small enough to evict,
 * positions moved back often), each request's hashes, shared blocks and key through a run-long
 * memo equal a fresh computation.
 */
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { requestBlockHashes } from '../../src/engine/block-hash.js';
import { PrefixHashMemo } from '../../src/engine/prefix-hash-memo.js';
import type { ArrivalRequest, PrefixRef } from '../../src/workload/request.js';

/** A level of a prefix chain: one of a few groups (so groups recur under different parents), its tokens and hint. */
const levelArb = fc.record({
  group: fc.constantFrom('sys-a', 'sys-b', 'ctx', 'session:1', 'session:2'),
  // Often a round figure, so that shapes recur (and a level is often longer than a short prompt).
  tokens: fc.oneof(fc.constantFrom(0, 16, 40, 64, 200, 400), fc.integer({ min: 0, max: 400 })),
  exclusive: fc.boolean(),
});
const reqArb = fc.record({
  inputTokens: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 500 })),
  outputTokens: fc.integer({ min: 1, max: 200 }),
  /** Outermost first; empty: no prefix. */
  levels: fc.array(levelArb, { maxLength: 3 }),
  /** The prefix covers the whole prompt (a session turn's context). */
  wholePrompt: fc.boolean(),
  session: fc.constantFrom(undefined, 's1', 's2'),
  /** Another block size than the run's (the memo keeps them apart). */
  otherBlockSize: fc.boolean(),
  hashIds: fc.option(fc.record({ ids: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 6 }), blockTokens: fc.constantFrom(16, 40, 64) }), { nil: undefined }),
});
type Req = typeof reqArb extends fc.Arbitrary<infer T> ? T : never;

function arrival(r: Req, k: number): ArrivalRequest {
  let prefix: PrefixRef | undefined;
  r.levels.forEach((l, i) => {
    const last = i === r.levels.length - 1;
    prefix = { group: l.group, tokens: last && r.wholePrompt ? r.inputTokens : l.tokens, ...(l.exclusive ? { exclusive: true } : {}), ...(prefix !== undefined ? { parent: prefix } : {}) };
  });
  return {
    id: `r${k % 7}`,
    arrivalUs: k,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    ...(prefix !== undefined ? { prefix } : {}),
    ...(r.session !== undefined ? { sessionId: r.session } : {}),
    ...(r.hashIds !== undefined ? { hashIds: r.hashIds } : {}),
  };
}

/** A session of `turns` turns under a system prompt: each turn's prompt is the last one's prompt and answer plus more. */
function sessionTurns(turns: readonly { user: number; answer: number }[], sys: number, group: string): ArrivalRequest[] {
  const out: ArrivalRequest[] = [];
  let context = 0;
  turns.forEach((t, k) => {
    const inputTokens = context + sys * (k === 0 ? 1 : 0) + t.user;
    out.push({ id: `${group}-t${k}`, arrivalUs: k, inputTokens, outputTokens: t.answer, sessionId: group, prefix: { group, tokens: inputTokens, exclusive: true, parent: { group: 'sys', tokens: sys } } });
    context = inputTokens + t.answer;
  });
  return out;
}

function expectSame(memo: PrefixHashMemo, src: ArrivalRequest, bs: number): void {
  const fresh = requestBlockHashes(src, bs);
  const memoised = requestBlockHashes(src, bs, undefined, memo);
  expect(Array.from(memoised.hashes)).toEqual(Array.from(fresh.hashes));
  expect([memoised.sharedBlocks, memoised.idKey, memoised.ownKey]).toEqual([fresh.sharedBlocks, fresh.idKey, fresh.ownKey]);
}

describe('PrefixHashMemo: memoised prefix chains give the hashes a fresh computation does', () => {
  it('for random streams of prefix shapes, with and without eviction (property)', () => {
    fc.assert(
      fc.property(
        fc.array(reqArb, { minLength: 1, maxLength: 60, size: 'max' }),
        fc.constantFrom(1, 4, 16, 64),
        fc.constantFrom(1 << 20, 256, 64),
        fc.constantFrom(1 << 30, 500),
        (reqs, bs, maxBlocks, rebaseAt) => {
          const memo = new PrefixHashMemo(maxBlocks, rebaseAt);
          const size = (r: Req) => (r.otherBlockSize ? bs * 2 : bs);
          reqs.forEach((r, k) => expectSame(memo, arrival(r, k), size(r)));
          // Again in reverse: later shapes first, chains already made (or evicted).
          reqs.forEach((_, k) => {
            const r = reqs[reqs.length - 1 - k]!;
            expectSame(memo, arrival(r, k), size(r));
          });
          const kept = memo.size;
          expect(kept.chains).toBeLessThanOrEqual(maxBlocks / 16);
          expect(kept.blocks).toBeLessThanOrEqual(kept.slots);
          expect(kept.slots).toBeLessThanOrEqual(maxBlocks);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('for interleaved sessions whose turns continue one another, the memo holding each context once (property)', () => {
    const turnArb = fc.record({ user: fc.integer({ min: 1, max: 120 }), answer: fc.integer({ min: 1, max: 120 }) });
    fc.assert(
      fc.property(
        fc.array(fc.array(turnArb, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 100 }),
        fc.constantFrom(1, 16),
        fc.constantFrom(1 << 20, 64),
        (sessions, sys, bs, maxBlocks) => {
          const memo = new PrefixHashMemo(maxBlocks, 300);
          const streams = sessions.map((turns, s) => sessionTurns(turns, sys, `session:${s}`));
          // Round-robin over the sessions, as concurrent users' turns interleave.
          for (let k = 0; streams.some((st) => k < st.length); k++) {
            for (const st of streams) if (k < st.length) expectSame(memo, st[k]!, bs);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  /** Runs a request through the memo and returns how many blocks it copied from it. */
  function copied(memo: PrefixHashMemo, r: ArrivalRequest, bs: number): number {
    const spy = vi.spyOn(memo, 'copy');
    expectSame(memo, r, bs);
    const n = spy.mock.calls.reduce((sum, call) => sum + call[1], 0);
    spy.mockRestore();
    return n;
  }

  it('notes a shape the first time, logs it the second, and copies it from then on', () => {
    const memo = new PrefixHashMemo();
    // One-token blocks: every turn has well over PRIVATE_MEMO_BLOCKS of the session's own.
    const [t1, t2, t3] = sessionTurns([{ user: 100, answer: 60 }, { user: 50, answer: 30 }, { user: 20, answer: 20 }], 40, 'session:s');
    expect(copied(memo, t1!, 1)).toBe(0);
    expect(memo.size).toMatchObject({ chains: 1, blocks: 0 });
    expect(copied(memo, t2!, 1)).toBe(0);
    expect(memo.size).toMatchObject({ chains: 1, blocks: 250 + 30 - 1 });
    expect(copied(memo, t3!, 1)).toBe(250 + 30 - 1);
    expect(memo.size).toMatchObject({ chains: 1, blocks: 300 + 20 - 1 });
  });

  it('memoises a short session context only as far as its system prompt, in the system prompt\'s own chain', () => {
    const memo = new PrefixHashMemo();
    // 16-token blocks: some 20 blocks of the session's own, 2 of the 40-token system prompt.
    const [t1, t2, t3] = sessionTurns([{ user: 100, answer: 60 }, { user: 50, answer: 30 }, { user: 20, answer: 20 }], 40, 'session:s');
    expect([copied(memo, t1!, 16), copied(memo, t2!, 16), copied(memo, t3!, 16)]).toEqual([0, 0, 2]);
    expect(copied(memo, { id: 'p', arrivalUs: 0, inputTokens: 50, outputTokens: 1, prefix: { group: 'sys', tokens: 40 } }, 16)).toBe(2);
    expect(memo.size).toMatchObject({ chains: 1, blocks: 2 });
  });

  it('tells a turn whose system prompt outlasts its prompt from one it fits in (levels clipped to the prompt)', () => {
    // 48 prompt tokens under a 100-token system prompt: blocks 0-2 the system prompt's, the
    // answer's 3-4 the session's. A 120-token turn has system-prompt blocks 0-5.
    const turn = (inputTokens: number): ArrivalRequest => ({ id: 't', arrivalUs: 0, inputTokens, outputTokens: 40, sessionId: 's', prefix: { group: 'ctx', tokens: inputTokens, parent: { group: 'sys', tokens: 100 } } });
    const memo = new PrefixHashMemo();
    for (const t of [48, 48, 120, 120, 48, 120]) expectSame(memo, turn(t), 16);
    expect(memo.size.chains).toBe(2);
  });

  it('keeps one chain per outer shape of a group, counted in blocks whatever the block size', () => {
    const memo = new PrefixHashMemo();
    const req = (parent: string, parentTokens: number): ArrivalRequest => ({ id: 'x', arrivalUs: 0, inputTokens: 64, outputTokens: 1, prefix: { group: 'g', tokens: 64, parent: { group: parent, tokens: parentTokens } } });
    for (const [p, t] of [['p', 16], ['p', 32], ['q', 16]] as const) {
      expect(copied(memo, req(p, t), 16)).toBe(0);
      expect(copied(memo, req(p, t), 16)).toBe(0);
      expect(copied(memo, req(p, t), 16)).toBe(4);
    }
    expect(memo.size).toMatchObject({ chains: 3, blocks: 12 });
    expect(copied(memo, req('p', 16), 4)).toBe(0); // 16 tokens of 16 are 4 blocks of 4, not 1: another shape
    expect(copied(memo, req('p', 64), 64)).toBe(1); // 64 of 64 are 1 of 16: req('p', 16)'s chain at 16
  });

  it('forgets the oldest chain when the log comes round to it, or when its set has a chain too many', () => {
    const req = (group: string, tokens: number): ArrivalRequest => ({ id: 'x', arrivalUs: 0, inputTokens: tokens, outputTokens: 1, prefix: { group, tokens } });
    const twice = (memo: PrefixHashMemo, r: ArrivalRequest) => {
      expectSame(memo, r, 1);
      expectSame(memo, r, 1);
    };
    // 128 slots (32 blocks a chain): the fifth 30-block chain goes back to slot 0, over the first.
    const wraps = new PrefixHashMemo(128);
    for (const g of ['a', 'b', 'c', 'd', 'e']) twice(wraps, req(g, 30));
    expect(wraps.size).toEqual({ chains: 4, blocks: 120, slots: 128 });
    expect(copied(wraps, req('b', 30), 1)).toBe(30);
    expect(copied(wraps, req('a', 30), 1)).toBe(0);
    // 64 slots: one set of 4 chains; a fifth takes the way of the oldest.
    const sets = new PrefixHashMemo(64);
    for (const g of ['a', 'b', 'c', 'd', 'e']) twice(sets, req(g, 2));
    expect(sets.size).toMatchObject({ chains: 4, blocks: 8 });
    expect(copied(sets, req('e', 2), 1)).toBe(2);
    expect(copied(sets, req('a', 2), 1)).toBe(0);
    // A chain stops at a quarter of the log: the rest of a longer prefix is hashed each time.
    const capped = new PrefixHashMemo(64);
    twice(capped, req('long', 40));
    expect(copied(capped, req('long', 40), 1)).toBe(16);
    expect(capped.size).toMatchObject({ chains: 1, blocks: 16 });
  });

  it('moves a growing chain to the log\'s end, comes round to the log\'s start, and rebases its positions', () => {
    // Pairs of sessions alternate turns, so each turn's chain has been left behind by the other's
    // and moves; 40 pairs of some 1,000 one-token blocks each go round the 2,048-slot log many
    // times, and positions are moved back every 5,000 blocks.
    const memo = new PrefixHashMemo(2048, 5000);
    const copy = vi.spyOn(memo, 'copy');
    for (let pair = 0; pair < 40; pair++) {
      const a = sessionTurns([{ user: 100, answer: 100 }, { user: 10, answer: 100 }, { user: 10, answer: 10 }], 8, `session:a${pair}`);
      const b = sessionTurns([{ user: 120, answer: 50 }, { user: 90, answer: 90 }, { user: 30, answer: 90 }], 8, `session:b${pair}`);
      for (let k = 0; k < 3; k++) {
        expectSame(memo, a[k]!, 1);
        expectSame(memo, b[k]!, 1);
      }
    }
    expect(copy).toHaveBeenCalledTimes(2 * 40); // the third turn of every session found the second's blocks
    expect(memo.size.slots).toBe(2048);
  });
});
