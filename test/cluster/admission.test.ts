import { describe, expect, it } from 'vitest';
import { ADMISSION_POLICIES, findAdmissionPolicy } from '../../src/cluster/admission/admission.js';
import { createRouterView } from '../../src/cluster/view.js';
import { InputError } from '../../src/kernel/errors.js';
import { arrival, run } from './helpers.js';

const SETTINGS = { queueDepthThreshold: 5, kvCacheUtilThreshold: 0.8, metricsStalenessUs: 200_000, tokenBucketRatePerS: 10, tokenBucketBurst: 2 };
const REQ = { index: 0, inputTokens: 16, outputTokens: 1, blockHashes: new Float64Array(0), priority: 0 };

describe('saturation detector (llm-d utilization detector: mean of max(q/Q, kv/KV) ≥ 1)', () => {
  // Q = 5, KV = 0.8 (the detector's defaults).
  const sat = findAdmissionPolicy('saturation').create(SETTINGS);
  it('refuses a pool of busy pods even when one is idle: the mean, not any pod, decides', () => {
    const v = createRouterView(4);
    // max(0/5, 0/0.8) = 0, max(10/5, 0.1/0.8) = 2, twice more 2: mean 6/4 = 1.5 ≥ 1.
    v.waiting.set([0, 10, 10, 10]);
    v.kvUtilization.set([0, 0.1, 0.1, 0.1]);
    expect(sat.decide(v, REQ, 0)).toBe('saturated');
    // max(9/5, 0.1/0.8) = 1.8, max(0/5, 0.1/0.8) = 0.125: mean 1.925/2 = 0.9625 < 1.
    const w = createRouterView(2);
    w.waiting.set([9, 0]);
    w.kvUtilization.set([0.1, 0.1]);
    expect(sat.decide(w, REQ, 0)).toBeNull();
  });
  it('counts a pod at exactly the threshold as full (ratio 1 ≥ 1), by queue or by KV', () => {
    const v = createRouterView(1);
    v.waiting.set([4]);
    v.kvUtilization.set([0.79]);
    expect(sat.decide(v, REQ, 0)).toBeNull(); // max(0.8, 0.9875)
    v.waiting.set([5]);
    expect(sat.decide(v, REQ, 0)).toBe('saturated'); // 5/5 = 1
    v.waiting.set([0]);
    v.kvUtilization.set([0.8]);
    expect(sat.decide(v, REQ, 0)).toBe('saturated'); // 0.8/0.8 = 1
  });
  it('averages over candidates only, and counts in-flight dispatches as waiting', () => {
    const v = createRouterView(2);
    v.waiting.set([0, 9]);
    v.eligible.set([0, 1]);
    expect(sat.decide(v, REQ, 0)).toBe('saturated'); // 9/5 over one candidate
    v.eligible.set([1, 1]);
    v.waiting.set([0, 4]);
    expect(sat.decide(v, REQ, 0)).toBeNull(); // (0 + 0.8)/2
    v.inFlight.set([6, 0]);
    expect(sat.decide(v, REQ, 0)).toBe('saturated'); // (6/5 + 4/5)/2 = 1
    v.eligible.set([0, 0]);
    expect(sat.decide(v, REQ, 0)).toBe('saturated'); // no candidate: saturation 1
  });
  it('counts metrics older than the staleness threshold as a full pod (score 1)', () => {
    const v = createRouterView(1);
    expect(sat.decide(v, REQ, 200_000)).toBeNull();
    expect(sat.decide(v, REQ, 200_001)).toBe('saturated');
  });
  it('refuses thresholds of 0, which it divides by (the detector\'s validateConfig)', () => {
    const entry = findAdmissionPolicy('saturation');
    expect(() => entry.check!({ ...SETTINGS, queueDepthThreshold: 0 })).toThrowError(/--queue-depth-threshold.*expected a number > 0/);
    expect(() => entry.check!({ ...SETTINGS, kvCacheUtilThreshold: 0 })).toThrowError(/--kv-cache-util-threshold.*expected a fraction in \(0, 1\]/);
  });
});

