import { describe, expect, test } from 'vitest';
import type { ReplicaView } from '../../src/control/cluster-port.js';
import { prometheusCollector } from '../../src/control/collector.js';
import { erlangC, waitTailProbability } from '../../src/control/erlang.js';
import { zeroCounters, type ModelMetrics } from '../../src/control/metrics-types.js';
import type { ModelPolicy } from '../../src/control/policy.js';
import { defaultOptions } from '../../src/control/registry.js';
import { Stabilizer } from '../../src/control/stabilizer.js';
import { ANALYZERS } from '../../src/control/stages.js';

const view = (id: number, waiting: number, running: number, used: number): ReplicaView =>
  ({ id, model: 'm', hardware: 'H100', tp: 1, state: 'ready', waiting, running, kvUsedBlocks: used, kvTotalBlocks: 100 });

describe('prometheus collector', () => {
  test('the analyzer sees the newest scrape at least lag_s old, with rates over rate_window_s', () => {
    const c = prometheusCollector.create({ scrape_interval_s: 10, lag_s: 15, rate_window_s: 20, peak_window_s: 60 }, {});
    const counters = zeroCounters();
    for (let t = 0; t <= 60; t += 10) {
      counters.arrivals = t * 3; // 3 req/s
      counters.completions = t * 2;
      counters.ttftSumUs = t * 2 * 50_000; // 50 ms each
      c.scrape(t * 1e6, [view(0, t, 1, t)], new Map([['m', { ...counters }]]));
    }
    expect(c.metrics(10e6, 'm')).toBeNull();
    const m = c.metrics(60e6, 'm')!;
    expect(m.tUs).toBe(40e6);
    expect(m.queueDepth).toBe(40);
    expect(m.replicas[0]!.kvUtilization).toBeCloseTo(0.4);
    expect(m.arrivalRps).toBeCloseTo(3);
    expect(m.completionRps).toBeCloseTo(2);
    expect(m.meanTtftMs).toBeCloseTo(50);
    expect(Number.isNaN(m.meanItlMs)).toBe(true);
  });

  test('each replica carries its peak waiting and KV utilisation over (t − peak_window_s, t], as WVA\'s max_over_time[1m]', () => {
    // Scrapes every 15 s; replica 0's queue spikes to 9 at 15 s and is empty again at 30 s.
    // Seen at 60 s (window (0, 60]: scrapes 15, 30, 45, 60): peak 9, though the scrape at 60 s shows 0.
    // Seen at 75 s (window (15, 75]): the spike at 15 s has left the window.
    const c = prometheusCollector.create({ scrape_interval_s: 15, lag_s: 0, rate_window_s: 60, peak_window_s: 60 }, {});
    const queue = [0, 9, 0, 0, 0, 0];
    const kv = [10, 50, 20, 0, 0, 0];
    queue.forEach((q, k) => c.scrape(k * 15e6, [view(0, q, 1, kv[k]!)], new Map()));
    const at60 = c.metrics(60e6, 'm')!.replicas[0]!;
    expect([at60.waiting, at60.peakWaiting, at60.kvUtilization, at60.peakKvUtilization]).toEqual([0, 9, 0, 0.5]);
    const at75 = c.metrics(75e6, 'm')!.replicas[0]!;
    expect([at75.peakWaiting, at75.peakKvUtilization]).toEqual([0, 0.2]);
    const instant = prometheusCollector.create({ scrape_interval_s: 15, lag_s: 0, rate_window_s: 60, peak_window_s: 0 }, {});
    queue.forEach((q, k) => instant.scrape(k * 15e6, [view(0, q, 1, kv[k]!)], new Map()));
    expect(instant.metrics(60e6, 'm')!.replicas[0]!.peakWaiting).toBe(0);
  });

  test('a burst between decisions saturates the saturation analyzer\'s view until it leaves the peak window', () => {
    const c = prometheusCollector.create({ scrape_interval_s: 15, lag_s: 0, rate_window_s: 60, peak_window_s: 60 }, {});
    [0, 6, 0, 0, 0].forEach((q, k) => c.scrape(k * 15e6, [view(0, q, 1, 0), view(1, 0, 1, 0)], new Map()));
    const satEntry = ANALYZERS.find((e) => e.name === "saturation")!; const a = satEntry.create(defaultOptions(satEntry), {});
    // At 60 s replica 0's peak is 6 ≥ 5 (saturated); replica 1 alone has spare queue 5, KV 0.8: hold, not scale down.
    const s = a.analyze(c.metrics(60e6, 'm'), { policy, active: 2, pending: 0, nowUs: 60e6 });
    expect(s.desired).toBe(2);
  });

  test('only ready replicas report', () => {
    const c = prometheusCollector.create({ scrape_interval_s: 1, lag_s: 0, rate_window_s: 1, peak_window_s: 60 }, {});
    c.scrape(0, [view(0, 1, 1, 1), { ...view(1, 9, 9, 9), state: 'draining' }, { ...view(2, 0, 0, 0), state: 'loading' }], new Map());
    expect(c.metrics(0, 'm')!.replicas.map((r) => r.id)).toEqual([0]);
  });
});

