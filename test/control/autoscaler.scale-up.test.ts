import { describe, expect, test } from 'vitest';
import { runScenario } from './helpers.js';
import { constantArrivals, merge } from './mini-cluster.js';

/**
 * One replica (max 4 running, step = 1 ms + 10 µs/token, 100-in/100-out requests: ~38 req/s)
 * at 10 req/s, then 60 req/s from t = 100 s. Scrapes every 5 s, decisions every 10 s, no lag.
 * The decision at 100 s sees the scrape taken before that instant's arrivals (Scrape runs
 * before Arrival), so the first one to see the backlog is at 110 s. The replica then spends
 * 20 s provisioning, 30 s loading and 10 s warming: ready at 170 s, and the round-robin
 * router (which last served replica 0) hands it the arrival at exactly 170 s.
 */
function stepLoad() {
  return runScenario({
    policy: {
      intervalS: 10,
      collector: { name: 'prometheus', options: { scrape_interval_s: 5, lag_s: 0 } },
      actuator: { name: 'delayed', options: { provision_s: 20, load_s: 30, warmup_s: 10 } },
      models: [{ name: 'm', minReplicas: 1, maxReplicas: 4, initialReplicas: 1, variants: [{ hardware: 'H100', tp: 1 }] }],
    },
    mini: { maxNumSeqs: 4, totalKvBlocks: 80 },
    arrivals: merge(constantArrivals(0, 100, 10, 'm', 'a'), constantArrivals(100, 200, 60, 'm', 'b')),
  });
}

describe('scale-up on a step increase in load', () => {
  const { cluster, as } = stepLoad();

  test('the first decision after the step adds a replica, with the saturation reason', () => {
    const firstAdd = as.timeline.find((r) => r.decisions.startsWith('+1'))!;
    expect(firstAdd.timeS).toBe(110);
    expect(firstAdd.decisions).toBe('+1 H100x1 #1');
    expect(firstAdd.reason).toMatch(/saturated/);
    expect(as.timeline.filter((r) => r.timeS < 110).every((r) => r.decisions === '')).toBe(true);
  });

  test('the new replica walks provisioning → loading → warming → ready at the configured delays', () => {
    const log = cluster.stateLog.filter((e) => e.id === 1).slice(0, 4);
    expect(log).toEqual([
      { id: 1, state: 'provisioning', tUs: 110_000_000 },
      { id: 1, state: 'loading', tUs: 130_000_000 },
      { id: 1, state: 'warming', tUs: 160_000_000 },
      { id: 1, state: 'ready', tUs: 170_000_000 },
    ]);
  });

  test('the new replica serves traffic only once ready, starting with the arrival at 170 s', () => {
    const toNew = cluster.routed.filter((r) => r.replica === 1);
    expect(toNew.length).toBeGreaterThan(0);
    expect(Math.min(...toNew.map((r) => r.tUs))).toBe(170_000_000);
  });

  test('no further scale-up while a replica is pending (WVA cascade guard)', () => {
    const pendingRows = as.timeline.filter((r) => r.timeS > 110 && r.timeS < 170);
    expect(pendingRows.length).toBe(5);
    for (const r of pendingRows) {
      expect(r.decisions).toBe('');
      expect(r.reason).toMatch(/blocked: 1 replica\(s\) pending/);
    }
  });

  test('timeline rows show the pending replica in its state', () => {
    const at = (t: number) => as.timeline.find((r) => r.timeS === t)!;
    expect([at(120).provisioning, at(140).loading, at(160).warming, at(160).ready]).toEqual([1, 1, 1, 1]);
  });

  test('cost accounting bills each replica from its start until gone or the last request left', () => {
    const s = as.summary(cluster.sim.nowUs);
    const end = Math.max(...cluster.records.map((r) => r.finishedUs));
    expect(as.observer.lastRecordUs).toBe(end);
    const rs = as.fleet.all.map((e) => ((e.goneUs >= 0 ? e.goneUs : end) - e.startUs) / 1e6);
    expect(s.replica_seconds['m']!.total).toBeCloseTo(rs.reduce((a, b) => a + b, 0), 3);
    expect(s.gpu_hours['H100']).toBeCloseTo(rs.reduce((a, b) => a + b, 0) / 3600, 3);
    expect(s.scaling_actions.scale_up).toBeGreaterThanOrEqual(1);
  });
});
