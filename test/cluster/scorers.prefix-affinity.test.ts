/**
 * The prefix-affinity scorer's index: one LRU per instance, as llm-d-inference-scheduler's
 * approximateprefix indexer keeps it (indexer.go Add/Get, plugin.go PreRequest/makeserver/
 * matchLongestPrefix), checked on hand-computed cases and against a plain Map-per-instance model.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRouterView, type RouterView, type RoutingRequest } from '../../src/cluster/view.js';
import { findScorer, parseScorerWeights, resolveScorerOptions } from '../../src/cluster/scorers/registry.js';
import { DEFAULT_LRU_CAPACITY_PER_SERVER, PrefixAffinityIndex } from '../../src/cluster/scorers/prefix-affinity.js';
import { findRoutingPolicy } from '../../src/cluster/routing.js';
import { Rng } from '../../src/kernel/rng.js';
import { makeCluster } from './helpers.js';

function req(hashes: number[], index = 0): RoutingRequest {
  return { index, inputTokens: hashes.length * 16, outputTokens: 1, blockHashes: Float64Array.from(hashes), priority: 0 };
}

/** An index of `n` instances whose LRUs hold `capacity` blocks each. */
function index(n: number, capacity: number): { idx: PrefixAffinityIndex; view: RouterView; route: (hashes: number[], instance: number) => void; scores: (hashes: number[]) => number[] } {
  const idx = new PrefixAffinityIndex(n, capacity);
  const view = createRouterView(n);
  const out = new Float64Array(n);
  return {
    idx, view,
    route: (hashes, instance) => idx.onRouted(view, req(hashes), instance),
    scores: (hashes) => {
      idx.score(view, req(hashes), out);
      return [...out];
    },
  };
}

describe('prefix-affinity: scores', () => {
  it('scores the fraction of leading blocks the router sent to each instance', () => {
    const { route, scores } = index(3, 100);
    route([1, 2, 3, 4], 1);
    route([1, 2, 9], 2);
    expect(scores([1, 2, 3, 7])).toEqual([0, 3 / 4, 2 / 4]);
  });
  it('ends the run at the first block no instance holds: a later match does not count', () => {
    const { route, scores } = index(2, 100);
    route([5, 6], 0);
    expect(scores([4, 5, 6])).toEqual([0, 0]);
  });
  it('works past 32 instances (multi-word bitsets)', () => {
    const { route, scores } = index(70, 100);
    route([1, 2], 65);
    route([1], 3);
    const out = scores([1, 2]);
    expect([out[65], out[3], out[0]]).toEqual([1, 0.5, 0]);
  });
  it('matches and counts at most maxPrefixBlocks leading blocks (llm-d hashPrompt truncates to maxPrefixBlocksToMatch, 256)', () => {
    // 600-block prompts sharing their first 300 blocks: EPP hashes only blocks 0..255, so the second
    // scores 256/256 = 1 on the instance the first went to (not 300/600 = 0.5).
    const shared = Array.from({ length: 300 }, (_, k) => k + 1);
    const a = [...shared, ...Array.from({ length: 300 }, (_, k) => 1000 + k)];
    const b = [...shared, ...Array.from({ length: 300 }, (_, k) => 2000 + k)];
    const view = createRouterView(2);
    const idx = findScorer('prefix-affinity').create({ numInstances: 2 }) as PrefixAffinityIndex;
    idx.onRouted(view, req(a), 0);
    expect(idx.size).toBe(256); // the index learns only the hashed blocks
    const out = new Float64Array(2);
    idx.score(view, req(b), out);
    expect([...out]).toEqual([1, 0]);
    // With maxPrefixBlocksToMatch 400: 300 of the 400 counted blocks match.
    const wide = findScorer('prefix-affinity').create({ numInstances: 2 }, { maxPrefixBlocks: 400 }) as PrefixAffinityIndex;
    wide.onRouted(view, req(a), 1);
    wide.score(view, req(b), out);
    expect([...out]).toEqual([0, 0.75]);
  });
});

