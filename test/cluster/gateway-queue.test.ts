import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GatewayQueue, type QueueItem } from '../../src/cluster/gateway-queue.js';

interface Item extends QueueItem {
  readonly id: number;
  /** Which "model" it waits for: drain's canGo lets some through and blocks others. */
  readonly target: number;
}

const item = (id: number, priority: number, target = 0): Item => ({ id, priority, target, removed: false });

/**
 * The queue as the module documents it, written the plain way: every live item in one list;
 * a drain visits priorities in ascending order and, within one, items in arrival order until
 * the first that cannot go (it blocks its own band, not the later ones).
 */
class Reference {
  live: Item[] = [];
  constructor(readonly maxSize: number) {}
  push(it: Item): boolean {
    if (this.maxSize > 0 && this.live.length >= this.maxSize) return false;
    this.live.push(it);
    return true;
  }
  remove(it: Item): void {
    this.live = this.live.filter((x) => x !== it);
  }
  drain(canGo: (it: Item) => boolean): Item[] {
    const out: Item[] = [];
    const priorities = [...new Set(this.live.map((x) => x.priority))].sort((a, b) => a - b);
    for (const p of priorities) {
      for (const it of this.live.filter((x) => x.priority === p)) {
        if (!canGo(it)) break;
        out.push(it);
      }
    }
    this.live = this.live.filter((x) => !out.includes(x));
    return out;
  }
}

describe('GatewayQueue', () => {
  it('dispatches like the plain reference: ascending priority, FIFO within a band, a blocked head holds only its band; lazy removal; the size bound', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), priority: fc.integer({ min: -2, max: 2 }), target: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('drain' as const), open: fc.subarray([0, 1, 2]) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), fc.array(op, { maxLength: 120, size: 'max' }), (maxSize, ops) => {
        const q = new GatewayQueue<Item>(maxSize);
        const ref = new Reference(maxSize);
        let next = 0;
        for (const o of ops) {
          if (o.kind === 'push') {
            const it = item(next++, o.priority, o.target);
            expect(q.push(it)).toBe(ref.push(it));
          } else if (o.kind === 'remove') {
            if (ref.live.length === 0) continue;
            const it = ref.live[o.pick % ref.live.length]!;
            q.remove(it);
            q.remove(it); // a second removal changes nothing
            ref.remove(it);
          } else {
            const went: Item[] = [];
            const canGo = (it: Item): boolean => o.open.includes(it.target);
            q.drain(canGo, (it) => went.push(it));
            expect(went.map((x) => x.id)).toEqual(ref.drain(canGo).map((x) => x.id));
          }
          expect(q.size).toBe(ref.live.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps FIFO order across the compaction of a long band (more than 1,024 heads dispatched)', () => {
    const q = new GatewayQueue<Item>(0);
    for (let i = 0; i < 3000; i++) q.push(item(i, 0));
    const first: number[] = [];
    q.drain(() => first.length < 2100, (it) => first.push(it.id));
    expect(first).toEqual(Array.from({ length: 2100 }, (_, i) => i));
    for (let i = 3000; i < 3010; i++) q.push(item(i, 0));
    const rest: number[] = [];
    q.drain(() => true, (it) => rest.push(it.id));
    expect(rest).toEqual(Array.from({ length: 910 }, (_, i) => 2100 + i));
    expect(q.size).toBe(0);
  });

  it('skips items removed while they wait at a band head, and a band of removed items lets the next band go', () => {
    const q = new GatewayQueue<Item>(0);
    const a = item(0, 0);
    const b = item(1, 0);
    const c = item(2, 1);
    for (const it of [a, b, c]) q.push(it);
    q.remove(a);
    q.remove(b);
    expect(q.size).toBe(1);
    const went: number[] = [];
    q.drain(() => true, (it) => went.push(it.id));
    expect(went).toEqual([2]);
    expect(q.size).toBe(0);
  });
});
