import { describe, expect, test } from 'vitest';
import { Fleet } from '../../src/control/fleet.js';
import type { ModelPolicy } from '../../src/control/policy.js';
import { defaultOptions } from '../../src/control/registry.js';
import { ACTUATORS, ANALYZERS, COLLECTORS, OPTIMIZERS } from '../../src/control/stages.js';
import { zeroCounters } from '../../src/control/metrics-types.js';
import { MiniCluster } from './mini-cluster.js';

describe('every registry entry describes itself and its options', () => {
  for (const [kind, reg] of [['collector', COLLECTORS], ['analyzer', ANALYZERS], ['optimizer', OPTIMIZERS], ['actuator', ACTUATORS]] as const) {
    for (const e of reg) {
      test(`${kind} ${e.name}`, () => {
        expect(e.name).toMatch(/^[a-z][a-z0-9-]*$/);
        expect(e.describe.length).toBeGreaterThan(10);
        for (const [k, spec] of Object.entries(e.options)) {
          expect(k).toMatch(/^[a-z][a-z0-9_]*$/);
          expect(spec.describe.length).toBeGreaterThan(5);
          expect(spec.default).toBeDefined();
        }
      });
    }
  }
});

describe('collector conformance', () => {
  for (const e of COLLECTORS) {
    test(`${e.name}: nothing before the first scrape, never newer than lag, deterministic`, () => {
      const a = e.create(defaultOptions(e), {});
      const b = e.create(defaultOptions(e), {});
      expect(a.metrics(0, 'm')).toBeNull();
      expect(a.scrapeIntervalUs).toBeGreaterThan(0);
      const c = zeroCounters();
      for (let k = 0; k <= 10; k++) {
        c.arrivals += 7;
        const t = k * a.scrapeIntervalUs;
        const view = [{ id: 0, model: 'm', hardware: 'H100', tp: 1, state: 'ready' as const, waiting: k, running: 1, kvUsedBlocks: k, kvTotalBlocks: 20 }];
        a.scrape(t, view, new Map([['m', c]]));
        b.scrape(t, view, new Map([['m', c]]));
        const m = a.metrics(t, 'm');
        expect(m === null || m.tUs <= t).toBe(true);
        expect(m).toEqual(b.metrics(t, 'm'));
        if (m !== null) expect(Number.isFinite(m.arrivalRps) && m.arrivalRps >= 0).toBe(true);
      }
    });
  }
});

const policy: ModelPolicy = { name: 'm', priority: 1, sloClass: '', ttftMs: 1000, itlMs: 0, minReplicas: 0, maxReplicas: 4, initialReplicas: 0, variants: [{ hardware: 'H100', tp: 1 }], loadS: null };

describe('actuator conformance', () => {
  for (const e of ACTUATORS) {
    test(`${e.name}: an added replica becomes ready through the lifecycle; a pending one removed is gone at once`, () => {
      const cluster = new MiniCluster();
      const fleet = new Fleet(cluster);
      const act = e.create(defaultOptions(e), { sim: cluster.sim, fleet, models: [policy] });
      const [a, b] = act.apply([
        { kind: 'add', model: 'm', variant: { hardware: 'H100', tp: 1 }, reason: 't' },
        { kind: 'add', model: 'm', variant: { hardware: 'H100', tp: 1 }, reason: 't' },
      ], 0);
      act.apply([{ kind: 'remove', model: 'm', replica: b!, reason: 't' }], 0);
      cluster.sim.run();
      const states = (id: number) => cluster.stateLog.filter((x) => x.id === id).map((x) => x.state);
      expect(states(a!)[0]).toBe('provisioning');
      expect(states(a!).at(-1)).toBe('ready');
      expect(states(b!)).toEqual(['provisioning', 'gone']);
      const times = cluster.stateLog.filter((x) => x.id === a!).map((x) => x.tUs);
      expect([...times].sort((x, y) => x - y)).toEqual(times);
    });
  }
});
