import { describe, expect, test } from 'vitest';
import type { ReplicaView } from '../../src/control/cluster-port.js';
import type { ReplicaEntry } from '../../src/control/fleet.js';
import type { ReplicaState } from '../../src/control/lifecycle.js';
import { priorityExhaustive, priorityRoundRobin, type OptimizerModelInput } from '../../src/control/optimizer.js';
import type { InventoryEntry, ModelPolicy } from '../../src/control/policy.js';
import { OPTIMIZERS } from '../../src/control/stages.js';

function policy(name: string, priority: number, extra: Partial<ModelPolicy> = {}): ModelPolicy {
  return { name, priority, sloClass: '', ttftMs: 1000, itlMs: 0, minReplicas: 0, maxReplicas: 10, initialReplicas: 0, variants: [{ hardware: 'H100', tp: 1 }], loadS: null, ...extra };
}
function replica(id: number, model: string, state: ReplicaState = 'ready', hardware = 'H100', tp = 1): ReplicaEntry {
  return { id, model, hardware, tp, state, startUs: 0, readyUs: 0, goneUs: -1, epoch: 0 };
}
function want(p: ModelPolicy, desired: number): OptimizerModelInput {
  return { policy: p, desired, reason: `wants ${desired}` };
}
const H100 = (count: number, cost = 4): InventoryEntry => ({ hardware: 'H100', count, costPerGpuHour: cost });
const noLoad = new Map<number, ReplicaView>();

