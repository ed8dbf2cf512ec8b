import { describe, expect, it } from 'vitest';
import { BacklogTracker } from '../../src/engine/backlog.js';
import { Harness, linearStep } from './helpers.js';
import type { BacklogSlowdown, StepTimeModel } from '../../src/model/step-time.js';

const constant = (us: number, backlog?: BacklogSlowdown): StepTimeModel => ({ stepTimeUs: () => us, ...(backlog ? { backlog } : {}) });

describe('backlog slowdown: the level follows db/dt = (q − b)/τ and stretches steps by 1 + slowdown·b', () => {
  it('hand-computed: rise while queued, decay after, exact for the held signal', () => {
    const t = new BacklogTracker({ slowdown: 0.5, tauUs: 100 });
    expect(t.stretch(0, 100, true)).toBe(100); // no history yet: b = 0
    // b(100) = 1 − e^−1 = 0.63212 → 100 × (1 + 0.31606)
    expect(t.stretch(100, 100, true)).toBe(132);
    expect(t.level).toBeCloseTo(1 - Math.exp(-1), 12);
    // still queued over [100, 200]: b = 1 − e^−2 = 0.86466 → 143.2
    expect(t.stretch(200, 100, false)).toBe(143);
    // queue gone over [200, 300]: b = 0.86466 · e^−1 = 0.31809 → 115.9
    expect(t.stretch(300, 100, false)).toBe(116);
    expect(t.level).toBeCloseTo((1 - Math.exp(-2)) * Math.exp(-1), 12);
    // Same instant: nothing elapsed, level unchanged.
    expect(t.stretch(300, 1000, false)).toBe(1159);
  });

  it('an instance with a standing queue runs later steps longer; an idle gap lets the level decay', () => {
    // max-num-seqs 1, 1000 µs per step: b waits behind a during [0, 1000].
    const t = new Harness({ maxNumSeqs: 1, stepTime: constant(1000, { slowdown: 1, tauUs: 1000 }) });
    const a = t.add({ id: 'a', inputTokens: 10, outputTokens: 1 });
    const b = t.add({ id: 'b', inputTokens: 10, outputTokens: 1 });
    const c = t.add({ id: 'c', arrivalUs: 10_000, inputTokens: 10, outputTokens: 1 });
    t.run();
    expect(a.finishedUs).toBe(1000);
    // b's step starts at 1000 with b = 1 − e^−1 → 1000 × 1.63212 = 1632 µs.
    expect(b.finishedUs).toBe(1000 + 1632);
    // Nothing waited after b was scheduled: by 10 000 the level is 0.632·e^−9 ≈ 8e-5 → 1000 µs.
    expect(c.finishedUs).toBe(11_000);
  });

  it('never changes a run in which no request ever waits', () => {
    const run = (backlog?: BacklogSlowdown): number[] => {
      const t = new Harness({ stepTime: { ...linearStep(), ...(backlog ? { backlog } : {}) } });
      const rs = [0, 50_000, 120_000, 400_000].map((at, i) => t.add({ id: `r${i}`, arrivalUs: at, inputTokens: 200 + 10 * i, outputTokens: 20 }));
      t.run();
      return rs.flatMap((r) => [r.firstTokenUs, r.finishedUs]);
    };
    expect(run({ slowdown: 0.5, tauUs: 1000 })).toEqual(run());
  });

  it('a queue that forms later slows the steps only from then on', () => {
    const plain = new Harness({ maxNumSeqs: 2, stepTime: linearStep() });
    const slowed = new Harness({ maxNumSeqs: 2, stepTime: { ...linearStep(), backlog: { slowdown: 0.3, tauUs: 5000 } } });
    const outs: number[][] = [];
    for (const h of [plain, slowed]) {
      const early = h.add({ id: 'early', inputTokens: 50, outputTokens: 5 });
      const burst = [0, 1, 2, 3, 4].map((i) => h.add({ id: `b${i}`, arrivalUs: 100_000, inputTokens: 50, outputTokens: 30 }));
      h.run();
      outs.push([early.finishedUs, ...burst.map((r) => r.finishedUs)]);
    }
    expect(outs[1]![0]).toBe(outs[0]![0]); // before the burst nobody waited
    for (let i = 1; i < outs[0]!.length; i++) expect(outs[1]![i]).toBeGreaterThan(outs[0]![i]!);
  });
});
