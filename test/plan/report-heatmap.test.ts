/** report.html's heatmaps when a cell holds several configurations (random axes sampled at every grid point). */
import { describe, expect, it } from 'vitest';
import { paretoPoints } from '../../src/plan/pareto.js';
import { reportHtml } from '../../src/plan/report-html.js';
import type { ResultLine } from '../../src/plan/results.js';

function line(index: number, axes: Record<string, string | number>, attainment: number | null, p99: number): ResultLine {
  return {
    schema: 'blis.sweep-result/v1', index, rung: 0, hash: `h${index}`, axes, flags: axes, command: `blis run #${index}`,
    metrics: { ttft_ms: { p50: p99 / 2, p99 }, tpot_ms: { p50: 10 } },
    cost: { fleet_per_hour: 4 },
    regime: { state: 'stable', reasons: [], signs: {} as never },
    ...(attainment === null ? {} : { slo: { targets: {}, holds: attainment >= 0.99, checks: [], attainment: { met: 0, counted: 0, attainment, uncovered: 0, by_class: {}, by_tenant: {}, by_model: {} }, goodput: { requests_per_s: 1, input_tokens_per_s: 0, output_tokens_per_s: 0 } } }),
  };
}

const AXES = [{ flag: 'hardware', values: ['A', 'B'] }, { flag: 'tp', values: [1, 2] }, { flag: 'max-num-seqs', values: null }];
/** Two samples of max-num-seqs at each grid point; the first sample is always the worse one. */
const grid = (withSlo: boolean): ResultLine[] => {
  const out: ResultLine[] = [];
  let i = 0;
  for (const hardware of ['A', 'B']) for (const tp of [1, 2]) for (const [seqs, att, p99] of [[8, 0.4, 2000], [200, 0.9, 300]] as const) out.push(line(i++, { hardware, tp, 'max-num-seqs': seqs }, withSlo ? att : null, p99));
  return out;
};
const cells = (html: string): string[] => [...html.matchAll(/<rect [^>]*><title>([^<]*)<\/title><\/rect><text [^>]*class="cell">([^<]*)<\/text>/g)].map((m) => `${m[1]} | ${m[2]}`);

describe('report.html heatmap cells with several configurations', () => {
  it('shows the best attainment of the cell\'s configurations and names them all, not the first one found', () => {
    const lines = grid(true);
    const html = reportHtml({ title: 't', lines, points: paretoPoints(lines), sloText: 'ttft_p99=500', costUnit: 'USD', axes: AXES });
    expect(cells(html)).toEqual([
      // rows tp 1, 2; columns hardware A, B
      '#1 (best of #0, #1): 90.0% | 90.0%', '#5 (best of #4, #5): 90.0% | 90.0%',
      '#3 (best of #2, #3): 90.0% | 90.0%', '#7 (best of #6, #7): 90.0% | 90.0%',
    ]);
  });

  it('shows the lowest p99 TTFT without SLO targets', () => {
    const lines = grid(false);
    const html = reportHtml({ title: 't', lines, points: paretoPoints(lines), sloText: null, costUnit: 'USD', axes: AXES });
    expect(cells(html)[0]).toBe('#1 (best of #0, #1): 300 ms | 300 ms');
  });

  it('keeps one configuration per cell as it was', () => {
    const lines = grid(true).filter((l) => l.axes['max-num-seqs'] === 8);
    const html = reportHtml({ title: 't', lines, points: paretoPoints(lines), sloText: 'ttft_p99=500', costUnit: 'USD', axes: AXES });
    expect(cells(html)[0]).toBe('#0: 40.0% | 40.0%');
  });

  it('gives a cell that cannot run room for its words and dark text on its grey', () => {
    const lines = grid(true).map((l) => (l.axes['hardware'] === 'B' ? { ...l, error: 'TP_INVALID', metrics: undefined, slo: undefined, regime: undefined } as ResultLine : l));
    const html = reportHtml({ title: 't', lines, points: paretoPoints(lines), sloText: 'ttft_p99=500', costUnit: 'USD', axes: AXES });
    const cell = html.match(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"[^>]*fill="#ddd"[^>]*><title>[^<]*cannot run<\/title><\/rect><text ([^>]*)>cannot run<\/text>/);
    expect(cell).not.toBeNull();
    expect(Number(cell![1])).toBeGreaterThanOrEqual('cannot run'.length * 7.5);
    expect(cell![2]).toContain('style="fill:#333"');
  });
});
