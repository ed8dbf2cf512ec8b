import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const HEADER = 'index,stage,arrival_us,input_tokens,output_tokens,ttft_us,e2e_us,error';

/** n requests, TTFT = ttftMs + i ms (uniform), E2E = e2eMs + i ms, one stage. */
function rowsCsv(n: number, ttftMs: number, e2eMs: number, failed = 0): string {
  const lines = [HEADER];
  for (let i = 0; i < n; i++) {
    const err = i < failed;
    lines.push(`${i},0,${i * 100_000},100,11,${err ? '' : (ttftMs + i) * 1000},${err ? '' : (e2eMs + i) * 1000},${err ? 1 : 0}`);
  }
  return `${lines.join('\n')}\n`;
}

function files(entries: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'blis-compare-'));
  for (const [name, text] of Object.entries(entries)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('blis compare', () => {
  it('scores a prediction shifted by 100 ms: errors per statistic, KS 1, W1 = the shift, TPOT unchanged', async () => {
    // truth TTFT 100..199 ms, predicted 200..299 ms: a pure 100 ms shift (W1 = 100 ms, disjoint: KS = 1).
    const dir = files({ 'sim.csv': rowsCsv(100, 200, 1100), 'truth.csv': rowsCsv(100, 100, 1000) });
    const r = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'truth.csv', '--output', 'json'], dir);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    const s = doc.experiments[0].stages.find((x: { index: unknown }) => x.index === 'summary');
    // mean TTFT truth = 149.5 ms, predicted 249.5 ms
    expect(s.metrics.ttft_mean.actual).toBeCloseTo(149.5, 6);
    expect(s.metrics.ttft_mean.error_pct).toBeCloseTo((100 / 149.5) * 100, 3);
    expect(s.metrics.ttft_p50.predicted - s.metrics.ttft_p50.actual).toBeCloseTo(100, 6);
    expect(s.metrics.e2e_p99.predicted - s.metrics.e2e_p99.actual).toBeCloseTo(100, 6);
    // TPOT per request = (e2e − ttft)/(output − 1) = 900/10 ms on both sides
    expect(s.metrics.tpot_mean.error_pct).toBe(0);
    expect(s.distributions.ttft.ks).toBe(1);
    expect(s.distributions.ttft.w1_ms).toBeCloseTo(100, 6);
    expect(s.distributions.tpot.ks).toBe(0);
  });

  it('prints per-stage and whole-run tables with signed and absolute errors and request counts', async () => {
    const dir = files({ 'sim.csv': rowsCsv(50, 90, 1000, 5), 'truth.csv': rowsCsv(50, 100, 1000) });
    const r = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'truth.csv'], dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain('stage 0');
    expect(r.out).toContain('whole run');
    expect(r.out).toMatch(/ttft_mean\s+\S+ ms\s+\S+ ms\s+-\d/);
    expect(r.out).toContain('predicted 45/5, actual 50/0');
    expect(r.out).toMatch(/ttft\s+\d\.\d{3}/);
  });

  it('reads an experiment file with its per-request CSV beside it as the truth', async () => {
    const r = await runCli(['compare', '--sim', 'test/fixtures/validate/small.requests.csv', '--truth', 'test/fixtures/validate/small.json', '--output', 'json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out).experiments[0].stages.find((x: { index: unknown }) => x.index === 'summary');
    expect(s.metrics.ttft_mean.error_pct).toBe(0);
    expect(s.distributions.e2e.ks).toBe(0);
  });

  it('exits 2 naming the file and column when the truth lacks a latency column', async () => {
    const dir = files({ 'sim.csv': rowsCsv(5, 100, 1000), 'bad.csv': 'index,arrival_us,e2e_us\n0,0,5\n' });
    const r = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'bad.csv'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain('bad.csv');
    expect(r.err).toMatch(/ttft/i);
  });

  it('a damaged simulated record (text, NaN, a negative or inverted time on a completed row) exits 2 by file, line and column; a failed row may be blank', async () => {
    const good = rowsCsv(5, 100, 1000, 1);
    const damage: Array<[string, RegExp]> = [
      ['3,0,300000,100,11,abc,4000,0', /sim\.csv:7: ttft_us: found "abc"; expected microseconds or blank/],
      ['3,0,300000,100,11,NaN,4000,0', /sim\.csv:7: ttft_us: found "NaN"/],
      ['3,0,300000,100,11,-5000,4000,0', /sim\.csv:7: ttft_us: found -5000 for a request not marked failed/],
      ['3,0,300000,100,11,,4000,0', /sim\.csv:7: ttft_us: found nothing for a completed request/],
      ['3,0,300000,100,11,1000000000000000000,4000,0', /sim\.csv:7: ttft_us: found 1000000000000000000, later than e2e_us 4000/],
    ];
    for (const [row, message] of damage) {
      const dir = files({ 'sim.csv': `${good}${row}\n`, 'truth.csv': rowsCsv(6, 100, 1000) });
      const r = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'truth.csv', '--allow-mismatch'], dir);
      expect([r.code, r.err]).toEqual([2, expect.stringMatching(message)]);
    }
    // The same file without the damaged row (its first row failed, with blank times) scores.
    const ok = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'truth.csv', '--allow-mismatch'], files({ 'sim.csv': good, 'truth.csv': rowsCsv(5, 100, 1000) }));
    expect(ok.code, ok.err).toBe(0);
  });

  it('exits 2 for a metrics JSON of the wrong schema and for a missing file', async () => {
    const dir = files({ 'm.json': '{"schema":"nope"}', 'truth.csv': rowsCsv(5, 100, 1000) });
    const a = await runCli(['compare', '--sim', 'm.json', '--truth', 'truth.csv'], dir);
    expect(a.code).toBe(2);
    expect(a.err).toContain('m.json: schema');
    const b = await runCli(['compare', '--sim', 'missing.csv', '--truth', 'truth.csv'], dir);
    expect(b.code).toBe(2);
    expect(b.err).toContain('missing.csv');
  });

  it('--baseline: exit 1 naming the metric when an error exceeds its limit, 0 within it', async () => {
    const baseline = (limit: number) => JSON.stringify({ schema: 'blis.baseline/v1', slack: { relative: 0, absolute_pct: 0 }, summary: { ttft_mean: { max_mape: limit } } });
    const dir = files({ 'sim.csv': rowsCsv(20, 120, 1000), 'truth.csv': rowsCsv(20, 100, 1000), 'tight.json': baseline(5), 'loose.json': baseline(50) });
    const fail = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'truth.csv', '--baseline', 'tight.json'], dir);
    expect(fail.code).toBe(1);
    expect(fail.err).toContain('ttft_mean');
    expect(fail.err).toContain('limit 5.00%');
    const pass = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'truth.csv', '--baseline', 'loose.json'], dir);
    expect(pass.code).toBe(0);
    expect(pass.out).toContain('gate passed');
  });
});

