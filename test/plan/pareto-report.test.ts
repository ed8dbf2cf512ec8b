/** The Pareto fronts on hand-made results, pareto.csv, and what report.html shows. */
import { describe, expect, it } from 'vitest';
import { rankLines } from '../../src/plan/halving.js';
import { paretoCsv, paretoPoints } from '../../src/plan/pareto.js';
import { reportHtml } from '../../src/plan/report-html.js';
import type { ResultLine } from '../../src/plan/results.js';

function line(index: number, axes: Record<string, string | number>, cost: number, attainment: number, p99: number, regime = 'stable'): ResultLine {
  return {
    schema: 'blis.sweep-result/v1', index, rung: 0, hash: `h${index}`, axes, flags: axes, command: `blis run #${index}`,
    metrics: { ttft_ms: { p50: p99 / 2, p99 }, tpot_ms: { p50: 10 } },
    cost: { fleet_per_hour: cost },
    regime: { state: regime as 'stable', reasons: [], signs: {} as never },
    slo: { targets: {}, holds: attainment >= 0.99, checks: [], attainment: { met: 0, counted: 0, attainment, uncovered: 0, by_class: {}, by_tenant: {}, by_model: {} }, goodput: { requests_per_s: 1, input_tokens_per_s: 0, output_tokens_per_s: 0 } },
  };
}

// cost, attainment, p99: #0 cheap and poor; #1 dearer, better; #2 dearer than #1 and worse (dominated on both);
// #3 most expensive, best attainment, worse p99 than #1; #4 same cost as #1, same attainment, lower p99.
const LINES = [
  line(0, { hardware: 'A', 'num-instances': 1 }, 2, 0.5, 900),
  line(1, { hardware: 'A', 'num-instances': 2 }, 4, 0.95, 300),
  line(2, { hardware: 'B', 'num-instances': 1 }, 5, 0.9, 400, 'near-knee'),
  line(3, { hardware: 'B', 'num-instances': 2 }, 10, 1, 350),
  line(4, { hardware: 'C', 'num-instances': 2 }, 4, 0.95, 250, 'overloaded'),
];

