import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FcfsQueue, PriorityQueue, type WaitingQueue } from '../../src/engine/waiting-queue.js';
import { engineRequestFor, type EngineRequest } from '../../src/engine/engine-request.js';

/** A request with the instance-local order `seq` and a priority (lower is served first). */
function req(id: string, seq: number, priority = 0): EngineRequest {
  const r = engineRequestFor({ id, arrivalUs: 0, inputTokens: 1, outputTokens: 1, priority }, seq, 16);
  r.seq = seq;
  return r;
}
const ids = (q: WaitingQueue): string[] => {
  const out: string[] = [];
  q.forEach((r) => out.push(r.src.id));
  return out;
};
const drain = (q: WaitingQueue): string[] => {
  const out: string[] = [];
  for (let r = q.pop(); r !== undefined; r = q.pop()) out.push(r.src.id);
  return out;
};

describe('FcfsQueue (vLLM waiting deque)', () => {
  it('serves arrivals in order, a preempted request first, and a request placed in order by its seq', () => {
    const q = new FcfsQueue();
    expect([q.peek(), q.pop(), q.length]).toEqual([undefined, undefined, 0]);
    const [a, b, c, d] = [req('a', 0), req('b', 2), req('c', 4), req('d', 3)];
    q.push(a);
    q.push(b);
    q.push(c);
    q.pushInOrder(d); // seq 3: after b (2), before c (4)
    expect(ids(q)).toEqual(['a', 'b', 'd', 'c']);
    q.pushInOrder(req('z', -1)); // earliest of all
    q.pushPreempted(req('p', 9));
    expect(ids(q)).toEqual(['p', 'z', 'a', 'b', 'd', 'c']);
    expect(q.peek()!.src.id).toBe('p');
    expect(drain(q)).toEqual(['p', 'z', 'a', 'b', 'd', 'c']);
  });

  it('removes a request wherever it is, keeping the others in order, and reports an absent one', () => {
    const q = new FcfsQueue();
    const rs = ['a', 'b', 'c', 'd'].map((id, k) => req(id, k));
    for (const r of rs) q.push(r);
    expect(q.remove(rs[1]!)).toBe(true);
    expect(q.remove(rs[1]!)).toBe(false);
    expect(q.remove(rs[3]!)).toBe(true);
    expect([ids(q), q.length]).toEqual([['a', 'c'], 2]);
    expect(q.remove(rs[0]!)).toBe(true);
    expect(drain(q)).toEqual(['c']);
  });
});

describe('PriorityQueue (vLLM priority policy: lowest (priority, arrival) first)', () => {
  it('serves by priority, then by seq among equals; removes and places by the same key', () => {
    const q = new PriorityQueue();
    expect([q.peek(), q.pop()]).toEqual([undefined, undefined]);
    const rs = [req('a', 0, 2), req('b', 1, 1), req('c', 2, 1), req('d', 3, 0), req('e', 4, 2)];
    for (const r of rs) q.push(r);
    expect(q.remove(rs[1]!)).toBe(true);
    expect(q.remove(rs[1]!)).toBe(false);
    q.pushPreempted(req('p', 5, 1));
    q.pushInOrder(req('o', -1, 2));
    expect(ids(q).sort()).toEqual(['a', 'c', 'd', 'e', 'o', 'p']);
    expect(q.peek()!.src.id).toBe('d');
    expect(drain(q)).toEqual(['d', 'c', 'p', 'o', 'a', 'e']);
  });

  it('pops in (priority, seq) order after any pushes and removals', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean()), { maxLength: 60, size: 'max' }), (ops) => {
        const q = new PriorityQueue();
        const live: EngineRequest[] = [];
        ops.forEach(([priority, removeOne], seq) => {
          if (removeOne && live.length > 0) {
            const [r] = live.splice(seq % live.length, 1);
            expect(q.remove(r!)).toBe(true);
          } else {
            const r = req(`r${seq}`, seq, priority);
            q.push(r);
            live.push(r);
          }
          expect(q.length).toBe(live.length);
        });
        const want = [...live].sort((x, y) => x.priority - y.priority || x.seq - y.seq).map((r) => r.src.id);
        expect(drain(q)).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });
});
