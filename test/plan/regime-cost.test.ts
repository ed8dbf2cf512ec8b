/** The regime's signs and classification, and the cost block, on hand-computed inputs. */
import { describe, expect, it } from 'vitest';
import { RegimeMonitor } from '../../src/cluster/regime.js';
import { costBlock } from '../../src/cluster/cost.js';
import { CATALOG_PRICES, gpuPrice, parseGpuPrices, priceTable } from '../../src/model/prices.js';
import { record } from './records.js';

const counts = (injected: number, completed = injected) => ({ injected, completed, rejected: injected - completed, timed_out: 0, dropped: 0, unfinished: 0 });

describe('regime', () => {
  it('measures the queue-wait slope exactly when waits grow linearly with arrival time', () => {
    const m = new RegimeMonitor();
    // Arrival every second; wait = 5 ms + 0.2 s per second of arrivals: slope 0.2, 5 ms -> 1805 ms.
    for (let i = 0; i < 10; i++) m.addRecord(record({ id: `r${i}`, arrivalMs: i * 1000, queueMs: 5 + 200 * i, ttftMs: 5000 + 200 * i, e2eMs: 9000 + 200 * i }));
    for (let i = 0; i < 10; i++) m.addStep(10_000, 1, 4, 256, 0.5);
    const b = m.block(counts(10), 100_000);
    expect(b.signs.queue_wait_slope).toBeCloseTo(0.2, 9);
    expect(b.signs.queue_wait_start_ms).toBeCloseTo(5, 6);
    expect(b.signs.queue_wait_end_ms).toBeCloseTo(1805, 6);
    expect(b.state).toBe('overloaded');
    expect(b.reasons[0]).toMatch(/queue wait grows 0.200 s per s/);
  });

  it('does not read a short run\'s start-up as a growing queue: waits rising by under four mean steps leave the slope out', () => {
    const run = (riseMs: number) => {
      const m = new RegimeMonitor();
      // Five arrivals 100 ms apart, waits rising linearly by riseMs in all; steps of 10 ms.
      for (let i = 0; i < 5; i++) m.addRecord(record({ id: `r${i}`, arrivalMs: i * 100, queueMs: (riseMs * i) / 4, ttftMs: 50, e2eMs: 500 }));
      for (let i = 0; i < 50; i++) m.addStep(10_000, 1, 4, 256, 0.5);
      return m.block(counts(5), 1_000_000);
    };
    // 30 ms over 0.4 s is a slope of 0.075 (past the overload line) but only three steps.
    const startUp = run(30);
    expect(startUp.signs.queue_wait_slope).toBeCloseTo(0.075, 9);
    expect(startUp.state).not.toBe('overloaded');
    expect(startUp.reasons.join('; ')).not.toMatch(/queue wait/);
    // 50 ms is five steps: the same run reads as a growing queue.
    const growing = run(50);
    expect(growing.state).toBe('overloaded');
    expect(growing.reasons[0]).toMatch(/queue wait grows 0\.125 s per s/);
  });

  it('is stable when waits stay within a step and no limit binds', () => {
    const m = new RegimeMonitor();
    // Waits alternate 2 and 4 ms (no trend); steps of 10 ms: 0.3 steps of wait.
    for (let i = 0; i < 20; i++) m.addRecord(record({ id: `r${i}`, arrivalMs: i * 100, queueMs: i % 2 === 0 ? 2 : 4 }));
    for (let i = 0; i < 100; i++) m.addStep(10_000, i % 10 === 0 ? 1 : 0, 8, 256, 0.3);
    const b = m.block(counts(20), 2_000_000);
    expect(b.signs).toMatchObject({ queue_wait_steps: 0.3, utilization: 0.5, waiting_share: 0.1, max_num_seqs_share: 0, kv_limit_share: 0, lost_share: 0 });
    expect(Math.abs(b.signs.queue_wait_slope)).toBeLessThan(0.001);
    expect(b.state).toBe('stable');
  });

  it('is near the knee when a batch limit binds or requests wait a step, overloaded when requests are lost', () => {
    const seqs = new RegimeMonitor();
    seqs.addRecord(record({ id: 'a', arrivalMs: 0, queueMs: 1 }));
    seqs.addRecord(record({ id: 'b', arrivalMs: 1000, queueMs: 1 }));
    for (let i = 0; i < 10; i++) seqs.addStep(10_000, 2, i < 3 ? 256 : 100, 256, 0.5); // 30% of step time at max_num_seqs
    expect(seqs.block(counts(2), 100_000)).toMatchObject({ state: 'near-knee', signs: { max_num_seqs_share: 0.3 } });

    const kv = new RegimeMonitor();
    kv.addRecord(record({ id: 'a', arrivalMs: 0, queueMs: 1 }));
    for (let i = 0; i < 10; i++) kv.addStep(10_000, i < 5 ? 1 : 0, 10, 256, 0.97); // KV full with waiting requests half the time
    expect(kv.block(counts(1), 100_000)).toMatchObject({ state: 'near-knee', signs: { kv_limit_share: 0.5 } });

    const wait = new RegimeMonitor();
    wait.addRecord(record({ id: 'a', arrivalMs: 0, queueMs: 12 }));
    wait.addRecord(record({ id: 'b', arrivalMs: 100, queueMs: 12 }));
    wait.addStep(10_000, 0, 1, 256, 0.1);
    expect(wait.block(counts(2), 10_000)).toMatchObject({ state: 'near-knee', signs: { queue_wait_steps: 1.2 } });

    // With async scheduling an arrival also waits out the step already formed: 1.5 steps is no contention, 1.9 is.
    const lagged = (waitMs: number) => {
      const m = new RegimeMonitor(1);
      m.addRecord(record({ id: 'a', arrivalMs: 0, queueMs: waitMs }));
      m.addRecord(record({ id: 'b', arrivalMs: 100, queueMs: waitMs }));
      m.addStep(10_000, 0, 1, 256, 0.1);
      return m.block(counts(2), 10_000);
    };
    expect(lagged(15)).toMatchObject({ state: 'stable', signs: { queue_wait_steps: 1.5 } });
    expect(lagged(19).state).toBe('near-knee');
    expect(lagged(19).reasons[0]).toMatch(/1.90 steps on average before their first \(1 of them the scheduling lag\)/);

    const lost = new RegimeMonitor();
    lost.addRecord(record({ id: 'a', arrivalMs: 0 }));
    expect(lost.block(counts(100, 98), 1)).toMatchObject({ state: 'overloaded', signs: { lost_share: 0.02 } });
  });

  describe('prefill/decode disaggregation', () => {
    // A link of 1 GB/s and 1 ms base latency: 10 MB alone drains in 10 ms and lands 1 ms later (11 ms).
    const link = { bytesPerS: 1e9, latencyUs: 1000 };
    /** A request arriving at `arrivalMs`, queued 1 ms, prefilled 20 ms later; its decode starts the pull `waitMs` after and the 10 MB take `tookMs`. */
    const pd = (i: number, arrivalMs: number, waitMs: number, tookMs: number) => {
      const r = record({ id: `p${i}`, arrivalMs, queueMs: 1 });
      const us = (ms: number) => Math.round(ms * 1000);
      const done = r.arrivalUs + us(21);
      const start = done + us(waitMs);
      const end = start + us(tookMs);
      return { ...r, disagg: { prefillInstance: 0, decodeInstance: 1, decodeRoutedUs: r.arrivalUs, prefillDoneUs: done, transferStartUs: start, transferEndUs: end, transferBytes: 1e7, decodeEnqueuedUs: done, decodeFirstScheduledUs: end, decodeCachedTokens: 0 } };
    };
    const run = (recs: ReturnType<typeof pd>[]) => {
      const m = new RegimeMonitor(0, link);
      for (const r of recs) m.addRecord(r);
      for (let i = 0; i < 100; i++) m.addStep(10_000, 0, 4, 256, 0.3);
      return m.block(counts(recs.length), 10_000_000);
    };

    it('reads a link shared at load rho from the time its transfers lose to sharing, 1 - alone / taken, the unshared base latency left out', () => {
      // Every transfer's bytes drain in 5 times their 10 ms alone (51 ms with the 1 ms latency): load 0.8, the knee.
      const knee = run(Array.from({ length: 10 }, (_, i) => pd(i, i * 1000, 2, 51)));
      expect(knee.signs.transfer_link_load).toBeCloseTo(0.8, 9);
      expect(knee.signs.handoff_wait_slope).toBeCloseTo(0, 9);
      expect(knee.state).toBe('near-knee');
      expect(knee.reasons).toEqual(['KV transfers take 5.0 times their time alone on the link (load 0.800)']);
      // A latency-bound link is not loaded: ten transfers of 10 kB (10 µs alone) that each take
      // their 1 ms latency plus 12 µs read load 1 - 10/12 ≈ 0.17 (counting the latency on both
      // sides would read 1 - 1010/1012 ≈ 0.002).
      const small = new RegimeMonitor(0, link);
      for (let i = 0; i < 10; i++) {
        const r = pd(i, i * 1000, 2, 1.012);
        small.addRecord({ ...r, disagg: { ...r.disagg, transferBytes: 1e4 } });
      }
      expect(small.block(counts(10), 10_000_000).signs.transfer_link_load).toBeCloseTo(1 - 10 / 12, 6);
      // Draining in 2 times as long (load 0.5) is stable; 200 times (0.995) is overloaded, though the
      // prefill queue waits 1 ms throughout and, as under sharing, the earliest transfers take longest.
      expect(run(Array.from({ length: 10 }, (_, i) => pd(i, i * 1000, 2, 21))).state).toBe('stable');
      const over = run(Array.from({ length: 10 }, (_, i) => pd(i, i * 1000, 2, 2200 + (9 - i) * 100)));
      expect(over.signs.queue_wait_slope).toBe(0);
      expect(over.signs.transfer_link_load).toBeGreaterThan(0.99);
      expect(over.state).toBe('overloaded');
    });

    it('is overloaded when the wait for a decode instance to start the pull grows (its scheduler cannot keep up)', () => {
      // The wait grows 0.05 s per s of arrivals: 2 ms, 52 ms, ... 452 ms.
      const b = run(Array.from({ length: 10 }, (_, i) => pd(i, i * 1000, 2 + 50 * i, 11)));
      expect(b.signs.handoff_wait_slope).toBeCloseTo(0.05, 9);
      expect(b.signs.transfer_link_load).toBe(0);
      expect(b.state).toBe('overloaded');
      expect(b.reasons[0]).toMatch(/the wait from a prefill's answer to its decode instance pulling the KV grows 0\.050 s per s of arrivals/);
    });

    it('adds neither sign to a run without disaggregated requests', () => {
      const m = new RegimeMonitor(0, link);
      m.addRecord(record({ id: 'a', arrivalMs: 0, queueMs: 1 }));
      expect(Object.keys(m.block(counts(1), 1000).signs)).not.toContain('transfer_link_load');
      expect(Object.keys(m.block(counts(1), 1000).signs)).not.toContain('handoff_wait_slope');
    });
  });

  it('requests refused for their shape or an absent model are not lost to load: 3 of 4 dropped is still stable', () => {
    const m = new RegimeMonitor();
    m.addRecord(record({ id: 'ok', arrivalMs: 0 }));
    for (const id of ['zero-in', 'zero-out', 'too-long']) m.addRecord({ ...record({ id, arrivalMs: 100, status: 'dropped' }), reason: 'invalid-lengths' });
    m.addStep(10_000, 0, 1, 256, 0.1);
    const shapes = { injected: 4, completed: 1, rejected: 0, timed_out: 0, dropped: 3, unfinished: 0 };
    expect(m.block(shapes, 1_000_000)).toMatchObject({ state: 'stable', signs: { lost_share: 0 } });
    // A gateway refusal for the queue is load, an unknown model is not.
    const g = new RegimeMonitor();
    g.addRecord({ ...record({ id: 'm', arrivalMs: 0, status: 'rejected' }), reason: 'unknown-model' });
    g.addRecord({ ...record({ id: 'q', arrivalMs: 0, status: 'rejected' }), reason: 'gateway-queue-full' });
    for (let i = 0; i < 98; i++) g.addRecord(record({ id: `r${i}`, arrivalMs: i }));
    expect(g.block(counts(100, 98), 1).signs.lost_share).toBe(0.01);
  });
});

describe('cost', () => {
  it('bills tp x time per GPU type at the table price', () => {
    const prices = priceTable({ H100: 4, 'a100-80gb': 2 });
    expect(gpuPrice(prices, 'A100-80')).toBe(2);
    // 2 H100 TP2 instances for 30 min = 2 GPU-hours = 8 USD; 1 A100 TP1 for 1 h (started later: not initial) = 2 USD.
    const c = costBlock([
      { hardware: 'H100', tp: 2, billedUs: 1.8e9, initial: true },
      { hardware: 'H100', tp: 2, billedUs: 1.8e9, initial: true },
      { hardware: 'A100-80', tp: 1, billedUs: 3.6e9, initial: false },
    ], prices, 1000, 2_000_000);
    expect(c).toMatchObject({ unit: 'USD', price_unit: 'USD per GPU-hour', gpu_hours: { 'A100-80': 1, H100: 2 }, total: 10, fleet_per_hour: 16, per_million_output_tokens: 5, per_thousand_requests: 10 });
    expect(c.price_source).toMatch(/^--gpu-price for A100-80, H100; otherwise /);
  });

  it('reports an unknown total when a GPU has no price', () => {
    const c = costBlock([{ hardware: 'MyGPU', tp: 1, billedUs: 3.6e9, initial: true }], CATALOG_PRICES, 1, 1);
    expect(c).toMatchObject({ total: null, fleet_per_hour: null, price_per_gpu_hour: { MyGPU: null } });
  });

  it('prices every catalogued GPU and parses overrides by alias', () => {
    for (const g of ['H100', 'H200', 'A100-80', 'A100-40', 'L40S', 'B200']) expect(gpuPrice(CATALOG_PRICES, g)).toBeGreaterThan(0);
    expect(parseGpuPrices('h100-sxm=2.5, L40S=1')).toEqual({ H100: 2.5, L40S: 1 });
    expect(() => parseGpuPrices('H100')).toThrow(/expected GPU=price/);
    expect(() => parseGpuPrices('H100=-2')).toThrow(/--gpu-price/);
  });

  it('refuses a GPU priced twice, and keeps GPU names that are Object.prototype members as names', () => {
    expect(() => parseGpuPrices('H100=2,h100-sxm=3')).toThrow(/--gpu-price: GPU 'H100' is priced twice/);
    const table = priceTable(parseGpuPrices('__proto__=2,constructor=3'));
    expect(gpuPrice(table, '__proto__')).toBe(2);
    expect(gpuPrice(table, 'constructor')).toBe(3);
    expect(gpuPrice(CATALOG_PRICES, 'toString')).toBeNull();
  });
});
