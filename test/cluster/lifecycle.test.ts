import { describe, expect, it } from 'vitest';
import type { InstanceInfo, InstanceState } from '../../src/cluster/pools.js';
import { InputError } from '../../src/kernel/errors.js';
import { arrival, makeCluster } from './helpers.js';

describe('instance lifecycle (autoscaler API)', () => {
  it('routes only to ready instances; a provisioning/loading instance gets nothing until ready', () => {
    const { cluster, sink } = makeCluster({ numInstances: 1, maxInstances: 3, routingPolicy: 'round-robin' });
    const seen: string[] = [];
    cluster.lifecycle.setListener({ onInstanceState: (i: InstanceInfo, prev: InstanceState | null) => seen.push(`${i.id}:${prev ?? '-'}>${i.state}`) });
    const id = cluster.lifecycle.add('unified', 'provisioning');
    expect(id).toBe(1);
    expect(cluster.lifecycle.info(1)).toMatchObject({ pool: 'unified', role: 'unified', model: 'qwen/qwen3-14b', hardware: 'H100', tp: 1, state: 'provisioning' });
    for (let k = 0; k < 4; k++) cluster.addArrival(arrival(`a${k}`, k * 10, 16, 2));
    cluster.sim.run(100);
    cluster.lifecycle.setState(1, 'loading');
    cluster.lifecycle.setState(1, 'ready');
    for (let k = 0; k < 4; k++) cluster.addArrival(arrival(`b${k}`, 200 + k * 10, 16, 2));
    cluster.sim.run();
    const inst = (p: string) => sink.records.filter((r) => r.id.startsWith(p)).map((r) => r.instance);
    expect(inst('a')).toEqual([0, 0, 0, 0]);
    expect(new Set(inst('b'))).toEqual(new Set([0, 1]));
    expect(seen).toEqual(['1:->provisioning', '1:provisioning>loading', '1:loading>ready']);
  });

  it('a draining instance gets no new requests, finishes its own, then is gone', () => {
    const { cluster, sink } = makeCluster({ numInstances: 2, routingPolicy: 'round-robin' });
    const seen: string[] = [];
    cluster.lifecycle.setListener({ onInstanceState: (i) => seen.push(`${i.id}>${i.state}`) });
    cluster.addArrival(arrival('x0', 0, 16, 50));
    cluster.addArrival(arrival('x1', 0, 16, 50)); // → instance 1
    cluster.sim.run(5_000);
    cluster.lifecycle.drain(1);
    expect(cluster.lifecycle.info(1).state).toBe('draining');
    for (let k = 0; k < 4; k++) cluster.addArrival(arrival(`y${k}`, 6_000 + k, 16, 2));
    cluster.sim.run();
    expect(sink.records.find((r) => r.id === 'x1')!.status).toBe('completed');
    expect(sink.records.filter((r) => r.id.startsWith('y')).every((r) => r.instance === 0)).toBe(true);
    expect(cluster.lifecycle.info(1).state).toBe('gone');
    expect(seen).toEqual(['1>draining', '1>gone']);
    expect(cluster.lifecycle.poolInstances('unified')).toEqual([0]);
  });

  it('refuses backward moves, removing a busy instance, unknown pools and growth past --max-instances', () => {
    const { cluster } = makeCluster({ numInstances: 1 });
    expect(() => cluster.lifecycle.setState(0, 'loading')).toThrow(InputError);
    cluster.addArrival(arrival('z', 0, 16, 100));
    cluster.sim.run(2_000);
    expect(() => cluster.lifecycle.setState(0, 'gone')).toThrowError(/drain it/);
    expect(() => cluster.lifecycle.add('nope')).toThrowError(/no such pool; known: unified/);
    expect(() => cluster.lifecycle.add('unified')).toThrowError(/--max-instances/);
  });

  it('an idle instance that is drained is gone at once', () => {
    const { cluster } = makeCluster({ numInstances: 2 });
    cluster.lifecycle.drain(1);
    expect(cluster.lifecycle.info(1).state).toBe('gone');
  });

  it('an instance added to the decode pool takes decode work; a drained prefill instance takes no new prefill', () => {
    const { cluster, sink } = makeCluster({ prefillInstances: 2, decodeInstances: 1, maxInstances: 4, routingPolicy: 'round-robin' });
    const added = cluster.lifecycle.add('decode');
    expect(cluster.lifecycle.info(added)).toMatchObject({ pool: 'decode', role: 'decode', state: 'ready' });
    cluster.lifecycle.drain(1);
    for (let k = 0; k < 6; k++) cluster.addArrival(arrival(`r${k}`, k * 1000, 64, 4));
    cluster.sim.run();
    const recs = sink.records;
    expect(recs.every((r) => r.status === 'completed' && r.instance === 0)).toBe(true);
    expect(new Set(recs.map((r) => r.disagg!.decodeInstance))).toEqual(new Set([2, 3]));
    expect(cluster.lifecycle.poolInstances('prefill')).toEqual([0]);
  });
});
