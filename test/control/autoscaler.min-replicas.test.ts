import { describe, expect, test } from 'vitest';
import { runScenario } from './helpers.js';
import { constantArrivals } from './mini-cluster.js';

/**
 * A model starting below its min_replicas (initial 0, min 2) with a 30 s scale-up window. The
 * window was seeded with the initial fleet (0), so stabilisation alone would hold 0 at the first
 * decision (10 s); min_replicas then raises the target to 2, as HPA applies its min/max after
 * the stabilisation window (normalizeDesiredReplicasWithBehaviors), and the optimizer starts two
 * replicas. The timeline's `desired` is that target, within [min, max].
 */
describe('a target below min_replicas after stabilisation', () => {
  const { as } = runScenario({
    policy: {
      intervalS: 10,
      scaleUpStabilizationS: 30,
      collector: { name: 'prometheus', options: { scrape_interval_s: 5, lag_s: 0 } },
      analyzer: { name: 'queueing' },
      actuator: { name: 'delayed', options: { provision_s: 5, load_s: 5, warmup_s: 0 } },
      models: [{ name: 'm', minReplicas: 2, maxReplicas: 4, initialReplicas: 0, variants: [{ hardware: 'H100', tp: 1 }] }],
    },
    arrivals: constantArrivals(0, 40, 1, 'm', 'a'),
  });

  test('starts min_replicas at the first decision and reports desired = min_replicas, not the stabilised 0', () => {
    const first = as.timeline[0]!;
    expect(first.timeS).toBe(10);
    expect(first.decisions).toBe('+1 H100x1 #0;+1 H100x1 #1');
    expect(first.desired).toBe(2);
    expect(first.reason).toMatch(/min_replicas 2/);
    for (const r of as.timeline) expect(r.desired >= 2 && r.desired <= 4, `desired ${r.desired} at ${r.timeS}`).toBe(true);
  });
});
