import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DelayedKvIndex } from '../../src/cluster/kv-signal.js';
import { arrival, run } from './helpers.js';

const ALL = Uint8Array.from([1, 1, 1]);

/** The index as documented, the plain way: visible hash → instances, pending events in a list. */
class Reference {
  visible = new Map<number, Set<number>>();
  pending: { i: number; stored: boolean; h: number; t: number }[] = [];
  constructor(readonly delayUs: number) {}
  record(i: number, stored: boolean, h: number, t: number): void {
    this.pending.push({ i, stored, h, t });
    if (this.delayUs <= 0) this.advance(t);
  }
  advance(now: number): void {
    while (this.pending.length > 0 && this.pending[0]!.t <= now - this.delayUs) {
      const e = this.pending.shift()!;
      const set = this.visible.get(e.h) ?? new Set<number>();
      if (e.stored) set.add(e.i);
      else set.delete(e.i);
      if (set.size > 0) this.visible.set(e.h, set);
      else this.visible.delete(e.h);
    }
  }
  forget(i: number): void {
    for (const [h, set] of [...this.visible]) {
      set.delete(i);
      if (set.size === 0) this.visible.delete(h);
    }
  }
  matched(hashes: number[], eligible: Uint8Array, n: number): number[] {
    return Array.from({ length: n }, (_, i) => {
      if (eligible[i] === 0) return 0;
      let k = 0;
      while (k < hashes.length && this.visible.get(hashes[k]!)?.has(i)) k++;
      return k;
    });
  }
}

