import { describe, expect, it } from 'vitest';
import { DelayedKvIndex } from '../../src/cluster/kv-signal.js';
import { arrival, run } from './helpers.js';

const ALL = Uint8Array.from([1, 1, 1]);

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
