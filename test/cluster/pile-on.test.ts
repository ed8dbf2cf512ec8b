import { describe, expect, it } from 'vitest';
import { arrival, run } from './helpers.js';

/**
 * The pile-on effect: with stale snapshots, a burst routed by queue depth all goes to the
 * instance that looked emptiest at the last scrape, unless the gateway counts its own dispatches.
 * Setup: 4 instances serving one request at a time (max-num-seqs 1), weighted queue-depth only,
 * scrapes every 100 ms. Seven long requests at t=0 go 0,1,2,3,0,1,2 (equal scores, rotating
 * tie-break), so the 100 ms scrape shows waiting = [1, 1, 1, 0]. Eight requests then arrive at
 * t=150 ms, before the next scrape.
 */
async function burst(inFlightTracking: boolean): Promise<number[]> {
  const arrivals = [];
  for (let k = 0; k < 7; k++) arrivals.push(arrival(`warm${k}`, 0, 16, 400));
  for (let k = 0; k < 8; k++) arrivals.push(arrival(`burst${k}`, 150_000 + k, 16, 4));
  const { all } = await run({
    numInstances: 4, maxNumSeqs: 1, routingPolicy: 'weighted', routingScorers: 'queue-depth:1',
    snapshotRefreshIntervalMs: 100, inFlightTracking,
  }, arrivals);
  const perInstance = [0, 0, 0, 0];
  for (const r of all) if (r.id.startsWith('burst')) perInstance[r.instance]!++;
  return perInstance;
}

describe('pile-on under stale snapshots', () => {
  it('without in-flight tracking the whole burst lands on the instance that looked emptiest', async () => {
    expect(await burst(false)).toEqual([0, 0, 0, 8]);
  });

  it('with in-flight tracking the burst spreads over the instances', async () => {
    const spread = await burst(true);
    expect(spread.reduce((a, b) => a + b, 0)).toBe(8);
    // instance 3 first takes one (queue 0 → 1), then all four look equal and share the rest.
    expect(Math.max(...spread)).toBeLessThanOrEqual(3);
    expect(spread.every((n) => n >= 1)).toBe(true);
  });
});
