/**
 * Each routing policy against its documented rule, written the plain way over random views that
 * change between picks: round-robin cycles through eligible instances in id order from after the
 * last pick; least-loaded takes the fewest waiting + running + in-flight, ties broken by a start
 * that moves one eligible instance per pick (the k-th pick starts at the (k mod m)-th of m eligible); vllm-dp the lowest 4 · (waiting + sent since the scrape) + running, the lowest id on a tie; random takes the ⌊u·count⌋-th eligible instance; weighted
 * takes the highest Σ weight·score (llm-d's queue scorer: (max − q)/(max − min) over the
 * candidates, 1 when equal; the KV scorer: 1 − utilisation), ties broken as least-loaded's.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findRoutingPolicy, resolveRouting } from '../../src/cluster/routing.js';
import { parseScorerWeights } from '../../src/cluster/scorers/registry.js';
import { createRouterView, type MutableRouterView, type RoutingRequest } from '../../src/cluster/view.js';
import { Rng } from '../../src/kernel/rng.js';
import type { Random } from '../../src/kernel/random.js';

const REQ: RoutingRequest = { index: 0, inputTokens: 16, outputTokens: 1, blockHashes: new Float64Array(0), priority: 0 };

interface State {
  waiting: number[];
  running: number[];
  inFlight: number[];
  kv: number[];
  eligible: number[];
}

const stateArb = (n: number): fc.Arbitrary<State> =>
  fc.record({
    waiting: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: n, maxLength: n }),
    running: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: n, maxLength: n }),
    inFlight: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
    kv: fc.array(fc.constantFrom(0, 0.25, 0.5, 0.75, 1), { minLength: n, maxLength: n }),
    eligible: fc.array(fc.integer({ min: 0, max: 3 }).map((x) => (x === 0 ? 0 : 1)), { minLength: n, maxLength: n }),
  });

/** n instances and a sequence of views, one per pick (small values: ties are common). */
const runArb = fc.integer({ min: 1, max: 9 }).chain((n) => fc.record({ n: fc.constant(n), states: fc.array(stateArb(n), { minLength: 1, maxLength: 40, size: 'max' }) }));

function load(view: MutableRouterView, s: State): void {
  view.waiting.set(s.waiting);
  view.running.set(s.running);
  view.inFlight.set(s.inFlight);
  view.kvUtilization.set(s.kv);
  view.eligible.set(s.eligible);
}

/** The k-th pick's tie-break start: the (k mod m)-th of the m eligible instances (0 when none). */
function rotatingStart(eligible: number[], k: number): number {
  const ids = eligible.flatMap((e, i) => (e === 1 ? [i] : []));
  return ids.length === 0 ? 0 : ids[k % ids.length]!;
}

/** The eligible instance with the highest value; among equals, the first from `start` going up (wrapping). */
function argmaxFrom(values: number[], eligible: number[], start: number): number {
  const n = values.length;
  const order = Array.from({ length: n }, (_, k) => (start + k) % n).filter((i) => eligible[i] === 1);
  if (order.length === 0) return -1;
  const best = Math.max(...order.map((i) => values[i]!));
  return order.find((i) => values[i] === best)!;
}

function picks(policy: string, n: number, states: State[], scorers = '', more: { apiServers?: number; random?: Random; scrapes?: number[] } = {}): number[] {
  const entry = findRoutingPolicy(policy);
  const p = entry.create({ numInstances: n, scorers: scorers === '' ? [] : parseScorerWeights(scorers), random: more.random ?? new Rng(7).fork('routing'), ...(more.apiServers !== undefined ? { apiServers: more.apiServers } : {}) });
  const view = createRouterView(n);
  return states.map((s, k) => {
    load(view, s);
    view.scrapedUs = more.scrapes?.[k] ?? 0;
    return p.pick(view, REQ, k * 1000);
  });
}

/** A Random that returns the given draws in turn. */
function scripted(draws: number[]): Random {
  let k = 0;
  return { next: () => draws[k++ % draws.length]! } as Random;
}