describe('prefix-affinity: one LRU per instance (llm-d indexer.go)', () => {
  it('evicts a block from the full instance only: another instance keeps the same hash', () => {
    const { idx, route, scores } = index(2, 3);
    route([1, 2, 3], 0);
    route([1, 2, 3], 1);
    // A's LRU (capacity 3) is full: block 4 evicts A's least recent block, 1. B still holds 1, 2, 3.
    route([4], 0);
    expect([idx.heldBy(0), idx.heldBy(1), idx.size]).toEqual([3, 3, 4]);
    // The run [1, 2, 3] goes on past block 1 (B holds it); A counts the blocks it holds, 2 and 3
    // (matchLongestPrefix adds 1 per pod per block of the run, a gap is no stop).
    expect(scores([1, 2, 3])).toEqual([2 / 3, 1]);
    expect(scores([4])).toEqual([1, 0]);
  });
  it('frees a block\'s entry when the last instance holding it evicts it', () => {
    const { idx, route, scores } = index(2, 2);
    route([1, 2], 0);
    route([3, 4], 0);
    expect(idx.size).toBe(2);
    expect(scores([1, 2])).toEqual([0, 0]);
    expect(scores([3, 4])).toEqual([1, 0]);
  });
  it('forgets an instance that leaves the fleet (llm-d CleanUpInactivePods → RemovePod): its blocks no longer extend the others\' run', () => {
    const { idx, route, scores } = index(3, 10);
    route([1, 2, 3], 0);
    route([2, 3], 1);
    route([1, 5], 2);
    // With A, the run [1, 2, 3] goes through block 1 (A, C hold it): B is credited 2 and 3.
    expect(scores([1, 2, 3])).toEqual([1, 2 / 3, 1 / 3]);
    idx.onInstanceGone(0);
    expect([idx.heldBy(0), idx.size]).toEqual([0, 4]);
    // C still holds 1, so the run goes on; A scores nothing.
    expect(scores([1, 2, 3])).toEqual([0, 2 / 3, 1 / 3]);
    idx.onInstanceGone(2);
    // Nobody holds block 1 now: the run is empty, B's 2 and 3 no longer count.
    expect(scores([1, 2, 3])).toEqual([0, 0, 0]);
    expect(idx.size).toBe(2);
    idx.onInstanceGone(2); // twice: nothing left to forget
    expect(scores([2, 3])).toEqual([0, 1, 0]);
  });
  it('adds a request\'s blocks in prompt order: its first block is the first to go', () => {
    const { route, scores } = index(2, 3);
    route([1, 2, 3], 0);
    route([9], 0);
    // Nobody holds 1 now, so the run [1, 2, 3] is empty although A still holds 2 and 3.
    expect(scores([1, 2, 3])).toEqual([0, 0]);
    expect(scores([2, 3])).toEqual([1, 0]);
  });
  it('refreshes a block only when a request carrying it is routed there, not when a lookup matches it', () => {
    const { route, scores } = index(1, 2);
    route([1, 2], 0);
    // Lookups (indexer.go Get reads hashToPods only) leave 1 the least recent...
    for (let k = 0; k < 3; k++) expect(scores([1])).toEqual([1]);
    route([3], 0);
    expect(scores([1])).toEqual([0]);
    expect(scores([2, 3])).toEqual([1]);
    // ...routing it again (golang-lru Add on a present key) moves it to the front: 2 goes instead.
    const again = index(1, 2);
    again.route([1, 2], 0);
    again.route([1], 0);
    again.route([3], 0);
    expect(again.scores([1])).toEqual([1]);
    expect(again.scores([2])).toEqual([0]);
  });
  it('scores only eligible instances but ends the run only where no instance at all holds the block', () => {
    const { view, route, scores } = index(2, 10);
    route([1], 1);
    route([1, 2], 0);
    view.eligible[0] = 0;
    expect(scores([1, 2])).toEqual([0, 1 / 2]);
  });
});

describe('prefix-affinity: LRU capacity per instance', () => {
  it('sizes each instance\'s LRU to its KV blocks (llm-d autoTune: CacheNumBlocks), at its first routed request', () => {
    const view = createRouterView(3);
    view.numGpuBlocks.set([2, 3, 0]);
    const idx = findScorer('prefix-affinity').create({ numInstances: 3 }) as PrefixAffinityIndex;
    idx.onRouted(view, req([1, 2, 3]), 0);
    idx.onRouted(view, req([1, 2, 3]), 1);
    idx.onRouted(view, req([1]), 2);
    // An instance reporting no KV size gets llm-d's defaultLRUCapacityPerServer (plugin.go makeserver).
    expect([idx.capacityOf(0), idx.capacityOf(1), idx.capacityOf(2)]).toEqual([2, 3, DEFAULT_LRU_CAPACITY_PER_SERVER]);
    expect([idx.heldBy(0), idx.heldBy(1)]).toEqual([2, 3]);
    // Made once, never resized (indexer.go Add makes a pod's LRU only when it has none).
    view.numGpuBlocks[0] = 100;
    idx.onRouted(view, req([7, 8, 9]), 0);
    expect([idx.capacityOf(0), idx.heldBy(0)]).toEqual([2, 2]);
  });
  it('takes a fixed lruCapacityPerServer over the KV size', () => {
    const view = createRouterView(2);
    view.numGpuBlocks.set([1000, 1000]);
    const idx = findScorer('prefix-affinity').create({ numInstances: 2 }, { lruCapacityPerServer: 2 }) as PrefixAffinityIndex;
    idx.onRouted(view, req([1, 2, 3]), 1);
    expect([idx.capacityOf(1), idx.heldBy(1)]).toEqual([2, 2]);
  });
  it('gives instances their pool\'s KV size, an autoscaler\'s added instance too', () => {
    const { cluster } = makeCluster({ pools: [{ name: 'small', count: 1, totalKvBlocks: 500 }, { name: 'big', count: 1, totalKvBlocks: 2000 }], maxInstances: 3 });
    const id = cluster.lifecycle.add('big');
    expect([...cluster.view.numGpuBlocks.subarray(0, 3)]).toEqual([500, 2000, 2000]);
    expect(id).toBe(2);
  });
  it('hears from the cluster when an instance goes, through the weighted policy', () => {
    const { cluster } = makeCluster({ numInstances: 2, routingPolicy: 'weighted', routingScorers: 'prefix-affinity:1' });
    const policy = (cluster as unknown as { policies: Array<{ onInstanceGone?: (i: number) => void }> }).policies[0]!;
    const gone: number[] = [];
    const forward = policy.onInstanceGone!.bind(policy);
    policy.onInstanceGone = (i) => { gone.push(i); forward(i); };
    cluster.lifecycle.setState(1, 'draining');
    expect(gone).toEqual([1]);
  });
  it('refuses the retired router-wide capacityBlocks, naming its replacement', () => {
    const scorers = parseScorerWeights('prefix-affinity:2');
    const expected = expect.objectContaining({ code: 'SCORER_OPTION_RETIRED', where: 'scorer options: prefix-affinity.capacityBlocks', message: expect.stringMatching(/one LRU per instance.*use lruCapacityPerServer/) });
    expect(() => resolveScorerOptions({ 'prefix-affinity': { capacityBlocks: 500_000 } }, scorers)).toThrow(expected);
    expect(() => findRoutingPolicy('weighted').create({ numInstances: 2, scorers, scorerOptions: { 'prefix-affinity': { capacityBlocks: 1 } }, random: new Rng(1).fork('routing') })).toThrow(expected);
    expect(resolveScorerOptions({ 'prefix-affinity': { lruCapacityPerServer: 100 } }, scorers)).toEqual({ 'prefix-affinity': { lruCapacityPerServer: 100 } });
  });
});