describe('token bucket (requests)', () => {
  it('admits a burst of `burst` requests, then refills at `rate` per second', () => {
    const tb = findAdmissionPolicy('token-bucket').create(SETTINGS);
    const v = createRouterView(1);
    expect([0, 0, 0, 0].map((t) => tb.decide(v, REQ, t))).toEqual([null, null, 'rate-limited', 'rate-limited']);
    expect(tb.decide(v, REQ, 99_999)).toBe('rate-limited');
    expect(tb.decide(v, REQ, 100_000)).toBeNull();
  });
  it('refills from the previous decision, not from time 0 (rate 10/s, burst 2)', () => {
    const tb = findAdmissionPolicy('token-bucket').create(SETTINGS);
    const v = createRouterView(1);
    // 5 s: full (2 tokens), two admitted, the third refused; 5.05 s: 0.5; 5.101 s: 1.01, admitted
    // (0.01 left); 5.151 s: 0.51; 5.4 s: 0.51 + 2.49, capped at 2: two admitted, the third refused.
    const at = [5_000_000, 5_000_000, 5_000_000, 5_050_000, 5_101_000, 5_151_000, 5_400_000, 5_400_000, 5_400_000];
    expect(at.map((t) => tb.decide(v, REQ, t))).toEqual([null, null, 'rate-limited', 'rate-limited', null, 'rate-limited', null, null, 'rate-limited']);
  });
  it('takes a burst of exactly one request and refuses a smaller one or no rate, naming the flag', () => {
    const tb = findAdmissionPolicy('token-bucket');
    expect(() => tb.check!({ ...SETTINGS, tokenBucketBurst: 1 })).not.toThrow();
    const err = (s: typeof SETTINGS): InputError => {
      try {
        tb.check!(s);
      } catch (e) {
        return e as InputError;
      }
      throw new Error('accepted');
    };
    expect(err({ ...SETTINGS, tokenBucketBurst: 0.5 })).toMatchObject({ code: 'FLAG_OUT_OF_RANGE', where: '--token-bucket-burst' });
    expect(err({ ...SETTINGS, tokenBucketRatePerS: 0 })).toMatchObject({ code: 'FLAG_MISSING', where: '--token-bucket-rate' });
    expect(tb.echo!(SETTINGS)).toEqual({ token_bucket_rate_rps: 10, token_bucket_burst_requests: 2 });
  });
});

describe('admission registry', () => {
  it('lists every policy and rejects unknown names with the valid ones', () => {
    expect(ADMISSION_POLICIES.map((p) => p.name)).toEqual(['always-admit', 'token-bucket', 'saturation']);
    expect(() => findAdmissionPolicy('saturaton')).toThrowError(/unknown admission policy 'saturaton' \(did you mean saturation\?\); known: always-admit, token-bucket, saturation/);
    expect(() => findAdmissionPolicy('x')).toThrow(InputError);
  });
  it('reads names as flags are typed (case, surrounding spaces) and names the flag when it refuses one', () => {
    expect(findAdmissionPolicy('  Token-Bucket ').name).toBe('token-bucket');
    expect(() => findAdmissionPolicy('fifo')).toThrowError(expect.objectContaining({ code: 'UNKNOWN_ADMISSION_POLICY', where: '--admission-policy' }));
  });
  it('only the saturation policy refuses for lack of capacity (queueable); always-admit refuses nothing', () => {
    expect(Object.fromEntries(ADMISSION_POLICIES.map((p) => [p.name, p.queueable]))).toEqual({ 'always-admit': false, 'token-bucket': false, saturation: true });
    expect(Object.fromEntries(ADMISSION_POLICIES.map((p) => [p.name, p.reads]))).toEqual({
      'always-admit': [],
      'token-bucket': ['tokenBucketRatePerS', 'tokenBucketBurst'],
      saturation: ['queueDepthThreshold', 'kvCacheUtilThreshold', 'metricsStalenessUs'],
    });
    const always = findAdmissionPolicy('always-admit').create(SETTINGS);
    const v = createRouterView(1);
    v.waiting.set([1000]);
    v.kvUtilization.set([1]);
    expect(always.decide(v, REQ, 10_000_000_000)).toBeNull();
  });
});

/**
 * One instance serving one request at a time, queue-depth threshold 0, scrapes every 10 ms,
 * in-flight tracking on. r0 (t=0) is admitted (nothing waiting, nothing in flight) and runs
 * ~100 steps; r1 (1 ms), r2 (2 ms) and r3 (3 ms, more urgent band) find the instance saturated.
 */
function saturatingArrivals(): ReturnType<typeof arrival>[] {
  return [
    arrival('r0', 0, 16, 100),
    arrival('r1', 1000, 16, 100),
    arrival('r2', 2000, 16, 100),
    arrival('r3', 3000, 16, 100, { priority: -1 }),
  ];
}
// One instance, Q = 1: saturated as soon as one request waits (1/1 ≥ 1).
const SAT = { numInstances: 1, maxNumSeqs: 1, admissionPolicy: 'saturation', queueDepthThreshold: 1, snapshotRefreshIntervalMs: 10 };