describe('delayed KV-event index', () => {
  it('does not show a stored block before the cache-signal delay has passed', () => {
    const idx = new DelayedKvIndex(3, 2_000_000);
    idx.record(1, true, 11, 0);
    idx.record(1, true, 12, 0);
    const out = new Float64Array(3);
    idx.advance(1_999_999);
    idx.matchedBlocks(Float64Array.from([11, 12]), ALL, 3, out);
    expect([...out]).toEqual([0, 0, 0]);
    idx.advance(2_000_000);
    idx.matchedBlocks(Float64Array.from([11, 12]), ALL, 3, out);
    expect([...out]).toEqual([0, 2, 0]);
  });

  it('keeps showing an evicted block until the eviction is as old as the delay', () => {
    const idx = new DelayedKvIndex(2, 100);
    idx.record(0, true, 5, 0);
    idx.record(0, false, 5, 50);
    const out = new Float64Array(2);
    idx.advance(120);
    idx.matchedBlocks(Float64Array.from([5]), ALL, 2, out);
    expect(out[0]).toBe(1);
    idx.advance(150);
    idx.matchedBlocks(Float64Array.from([5]), ALL, 2, out);
    expect(out[0]).toBe(0);
    expect(idx.size).toBe(0);
  });

  it('behaves like a plain delayed map of hash → instances: events apply in order once delayUs old, forgetInstance drops what is visible, lookups count leading blocks per eligible instance', () => {
    const op = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('record' as const), i: fc.nat(), stored: fc.integer({ min: 0, max: 3 }).map((x) => x > 0), h: fc.integer({ min: 0, max: 400 }), dt: fc.integer({ min: 0, max: 30 }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), dt: fc.oneof(fc.integer({ min: 0, max: 60 }), fc.constant(20_000)) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('forget' as const), i: fc.nat() }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('lookup' as const), start: fc.integer({ min: 0, max: 400 }), len: fc.integer({ min: 0, max: 6 }), seed: fc.nat() }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.constantFrom(0, 1, 25, 100, 10_000), fc.array(op, { maxLength: 700, size: 'max' }), (n, delayUs, ops) => {
        const idx = new DelayedKvIndex(n, delayUs);
        const ref = new Reference(delayUs);
        const out = new Float64Array(n);
        let t = 0;
        for (const o of ops) {
          if (o.kind === 'record') {
            t += o.dt;
            idx.record(o.i % n, o.stored, o.h, t);
            ref.record(o.i % n, o.stored, o.h, t);
          } else if (o.kind === 'advance') {
            t += o.dt;
            idx.advance(t);
            ref.advance(t);
          } else if (o.kind === 'forget') {
            idx.forgetInstance(o.i % n);
            ref.forget(o.i % n);
          } else {
            // Runs of consecutive hashes (stored that way often) or scattered ones.
            const hashes = Array.from({ length: o.len }, (_, k) => (o.seed % 2 === 0 ? o.start + k : (o.start + 37 * k) % 401));
            const eligible = Uint8Array.from({ length: n }, (_, i) => ((o.seed >> (i % 30)) & 3) === 0 ? 0 : 1);
            idx.matchedBlocks(Float64Array.from(hashes), eligible, n, out);
            expect([...out]).toEqual(ref.matched(hashes, eligible, n));
          }
          expect(idx.size).toBe(ref.visible.size);
          expect(idx.pending).toBe(delayUs <= 0 ? 0 : ref.pending.length);
        }
      }),
      { numRuns: 120 },
    );
  });

  it('grows its event ring past 64 pending events and its slot table past 256 hashes (some freed), keeping order and contents', () => {
    const n = 40;
    const idx = new DelayedKvIndex(n, 1_000);
    const ref = new Reference(1_000);
    const out = new Float64Array(n);
    const all = new Uint8Array(n).fill(1);
    let t = 0;
    const both = (i: number, stored: boolean, h: number): void => {
      idx.record(i, stored, h, t);
      ref.record(i, stored, h, t);
    };
    // 300 stores of 300 hashes across the instances, all pending (the ring wraps after a partial apply).
    for (let h = 0; h < 40; h++) both(h % n, true, h);
    t = 500;
    for (let h = 40; h < 300; h++) both((h * 7) % n, true, h);
    idx.advance(1_000);
    ref.advance(1_000);
    expect(idx.pending).toBe(260);
    t = 600;
    // Evictions interleaved with the wrapped ring: half of the first 40 go again.
    for (let h = 0; h < 40; h += 2) both(h % n, false, h);
    for (let h = 300; h < 420; h++) both(h % n, true, h);
    for (const now of [1_499, 1_500, 1_600, 5_000]) {
      idx.advance(now);
      ref.advance(now);
      expect(idx.pending).toBe(ref.pending.length);
      expect(idx.size).toBe(ref.visible.size);
      for (const start of [0, 1, 40, 250, 299, 400]) {
        const hashes = Array.from({ length: 8 }, (_, k) => start + k);
        idx.matchedBlocks(Float64Array.from(hashes), all, n, out);
        expect([...out]).toEqual(ref.matched(hashes, all, n));
      }
    }
    expect(idx.size).toBe(400);
  });

  it('counts only the leading run of blocks, per instance, over many instances', () => {
    const idx = new DelayedKvIndex(70, 0);
    for (const h of [1, 2, 3]) idx.record(66, true, h, 0);
    idx.record(4, true, 1, 0);
    idx.record(4, true, 3, 0);
    const elig = new Uint8Array(70).fill(1);
    const out = new Float64Array(70);
    idx.matchedBlocks(Float64Array.from([1, 2, 3]), elig, 70, out);
    expect(out[66]).toBe(3);
    expect(out[4]).toBe(1);
    expect(out[0]).toBe(0);
  });

  it('routing: a prefix is not seen as cached before the delay, and is after it', async () => {
    // 3 instances, precise-prefix-cache only, delay 100 ms. A (t=0) lands on instance 0 and
    // caches its prefix within ~2 ms. B (t=50 ms) sees no cache yet: tie, rotation → instance 1.
    // C (t=120 ms): instance 0's events have matured (instance 1's, stored at ~50 ms, have not),
    // so C goes to instance 0 although the rotation points at instance 2.
    const prefix = { prefix: { group: 'p', tokens: 64 } } as const;
    const { records } = await run({
      numInstances: 3, routingPolicy: 'weighted', routingScorers: 'precise-prefix-cache:1',
      cacheSignalDelayMs: 100, snapshotRefreshIntervalMs: 0,
    }, [arrival('A', 0, 64, 2, prefix), arrival('B', 50_000, 64, 2, prefix), arrival('C', 120_000, 64, 2, prefix)]);
    expect(records.get('A')!.instance).toBe(0);
    expect(records.get('B')!.instance).toBe(1);
    expect(records.get('B')!.routingScores).toEqual({ 'precise-prefix-cache': 0 });
    expect(records.get('C')!.instance).toBe(0);
    expect(records.get('C')!.routingScores).toEqual({ 'precise-prefix-cache': 1 });
  });
});
