/** The HTML pages from real runs: self-contained, one section per model/run, the numbers of the run on the page. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderClusterComparison } from '../../src/report/cluster-html.js';
import { runCli } from '../cli/helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'blis-pages-'));

/** No script, no stylesheet or image from elsewhere: the page opens from a file, offline. */
function expectSelfContained(html: string): void {
  expect(html).toMatch(/^<!doctype html>/);
  expect(html).not.toMatch(/<script|<link |<img |@import|url\(/i);
  expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:\/\//);
  expect((html.match(/<svg /g) ?? []).length).toBe((html.match(/<\/svg>/g) ?? []).length);
}

describe('autoscaler timeline page (--timeline-out x.html)', () => {
  it('charts every model of a multi-model run, with its decisions and SLO, and matches the CSV rows', async () => {
    const args = ['run', '--workload-spec', join(ROOT, 'examples/autoscale-multi-model.yaml'), '--routing-policy', 'weighted', '--autoscaler-config', join(ROOT, 'examples/autoscaler-multi-model.yaml'), '--duration', '400', '--quiet', '--output', 'json'];
    const html = await runCli([...args, '--timeline-out', 'tl.html'], dir);
    expect(html.code, html.err).toBe(0);
    const csv = await runCli([...args, '--timeline-out', 'tl.csv'], dir);
    const page = readFileSync(join(dir, 'tl.html'), 'utf8');
    expectSelfContained(page);
    const rows = readFileSync(join(dir, 'tl.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const models = [...new Set(rows.map((r) => r[1]))];
    expect(models.length).toBe(2);
    for (const m of models) expect(page).toContain(`<h2>${m}</h2>`);
    const decisions = rows.filter((r) => r[14] !== '').length;
    expect(decisions).toBeGreaterThan(0);
    // each decision is marked on each of a model's four charts
    expect((page.match(/<line x1="[\d.]+" x2="[\d.]+" y1="[\d.]+" y2="[\d.]+" stroke="#(1f77b4|d62728)" stroke-opacity/g) ?? []).length).toBe(4 * decisions);
    expect(page).toMatch(/SLO \d+ ms/);
    expect(JSON.parse(html.out).autoscaler.scaling_actions.total).toBeGreaterThan(0);
    expect(csv.code).toBe(0);
  });
});

describe('cluster comparison page (blis report)', () => {
  it('puts each run\'s numbers side by side and names the best layout per headline metric', async () => {
    const base = ['run', '--num-requests', '300', '--rate', '20', '--num-instances', '4', '--quiet', '--seed', '3'];
    expect((await runCli([...base, '--routing-policy', 'round-robin', '--metrics-out', 'rr.json'], dir)).code).toBe(0);
    expect((await runCli([...base, '--routing-policy', 'weighted', '--routing-scorers', 'prefix-affinity:2,queue-depth:1', '--metrics-out', 'pa.json'], dir)).code).toBe(0);
    const r = await runCli(['report', 'rr=rr.json', 'pa.json', '--out', 'cmp.html', '--title', 'two layouts'], dir);
    expect(r.code, r.err).toBe(0);
    const page = readFileSync(join(dir, 'cmp.html'), 'utf8');
    expectSelfContained(page);
    const rr = JSON.parse(readFileSync(join(dir, 'rr.json'), 'utf8'));
    const pa = JSON.parse(readFileSync(join(dir, 'pa.json'), 'utf8'));
    expect(page).toContain('<b>rr</b>');
    expect(page).toContain('<b>pa</b>'); // label from the file name
    expect(page).toContain(`<td class="n">${rr.ttft_ms.p99.toFixed(1)}</td>`);
    expect(page).toContain(`${(100 * pa.kv.prefix_hit_rate).toFixed(1)}%`);
    const bestHit = pa.kv.prefix_hit_rate > rr.kv.prefix_hit_rate ? 'pa' : 'rr';
    expect(page).toContain(`highest prefix-hit rate: <b>${bestHit}</b>`);
    expect((page.match(/<svg /g) ?? []).length).toBe(6);
  });

  it('refuses a file that is not a metrics document', async () => {
    expect(() => renderClusterComparison([{ label: 'x', metrics: { schema: 'blis.validation/v1' } as never }])).toThrowError(expect.objectContaining({ code: 'REPORT_NOT_METRICS' }));
    const r = await runCli(['report', join(ROOT, 'baselines/calibration.json'), '--out', join(dir, 'bad.html')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/REPORT_NOT_METRICS/);
  });
});
