/**
 * Routing-policy conformance, run over the whole registry: a policy picks an eligible
 * instance (or -1 when there is none), the same seed gives the same picks, and equal instances
 * share the load. A new policy inherits these.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { ROUTING_POLICIES, resolveRouting, type RoutingPolicyEntry } from '../../src/cluster/routing.js';
import { parseScorerWeights } from '../../src/cluster/scorers/registry.js';
import { createRouterView, type MutableRouterView, type RoutingRequest } from '../../src/cluster/view.js';
import { Rng } from '../../src/kernel/rng.js';

function req(index: number, hashes: number[]): RoutingRequest {
  return { index, inputTokens: Math.max(1, hashes.length) * 16, outputTokens: 4, blockHashes: Float64Array.from(hashes), priority: 0 };
}

/** The policy as the cluster builds it: a scorer-reading policy gets its own default scorers. */
function create(entry: RoutingPolicyEntry, n: number, seed: number) {
  const scorers = entry.scorers !== undefined ? parseScorerWeights(entry.scorers.defaults) : [];
  return entry.create({ numInstances: n, scorers, random: new Rng(seed).fork('routing') });
}

const viewArb = fc.integer({ min: 1, max: 12 }).chain((n) => fc.record({
  n: fc.constant(n),
  waiting: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: n, maxLength: n }),
  running: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: n, maxLength: n }),
  kv: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }),
  eligible: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }),
  requests: fc.array(fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 5 }), { minLength: 1, maxLength: 20, size: 'max' }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
}));

function viewOf(v: { n: number; waiting: number[]; running: number[]; kv: number[]; eligible: number[] }): MutableRouterView {
  const view = createRouterView(v.n);
  view.waiting.set(v.waiting);
  view.running.set(v.running);
  view.kvUtilization.set(v.kv);
  view.eligible.set(v.eligible);
  return view;
}

/** Routes every request (telling the policy where each went); returns the picks. */
function route(entry: RoutingPolicyEntry, view: MutableRouterView, requests: number[][], seed: number): number[] {
  const policy = create(entry, view.numInstances, seed);
  return requests.map((hashes, i) => {
    const r = req(i, hashes);
    const chosen = policy.pick(view, r, i * 1000);
    if (chosen >= 0) policy.onRouted?.(view, r, chosen, i * 1000);
    return chosen;
  });
}

describe('routing-policy conformance (every registered policy)', () => {
  for (const entry of ROUTING_POLICIES) {
    describe(entry.name, () => {
      it('picks an eligible instance, or -1 exactly when none is eligible', () => {
        fc.assert(fc.property(viewArb, (v) => {
          const view = viewOf(v);
          const anyEligible = v.eligible.includes(1);
          for (const chosen of route(entry, view, v.requests, v.seed)) {
            if (!anyEligible) expect(chosen).toBe(-1);
            else {
              expect(chosen).toBeGreaterThanOrEqual(0);
              expect(chosen).toBeLessThan(v.n);
              expect(view.eligible[chosen]).toBe(1);
            }
          }
        }), { numRuns: 150 });
      });

      it('gives the same picks for the same seed and view', () => {
        fc.assert(fc.property(viewArb, (v) => {
          expect(route(entry, viewOf(v), v.requests, v.seed)).toEqual(route(entry, viewOf(v), v.requests, v.seed));
        }), { numRuns: 100 });
      });

      it('spreads requests over equal instances instead of sending them all to one', () => {
        // Four identical idle instances, one of them not eligible, and requests sharing no prefix.
        const view = createRouterView(4);
        view.eligible.set([1, 0, 1, 1]);
        const picks = route(entry, view, Array.from({ length: 30 }, (_, i) => [1000 + i]), 7);
        const counts = [0, 1, 2, 3].map((i) => picks.filter((p) => p === i).length);
        expect(counts[1]).toBe(0);
        for (const i of [0, 2, 3]) expect(counts[i]).toBeGreaterThan(0);
      });

      if (entry.scorers !== undefined) {
        it('its default scorers are registered scorers', () => {
          expect(parseScorerWeights(entry.scorers!.defaults).length).toBeGreaterThan(0);
        });
      } else {
        it('refuses --routing-scorers, which it would ignore', () => {
          expect(() => resolveRouting(entry.name, 'queue-depth:1', 'round-robin')).toThrowError(/FLAG_CONFLICT|uses scorers/);
        });
      }

      it('resolves through the cluster config under its own name', () => {
        const c = resolveClusterConfig({ routingPolicy: entry.name.toUpperCase(), totalKvBlocks: 100 });
        expect(c.routingPolicy).toBe(entry.name);
        expect(c.routingScorers.length > 0).toBe(entry.scorers !== undefined);
      });
    });
  }
});

describe('routing decision (resolveRouting)', () => {
  it('scorers without a policy imply the policy that reads them; with none, the default policy and no scorers', () => {
    const implied = resolveRouting(undefined, 'queue-depth:3', 'round-robin');
    expect(implied).toMatchObject({ policy: 'weighted', policyFrom: 'derived', scorersFrom: 'given' });
    expect(implied.scorers).toEqual([{ name: 'queue-depth', weight: 3 }]);
    expect(resolveRouting(undefined, undefined, 'round-robin')).toEqual({ policy: 'round-robin', scorers: [], policyFrom: 'default', scorersFrom: 'none' });
    expect(resolveRouting('weighted', undefined, 'round-robin')).toMatchObject({ policyFrom: 'given', scorersFrom: 'default' });
  });
  it('names the policies that read scorers when another policy is given some', () => {
    expect(() => resolveRouting('least-loaded', 'queue-depth:1', 'round-robin'))
      .toThrowError("only --routing-policy weighted uses scorers; least-loaded would ignore them: pass --routing-policy weighted, or drop --routing-scorers");
  });
});
