/**
 * The request ledger's counters, checked after every event of random runs: never negative, the
 * run's counts conserved, and the router view's `active` equal to a recount from the engines'
 * own request states (a request counts on the instance serving it while the engine holds it
 * queued, loading or running, and on its decode instance from routing until the decode side
 * ends). Runs cover P/D, the CPU tier, client timeouts, flow control and nonzero request
 * overheads (a timeout inside the pre-schedule delay is only reachable with them).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Cluster } from '../../src/cluster/cluster.js';
import { resolveClusterConfig, type ClusterOptions } from '../../src/cluster/config.js';
import { CollectingSink } from '../../src/cluster/sink.js';
import { RequestState } from '../../src/engine/engine-request.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { POOL_LAYOUTS, arrival, linearStep, options } from './helpers.js';

const LAYOUTS: ReadonlyArray<[string, ClusterOptions]> = [
  ...POOL_LAYOUTS,
  // PCIe slowed 1000x: a prefix block takes ~47 ms to load back from the CPU tier, so client
  // timeouts catch requests while they load (vLLM WAITING_FOR_REMOTE_KVS).
  ['unified x2 with a slow CPU tier', { numInstances: 2, kvCpuBlocks: 2000, hardwareSpec: { ...getHardware('H100'), name: 'slow-pcie', pcieGBps: 0.064 } }],
];

const arb = fc.record({
  reqs: fc.array(fc.record({ gapUs: fc.integer({ min: 0, max: 20_000 }), input: fc.integer({ min: 1, max: 300 }), output: fc.integer({ min: 1, max: 40 }), group: fc.integer({ min: 0, max: 11 }) }), { minLength: 1, maxLength: 40, size: 'max' }),
  admission: fc.constantFrom('always-admit', 'saturation'),
  flowControl: fc.boolean(),
  timeoutS: fc.constantFrom(0, 0.01, 0.05),
  refreshMs: fc.constantFrom(0, 5),
  inFlightTracking: fc.boolean(),
  latencyMs: fc.constantFrom(0, 1),
  overheads: fc.record({ preScheduleUs: fc.constantFrom(0, 3_000), firstTokenUs: fc.constantFrom(0, 2_000), perOutputTokenUs: fc.constantFrom(0, 100) }),
});

const SERVING: ReadonlySet<number> = new Set([RequestState.New, RequestState.Waiting, RequestState.Running, RequestState.LoadingKv]);
const DECODE_DONE: ReadonlySet<number> = new Set([RequestState.Finished, RequestState.Aborted, RequestState.Dropped]);

/** `active` per instance from the engines' request states alone. */
function recount(cluster: Cluster): number[] {
  const out = new Array<number>(cluster.instances.length).fill(0);
  for (const t of cluster.ledger.liveRequests()) {
    if (t.instance >= 0 && SERVING.has(t.req.state)) out[t.instance]!++;
    if (t.decodeReq !== null && t.decodeInstance >= 0 && !DECODE_DONE.has(t.decodeReq.state)) out[t.decodeInstance]!++;
  }
  return out;
}

function check(cluster: Cluster, when: string): void {
  const n = cluster.instances.length;
  const v = cluster.view;
  const expected = recount(cluster);
  for (let i = 0; i < n; i++) {
    expect(v.active[i], `${when}: active[${i}]`).toBe(expected[i]);
    expect(v.inFlight[i], `${when}: inFlight[${i}]`).toBeGreaterThanOrEqual(0);
    if (!cluster.config.inFlightTracking) expect(v.inFlight[i]).toBe(0);
  }
  const c = cluster.ledger.requestCounts;
  expect(c.completed + c.rejected + c.timed_out + c.dropped + c.unfinished + cluster.ledger.inSystem, when).toBe(c.injected);
}

type Params = typeof arb extends fc.Arbitrary<infer T> ? T : never;

/** Runs `p` on `layout`, checking the ledger after every event; returns the closed cluster. */
function runChecked(layout: ClusterOptions, p: Params): Cluster {
  const config = resolveClusterConfig(options({
    ...layout, maxNumSeqs: 4, totalKvBlocks: 60, blockSize: 16,
    // Q and flow control only behind the saturation policy, which reads them (else refused as ignored).
    admissionPolicy: p.admission, ...(p.admission === 'saturation' ? { queueDepthThreshold: 1, flowControl: p.flowControl } : {}), clientTimeoutS: p.timeoutS,
    snapshotRefreshIntervalMs: p.refreshMs, inFlightTracking: p.inFlightTracking,
    routingPolicy: 'weighted', routingScorers: 'active-requests:1,queue-depth:1,precise-prefix-cache:1',
    admissionLatencyMs: p.latencyMs, routingLatencyMs: p.latencyMs,
  }));
  const cluster = new Cluster(config, { stepTime: linearStep(), overheads: p.overheads, sink: new CollectingSink() });
  let t = 0;
  p.reqs.forEach((q, k) => {
    t += q.gapUs;
    cluster.addArrival(arrival(`r${k}`, t, q.input, q.output, { prefix: { group: `g${q.group}`, tokens: 96 } }));
  });
  check(cluster, 'start');
  let events = 0;
  while (cluster.sim.nowUs < 120_000_000 && cluster.sim.step()) check(cluster, `event ${++events} at ${cluster.sim.nowUs} us`);
  cluster.close();
  expect(cluster.ledger.inSystem).toBe(0);
  for (let i = 0; i < cluster.instances.length; i++) expect(cluster.view.active[i]).toBe(0);
  return cluster;
}

describe('request ledger (property, after every event)', () => {
  for (const [name, layout] of LAYOUTS) {
    it(`${name}: counters never negative, conserved and equal to a recount from engine states`, () => {
      fc.assert(fc.property(arb, (p) => {
        runChecked(layout, p);
      }), { numRuns: 40 });
    });
  }

  it('uncounts a request whose client times out while its prefix loads from the CPU tier', () => {
    // Found by the property above: r9 (group 0) is loading g0's blocks back from the slow CPU
    // tier when its 50 ms timeout fires; the gateway must stop counting it on its instance.
    const gaps = [0, 0, 0, 3991, 0, 0, 0, 6009, 0, 8934, 19197];
    const shapes: Array<[number, number, number]> = [[114, 32, 0], [1, 1, 0], [48, 1, 2], [1, 1, 0], [193, 1, 4], [1, 1, 0], [251, 7, 5], [1, 1, 0], [271, 3, 3], [2, 19, 0], [48, 1, 2]];
    const cluster = runChecked(LAYOUTS.find(([name]) => name.includes('CPU tier'))![1], {
      reqs: shapes.map(([input, output, group], k) => ({ gapUs: gaps[k]!, input, output, group })),
      admission: 'always-admit', flowControl: false, timeoutS: 0.05, refreshMs: 0, inFlightTracking: false, latencyMs: 0,
      overheads: { preScheduleUs: 0, firstTokenUs: 0, perOutputTokenUs: 0 },
    });
    expect(cluster.instances.reduce((a, i) => a + i.cpuLoads, 0)).toBeGreaterThan(0);
    expect(cluster.ledger.requestCounts.timed_out).toBeGreaterThan(0);
  });
});