describe('Pareto fronts', () => {
  it('keeps exactly the non-dominated configurations on each front', () => {
    const pts = paretoPoints(LINES);
    expect(pts.filter((p) => p.onAttainmentFront).map((p) => p.line.index)).toEqual([0, 1, 3, 4]);
    expect(pts.filter((p) => p.onTtftFront).map((p) => p.line.index)).toEqual([0, 4]);
    expect(paretoCsv(pts, ['hardware', 'num-instances'])).toBe([
      'index,hash,hardware,num-instances,fleet_cost_per_hour,cost_per_thousand_requests,slo_attainment,ttft_p99_ms,slo_holds,regime,front_attainment,front_ttft',
      '0,h0,A,1,2,,0.5,900,false,stable,true,true',
      '1,h1,A,2,4,,0.95,300,false,stable,true,false',
      '4,h4,C,2,4,,0.95,250,false,overloaded,true,true',
      '3,h3,B,2,10,,1,350,true,stable,true,false',
    ].join('\n') + '\n');
    expect(pts.every((p) => p.costBasis === 'fleet_per_hour')).toBe(true);
  });

  describe('when the configurations serve different traffic (rate swept)', () => {
    // One fleet at 25, 100 and 400 req/s plus a dearer fleet at 400: per hour the same fleet costs
    // the same at every rate, so 25 req/s (lowest latency) dominated the others and was "best".
    const at = (index: number, hardware: string, rate: number, perHour: number, perThousand: number, attainment: number, p99: number): ResultLine => {
      const l = line(index, { hardware, rate }, perHour, attainment, p99);
      return { ...l, metrics: { ...l.metrics, config: { workload: { rate_rps: rate, num_requests: 5000, sources: { rateRps: 'flag' } } } }, cost: { fleet_per_hour: perHour, per_thousand_requests: perThousand } };
    };
    const lines = [at(0, 'A', 25, 8, 0.9, 1, 100), at(1, 'A', 100, 8, 0.25, 1, 150), at(2, 'A', 400, 8, 0.08, 0.6, 2000), at(3, 'B', 400, 16, 0.12, 1, 180)];

    it('compares them by what a served request costs', () => {
      const pts = paretoPoints(lines);
      expect(pts.every((p) => p.costBasis === 'per_thousand_requests')).toBe(true);
      // Per request: #2 cheapest but missing the SLO, #3 next and holding it, #1 and #0 dearer per request.
      expect(pts.filter((p) => p.onAttainmentFront).map((p) => p.line.index)).toEqual([2, 3]);
      expect(pts.filter((p) => p.onTtftFront).map((p) => p.line.index)).toEqual([0, 1, 2, 3]);
      expect(paretoCsv(pts, ['hardware', 'rate']).split('\n')[1]).toBe('2,h2,A,400,8,0.08,0.6,2000,false,stable,true,true');
    });

    it('ranks the SLO holders by cost per request: the cheapest way to serve, not the lowest rate', () => {
      expect(rankLines(lines).map((l) => l.index)).toEqual([3, 1, 0, 2]);
      // The same rates with the traffic unrecorded read as one traffic: per hour, lowest TTFT first.
      expect(rankLines(lines.map((l) => ({ ...l, metrics: { ttft_ms: l.metrics!['ttft_ms'] } }))).map((l) => l.index)).toEqual([0, 1, 3, 2]);
    });

    it('says so on the report\'s front', () => {
      const html = reportHtml({ title: 'rates', lines, points: paretoPoints(lines), sloText: 'ttft_p99=500', costUnit: 'USD', axes: [{ flag: 'hardware', values: ['A', 'B'] }, { flag: 'rate', values: [25, 100, 400] }] });
      expect(html).toContain('cost per 1,000 served requests (USD; the configurations serve different traffic)');
      expect(html).not.toContain('fleet cost (USD per hour)');
    });
  });
});

describe('successive halving: rungs run the same traffic with fewer requests', () => {
  // Same rate, every configuration; rung 0 ran 30 requests, the promoted #1 ran 90 at rung 1. The
  // final lines mix 30- and 90-request workloads: that is the rung's length, not other traffic.
  const ran = (index: number, rung: number, perHour: number, perThousand: number, attainment: number, p99: number): ResultLine => {
    const l = line(index, { hardware: 'A', 'num-instances': index + 1 }, perHour, attainment, p99);
    return { ...l, rung, metrics: { ...l.metrics, config: { workload: { rate_rps: 20, num_requests: rung === 0 ? 30 : 90 } } }, cost: { fleet_per_hour: perHour, per_thousand_requests: perThousand } };
  };
  // Per thousand, the short rung-0 runs read dearer (their drain is a larger share): #1 (rung 1) would look cheapest.
  const lines = [ran(0, 0, 4, 0.3, 1, 240), ran(1, 0, 8, 0.7, 1, 140), ran(2, 0, 12, 1, 1, 100), ran(1, 1, 8, 0.25, 1, 150)];

  it('keeps the fleet price per hour as the fronts\' cost', () => {
    const pts = paretoPoints(lines);
    expect(pts.map((p) => [p.line.index, p.line.rung, p.costBasis])).toEqual([[0, 0, 'fleet_per_hour'], [1, 1, 'fleet_per_hour'], [2, 0, 'fleet_per_hour']]);
    expect(pts.filter((p) => p.onTtftFront).map((p) => p.line.index)).toEqual([0, 1, 2]);
  });

  it('ranks the report\'s best by price per hour and does not say the traffic differs', () => {
    const html = reportHtml({ title: 'halving', lines, points: paretoPoints(lines), sloText: 'ttft_p99=500', costUnit: 'USD', axes: [{ flag: 'num-instances', values: [1, 2, 3] }] });
    expect(html).toContain('fleet cost (USD per hour)');
    expect(html).not.toContain('serve different traffic');
  });

  it('still compares per request when rung 0 itself ran different rates', () => {
    const swept = lines.map((l) => ({ ...l, metrics: { ...l.metrics, config: { workload: { rate_rps: 10 * (l.index + 1), num_requests: l.rung === 0 ? 30 : 90 } } } }));
    expect(paretoPoints(swept).every((p) => p.costBasis === 'per_thousand_requests')).toBe(true);
  });
});

