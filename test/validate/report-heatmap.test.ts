/** The signed-error heat map of report.html: every experiment's name inside the picture. */
import { describe, expect, it } from 'vitest';
import { svgHeatmap } from '../../src/validate/report-charts.js';
import type { ValidationExperiment } from '../../src/validate/validation.js';

const exp = (id: string): ValidationExperiment => ({
  id, status: 'ok',
  stages: [{ index: 'summary', metrics: { ttft_mean: { predicted: 110, actual: 100, error_pct: 10 } } }],
} as unknown as ValidationExperiment);

describe('signed-error heat map', () => {
  it('leaves room left of the cells for a long experiment id (about 6.5 px a character at 11 px)', () => {
    const id = `20260218-160939-${'a-long-model-name-'.repeat(4)}tp2-reasoning`;
    const svg = svgHeatmap([exp('short'), exp(id)], ['ttft_mean']);
    const label = svg.match(new RegExp(`<text x="([\\d.]+)"[^>]*text-anchor="end">${id}</text>`));
    expect(label).not.toBeNull();
    expect(Number(label![1]) - 6.5 * id.length).toBeGreaterThanOrEqual(0);
    // the cells start right of the labels, and the picture is wide enough for them
    const cell = svg.match(/<rect x="([\d.]+)"/)!;
    expect(Number(cell[1])).toBeGreaterThan(Number(label![1]));
    expect(Number(svg.match(/width="(\d+)"/)![1])).toBeGreaterThanOrEqual(Number(cell[1]) + 68);
  });

  it('keeps its 300 px label column for ids that fit', () => {
    expect(svgHeatmap([exp('short')], ['ttft_mean'])).toContain('<text x="294" y="85" font-size="11" text-anchor="end">short</text>');
  });
});
