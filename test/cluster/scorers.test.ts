import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRouterView, type RoutingRequest } from '../../src/cluster/view.js';
import { SCORERS, parseScorerWeights, findScorer } from '../../src/cluster/scorers/registry.js';
import { InputError } from '../../src/kernel/errors.js';

function req(hashes: number[], index = 0): RoutingRequest {
  return { index, inputTokens: hashes.length * 16, outputTokens: 1, blockHashes: Float64Array.from(hashes), priority: 0 };
}

describe('scorer conformance (every registered scorer)', () => {
  for (const entry of SCORERS) {
    it(`${entry.name}: scores are finite, in [0, 1] and deterministic`, () => {
      fc.assert(fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 40, maxLength: 40, size: 'max' }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 40, maxLength: 40, size: 'max' }),
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 0, maxLength: 12, size: 'max' }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 39 }), fc.integer({ min: 1, max: 20 }), fc.boolean()), { maxLength: 60, size: 'max' }),
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 40, maxLength: 40, size: 'max' }),
        (n, waits, kvs, hashes, kvEvents, elig) => {
          const view = createRouterView(n);
          for (let i = 0; i < n; i++) {
            view.waiting[i] = waits[i]!; view.kvUtilization[i] = kvs[i]!;
            view.inFlight[i] = waits[(i + 1) % 40]! % 3; view.active[i] = waits[(i + 7) % 40]!; view.eligible[i] = elig[i]!;
          }
          for (const [inst, h, stored] of kvEvents) if (inst < n) view.kvIndex.record(inst, stored, h, 0);
          const a = entry.create({ numInstances: n });
          const b = entry.create({ numInstances: n });
          const r = req(hashes);
          a.onRouted?.(view, r, 0, 0); b.onRouted?.(view, r, 0, 0);
          const outA = new Float64Array(n); const outB = new Float64Array(n);
          a.score(view, r, outA); b.score(view, r, outB);
          for (let i = 0; i < n; i++) {
            expect(Number.isFinite(outA[i]!)).toBe(true);
            expect(outA[i]!).toBeGreaterThanOrEqual(0);
            expect(outA[i]!).toBeLessThanOrEqual(1);
          }
          expect([...outA]).toEqual([...outB]);
        }), { numRuns: 100 });
    });
  }
});

describe('load-aware (llm-d load_aware.go, threshold 128)', () => {
  it('scores 0.5 for an empty queue, 0.5·(1 − q/T) below the threshold and 0 at or above it', () => {
    const view = createRouterView(4);
    view.waiting.set([0, 32, 128, 500]);
    const out = new Float64Array(4);
    findScorer('load-aware').create({ numInstances: 4 }).score(view, req([]), out);
    expect([...out]).toEqual([0.5, 0.375, 0, 0]);
  });
  it('takes its threshold from options', () => {
    const view = createRouterView(1);
    view.waiting.set([5]);
    const out = new Float64Array(1);
    findScorer('load-aware-scorer').create({ numInstances: 1 }, { threshold: 10 }).score(view, req([]), out);
    expect(out[0]).toBe(0.25);
  });
});

describe('active-requests (llm-d active_request.go)', () => {
  it('scores (max − c)/max over all instances, 1 for an instance with none', () => {
    const view = createRouterView(3);
    view.active.set([4, 1, 0]);
    const out = new Float64Array(3);
    findScorer('active-requests').create({ numInstances: 3 }).score(view, req([]), out);
    expect([...out]).toEqual([0, 0.75, 1]);
  });
  it('takes max over the candidates only; non-candidates score 0', () => {
    const view = createRouterView(3);
    view.active.set([8, 4, 1]);
    view.eligible.set([0, 1, 1]);
    const out = new Float64Array(3);
    findScorer('active-requests').create({ numInstances: 3 }).score(view, req([]), out);
    expect([...out]).toEqual([0, 0, 0.75]); // max 4: (4 − 4)/4, (4 − 1)/4
  });
  it('scores instances at or below idleThreshold 1 and caps busy ones at maxBusyScore', () => {
    const view = createRouterView(4);
    view.active.set([0, 2, 3, 10]);
    const out = new Float64Array(4);
    findScorer('active-request-scorer').create({ numInstances: 4 }, { idleThreshold: 2, maxBusyScore: 0.5 }).score(view, req([]), out);
    expect([...out]).toEqual([1, 1, 0.35, 0]); // (10 − 3)/10 × 0.5
  });
});

