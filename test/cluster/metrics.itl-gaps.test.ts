/**
 * DESIGN §4: ITL is over every inter-token gap. Checked against the gaps the spans' token events
 * give (`--trace-token-every 1`: every output token's time): a request preempted in decode waits
 * and recomputes before its next token, and that whole wait is one gap (vLLM's ITL is the time
 * since the request's last token, v1/metrics/stats.py), as is the per-output-token lag of an
 * overheads file. Percentiles below 16,384 µs are exact (DurationHistogram), so p50 is compared.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli/helpers.js';

interface Span { traceId: string; events?: Array<{ name: string; timeUnixNano: string; attributes?: Array<{ key: string; value: Record<string, unknown> }> }> }

/** Every gap between consecutive output tokens of every request, in µs. */
function tokenGaps(otlpJsonLines: string): number[] {
  const byTrace = new Map<string, Map<number, number>>();
  for (const line of otlpJsonLines.split('\n')) {
    if (line.trim() === '') continue;
    const doc = JSON.parse(line) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Span[] }> }> };
    for (const rs of doc.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) {
      const times = byTrace.get(s.traceId) ?? new Map<number, number>();
      byTrace.set(s.traceId, times);
      for (const e of s.events ?? []) {
        const us = Number(BigInt(e.timeUnixNano) / 1000n);
        if (e.name === 'first_token') times.set(0, us);
        if (e.name === 'token') times.set(Number(e.attributes!.find((a) => a.key === 'blis.token.index')!.value['intValue']), us);
      }
    }
  }
  const gaps: number[] = [];
  for (const times of byTrace.values()) {
    const n = times.size;
    for (let k = 1; k < n; k++) gaps.push(times.get(k)! - times.get(k - 1)!);
  }
  return gaps;
}

async function itlAgainstGaps(extra: string[]): Promise<{ itl: Record<string, number>; gaps: number[]; preemptions: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'blis-itl-'));
  const res = await runCli(['run', '--workload', 'chatbot', '--rate', '8', '--num-requests', '120', '--total-kv-blocks', '400', '--quiet',
    '--otlp-out', join(dir, 'spans.json'), '--trace-token-every', '1', '--metrics-out', join(dir, 'm.json'), ...extra], dir);
  expect(res.code, res.err).toBe(0);
  const m = JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8'));
  return { itl: m.itl_ms, gaps: tokenGaps(readFileSync(join(dir, 'spans.json'), 'utf8')), preemptions: m.kv.preemptions };
}

function expectSameDistribution(itl: Record<string, number>, gapsUs: number[]): void {
  const sorted = [...gapsUs].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  const mid = (sorted.length - 1) / 2;
  const p50 = sorted[Math.floor(mid)]! + (sorted[Math.ceil(mid)]! - sorted[Math.floor(mid)]!) * (mid - Math.floor(mid));
  expect(itl['count']).toBe(sorted.length);
  expect(itl['mean']).toBe(Math.round((sum / sorted.length) * 1e3) / 1e6);
  expect(itl['min']).toBe(sorted[0]! / 1000);
  expect(itl['max']).toBe(sorted.at(-1)! / 1000);
  expect(itl['p50']).toBeCloseTo(p50 / 1000, 9);
}

describe('ITL: every inter-token gap', () => {
  for (const [name, extra] of [['asynchronous scheduling', []], ['synchronous scheduling', ['--no-async-scheduling']]] as const) {
    it(`${name}: a decode preemption's wait is one gap, and the run's ITL is the distribution of all gaps`, async () => {
      const { itl, gaps, preemptions } = await itlAgainstGaps([...extra]);
      expect(preemptions).toBeGreaterThan(20);
      // The longest gaps are preemptions' waits, far longer than any step.
      expect(Math.max(...gaps)).toBeGreaterThan(1_000_000);
      expectSameDistribution(itl, gaps);
    });
  }

  it('an output-token lag in the overheads (tokenTimeUs) is in every gap', async () => {
    const coefficients = JSON.parse(readFileSync('src/model/coefficients/default.json', 'utf8')) as { entries: Array<{ overheads: Record<string, number> }> };
    for (const e of coefficients.entries) e.overheads['perOutputTokenUs'] = 300;
    const file = join(mkdtempSync(join(tmpdir(), 'blis-itl-')), 'coefficients.json');
    writeFileSync(file, JSON.stringify(coefficients));
    const { itl, gaps } = await itlAgainstGaps(['--latency-coefficients', file]);
    expect(Math.min(...gaps)).toBeGreaterThan(300);
    expectSameDistribution(itl, gaps);
  });
});