describe('report.html', () => {
  const html = reportHtml({
    title: 'test sweep', lines: LINES, points: paretoPoints(LINES), sloText: 'ttft_p99=500', costUnit: 'USD',
    axes: [{ flag: 'hardware', values: ['A', 'B', 'C'] }, { flag: 'num-instances', values: [1, 2] }],
  });

  it('draws the front, a TTFT chart and a heatmap with knee and overload marks', () => {
    expect(html).toContain('<h2 id="pareto">Cost against SLO attainment: the Pareto front</h2>');
    expect((html.match(/<circle /g) ?? []).length).toBeGreaterThanOrEqual(5 + 2 * 5);
    expect(html).toContain('<figure class="heat">');
    // Heatmap cells: 3 x 2, one not run (C, 1 instance).
    expect(html).toMatch(/<title>not run<\/title>/);
    expect(html).toMatch(/#2: 90\.0% ◆ knee/);
    expect(html).toMatch(/#4: 95\.0% ✕ overloaded/);
    expect(html).toContain('reproduce with <code>blis run #3</code>');
  });

  it('is a pure function of the results', () => {
    expect(reportHtml({ title: 'test sweep', lines: LINES, points: paretoPoints(LINES), sloText: 'ttft_p99=500', costUnit: 'USD',
      axes: [{ flag: 'hardware', values: ['A', 'B', 'C'] }, { flag: 'num-instances', values: [1, 2] }] })).toBe(html);
  });
});

describe('autoscaled configurations: the initial fleet is not what they cost', () => {
  // Two autoscaler policies over the same traffic, both starting from one H100 (3.95 USD/h): the
  // lazy one (#0) peaked at 3 replicas and cost 0.178 USD, 0.072 per thousand requests; the eager
  // one (#1) peaked at 4, 0.223 USD, 0.091 per thousand, with the lower p99 TTFT. By the initial
  // fleet's price they tied, so #1 dominated #0 on the TTFT front and was "best".
  const scaled = (index: number, perThousand: number, p99: number): ResultLine => {
    const l = line(index, { 'autoscaler-config': `as${index}.yaml` }, 3.95, 1, p99);
    return { ...l, metrics: { ...l.metrics, config: { workload: { rate_rps: 40, duration_s: 60 } }, autoscaler: { peak_replicas: { m: 3 + index } } },
      cost: { fleet_per_hour: 3.95, per_thousand_requests: perThousand } };
  };
  const lines = [scaled(0, 0.072117, 377), scaled(1, 0.090563, 191)];

  it('compares them by what a served request costs', () => {
    const pts = paretoPoints(lines);
    expect(pts.every((p) => p.costBasis === 'per_thousand_requests')).toBe(true);
    expect(pts.filter((p) => p.onTtftFront).map((p) => p.line.index)).toEqual([0, 1]);
    expect(rankLines(lines).map((l) => l.index)).toEqual([0, 1]);
  });

  it('says why on the report\'s front', () => {
    const html = reportHtml({ title: 'autoscaled', lines, points: paretoPoints(lines), sloText: 'ttft_p99=2000', costUnit: 'USD', axes: [{ flag: 'autoscaler-config', values: ['as0.yaml', 'as1.yaml'] }] });
    expect(html).toContain('cost per 1,000 served requests (USD; autoscaled fleets change size as they run)');
  });
});