describe('blis compare: a truth without decoded lengths', () => {
  it("warns and leaves TPOT and ITL out when the truth's output lengths are re-tokenised counts (output_tokens_counted)", async () => {
    const truth = rowsCsv(20, 100, 1000).replace('input_tokens,output_tokens', 'input_tokens_counted,output_tokens_counted');
    const r = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'truth.csv', '--output', 'json'], files({ 'sim.csv': rowsCsv(20, 100, 1000), 'truth.csv': truth }));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/truth\.csv: TPOT and ITL not scored for 20 request\(s\).*output_tokens_counted.*\[OUTPUT_TOKENS_COUNTED\]/);
    const s = JSON.parse(r.out).experiments[0].stages.find((x: { index: unknown }) => x.index === 'summary');
    expect(Object.keys(s.metrics).filter((k) => /^(tpot|itl)_/.test(k))).toEqual([]);
    expect(s.metrics.ttft_mean.error_pct).toBe(0);
  });
});

describe('blis compare --truth-requests', () => {
  it('is refused (exit 2) with a --truth that is no experiment JSON, instead of being ignored unread', async () => {
    const dir = files({ 'sim.csv': rowsCsv(5, 100, 1000), 'truth.csv': rowsCsv(5, 100, 1000), 'other.csv': rowsCsv(5, 500, 1000) });
    const r = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'truth.csv', '--truth-requests', 'other.csv'], dir);
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/FLAG_CONFLICT.*--truth-requests: given with a --truth that is no experiment JSON \(truth\.csv was read as per-request records\)/)]);
  });
});

describe('blis compare: nothing in common', () => {
  it('says how many successes each side holds when no statistic is on both (a truth read as all failed)', async () => {
    const truth = 'arrival_us,ttft_us,e2e_us,output_tokens\n0,,110000,11\n1000,,220000,11\n';
    const r = await runCli(['compare', '--sim', 'sim.csv', '--truth', 'truth.csv', '--allow-mismatch'], files({ 'sim.csv': rowsCsv(5, 100, 1000), 'truth.csv': truth }));
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/COMPARE_NOTHING_IN_COMMON.*predicted: 5 successful of 5 requests, truth: 0 successful of 2 requests \(a per-request row with no ttft_us/)]);
  });
});

describe('blis compare: a damaged metrics JSON', () => {
  it('a latency statistic that is negative or text exits 2 naming the field, instead of being scored or skipped', async () => {
    const d = { count: 5, mean: 4, p50: 4, p90: 5, p95: 5, p99: 6, min: 3, max: 6 };
    const doc = (ttft: unknown, stage: unknown = d) => JSON.stringify({ schema: 'blis.metrics/v1', requests: { injected: 5, completed: 5 }, ttft_ms: ttft, e2e_ms: d, tpot_ms: null, stages: [{ index: 0, requests: { injected: 5, completed: 5 }, ttft_ms: stage, e2e_ms: d }] });
    const dir = files({ 'neg.json': doc({ ...d, mean: -5 }), 'text.json': doc(d, { ...d, p90: 'x' }), 'ok.json': doc(d), 'truth.csv': rowsCsv(5, 4, 1000) });
    const neg = await runCli(['compare', '--sim', 'neg.json', '--truth', 'truth.csv', '--allow-mismatch'], dir);
    expect([neg.code, neg.err]).toEqual([2, expect.stringMatching(/COMPARE_NOT_METRICS.*neg\.json: ttft_ms\.mean: found -5; expected milliseconds >= 0 or null/)]);
    const text = await runCli(['compare', '--sim', 'text.json', '--truth', 'truth.csv', '--allow-mismatch'], dir);
    expect([text.code, text.err]).toEqual([2, expect.stringMatching(/text\.json: stages\[0\]\.ttft_ms\.p90: found "x"/)]);
    expect((await runCli(['compare', '--sim', 'ok.json', '--truth', 'truth.csv', '--allow-mismatch'], dir)).code).toBe(0);
  });
});
