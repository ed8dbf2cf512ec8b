import { describe, expect, test } from 'vitest';
import { runScenario } from './helpers.js';
import { constantArrivals, merge } from './mini-cluster.js';

/**
 * 20 req/s then 90 req/s from 60 s: one replica (100 KV blocks) saturates, two hold it. With
 * metrics 60 s old, a replica that just became ready is still judged by data from before it
 * existed, so the analyzer keeps adding (overshoot) and later, seeing the overshoot's idle
 * data, removes too many (undershoot): oscillation. A stabilisation window longer than the lag
 * waits for the window to agree, and a single scale-up remains.
 */
const memo = new Map<string, ReturnType<typeof runScenario>['as']>();

function run(lagS: number, windowS: number) {
  const key = `${lagS}/${windowS}`;
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const as = runScenario({
    policy: {
      intervalS: 10,
      collector: { name: 'prometheus', options: { scrape_interval_s: 5, lag_s: lagS } },
      actuator: { name: 'delayed', options: { provision_s: 10, load_s: 10, warmup_s: 5 } },
      scaleUpStabilizationS: windowS,
      scaleDownStabilizationS: windowS,
      models: [{ name: 'm', minReplicas: 1, maxReplicas: 6, initialReplicas: 1, variants: [{ hardware: 'H100', tp: 1 }] }],
    },
    mini: { totalKvBlocks: 100 },
    arrivals: merge(constantArrivals(0, 60, 20, 'm', 'a'), constantArrivals(60, 600, 90, 'm', 'b')),
    untilS: 600,
  }).as;
  memo.set(key, as);
  return as;
}

describe('lag against stabilisation', () => {
  test('without lag the step costs one scale-up', () => {
    const as = run(0, 0);
    expect(as.actions.scaleUp).toBe(1);
    expect(as.actions.scaleDown).toBe(0);
  });

  test('a 60 s lag with a 30 s window oscillates', () => {
    const as = run(60, 30);
    expect(as.actions.scaleUp).toBeGreaterThanOrEqual(3);
    expect(as.actions.scaleDown).toBeGreaterThanOrEqual(2);
    const peak = Math.max(...as.timeline.map((r) => r.ready + r.provisioning + r.loading + r.warming));
    expect(peak).toBeGreaterThanOrEqual(3);
  });

  test('a 60 s lag with no window oscillates even more', () => {
    const as = run(60, 0);
    expect(as.actions.scaleUp + as.actions.scaleDown).toBeGreaterThan(run(60, 30).actions.scaleUp + run(60, 30).actions.scaleDown);
  });

  test('a 90 s window (longer than the lag) removes the oscillation', () => {
    const as = run(60, 90);
    expect(as.actions).toEqual({ scaleUp: 1, scaleDown: 0, preemptions: 0 });
  });
});