describe('prefix-affinity against a Map per instance', () => {
  /** llm-d's indexer as written: per pod a golang-lru (a Map in recency order), hashToPods derived from them. */
  class Reference {
    readonly lrus: Map<number, true>[];
    constructor(n: number, private readonly capacity: number) {
      this.lrus = Array.from({ length: n }, () => new Map());
    }
    routed(hashes: number[], instance: number): void {
      const lru = this.lrus[instance]!;
      for (const h of hashes) {
        if (lru.has(h)) lru.delete(h);
        else if (lru.size >= this.capacity) lru.delete(lru.keys().next().value!);
        lru.set(h, true);
      }
    }
    get size(): number {
      return new Set(this.lrus.flatMap((l) => [...l.keys()])).size;
    }
    score(hashes: number[], eligible: number[]): number[] {
      const matched = this.lrus.map(() => 0);
      for (const h of hashes) {
        const holders = this.lrus.map((l, i) => (l.has(h) ? i : -1)).filter((i) => i >= 0);
        if (holders.length === 0) break;
        for (const i of holders) matched[i]!++;
      }
      return matched.map((m, i) => (eligible[i] === 0 || hashes.length === 0 ? 0 : m / hashes.length));
    }
  }

  it('routes, evicts and scores as the reference over random traffic (up to 70 instances, capacities that wrap)', () => {
    // Distinct hashes per request, as a block-hash chain has them (llm-d's Add would mark evicted blocks of an
    // oversized request as held; a real LRU holds far more than the 256 hashed blocks).
    const op = fc.tuple(fc.boolean(), fc.uniqueArray(fc.integer({ min: 0, max: 24 }), { maxLength: 8 }), fc.integer({ min: 0, max: 69 }), fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 70, maxLength: 70 }));
    fc.assert(fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 12 }), fc.array(op, { maxLength: 80, size: 'max' }), (n, capacity, ops) => {
      const { idx, view, route, scores } = index(n, capacity);
      const ref = new Reference(n, capacity);
      for (const [isRoute, hashes, inst, elig] of ops) {
        if (isRoute && hashes.length <= capacity) {
          route(hashes, inst % n);
          ref.routed(hashes, inst % n);
          expect(idx.size).toBe(ref.size);
          expect(idx.heldBy(inst % n)).toBe(ref.lrus[inst % n]!.size);
        } else if (!isRoute) {
          for (let i = 0; i < n; i++) view.eligible[i] = elig[i]!;
          expect(scores(hashes)).toEqual(ref.score(hashes, elig));
        }
      }
    }), { numRuns: 300 });
  });

  it('grows past its first 1,024 entries and nodes and still evicts in routing order, per instance', () => {
    const { idx, route, scores } = index(2, 3000);
    const ref = new Reference(2, 3000);
    for (let k = 0; k < 8000; k++) {
      const hs = [k, k + 0.5];
      route(hs, k % 2);
      ref.routed(hs, k % 2);
    }
    expect([idx.heldBy(0), idx.heldBy(1), idx.size]).toEqual([3000, 3000, 6000]);
    for (const probe of [[0], [4999], [5000], [5000.5], [7999, 7999.5], [7998], [5001]]) {
      expect(scores(probe), String(probe)).toEqual(ref.score(probe, [1, 1]));
    }
  });
});