describe('Erlang C', () => {
  test('hand-computed values', () => {
    expect(erlangC(1, 0.5)).toBeCloseTo(0.5, 12); // M/M/1: P(wait) = ρ
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12); // B(2,1) = 0.2; C = 0.2 / (1 − 0.5·0.8)
    expect(erlangC(3, 3)).toBe(1);
    expect(waitTailProbability(1, 0.5, 1, 2)).toBeCloseTo(0.5 * Math.exp(-1), 12);
  });
  test('more servers never wait more', () => {
    let prev = 1;
    for (let c = 5; c < 60; c++) {
      const p = erlangC(c, 4.5);
      expect(p).toBeLessThanOrEqual(prev + 1e-12);
      prev = p;
    }
  });
});

describe('stabilizer', () => {
  test('scale-down follows the highest recommendation of its window; scale-up the lowest of its', () => {
    const s = new Stabilizer({ upWindowUs: 20e6, downWindowUs: 30e6, upCooldownUs: 0, downCooldownUs: 0 });
    expect(s.stabilize('m', 3, 3, 0).desired).toBe(3);
    expect(s.stabilize('m', 3, 1, 10e6).desired).toBe(3);
    expect(s.stabilize('m', 3, 1, 20e6).desired).toBe(3);
    expect(s.stabilize('m', 3, 1, 40e6).desired).toBe(1); // the 3 at t=0 left the 30 s window
    expect(s.stabilize('m', 1, 5, 50e6).desired).toBe(1); // 1s still in the 20 s up window
    expect(s.stabilize('m', 1, 5, 70e6).desired).toBe(5);
  });
  test('a window of W s holds the recommendations of (now − W, now]: one made exactly W ago has left it (HPA)', () => {
    // Decisions every 10 s, scale_down_s 30: 3 at 340 s, then 2s. At 370 s the 3 is exactly 30 s old.
    const s = new Stabilizer({ upWindowUs: 30e6, downWindowUs: 30e6, upCooldownUs: 0, downCooldownUs: 0 });
    expect(s.stabilize('m', 3, 3, 340e6).desired).toBe(3);
    expect(s.stabilize('m', 3, 2, 350e6).desired).toBe(3);
    expect(s.stabilize('m', 3, 2, 360e6).desired).toBe(3);
    expect(s.stabilize('m', 3, 2, 370e6).desired).toBe(2);
    // Up: 4s from 380 s; at 400 s the 2 made at 370 s has left (370, 400].
    expect(s.stabilize('m', 2, 4, 380e6).desired).toBe(2);
    expect(s.stabilize('m', 2, 4, 390e6).desired).toBe(2);
    expect(s.stabilize('m', 2, 4, 400e6).desired).toBe(4);
  });

  test('cooldown holds a second move in the same direction', () => {
    const s = new Stabilizer({ upWindowUs: 0, downWindowUs: 0, upCooldownUs: 60e6, downCooldownUs: 0 });
    expect(s.stabilize('m', 1, 2, 0).desired).toBe(2);
    s.noteAction('m', 'up', 0);
    const held = s.stabilize('m', 2, 3, 30e6);
    expect(held.desired).toBe(2);
    expect(held.note).toMatch(/cooldown until 60.0 s/);
    expect(s.stabilize('m', 2, 3, 60e6).desired).toBe(3);
  });
});