describe('priority optimizers under a shared inventory', () => {
  test('the higher-priority model (lower number) gets scarce GPUs first, whatever the list order', () => {
    const low = policy('low', 2);
    const high = policy('high', 1);
    const r = priorityRoundRobin.create({}, {}).optimize({ models: [want(low, 2), want(high, 2)], replicas: [], load: noLoad, inventory: [H100(3)], limited: true });
    expect(r.decisions.map((d) => d.model)).toEqual(['high', 'high', 'low']);
    expect(r.unmet.get('low')).toMatch(/no free GPUs/);
  });

  test('within a priority, round-robin serves the larger deficit first, then alternates', () => {
    const a = policy('a', 1);
    const b = policy('b', 1);
    const r = priorityRoundRobin.create({}, {}).optimize({ models: [want(a, 2), want(b, 3)], replicas: [], load: noLoad, inventory: [H100(3)], limited: true });
    expect(r.decisions.map((d) => d.model)).toEqual(['b', 'a', 'b']);
  });

  test('exhaustive fills the larger deficit completely before the next model', () => {
    const a = policy('a', 1);
    const b = policy('b', 1);
    const r = priorityExhaustive.create({}, {}).optimize({ models: [want(a, 2), want(b, 3)], replicas: [], load: noLoad, inventory: [H100(3)], limited: true });
    expect(r.decisions.map((d) => d.model)).toEqual(['b', 'b', 'b']);
  });

  test('each replica goes on the cheapest variant with free GPUs (tp × cost per GPU-hour)', () => {
    const m = policy('m', 1, { variants: [{ hardware: 'H100', tp: 1 }, { hardware: 'A100-80', tp: 2 }] });
    const inv = [H100(1, 4), { hardware: 'A100-80', count: 4, costPerGpuHour: 1.5 }];
    const r = priorityRoundRobin.create({}, {}).optimize({ models: [want(m, 3)], replicas: [], load: noLoad, inventory: inv, limited: true });
    expect(r.decisions.map((d) => (d.kind === 'add' ? `${d.variant.hardware}x${d.variant.tp}` : ''))).toEqual(['A100-80x2', 'A100-80x2', 'H100x1']);
  });

  test('a higher-priority model takes GPUs from a lower-priority one above its minimum (least loaded replica drains)', () => {
    const high = policy('high', 1);
    const low = policy('low', 2, { minReplicas: 1 });
    const load = new Map<number, ReplicaView>([
      [0, { id: 0, model: 'low', hardware: 'H100', tp: 1, state: 'ready', waiting: 3, running: 5, kvUsedBlocks: 0, kvTotalBlocks: 1 }],
      [1, { id: 1, model: 'low', hardware: 'H100', tp: 1, state: 'ready', waiting: 0, running: 1, kvUsedBlocks: 0, kvTotalBlocks: 1 }],
    ]);
    const opt = priorityRoundRobin.create({}, {});
    const first = opt.optimize({ models: [want(high, 1), want(low, 2)], replicas: [replica(0, 'low'), replica(1, 'low')], load, inventory: [H100(2)], limited: true });
    expect(first.decisions).toEqual([{ kind: 'remove', model: 'low', replica: 1, reason: expect.stringMatching(/^preempted: 1 H100 GPU\(s\) go to high/), preemptedFor: 'high' }]);
    expect(first.unmet.get('high')).toMatch(/waiting for replica 1 to drain/);
    // While replica 1 drains, the reservation holds: no second victim.
    const second = opt.optimize({ models: [want(high, 1), want(low, 2)], replicas: [replica(0, 'low'), replica(1, 'low', 'draining')], load, inventory: [H100(2)], limited: true });
    expect(second.decisions).toEqual([]);
    // Once it is gone, the GPU goes to the higher priority, not back to the lower one.
    const third = opt.optimize({ models: [want(high, 1), want(low, 2)], replicas: [replica(0, 'low')], load, inventory: [H100(2)], limited: true });
    expect(third.decisions.map((d) => `${d.kind} ${d.model}`)).toEqual(['add high']);
  });

  test('never preempts below min_replicas or from an equal priority', () => {
    const high = policy('high', 1);
    const low = policy('low', 2, { minReplicas: 2 });
    const peer = policy('peer', 1);
    const r = priorityRoundRobin.create({}, {}).optimize({
      models: [want(high, 1), want(low, 2), want(peer, 1)],
      replicas: [replica(0, 'low'), replica(1, 'low'), replica(2, 'peer')], load: noLoad, inventory: [H100(3)], limited: true,
    });
    expect(r.decisions).toEqual([]);
  });

  test('scale-down removes pending replicas first, then the most expensive, then the least loaded', () => {
    const m = policy('m', 1, { variants: [{ hardware: 'H100', tp: 1 }, { hardware: 'A100-80', tp: 1 }] });
    const inv = [H100(8, 4), { hardware: 'A100-80', count: 8, costPerGpuHour: 2 }];
    const reps = [replica(0, 'm', 'ready', 'A100-80'), replica(1, 'm', 'ready', 'H100'), replica(2, 'm', 'loading', 'A100-80'), replica(3, 'm', 'ready', 'A100-80')];
    const r = priorityRoundRobin.create({}, {}).optimize({ models: [want(m, 1)], replicas: reps, load: noLoad, inventory: inv, limited: true });
    expect(r.decisions.map((d) => (d.kind === 'remove' ? d.replica : -1))).toEqual([2, 1, 3]);
  });

  test('targets are clamped to [min_replicas, max_replicas]', () => {
    const m = policy('m', 1, { minReplicas: 2, maxReplicas: 3 });
    const opt = priorityRoundRobin.create({}, {});
    expect(opt.optimize({ models: [want(m, 0)], replicas: [], load: noLoad, inventory: [], limited: false }).decisions.length).toBe(2);
    expect(opt.optimize({ models: [want(m, 9)], replicas: [], load: noLoad, inventory: [], limited: false }).decisions.length).toBe(3);
  });
});

describe('optimizer registry conformance', () => {
  for (const entry of OPTIMIZERS) {
    test(`${entry.name}: never exceeds the inventory and is deterministic`, () => {
      const models = [want(policy('a', 1), 5), want(policy('b', 2), 4), want(policy('c', 1), 3)];
      const input = { models, replicas: [replica(0, 'b')], load: noLoad, inventory: [H100(6)], limited: true };
      const r1 = entry.create({}, {}).optimize(input);
      const r2 = entry.create({}, {}).optimize(input);
      expect(r1).toEqual(r2);
      const adds = r1.decisions.filter((d) => d.kind === 'add').length;
      expect(adds + 1).toBeLessThanOrEqual(6);
      expect(entry.describe.length).toBeGreaterThan(10);
    });
  }
});