describe('saturation admission end to end', () => {
  it('rejects requests that find every candidate saturated (without flow control)', async () => {
    const { records, cluster } = await run(SAT, saturatingArrivals());
    expect(records.get('r0')!.status).toBe('completed');
    for (const id of ['r1', 'r2', 'r3']) {
      const r = records.get(id)!;
      expect([r.status, r.reason, r.admission, r.admittedUs, r.instance]).toEqual(['rejected', 'saturated', 'rejected', -1, -1]);
    }
    expect(cluster.ledger.requestCounts.rejected).toBe(3);
  });

  it('admits the first requests of a run that starts later than the staleness threshold (the view is scraped at the first arrival)', async () => {
    // Before: the view's scrape time stayed 0 until the first grid scrape, so arrivals at 5 s found
    // every pod 5 s stale (score 1 each, saturation 1) and were refused `saturated` on an idle pool.
    const { records } = await run({ ...SAT, queueDepthThreshold: 5 }, [arrival('r0', 5_000_000, 16, 4), arrival('r1', 5_001_000, 16, 4)]);
    for (const id of ['r0', 'r1']) expect([id, records.get(id)!.status, records.get(id)!.admittedUs]).toEqual([id, 'completed', id === 'r0' ? 5_000_000 : 5_001_000]);
  });

  it('counts a request admitted but still in --routing-latency as waiting, as it counts a dispatched one (in-flight tracking)', async () => {
    // r0 is admitted at 0 and reaches its instance at 1 ms; r1 arrives at 0.5 ms. With Q = 1 the one
    // request ahead saturates the pool whether it is dispatched (latency 0: in flight) or still being
    // routed (latency 1 ms). Before, a request in the routing step was counted nowhere, so any routing
    // latency, even 10 µs, let a whole flow-control drain or burst through on one scrape.
    const two = [arrival('r0', 0, 16, 50), arrival('r1', 500, 16, 50)];
    for (const routingLatencyMs of [0, 0.01, 1]) {
      const { records } = await run({ ...SAT, routingLatencyMs }, two);
      expect([routingLatencyMs, records.get('r0')!.status, records.get('r1')!.status, records.get('r1')!.reason]).toEqual([routingLatencyMs, 'completed', 'rejected', 'saturated']);
    }
    // Without tracking the EPP's detector reads the scrape alone: both pass.
    const { records } = await run({ ...SAT, routingLatencyMs: 1, inFlightTracking: false }, two);
    expect([records.get('r0')!.status, records.get('r1')!.status]).toEqual(['completed', 'completed']);
  });

  it('with flow control, holds them and dispatches when a scrape shows capacity, urgent band first', async () => {
    const { records } = await run({ ...SAT, flowControl: true }, saturatingArrivals());
    const r = (id: string) => records.get(id)!;
    for (const id of ['r0', 'r1', 'r2', 'r3']) expect(r(id).status).toBe('completed');
    // 10 ms scrape: r0 running, nothing waiting → one dispatch; the urgent band goes first.
    expect(r('r3').admittedUs).toBe(10_000);
    expect(r('r3').admission).toBe('queued-then-admitted');
    // r1 then r2 (FIFO within their band) each wait for the previous one to leave the waiting queue.
    expect(r('r1').admittedUs).toBeGreaterThan(r('r3').admittedUs);
    expect(r('r2').admittedUs).toBeGreaterThan(r('r1').admittedUs);
    expect(r('r1').admittedUs % 10_000).toBe(0); // dispatches happen on scrapes
  });

  it('expires queued requests after --request-ttl and counts them by reason', async () => {
    const { records, cluster } = await run({ ...SAT, flowControl: true, requestTtlS: 0.05 }, saturatingArrivals());
    const r2 = records.get('r2')!;
    expect([r2.status, r2.reason, r2.admission, r2.finishedUs]).toEqual(['timed_out', 'queue-ttl-expired', 'queued-then-expired', -1]);
    expect(records.get('r3')!.status).toBe('completed');
    expect(cluster.ledger.requestCounts.timed_out).toBe(2); // r1 and r2 (r0 runs > 50 ms)
  });

  it('a client timeout while queued ends the request as timed out (client-timeout) without reaching an instance', async () => {
    const { records } = await run({ ...SAT, flowControl: true, clientTimeoutS: 0.05 }, saturatingArrivals());
    const r2 = records.get('r2')!;
    expect([r2.status, r2.reason, r2.admission, r2.instance, r2.enqueuedUs]).toEqual(['timed_out', 'client-timeout', 'queued-then-expired', -1, -1]);
  });

  it('rejects with gateway-queue-full beyond --max-gateway-queue', async () => {
    const { records } = await run({ ...SAT, flowControl: true, maxGatewayQueue: 1 }, saturatingArrivals());
    expect(records.get('r2')!.reason).toBe('gateway-queue-full');
    expect(records.get('r3')!.reason).toBe('gateway-queue-full');
    expect(records.get('r1')!.status).toBe('completed');
  });
});