const policy: ModelPolicy = { name: 'm', priority: 1, sloClass: '', ttftMs: 500, itlMs: 40, minReplicas: 1, maxReplicas: 16, initialReplicas: 1, variants: [{ hardware: 'H100', tp: 1 }], loadS: null };

function metrics(over: Partial<ModelMetrics>): ModelMetrics {
  return {
    model: 'm', tUs: 0, replicas: [{ id: 0, hardware: 'H100', tp: 1, waiting: 0, running: 20, kvUsedBlocks: 200, kvTotalBlocks: 1000, kvUtilization: 0.2, peakWaiting: 0, peakKvUtilization: 0.2 }],
    arrivalRps: 10, completionRps: 10, outputTokensPerS: 2000, meanTtftMs: 80, meanItlMs: 20, meanPrefillS: 0.05, meanServiceS: 4,
    meanInputTokens: 500, meanOutputTokens: 200, queueDepth: 0, gatewayWaiting: 0, ...over,
  };
}

describe('analyzer registry conformance', () => {
  for (const entry of ANALYZERS) {
    test(`${entry.name}: finite, non-negative, deterministic; holds without data; scales from zero`, () => {
      const a = entry.create(defaultOptions(entry), {});
      const b = entry.create(defaultOptions(entry), {});
      const ctx = { policy, active: 2, pending: 0, nowUs: 0 };
      for (const m of [metrics({}), metrics({ arrivalRps: 200 }), metrics({ arrivalRps: 0.1 })]) {
        const s = a.analyze(m, ctx);
        expect(Number.isInteger(s.desired) && s.desired >= 0).toBe(true);
        expect(s).toEqual(b.analyze(m, ctx));
        expect(s.reason.length).toBeGreaterThan(0);
      }
      expect(entry.create(defaultOptions(entry), {}).analyze(null, ctx).desired).toBe(2);
      expect(entry.create(defaultOptions(entry), {}).analyze(metrics({ replicas: [] }), { ...ctx, active: 0 }).desired).toBe(1);
    });
  }
});

describe('saturation analyzer (WVA defaults)', () => {
  const a = ANALYZERS.find((e) => e.name === 'saturation')!;
  const sat = a.create(defaultOptions(a), {});
  const r = (id: number, kv: number, waiting: number) => ({ id, hardware: 'H100', tp: 1, waiting, running: 1, kvUsedBlocks: kv * 100, kvTotalBlocks: 100, kvUtilization: kv, peakWaiting: waiting, peakKvUtilization: kv });
  test('+1 when average spare KV over non-saturated replicas is below 0.1', () => {
    const s = sat.analyze(metrics({ replicas: [r(0, 0.75, 0), r(1, 0.72, 0), r(2, 0.9, 0)] }), { policy, active: 3, pending: 0, nowUs: 0 });
    expect(s.desired).toBe(4);
  });
  test('+1 blocked while a replica is pending', () => {
    const s = sat.analyze(metrics({ replicas: [r(0, 0.9, 9)] }), { policy, active: 2, pending: 1, nowUs: 0 });
    expect(s.desired).toBe(2);
    expect(s.reason).toMatch(/blocked/);
  });
  test('-1 beside a saturated replica when two others are idle: WVA\'s isScaleDownSafe sums only the non-saturated', () => {
    // Replica 0 queue 9 (saturated), 1 and 2 idle: spare KV 0.8, queue 5 (no scale-up); two
    // non-saturated with zero load spread over one: spare 0.8 ≥ 0.1 and 5 ≥ 3 → 2.
    expect(sat.analyze(metrics({ replicas: [r(0, 0.3, 9), r(1, 0, 0), r(2, 0, 0)] }), { policy, active: 3, pending: 0, nowUs: 0 }).desired).toBe(2);
    // One non-saturated beside it: nothing to spread over, hold.
    expect(sat.analyze(metrics({ replicas: [r(0, 0.3, 9), r(1, 0, 0)] }), { policy, active: 2, pending: 0, nowUs: 0 }).desired).toBe(2);
  });
  test('every replica saturated: spare counts as 0 and scales up only when 0 is below a trigger (WVA shouldScaleUp, strict <)', () => {
    // WVA's AnalyzeModelSaturation leaves both averages at 0 when no replica is non-saturated,
    // then shouldScaleUp asks 0 < kvSpareTrigger || 0 < queueSpareTrigger
    // (workload-variant-autoscaler internal/saturation/analyzer.go).
    const all = metrics({ replicas: [r(0, 0.9, 9), r(1, 0.85, 6)] });
    const ctx = { policy, active: 2, pending: 0, nowUs: 0 };
    const at = (kv: number, q: number) => a.create({ ...defaultOptions(a), kv_spare_trigger: kv, queue_spare_trigger: q }, {}).analyze(all, ctx).desired;
    expect(at(0.1, 3)).toBe(3);
    expect(at(0, 3)).toBe(3);
    expect(at(0.1, 0)).toBe(3);
    expect(at(0, 0)).toBe(2);
  });
  test('-1 only when the load of one replica fewer still leaves spare above both triggers', () => {
    expect(sat.analyze(metrics({ replicas: [r(0, 0.2, 0), r(1, 0.2, 0), r(2, 0.2, 1)] }), { policy, active: 3, pending: 0, nowUs: 0 }).desired).toBe(2);
    expect(sat.analyze(metrics({ replicas: [r(0, 0.4, 0), r(1, 0.35, 0)] }), { policy, active: 2, pending: 0, nowUs: 0 }).desired).toBe(2);
  });
});