describe('routing policies against their rules', () => {
  it('round-robin: the first eligible instance after the last one picked, in id order', () => {
    fc.assert(
      fc.property(runArb, ({ n, states }) => {
        let next = 0;
        const want = states.map((s) => {
          for (let k = 0; k < n; k++) {
            const i = (next + k) % n;
            if (s.eligible[i] === 1) {
              next = (i + 1) % n;
              return i;
            }
          }
          return -1;
        });
        expect(picks('round-robin', n, states)).toEqual(want);
      }),
    );
  });

  it('least-loaded: fewest waiting + running + in flight; ties from a start moving one eligible instance per pick', () => {
    fc.assert(
      fc.property(runArb, ({ n, states }) => {
        const want = states.map((s, k) => argmaxFrom(s.waiting.map((w, i) => -(w + s.running[i]! + s.inFlight[i]!)), s.eligible, rotatingStart(s.eligible, k)));
        expect(picks('least-loaded', n, states)).toEqual(want);
      }),
    );
  });

  it("vllm-dp: vLLM's balancer, the lowest 4 x (waiting + sent since the counts) + running; the lowest id on a tie", () => {
    fc.assert(
      fc.property(runArb, ({ n, states }) => {
        // The views here all carry one scrape time, so what it sent adds up over the whole run.
        const sent = new Array<number>(n).fill(0);
        const want = states.map((s) => {
          const i = argmaxFrom(s.waiting.map((w, j) => -(4 * (w + sent[j]!) + s.running[j]!)), s.eligible, 0);
          if (i >= 0) sent[i]! += 1;
          return i;
        });
        expect(picks('vllm-dp', n, states)).toEqual(want);
      }),
    );
    // By hand: one waiting request outweighs three running ones (4 > 3); equal scores go to rank 0,
    // then the request it sent counts as waiting there: after 0, 1, 0 it has sent 2 and 1, so rank 1
    // with 3 running scores 4 + 3 = 7 against 8, and with 5 running 9 against 8.
    const idle = { waiting: [0, 0], running: [0, 0], inFlight: [0, 0], kv: [0, 0], eligible: [1, 1] };
    expect(picks('vllm-dp', 2, [{ ...idle, waiting: [1, 0], running: [0, 3] }])).toEqual([1]);
    expect(picks('vllm-dp', 2, [idle, idle, idle, { ...idle, running: [0, 3] }])).toEqual([0, 1, 0, 1]);
    expect(picks('vllm-dp', 2, [idle, idle, idle, { ...idle, running: [0, 5] }])).toEqual([0, 1, 0, 0]);
  });

  it("vllm-dp with vLLM 0.15's API servers (one per rank): each request reaches the ⌊u × servers⌋-th, which scans from its own start, counts its own sends (each as servers waiting) and forgets them at the next counts", () => {
    fc.assert(
      fc.property(runArb, fc.integer({ min: 1, max: 4 }), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 40, maxLength: 40 }), ({ n, states }, servers, scrapeSteps) => {
        const stream = new Rng(7).fork('routing');
        const sent = Array.from({ length: servers }, () => new Array<number>(n).fill(0));
        // Scrape times that stay put for a while, then move on (the counts are published anew).
        const scrapes = scrapeSteps.reduce<number[]>((acc, d) => [...acc, (acc.at(-1) ?? 0) + (d === 2 ? 1000 : 0)], []);
        const want = states.map((s, k) => {
          if (k > 0 && scrapes[k] !== scrapes[k - 1]) for (const row of sent) row.fill(0);
          const c = servers === 1 ? 0 : Math.floor(stream.next() * servers);
          const i = argmaxFrom(s.waiting.map((w, j) => -(4 * (w + sent[c]![j]!) + s.running[j]!)), s.eligible, Math.floor((n * c) / servers));
          if (i >= 0) sent[c]![i]! += servers;
          return i;
        });
        expect(picks('vllm-dp', n, states, '', { apiServers: servers, scrapes })).toEqual(want);
      }),
    );
    // By hand, two ranks behind two API servers, all idle: the requests reach servers 0, 1, 0, 1.
    // Server 0 scans from rank 0 (0), server 1 from rank 1 (1); server 0 then counts its first send
    // as 2 waiting on rank 0 (score 8 against 0: rank 1), server 1 its own on rank 1 (rank 0).
    const idle = { waiting: [0, 0], running: [0, 0], inFlight: [0, 0], kv: [0, 0], eligible: [1, 1] };
    expect(picks('vllm-dp', 2, [idle, idle, idle, idle], '', { apiServers: 2, random: scripted([0.1, 0.7, 0.2, 0.9]) })).toEqual([0, 1, 1, 0]);
    // One server taking them all alternates, each send counting 2: 0 (8, 0), 1 (8, 8), 0.
    expect(picks('vllm-dp', 2, [idle, idle, idle], '', { apiServers: 2, random: scripted([0.1]) })).toEqual([0, 1, 0]);
    // New counts wipe what the servers sent: rank 0 again.
    expect(picks('vllm-dp', 2, [idle, idle], '', { apiServers: 2, random: scripted([0.1]), scrapes: [0, 100_000] })).toEqual([0, 0]);
  });

  it('random: the ⌊u × eligible count⌋-th eligible instance for each draw u of the routing stream', () => {
    fc.assert(
      fc.property(runArb, ({ n, states }) => {
        const stream = new Rng(7).fork('routing');
        const want = states.map((s) => {
          const ids = s.eligible.flatMap((e, i) => (e === 1 ? [i] : []));
          return ids.length === 0 ? -1 : ids[Math.floor(stream.next() * ids.length)]!;
        });
        expect(picks('random', n, states)).toEqual(want);
      }),
    );
  });

  it('weighted (queue-depth:1, kv-utilization:2): the highest weighted sum, ties from the rotating start', () => {
    fc.assert(
      fc.property(runArb, ({ n, states }) => {
        const want = states.map((s, k) => {
          const q = s.waiting.map((w, i) => w + s.inFlight[i]!);
          const cand = q.filter((_, i) => s.eligible[i] === 1);
          const [lo, hi] = [Math.min(...cand), Math.max(...cand)];
          const total = q.map((qi, i) => (s.eligible[i] === 0 ? 0 : hi > lo ? (hi - qi) / (hi - lo) : 1) + 2 * (1 - s.kv[i]!));
          return argmaxFrom(total, s.eligible, rotatingStart(s.eligible, k));
        });
        expect(picks('weighted', n, states, 'queue-depth:1,kv-utilization:2')).toEqual(want);
      }),
    );
  });

  it('weighted reports each scorer\'s score of the chosen instance, rounded to 6 decimals', () => {
    const entry = findRoutingPolicy('weighted');
    const p = entry.create({ numInstances: 3, scorers: parseScorerWeights('queue-depth:1,kv-utilization:2'), random: new Rng(1).fork('routing') });
    const view = createRouterView(3);
    view.waiting.set([3, 0, 6]);
    view.kvUtilization.set([0.1, 1 / 3, 0.9]);
    expect(p.pick(view, REQ, 0)).toBe(1); // 1 + 2·(2/3) = 2.33 against 0.5 + 1.8 = 2.3 and 0 + 0.2
    expect(p.lastScores!(1)).toEqual({ 'queue-depth': 1, 'kv-utilization': 0.666667 });
    expect(p.lastScores!(0)).toEqual({ 'queue-depth': 0.5, 'kv-utilization': 0.9 });
  });
});

