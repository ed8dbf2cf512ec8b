import { describe, expect, it } from 'vitest';
import { StepBatch } from '../../src/engine/step-batch.js';
import { engineRequestFor, type EngineRequest } from '../../src/engine/engine-request.js';

const req = (id: string, index: number): EngineRequest => engineRequestFor({ id, arrivalUs: 0, inputTokens: 32, outputTokens: 4 }, index, 16);

describe('StepBatch', () => {
  it('removing a slot (a preempted request leaving the batch being formed) shifts the rest and keeps the aggregates', () => {
    const [a, b, c, d] = [req('a', 0), req('b', 1), req('c', 2), req('d', 3)];
    b.epoch = 5;
    d.epoch = 7;
    const s = new StepBatch(4);
    s.clear(9);
    s.add(a, 10, 1, false, true);
    s.add(b, 0, 32, true, true);
    s.admittedFrom = 2; // c and d were admitted from the waiting queue by this formation
    s.add(c, 16, 16, true, false);
    s.add(d, 20, 1, false, true);
    expect([s.size, s.totalNewTokens, s.numPrefill, s.seq]).toEqual([4, 50, 2, 9]);
    // Removing b (before the admitted slots) returns its 32 tokens and moves admittedFrom with the shift.
    expect(s.removeSlot(s.slotOf(b))).toBe(32);
    expect([s.size, s.totalNewTokens, s.numPrefill, s.admittedFrom]).toEqual([3, 18, 1, 1]);
    expect(s.reqs.slice(0, 3)).toEqual([a, c, d]);
    expect([...s.newTokens.subarray(0, 3)]).toEqual([1, 16, 1]);
    expect([...s.contextTokens.subarray(0, 3)]).toEqual([10, 16, 20]);
    expect([...s.isPrefill.subarray(0, 3)]).toEqual([0, 1, 0]);
    expect([...s.sampled.subarray(0, 3)]).toEqual([1, 0, 1]);
    expect([...s.epochs.subarray(0, 3)]).toEqual([0, 0, 7]);
    expect(s.slotOf(b)).toBe(-1);
    // Removing an admitted slot leaves admittedFrom where it is.
    expect(s.removeSlot(s.slotOf(c))).toBe(16);
    expect([s.size, s.totalNewTokens, s.numPrefill, s.admittedFrom]).toEqual([2, 2, 0, 1]);
    expect(s.reqs.slice(0, 2)).toEqual([a, d]);
    // clear resets the shape and the leap marks for the next formation.
    s.leapF = 3;
    s.leapCommit = true;
    s.clear(10);
    expect([s.size, s.totalNewTokens, s.numPrefill, s.admittedFrom, s.seq, s.leapF, s.leapCommit]).toEqual([0, 0, 0, 0, 10, 0, false]);
  });

  it('copies decode slots as one-token steps that all sample, with their epochs', () => {
    const [a, b] = [req('a', 0), req('b', 1)];
    b.epoch = 2;
    const prev = new StepBatch(2);
    prev.clear(1);
    prev.add(a, 32, 0, true, false);
    prev.add(b, 40, 0, true, false);
    const next = new StepBatch(2);
    next.clear(2);
    next.copyDecodeSlots(prev, 2);
    expect(next.reqs.slice(0, 2)).toEqual([a, b]);
    expect([...next.newTokens, ...next.isPrefill, ...next.sampled, ...next.epochs]).toEqual([1, 1, 0, 0, 1, 1, 0, 2]);
  });
});