describe('queueing analyzer', () => {
  const q = ANALYZERS.find((e) => e.name === 'queueing')!;
  test('replicas grow with the arrival rate and never fall below what utilisation needs', () => {
    const a = q.create(defaultOptions(q), {});
    let prev = 0;
    for (const rate of [1, 5, 20, 50, 100, 200]) {
      const s = a.analyze(metrics({ arrivalRps: rate }), { policy, active: 2, pending: 0, nowUs: 0 });
      expect(s.desired).toBeGreaterThanOrEqual(prev);
      prev = s.desired;
    }
    expect(prev).toBeGreaterThan(1);
  });
  test('no arrivals in the window recommends 0 even before any completion was observed', () => {
    // A model whose requests were all rejected or timed out has no service profile; with no
    // traffic either, no profile is needed to size it: zero (the docs' "with no arrivals it
    // recommends 0"), not a hold that keeps an idle replica billed forever.
    const a = q.create(defaultOptions(q), {});
    const none = { meanServiceS: NaN, meanItlMs: NaN, meanPrefillS: NaN, meanInputTokens: NaN, meanOutputTokens: NaN, completionRps: 0 };
    expect(a.analyze(metrics({ ...none, arrivalRps: 0 }), { policy, active: 1, pending: 0, nowUs: 0 }).desired).toBe(0);
    // With arrivals and still no profile it holds, or starts one from zero.
    expect(a.analyze(metrics({ ...none, arrivalRps: 2 }), { policy, active: 2, pending: 0, nowUs: 0 }).desired).toBe(2);
    expect(a.analyze(metrics({ ...none, arrivalRps: 2, replicas: [] }), { policy, active: 0, pending: 0, nowUs: 0 }).desired).toBe(1);
    // No arrival in the window, but requests waiting at the gateway for a model with no replica: one.
    for (const entry of ANALYZERS) {
      const s = entry.create(defaultOptions(entry), {}).analyze(metrics({ arrivalRps: 0, gatewayWaiting: 3, replicas: [] }), { policy, active: 0, pending: 0, nowUs: 0 });
      expect(s.desired, entry.name).toBe(1);
      expect(s.reason).toMatch(/3 request\(s\) waiting at the gateway/);
    }
  });
  test('hand-checked sizing: slots from the ITL target, service time from the profile', () => {
    // ITL 20 ms at batch 20 → α = 20 / (1 + 20/128) = 17.297 ms; ITL target 40 → b* = floor(128·(40/α − 1)) = 168;
    // KV bound = floor(0.8·1000 / (200/20)) = 80 slots. Service = 0.05 + 199·α(1 + 80/128)/1e3 = 5.644 s;
    // per replica 80 / 5.644 = 14.17 req/s at most 0.8 utilised → 100 req/s needs ceil(100 / 11.34) = 9.
    const a = q.create(defaultOptions(q), {});
    const s = a.analyze(metrics({ arrivalRps: 100 }), { policy, active: 2, pending: 0, nowUs: 0 });
    expect(s.reason).toMatch(/80 slots x 5.64 s/);
    expect(s.desired).toBe(9);
  });
});