describe('tie-breaks share picks evenly among the eligible instances', () => {
  // Three instances, the first ineligible (a prefill pod for a decode pick, another model's pod):
  // equal scores everywhere. The start moves one eligible instance per pick: 1, 2, 1, 2, ... Before,
  // it moved over every id (0, 1, 2), and starts 0 and 1 both landed on instance 1: 1, 1, 2, 1, 1, 2.
  for (const [policy, scorers] of [['least-loaded', ''], ['weighted', 'queue-depth:1']] as const) {
    it(`${policy}: ties alternate between the two eligible instances`, () => {
      const state: State = { waiting: [0, 0, 0], running: [0, 0, 0], inFlight: [0, 0, 0], kv: [0, 0, 0], eligible: [0, 1, 1] };
      expect(picks(policy, 3, Array.from({ length: 6 }, () => state), scorers)).toEqual([1, 2, 1, 2, 1, 2]);
    });
  }
});

describe('weighted routing without --routing-scorers', () => {
  it("is the EPP's default profile: queue-scorer 2, kv-cache-utilization-scorer 2, prefix-cache-scorer 3 (llm-d loader/defaults.go)", () => {
    const choice = resolveRouting('weighted', undefined, 'round-robin');
    expect([choice.scorersFrom, choice.scorers]).toEqual(['default', [{ name: 'queue-depth', weight: 2 }, { name: 'kv-utilization', weight: 2 }, { name: 'prefix-affinity', weight: 3 }]]);
    // Hand-computed: waiting [1, 0, 2] scores (2 − q)/2 = [0.5, 1, 0] ×2 = [1, 2, 0]; KV [0, 0.8, 0] scores
    // 1 − u = [1, 0.2, 1] ×2 = [2, 0.4, 2]; no prefix held anywhere. Totals [3, 2.4, 2]: instance 0, the
    // one with free KV, where the former default (prefix-affinity:2,queue-depth:1) took the shortest queue, 1.
    const p = findRoutingPolicy('weighted').create({ numInstances: 3, scorers: choice.scorers, random: new Rng(1).fork('routing') });
    const view = createRouterView(3);
    view.waiting.set([1, 0, 2]);
    view.kvUtilization.set([0, 0.8, 0]);
    expect(p.pick(view, REQ, 0)).toBe(0);
    expect(p.lastScores!(0)).toEqual({ 'queue-depth': 0.5, 'kv-utilization': 1, 'prefix-affinity': 0 });
  });
});

