/**
 * SLO accounting on hand-computed cases: per-request attainment, goodput, class targets, and
 * statistics in which lost requests count as infinitely late.
 */
import { describe, expect, it } from 'vitest';
import { SloCollector } from '../../src/cluster/slo.js';
import { EMPTY_SUMMARY } from '../../src/cluster/summary.js';
import { mergeSlo, parseSloClass, parseSloTargets, sloTargetsFromObject, NO_SLO } from '../../src/workload/slo.js';
import { InputError } from '../../src/kernel/errors.js';
import { record } from './records.js';

const spec = (text: string) => mergeSlo(NO_SLO, { default: parseSloTargets(text) });

describe('SLO targets', () => {
  it('parses metric_stat=ms lists and rejects unknown metrics, stats and values with the flag named', () => {
    expect(parseSloTargets('ttft_p99=200, tpot_p50=30')).toEqual([{ metric: 'ttft', stat: 'p99', ms: 200 }, { metric: 'tpot', stat: 'p50', ms: 30 }]);
    expect(() => parseSloTargets('ttft_p98=200')).toThrow(/unknown SLO target 'ttft_p98'.*did you mean/);
    expect(() => parseSloTargets('tfft_p99=200')).toThrow(InputError);
    expect(() => parseSloTargets('ttft_p99=-1')).toThrow(/expected a number of milliseconds > 0/);
    expect(() => parseSloTargets('ttft_p99=200,ttft_p99=300')).toThrow(/given twice/);
    expect(parseSloClass('batch:e2e_p99=60000')).toEqual({ name: 'batch', targets: [{ metric: 'e2e', stat: 'p99', ms: 60000 }] });
    expect(() => sloTargetsFromObject({ ttft_p99: 'soon' }, (k) => `spec.yaml:3 slo_classes.a${k ? `.${k}` : ''}`)).toThrow(/spec.yaml:3 slo_classes.a.ttft_p99/);
  });
});

describe('per-request attainment and goodput', () => {
  it('counts a request as met only when completed with every per-request metric within target', () => {
    // Targets: TTFT 200 ms, TPOT 30 ms. TPOT = (e2e - ttft) / (output - 1).
    const c = new SloCollector(spec('ttft_p99=200,tpot_p50=30'), 'm');
    c.add(record({ id: 'a', arrivalMs: 0, ttftMs: 100, e2eMs: 100 + 9 * 20, output: 10 }));     // TTFT 100, TPOT 20: met
    c.add(record({ id: 'b', arrivalMs: 1000, ttftMs: 250, e2eMs: 250 + 9 * 20, output: 10 }));  // TTFT 250: missed
    c.add(record({ id: 'c', arrivalMs: 2000, ttftMs: 150, e2eMs: 150 + 9 * 40, output: 10 }));  // TPOT 40: missed
    c.add(record({ id: 'd', arrivalMs: 3000, ttftMs: 200, e2eMs: 200, output: 1 }));            // TTFT exactly 200, no TPOT: met
    c.add(record({ id: 'e', arrivalMs: 4000, status: 'rejected', output: 10 }));                // lost: missed
    // Window: first arrival 0 to last completion (c: 2000 + 510 = 2510; d: 3200) = 3.2 s.
    const b = c.block(3_200_000, EMPTY_SUMMARY);
    expect(b.attainment).toMatchObject({ met: 2, counted: 5, attainment: 0.4, uncovered: 0 });
    expect(b.goodput.requests_per_s).toBeCloseTo(2 / 3.2, 6);
    // Met requests' tokens: input 100 + 100, output 10 + 1.
    expect(b.goodput.input_tokens_per_s).toBeCloseTo(200 / 3.2, 6);
    expect(b.goodput.output_tokens_per_s).toBeCloseTo(11 / 3.2, 6);
  });

  it('gives each SLO class its own targets and reports attainment per class, tenant and model', () => {
    const s = mergeSlo(NO_SLO, { default: parseSloTargets('ttft_p99=100'), classes: { batch: parseSloTargets('e2e_p99=10000') } });
    const c = new SloCollector(s, 'default-model');
    c.add(record({ id: 'i1', arrivalMs: 0, ttftMs: 50, sloClass: 'interactive', tenant: 't1' }));                  // default targets: met
    c.add(record({ id: 'i2', arrivalMs: 0, ttftMs: 150, sloClass: 'interactive', tenant: 't2' }));                 // missed
    c.add(record({ id: 'b1', arrivalMs: 0, ttftMs: 5000, e2eMs: 9000, sloClass: 'batch', tenant: 't1', model: 'm2' })); // batch: met despite TTFT
    c.add(record({ id: 'b2', arrivalMs: 0, ttftMs: 10, e2eMs: 12000, sloClass: 'batch', tenant: 't2', model: 'm2' }));  // e2e over: missed
    const b = c.block(1e6, EMPTY_SUMMARY);
    expect(b.attainment.by_class).toEqual({ batch: { met: 1, counted: 2, attainment: 0.5 }, interactive: { met: 1, counted: 2, attainment: 0.5 } });
    expect(b.attainment.by_tenant).toEqual({ t1: { met: 2, counted: 2, attainment: 1 }, t2: { met: 0, counted: 2, attainment: 0 } });
    expect(b.attainment.by_model).toEqual({ 'default-model': { met: 1, counted: 2, attainment: 0.5 }, m2: { met: 1, counted: 2, attainment: 0.5 } });
    // Checks per set: default ttft_p99 over i1, i2 = 50 + 0.99 * 100 = 149; batch e2e_p99 over 9000, 12000 = 11970.
    expect(b.checks.map((x) => [x.class, x.target, x.observed_ms, x.holds])).toEqual([[null, 'ttft_p99', 149, false], ['batch', 'e2e_p99', 11970, false]]);
    expect(b.holds).toBe(false);
  });

  it('leaves requests of a class without targets uncovered when there is no default', () => {
    const c = new SloCollector(mergeSlo(NO_SLO, { classes: { gold: parseSloTargets('ttft_p50=100') } }), 'm');
    c.add(record({ id: 'x', arrivalMs: 0, ttftMs: 10, sloClass: 'gold' }));
    c.add(record({ id: 'y', arrivalMs: 0, ttftMs: 10, sloClass: 'bronze' }));
    c.add(record({ id: 'z', arrivalMs: 0, ttftMs: 10 }));
    expect(c.block(1e6, EMPTY_SUMMARY).attainment).toMatchObject({ met: 1, counted: 1, uncovered: 2 });
  });

  it('rejects an ITL target per class (ITL is a run-wide distribution of token gaps)', () => {
    expect(() => new SloCollector(mergeSlo(NO_SLO, { classes: { a: parseSloTargets('itl_p99=50') } }), 'm')).toThrow(/SLO class a.*ITL/);
  });
});

