import { describe, expect, test } from 'vitest';
import { runScenario } from './helpers.js';
import { constantArrivals, merge } from './mini-cluster.js';

/**
 * Two replicas (100 KV blocks each) at 40 req/s of 100-in/200-out requests (KV about half
 * full on each), then 10 req/s from 60 s. With scale-down stabilisation off, the first
 * decision after the drop (70 s) finds that one replica fewer still leaves spare KV, drains
 * replica 1 and removes it at the first scrape that finds it empty. The collector reads each
 * replica's newest scrape (peak_window_s 0): with WVA's one-minute peaks the 40 req/s load
 * would stay in view until 120 s (stages.test.ts has the peak window).
 */
describe('scale-down on a load drop', () => {
  const { cluster, as } = runScenario({
    policy: {
      intervalS: 10,
      collector: { name: 'prometheus', options: { scrape_interval_s: 5, lag_s: 0, peak_window_s: 0 } },
      scaleDownStabilizationS: 0,
      models: [{ name: 'm', minReplicas: 1, maxReplicas: 4, initialReplicas: 2, variants: [{ hardware: 'H100', tp: 1 }] }],
    },
    mini: { totalKvBlocks: 100 },
    arrivals: merge(
      constantArrivals(0, 60, 40, 'm', 'a', { input: 100, output: 200 }),
      constantArrivals(60, 120, 10, 'm', 'b', { input: 100, output: 200 }),
    ),
  });
  const drainAt = cluster.stateLog.find((e) => e.state === 'draining')!;
  const goneAt = cluster.stateLog.find((e) => e.state === 'gone' && e.id === drainAt.id)!;

  test('drains one replica at the first decision after the drop, then removes it', () => {
    expect(drainAt).toEqual({ id: 1, state: 'draining', tUs: 70_000_000 });
    expect(goneAt.tUs).toBe(75_000_000);
    expect(as.timeline.find((r) => r.timeS === 70)!.decisions).toBe('-1 #1');
    expect(as.actions.scaleDown).toBeGreaterThanOrEqual(1);
  });

  test('routes nothing to a draining replica', () => {
    expect(cluster.routed.filter((r) => r.replica === 1 && r.tUs >= drainAt.tUs)).toEqual([]);
  });

  test('loses no request: the drained replica finishes what it held', () => {
    const heldAtDrain = cluster.records.filter((r) => r.instance === 1 && r.arrivalUs < drainAt.tUs && r.finishedUs > drainAt.tUs);
    expect(heldAtDrain.length).toBeGreaterThan(0);
    expect(heldAtDrain.every((r) => r.status === 'completed' && r.finishedUs <= goneAt.tUs)).toBe(true);
    expect(cluster.records.length).toBe(3000);
    expect(cluster.records.every((r) => r.status === 'completed')).toBe(true);
  });

  test('the drained replica is billed until it is gone', () => {
    const e = as.fleet.all.find((x) => x.id === 1)!;
    expect([e.startUs, e.goneUs]).toEqual([0, 75_000_000]);
  });
});
