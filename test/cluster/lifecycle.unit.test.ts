/**
 * InstanceLifecycle alone, around a minimal fleet: what it tells the host (capacity grew only
 * when an instance becomes ready), when a draining instance goes (after the instant a request
 * left it, never for a ready one), and that a gone instance leaves the router's KV index.
 */
import { describe, expect, it } from 'vitest';
import { InstanceLifecycle } from '../../src/cluster/lifecycle.js';
import type { Fleet } from '../../src/cluster/fleet.js';
import type { InstanceInfo, InstanceState } from '../../src/cluster/pools.js';
import { createRouterView } from '../../src/cluster/view.js';
import { Simulator } from '../../src/kernel/sim.js';

function fixture(kvView: boolean) {
  const states: InstanceState[] = [];
  const idle: boolean[] = [];
  const fleet = {
    poolOf: new Int32Array(8),
    get size() {
      return states.length;
    },
    instances: [] as { idle: boolean }[],
    poolIndex: (name: string) => (name === 'unified' ? 0 : -1),
    add(poolIndex: number, state: InstanceState): number {
      const id = states.length;
      states.push(state);
      idle.push(true);
      this.poolOf[id] = poolIndex;
      const i = id;
      this.instances.push({ get idle() { return idle[i]!; } });
      return id;
    },
    pool: () => ({ engine: { totalKvBlocks: 1000 } }),
    stateOf: (id: number) => states[id]!,
    setState: (id: number, s: InstanceState) => void (states[id] = s),
    info: (id: number) => ({ id, state: states[id]!, pool: 'unified' }) as unknown as InstanceInfo,
  };
  const sim = new Simulator();
  const view = createRouterView(0, 8);
  const host = { attached: [] as number[], capacity: 0, attach(id: number) { this.attached.push(id); }, afterCapacityChange() { this.capacity++; } };
  const life = new InstanceLifecycle(sim, fleet as unknown as Fleet, view, kvView, host);
  const seen: string[] = [];
  life.setListener({ onInstanceState: (i, prev) => seen.push(`${i.id}:${prev ?? '-'}>${i.state}`) });
  return { sim, view, host, life, seen, setIdle: (id: number, v: boolean) => (idle[id] = v) };
}

describe('InstanceLifecycle', () => {
  it('tells the host that capacity grew only when an instance becomes ready', () => {
    const f = fixture(false);
    f.life.start(0);
    expect([f.host.attached, f.host.capacity, f.seen, f.view.numInstances]).toEqual([[0], 0, [], 1]);
    const a = f.life.add('unified', 'provisioning');
    expect(f.host.capacity).toBe(0);
    f.life.setState(a, 'loading');
    expect(f.host.capacity).toBe(0);
    f.life.setState(a, 'ready');
    expect(f.host.capacity).toBe(1);
    f.life.add('unified');
    expect(f.host.capacity).toBe(2);
    f.life.setState(a, 'ready'); // no change, no call
    expect([f.host.capacity, f.view.numInstances]).toEqual([2, 3]);
    expect(f.seen).toEqual(['1:->provisioning', '1:provisioning>loading', '1:loading>ready', '2:->ready']);
    expect(f.life.poolInstances('unified')).toEqual([0, 1, 2]);
  });

  it('a busy draining instance goes after the instant its last request left; a ready one is never checked', () => {
    const f = fixture(false);
    f.life.start(0);
    f.life.start(0);
    f.setIdle(1, false);
    f.life.drain(1);
    expect(f.life.info(1).state).toBe('draining');
    f.life.workLeft(0); // instance 0 is ready: nothing to check
    f.life.workLeft(-1); // a request that never reached an instance
    expect(f.sim.pending).toBe(0);
    f.life.workLeft(1); // still busy when checked: stays
    f.sim.run();
    expect(f.life.info(1).state).toBe('draining');
    f.setIdle(1, true);
    f.life.workLeft(1);
    expect(f.life.info(1).state).toBe('draining'); // not before the instant's own events
    f.sim.run();
    expect(f.life.info(1).state).toBe('gone');
    expect(f.life.poolInstances('unified')).toEqual([0]);
    expect(f.seen).toEqual(['1:ready>draining', '1:draining>gone']);
  });

  it('refuses backward moves and removing a busy instance, naming the instance', () => {
    const f = fixture(false);
    f.life.start(0);
    expect(() => f.life.setState(0, 'loading')).toThrowError(expect.objectContaining({ code: 'LIFECYCLE_INVALID', where: 'instance 0', message: expect.stringContaining('cannot go from ready to loading') }));
    f.setIdle(0, false);
    expect(() => f.life.setState(0, 'gone')).toThrowError(expect.objectContaining({ code: 'LIFECYCLE_INVALID', where: 'instance 0', message: expect.stringContaining('drain it') }));
    f.setIdle(0, true);
    f.life.setState(0, 'gone');
    expect(f.life.info(0).state).toBe('gone');
  });

  it('a gone instance leaves the router\'s KV index when the router keeps one, and only then', () => {
    for (const kvView of [true, false]) {
      const f = fixture(kvView);
      f.life.start(0);
      f.life.start(0);
      f.view.kvIndex.record(0, true, 7, 0);
      f.view.kvIndex.record(1, true, 7, 0);
      f.life.drain(1);
      const out = new Float64Array(2);
      f.view.kvIndex.matchedBlocks(Float64Array.of(7), Uint8Array.of(1, 1), 2, out);
      expect([...out]).toEqual(kvView ? [1, 0] : [1, 1]);
    }
  });
});