describe('routing policy names and wiring', () => {
  it('reads names as typed (case, spaces) and refuses an unknown one with the flag and close names', () => {
    expect(findRoutingPolicy(' Least-Loaded ').name).toBe('least-loaded');
    expect(() => findRoutingPolicy('round-robbin')).toThrowError(
      expect.objectContaining({ code: 'UNKNOWN_ROUTING_POLICY', where: '--routing-policy', message: expect.stringContaining("unknown routing policy 'round-robbin' (did you mean round-robin?)") }),
    );
  });

  it('weighted needs scorers, and names the flag', () => {
    const entry = findRoutingPolicy('weighted');
    expect(() => entry.create({ numInstances: 2, scorers: [], random: new Rng(1).fork('routing') })).toThrowError(
      expect.objectContaining({ code: 'FLAG_MISSING', where: '--routing-scorers' }),
    );
  });

  it('weighted tells learning scorers where each request went: a repeated prefix follows the first', () => {
    const entry = findRoutingPolicy('weighted');
    const p = entry.create({ numInstances: 4, scorers: parseScorerWeights('prefix-affinity:1'), random: new Rng(1).fork('routing') });
    const view = createRouterView(4);
    const ask = (index: number, hashes: number[]): number => {
      const r = { ...REQ, index, blockHashes: Float64Array.from(hashes), inputTokens: hashes.length * 16 };
      const i = p.pick(view, r, index);
      p.onRouted!(view, r, i, index);
      return i;
    };
    const first = ask(0, [11, 12, 13]);
    // Without what the scorer learnt, equal scores would rotate the choice to the next instance.
    expect([ask(1, [11, 12, 13]), ask(2, [11, 12, 99]), ask(3, [11, 12, 13])]).toEqual([first, first, first]);
    // Unseen prefixes score 0 everywhere: the rotating start decides (4 mod 4, then 5 mod 4).
    expect([first, ask(4, [50, 51]), ask(5, [60])]).toEqual([0, 0, 1]);
  });
});