describe('statistics with lost requests counted as infinitely late', () => {
  const ttfts = Array.from({ length: 99 }, (_, i) => i + 1); // 1..99 ms

  it('equals the plain percentile when nothing is lost', () => {
    const c = new SloCollector(spec('ttft_p50=50,ttft_p90=90'), 'm');
    ttfts.forEach((t, i) => c.add(record({ id: `r${i}`, arrivalMs: 0, ttftMs: t })));
    // p50 of 1..99 = 50; p90 = 1 + 0.9 * 98 = 89.2.
    expect(c.block(1e6, EMPTY_SUMMARY).checks.map((x) => [x.target, x.observed_ms, x.holds])).toEqual([['ttft_p50', 50, true], ['ttft_p90', 89.2, true]]);
  });

  it('shifts the percentile by the lost requests and is infinite once the rank reaches them', () => {
    const c = new SloCollector(spec('ttft_p50=100,ttft_p99=100,ttft_mean=100'), 'm');
    ttfts.forEach((t, i) => c.add(record({ id: `r${i}`, arrivalMs: 0, ttftMs: t })));
    c.add(record({ id: 'lost', arrivalMs: 0, status: 'timed_out' }));
    // 100 values, the last +inf: p50 at rank 49.5 -> 50.5; p99 at rank 98.01 interpolates with inf; mean inf.
    const checks = c.block(1e6, EMPTY_SUMMARY).checks;
    expect(checks.map((x) => [x.target, x.observed_ms, x.lost, x.holds])).toEqual([['ttft_p50', 50.5, 1, true], ['ttft_p99', null, 1, false], ['ttft_mean', null, 1, false]]);
  });

  it('checks an ITL target against the run-wide ITL distribution', () => {
    const c = new SloCollector(spec('itl_p99=20'), 'm');
    c.add(record({ id: 'a', arrivalMs: 0 }));
    const b = c.block(1e6, { ...EMPTY_SUMMARY, p99: 25 });
    expect(b.checks[0]).toMatchObject({ target: 'itl_p99', observed_ms: 25, holds: false });
    // ITL does not count per request: the request met its (empty) per-request SLO.
    expect(b.attainment.met).toBe(1);
  });
});

describe('slo_classes in a workload spec', () => {
  it('parses targets per class and locates a bad one by line and field', async () => {
    const { parseWorkloadSpec } = await import('../../src/workload/spec.js');
    const spec = parseWorkloadSpec('rate: 5\nslo_classes:\n  gold: {ttft_p99: 100}\n  bronze: {e2e_p90: 9000, queue_mean: 50}\n', 'w.yaml');
    expect(spec.sloClasses).toEqual({
      gold: [{ metric: 'ttft', stat: 'p99', ms: 100 }],
      bronze: [{ metric: 'e2e', stat: 'p90', ms: 9000 }, { metric: 'queue', stat: 'mean', ms: 50 }],
    });
    expect(() => parseWorkloadSpec('rate: 5\nslo_classes:\n  gold:\n    ttft_p999: 100\n', 'w.yaml')).toThrow(/w.yaml:4 slo_classes.gold.ttft_p999: unknown SLO target/);
    expect(() => parseWorkloadSpec('slo_classes: [gold]\n', 'w.yaml')).toThrow(/w.yaml:1 slo_classes: expected a mapping of SLO class names/);
  });
});
