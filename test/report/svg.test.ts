import { describe, expect, it } from 'vitest';
import { groupedBars, lineChart, niceTicks, stackedAreaChart } from '../../src/report/svg.js';

const FRAME = { w: 200, h: 130, l: 0, r: 0, t: 0, b: 30 }; // plot area: x 0..200, y 0..100

describe('chart primitives', () => {
  it('picks round ticks (1, 2, 5 × 10^k) covering the range', () => {
    expect(niceTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 3600, 8)).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000, 3500]);
    expect(niceTicks(0.02, 0.09, 4)).toEqual([0.02, 0.04, 0.06, 0.08]);
  });

  it('stacks replicas per state as steps held until the next row', () => {
    // two rows: t=0 → [1 ready, 0 loading], t=10 → [2 ready, 1 loading]; domain 0..20; y max 3 × 1.08
    const svg = stackedAreaChart({ title: 't', xDomain: [0, 20], layers: [{ name: 'ready', color: '#0a0' }, { name: 'loading', color: '#f80' }], rows: [{ x: 0, values: [1, 0] }, { x: 10, values: [2, 1] }], frame: FRAME });
    const yOf = (v: number): string => String(Math.round((100 - (v / 3.24) * 100) * 10) / 10);
    const polys = [...svg.matchAll(/<polygon points="([^"]+)"/g)].map((m) => m[1]);
    expect(polys).toHaveLength(2);
    expect(polys[0]).toBe(`0,${yOf(1)} 100,${yOf(1)} 100,${yOf(2)} 200,${yOf(2)} 200,100 100,100 100,100 0,100`);
    expect(polys[1]).toBe(`0,${yOf(1)} 100,${yOf(1)} 100,${yOf(3)} 200,${yOf(3)} 200,${yOf(2)} 100,${yOf(2)} 100,${yOf(1)} 0,${yOf(1)}`);
  });

  it('draws lines through finite points only, steps when asked, and puts markers and SLO lines where the data says', () => {
    const svg = lineChart({
      title: 'x', xDomain: [0, 100], frame: FRAME, yMin: 0,
      series: [{ name: 's', color: '#000', step: true, points: [[0, 0], [50, NaN], [60, 10], [100, 10]] }],
      hlines: [{ y: 5, label: 'SLO', color: '#f00' }],
      markers: [{ x: 25, color: '#00f', label: '+1 at 25 s' }],
    });
    // y domain 0..10.5 (5% headroom): 10 → 100 − 10/10.5 × 100 = 4.8
    expect(svg).toContain('d="M0,100M120,4.8H200V4.8"');
    expect(svg).toMatch(/<line x1="50" x2="50" y1="0" y2="100"[^>]*><title>\+1 at 25 s<\/title>/);
    expect(svg).toMatch(/y1="52.4" y2="52.4" stroke="#f00"/);
  });

  it('draws log-scale ticks at powers of ten and skips values ≤ 0', () => {
    const svg = lineChart({ title: 'ttft', xDomain: [0, 2], yLog: true, frame: FRAME, series: [{ name: 'p99', color: '#000', points: [[0, 0], [1, 15], [2, 1500]] }] });
    expect([...svg.matchAll(/text-anchor="end">([^<]+)</g)].map((m) => m[1])).toEqual(['10', '100', '1000', '10k']);
    expect(svg).toMatch(/d="M100,[\d.]+L200,[\d.]+"/);
  });

  it('labels grouped bars with their values', () => {
    const svg = groupedBars('TTFT', [{ label: 'a', bars: [{ name: 'p50', value: 10, color: '#111' }, { name: 'p99', value: 40, color: '#222' }] }], { format: (v) => `${v} ms` });
    expect([...svg.matchAll(/<title>(a · [^<]+)<\/title>/g)].map((m) => m[1])).toEqual(['a · p50: 10 ms', 'a · p99: 40 ms']);
  });

  it('gives bars that are all zero or missing a readable axis, not repeated zero ticks', () => {
    const yTicks = (svg: string): string[] => [...svg.matchAll(/text-anchor="end">([^<]+)</g)].map((m) => m[1]!);
    const zero = groupedBars('hit rate', [{ label: 'a', bars: [{ name: 'a', value: 0, color: '#111' }] }], { format: (v) => `${v.toFixed(1)}%` });
    expect(yTicks(zero)).toEqual(['0.0%', '0.5%', '1.0%']);
    const none = groupedBars('TTFT', [{ label: 'a', bars: [{ name: 'p50', value: NaN, color: '#111' }] }]);
    expect(yTicks(none)).toEqual(['0', '0.50', '1']);
  });
});
