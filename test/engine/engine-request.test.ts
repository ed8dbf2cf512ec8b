import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Harness } from './helpers.js';
import { EngineRequest, RequestState, engineRequestFor, siblingRequest } from '../../src/engine/engine-request.js';
import { BlockHashArena, requestBlockHashes } from '../../src/engine/block-hash.js';

describe('EngineRequest', () => {
  it('looks up only its full prompt blocks, while its sequence hashes run on into the output', () => {
    // 30 prompt + 40 output tokens at 16 per block: 4 sequence blocks (69 tokens), 1 full prompt block.
    const r = engineRequestFor({ id: 'r', arrivalUs: 0, inputTokens: 30, outputTokens: 40 }, 0, 16);
    expect(r.seqBlockHashes.length).toBe(4);
    expect(r.blockHashes.length).toBe(1);
    expect(r.blockHashes[0]).toBe(r.seqBlockHashes[0]);
    const s = siblingRequest(r);
    expect([s.blockHashes.length, s.sharedBlocks, s.idKey]).toEqual([1, r.sharedBlocks, r.idKey]);
  });

  it('shares every block unless it names the id that owns the private ones', () => {
    const hashes = new Float64Array([1, 2, 3]);
    const src = { id: 'x', arrivalUs: 0, inputTokens: 48, outputTokens: 1 };
    const anon = new EngineRequest(src, 0, hashes, 3, 1);
    expect([anon.sharedBlocks, anon.idKey < 0]).toEqual([3, true]);
    const owned = new EngineRequest(src, 0, hashes, 3, 1, 77);
    expect([owned.sharedBlocks, owned.idKey]).toEqual([1, 77]);
    // From requestBlockHashes: a 48-token prefix, then the request's own tokens.
    const r = engineRequestFor({ id: 'p', arrivalUs: 0, inputTokens: 100, outputTokens: 1, prefix: { group: 'g', tokens: 48 } }, 0, 16);
    expect(r.sharedBlocks).toBe(3);
  });

  it('reports -1 for every time it has not reached (a withdrawn waiting request never starts or finishes)', () => {
    const t = new Harness({ maxNumSeqs: 1 });
    t.add({ id: 'a', inputTokens: 100, outputTokens: 50 });
    const b = t.add({ id: 'b', inputTokens: 100, outputTokens: 5 });
    expect([b.enqueuedUs, b.firstScheduledUs, b.firstTokenUs, b.finishedUs, b.loadDoneUs, b.cachedTokens]).toEqual([-1, -1, -1, -1, -1, -1]);
    t.sim.run(500);
    expect(b.state).toBe(RequestState.Waiting);
    t.inst.abort(b);
    t.run();
    expect([b.enqueuedUs, b.firstScheduledUs, b.firstTokenUs, b.finishedUs, b.loadDoneUs, b.cachedTokens]).toEqual([0, -1, -1, -1, -1, -1]);
  });

  it('with unique ids, a request whose every block is its own computes its hashes when first read, and they are the eager ones', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 12, size: 'max' }), fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 900 }), fc.constantFrom(1, 16, 64), (id, input, output, bs) => {
        const src = { id, arrivalUs: 0, inputTokens: input, outputTokens: output };
        const arena = new BlockHashArena(64);
        const lazy = engineRequestFor(src, 0, bs, arena, true);
        const eager = requestBlockHashes(src, bs);
        expect(lazy.deferPrivate).toBe(true);
        expect([lazy.numHashBlocks, lazy.sharedBlocks, lazy.idKey, lazy.promptBlocks]).toEqual([eager.hashes.length, eager.sharedBlocks, eager.idKey, Math.floor(input / bs)]);
        // Nothing taken from the arena until the hashes are read.
        const probe = arena.take(1);
        expect(Array.from(lazy.seqBlockHashes)).toEqual(Array.from(eager.hashes));
        if (eager.hashes.length > 0 && eager.hashes.length <= 8) expect([lazy.seqBlockHashes.buffer === probe.buffer, lazy.seqBlockHashes.byteOffset]).toEqual([true, probe.byteOffset + 8]);
        expect(lazy.seqBlockHashes).toBe(lazy.seqBlockHashes);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('with unique ids, a request under a shared prefix computes its hashes at once (they tell where its own blocks start)', () => {
    const r = engineRequestFor({ id: 'p', arrivalUs: 0, inputTokens: 100, outputTokens: 1, prefix: { group: 'g', tokens: 48 } }, 0, 16, undefined, true);
    expect([r.sharedBlocks, r.deferPrivate, r.numHashBlocks]).toEqual([3, true, 6]);
  });

  it('with unique ids, a request under a prefix computes its shared hashes at once and its private ones when first read, the eager ones either way (property)', () => {
    // System prompts, session contexts (exclusive, some past the memo's 128-block threshold) and
    // plain requests, through one arena and memo as a run has them: what sharedHashes gives up to
    // sharedBlocks, and seqBlockHashes in full, are requestBlockHashes' own.
    const turn = fc.record({
      sys: fc.constantFrom(0, 20, 48, 200),
      context: fc.integer({ min: 0, max: 4000 }),
      input: fc.integer({ min: 1, max: 400 }),
      output: fc.integer({ min: 1, max: 600 }),
      session: fc.integer({ min: 0, max: 3 }),
      read: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(turn, { minLength: 1, maxLength: 30, size: 'max' }), fc.constantFrom(1, 16, 64), (turns, bs) => {
        const arena = new BlockHashArena(512);
        const later: [EngineRequest, Float64Array][] = [];
        turns.forEach((t, k) => {
          const inputTokens = t.sys + t.context + t.input;
          const sys = t.sys > 0 ? { group: `sys${t.sys}`, tokens: t.sys } : undefined;
          const prefix = t.session > 0 ? { group: `session:${t.session}`, tokens: inputTokens, exclusive: true, parent: sys } : sys;
          const src = { id: `r${k}`, arrivalUs: k, inputTokens, outputTokens: t.output, ...(prefix !== undefined ? { prefix } : {}), ...(t.session > 0 ? { sessionId: `s${t.session}` } : {}) };
          const r = engineRequestFor(src, k, bs, arena, true);
          const eager = requestBlockHashes(src, bs);
          expect([r.sharedBlocks, r.idKey, r.numHashBlocks]).toEqual([eager.sharedBlocks, eager.idKey, eager.hashes.length]);
          expect(Array.from(r.sharedHashes.subarray(0, r.sharedBlocks))).toEqual(Array.from(eager.hashes.subarray(0, eager.sharedBlocks)));
          // A session's context short of the memo's threshold waits, past its first private block.
          if (t.session > 0 && eager.hashes.length - eager.sharedBlocks > 1 && eager.hashes.length < 100) expect(r.hashesPartial).toBe(true);
          // Some are read at once, the rest after the later requests went through the memo.
          if (t.read) expect(Array.from(r.seqBlockHashes)).toEqual(Array.from(eager.hashes));
          else later.push([r, eager.hashes]);
          if (t.read) expect(r.hashesPartial).toBe(false);
        });
        for (const [r, hashes] of later) expect(Array.from(r.seqBlockHashes)).toEqual(Array.from(hashes));
      }),
      { numRuns: 200, seed: 17 },
    );
  });

  it('in a run, a request with unique ids computes private hashes only when something reads them: never for its own blocks, for a session turn when its session left blocks here', () => {
    const computed = (r: EngineRequest): boolean => (r as unknown as { hashes: Float64Array | null }).hashes !== null && !r.hashesPartial;
    const t = new Harness({ blockSize: 16 }, true);
    // Token-matched requests (every block their own): registration waits for a preemption, which never comes.
    const own = [0, 1, 2].map((k) => t.add({ id: `o${k}`, arrivalUs: k * 10, inputTokens: 100 + k, outputTokens: 40 }));
    // A session's first turn under a 48-token system prompt, then its second turn once the first has left.
    const sys = { group: 'sys', tokens: 48 };
    const first = t.add({ id: 's1', arrivalUs: 0, inputTokens: 130, outputTokens: 50, sessionId: 's', prefix: { group: 'session:s', tokens: 130, exclusive: true, final: false, parent: sys } });
    const second = t.add({ id: 's2', arrivalUs: 5_000_000, inputTokens: 260, outputTokens: 20, sessionId: 's', prefix: { group: 'session:s', tokens: 260, exclusive: true, final: true, parent: sys } });
    t.run();
    expect(t.finishedCalls).toBe(5);
    expect(own.map(computed)).toEqual([false, false, false]);
    // The first turn's blocks were registered from its arrival when the second came (pending keys):
    // its chain was hashed then, not its request's; the second looked its session's list up and hit it.
    expect(first.hashesPartial).toBe(true);
    expect(computed(second)).toBe(true);
    expect(second.cachedTokens).toBe(Math.floor((130 + 50 - 1) / 16) * 16);
  });

  it("a session's final turn defers its session's blocks only when the caller says it is alone in its group, and still looks up the earlier turns'", () => {
    // 48 system-prompt tokens (3 shared blocks), then the session's context: private to the session's group.
    const src = { id: 't', arrivalUs: 0, inputTokens: 100, outputTokens: 1, sessionId: 's', prefix: { group: 'session:s', tokens: 100, exclusive: true, final: true, parent: { group: 'sys', tokens: 48 } } };
    const alone = engineRequestFor(src, 0, 16, undefined, true, true);
    expect([alone.sharedBlocks, alone.deferPrivate, alone.privateInPool]).toEqual([3, true, true]);
    expect(engineRequestFor(src, 0, 16, undefined, true, false).deferPrivate).toBe(false);
    // Ids a trace may repeat: never.
    expect(engineRequestFor(src, 0, 16, undefined, false, true).deferPrivate).toBe(false);
  });
});
