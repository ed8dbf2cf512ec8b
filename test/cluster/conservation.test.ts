import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { RequestRecord } from '../../src/cluster/record.js';
import { POOL_LAYOUTS, arrival, run } from './helpers.js';

/** arrival ≤ admitted ≤ routed ≤ enqueued ≤ first scheduled ≤ first token ≤ finished, and the P/D phases in between. */
function checkCausal(r: RequestRecord): void {
  const chain = [r.arrivalUs, r.admittedUs, r.routedUs, r.enqueuedUs, r.firstScheduledUs, r.firstTokenUs, r.finishedUs];
  const happened = chain.filter((t) => t >= 0);
  for (let k = 1; k < happened.length; k++) expect(happened[k]!, `${r.id} step ${k} ${JSON.stringify(chain)}`).toBeGreaterThanOrEqual(happened[k - 1]!);
  // A phase that happened implies the ones before it did.
  for (let k = 1; k < chain.length; k++) if (chain[k]! >= 0) expect(chain[k - 1]!, `${r.id} phase ${k}`).toBeGreaterThanOrEqual(0);
  if (r.status === 'completed') expect(r.finishedUs).toBeGreaterThanOrEqual(0);
  const d = r.disagg;
  if (d !== undefined && r.status === 'completed') {
    // Routing picks the decode instance with the prefill one; the decode instance has the request
    // before it allocates its blocks and starts the transfer; the client's first token is its.
    expect(d.decodeRoutedUs).toBe(r.routedUs);
    const pd = [r.routedUs, r.firstScheduledUs, d.prefillDoneUs, d.decodeEnqueuedUs, d.transferStartUs, d.transferEndUs, d.decodeFirstScheduledUs, r.firstTokenUs, r.finishedUs];
    for (let k = 1; k < pd.length; k++) expect(pd[k]!, `${r.id} P/D step ${k} ${JSON.stringify(pd)}`).toBeGreaterThanOrEqual(pd[k - 1]!);
    expect(d.transferBytes).toBeGreaterThan(0);
    expect(d.decodePool).toBe('decode');
    expect(r.pool).toBe('prefill');
  }
}


const arb = fc.record({
  reqs: fc.array(fc.record({ gapUs: fc.integer({ min: 0, max: 20_000 }), input: fc.integer({ min: 1, max: 300 }), output: fc.integer({ min: 1, max: 40 }), group: fc.integer({ min: 0, max: 3 }), priority: fc.integer({ min: -1, max: 1 }) }), { minLength: 1, maxLength: 40, size: 'max' }),
  admission: fc.constantFrom('always-admit', 'saturation', 'token-bucket'),
  flowControl: fc.boolean(),
  ttlS: fc.constantFrom(0, 0.02),
  timeoutS: fc.constantFrom(0, 0.05),
  refreshMs: fc.constantFrom(0, 5),
  policy: fc.constantFrom('round-robin', 'least-loaded', 'weighted'),
  latencyMs: fc.constantFrom(0, 1),
  overheads: fc.record({ preScheduleUs: fc.constantFrom(0, 3_000), firstTokenUs: fc.constantFrom(0, 2_000), perOutputTokenUs: fc.constantFrom(0, 100) }),
});

describe('conservation across pools (property)', () => {
  for (const [name, layout] of POOL_LAYOUTS) {
    it(`${name}: every request ends exactly once, phases in causal order, no KV left held`, async () => {
      await fc.assert(fc.asyncProperty(arb, async (p) => {
        let t = 0;
        const arrivals = p.reqs.map((q, k) => {
          t += q.gapUs;
          return arrival(`r${k}`, t, q.input, q.output, { priority: q.priority, prefix: { group: `g${q.group}`, tokens: 64 } });
        });
        const { all, cluster } = await run({
          ...layout, maxNumSeqs: 4, totalKvBlocks: 60, blockSize: 16,
          // Each policy with the settings it reads; flow control (and its TTL) only behind the policy that queues (else refused).
          admissionPolicy: p.admission,
          ...(p.admission === 'saturation' ? { queueDepthThreshold: 1, flowControl: p.flowControl, requestTtlS: p.flowControl ? p.ttlS : 0 } : {}),
          ...(p.admission === 'token-bucket' ? { tokenBucketRate: 200, tokenBucketBurst: 3 } : {}),
          clientTimeoutS: p.timeoutS,
          snapshotRefreshIntervalMs: p.refreshMs, routingPolicy: p.policy,
          routingScorers: p.policy === 'weighted' ? 'prefix-affinity:2,precise-prefix-cache:1,queue-depth:1,load-aware:1,active-requests:1,kv-utilization:1' : undefined,
          admissionLatencyMs: p.latencyMs, routingLatencyMs: p.latencyMs,
        }, arrivals, undefined, 120_000_000, p.overheads);
        const ids = all.map((r) => r.id).sort();
        expect(ids).toEqual(arrivals.map((a) => a.id).sort());
        const c = cluster.ledger.requestCounts;
        expect(c.completed + c.rejected + c.timed_out + c.dropped + c.unfinished).toBe(c.injected);
        expect(c.injected).toBe(arrivals.length);
        expect(c.unfinished).toBe(0);
        for (const r of all) checkCausal(r);
        for (const inst of cluster.instances) {
          // Held prefill blocks the decode side has read wait for the prefill engine's next step (an idle vLLM runs none).
          expect(inst.heldCount, `instance ${inst.id} held`).toBe(inst.readDone);
          if (inst.heldCount === 0) expect(inst.kvUsedBlocks, `instance ${inst.id} blocks`).toBe(0);
        }
        for (let i = 0; i < cluster.instances.length; i++) expect(cluster.view.active[i]).toBe(0);
        expect(cluster.gatewayQueueLength).toBe(0);
      }), { numRuns: 60 });
    });
  }
});