describe('precise-prefix-cache (llm-d precise_prefix_cache.go Score + utils.go absoluteScoredPods)', () => {
  it('scores leading blocks held / request blocks: 3 of 4, 1 of 4, 2 of 4, none', () => {
    const view = createRouterView(4);
    for (const h of [1, 2, 3]) view.kvIndex.record(0, true, h, 0);
    view.kvIndex.record(1, true, 1, 0);
    for (const h of [1, 2]) view.kvIndex.record(2, true, h, 0);
    view.kvIndex.record(3, true, 2, 0); // not leading: block 1 is missing
    const out = new Float64Array(4);
    findScorer('precise-prefix-cache').create({ numInstances: 4 }).score(view, req([1, 2, 3, 4]), out);
    expect([...out]).toEqual([0.75, 0.25, 0.5, 0]);
  });
  it('does not lift a small hit to 1 when it is the best (no min-max since llm-d #1107)', () => {
    const view = createRouterView(3);
    view.kvIndex.record(0, true, 7, 0);
    view.kvIndex.record(2, true, 7, 0);
    const out = new Float64Array(3);
    findScorer('precise-prefix-cache-scorer').create({ numInstances: 3 }).score(view, req([7, 8]), out);
    expect([...out]).toEqual([0.5, 0, 0.5]);
    findScorer('precise-prefix-cache-scorer').create({ numInstances: 3 }).score(view, req([]), out);
    expect([...out]).toEqual([0, 0, 0]);
  });
});

describe('queue-depth', () => {
  it('min-max normalises waiting + in-flight: shortest queue 1, longest 0', () => {
    const view = createRouterView(3);
    view.waiting.set([4, 0, 2]);
    view.inFlight.set([0, 1, 0]);
    const out = new Float64Array(3);
    findScorer('queue-depth').create({ numInstances: 3 }).score(view, req([]), out);
    expect([...out]).toEqual([0, 1, 2 / 3]);
  });
  it('gives every instance 1 when all queues are equal', () => {
    const view = createRouterView(2);
    view.waiting.set([3, 3]);
    const out = new Float64Array(2);
    findScorer('queue-scorer').create({ numInstances: 2 }).score(view, req([]), out);
    expect([...out]).toEqual([1, 1]);
  });
});

describe('--routing-scorers parsing', () => {
  it('parses names, weights and llm-d aliases', () => {
    expect(parseScorerWeights('prefix-affinity:2, queue-scorer:1,kv-utilization')).toEqual([
      { name: 'prefix-affinity', weight: 2 }, { name: 'queue-depth', weight: 1 }, { name: 'kv-utilization', weight: 1 },
    ]);
  });
  it('rejects unknown scorers listing the valid ones', () => {
    expect(() => parseScorerWeights('prefix-afinity:2')).toThrowError(/unknown scorer 'prefix-afinity' \(did you mean prefix-affinity\?\); known: /);
  });
  it('refuses a scorer given twice, by name or alias, naming it', () => {
    expect(() => parseScorerWeights('queue-depth:2,queue-depth:3')).toThrowError(/--routing-scorers: scorer 'queue-depth' is given twice \('queue-depth:2' and 'queue-depth:3'\)/);
    expect(() => parseScorerWeights('queue-depth:2,queue-scorer')).toThrowError(/scorer 'queue-depth' is given twice/);
  });
  it('rejects malformed weights', () => {
    for (const bad of ['queue-depth:x', 'queue-depth:-1', 'queue-depth:1:2', ':3', 'queue-depth:']) {
      expect(() => parseScorerWeights(bad), bad).toThrow(InputError);
    }
  });
});

describe('load-aware: what it counts', () => {
  /** Scores of a queue-reading scorer over instances with these scraped queues and in-flight dispatches. */
  const queueScores = (waiting: number[], inFlight: number[]): number[] => {
    const view = createRouterView(waiting.length);
    view.waiting.set(waiting);
    view.inFlight.set(inFlight);
    const out = new Float64Array(waiting.length);
    findScorer('load-aware').create({ numInstances: waiting.length }).score(view, req([]), out);
    return [...out];
  };
  it('adds the gateway\'s in-flight dispatches to the scraped queue (q = waiting + in flight)', () => {
    expect(queueScores([0, 30, 100], [0, 2, 28])).toEqual([0.5, 0.5 * (1 - 32 / 128), 0]);
    // One request in flight to an empty queue is already load.
    expect(queueScores([0, 0, 0], [1, 0, 0])).toEqual([0.5 * (1 - 1 / 128), 0.5, 0.5]);
  });
  it('keeps its default threshold for a threshold of 0 or below (a flag that would divide by zero)', () => {
    const view = createRouterView(1);
    view.waiting.set([64]);
    const out = new Float64Array(1);
    for (const threshold of [0, -5]) {
      findScorer('load-aware').create({ numInstances: 1 }, { threshold }).score(view, req([]), out);
      expect(out[0], String(threshold)).toBe(0.25);
    }
  });
});
