import { describe, expect, test } from 'vitest';
import type { ArrivalRequest } from '../../src/workload/request.js';
import fc from 'fast-check';
import { IssueLog, accountFor } from '../../src/ingest/issues.js';
import { createPipeline, resolveTransform, type TransformOptions } from '../../src/ingest/transform.js';
import { Rng } from '../../src/kernel/rng.js';
import { readTrace } from '../../src/ingest/open.node.js';
import { FIXTURES } from './helpers.js';

const req = (id: string, arrivalUs: number, inputTokens = 100, outputTokens = 10, extra: Partial<ArrivalRequest> = {}): ArrivalRequest => ({ id, arrivalUs, inputTokens, outputTokens, ...extra });

function run(input: ArrivalRequest[], o: TransformOptions, source: { timeBase: 'absolute' | 'relative'; order: 'arrival' | 'completion' } = { timeBase: 'absolute', order: 'arrival' }) {
  const issues = new IssueLog(false);
  const out: ArrivalRequest[] = [];
  const p = createPipeline(resolveTransform(o, source), issues, 'src', (r) => out.push(r));
  for (const r of input) p.push(r);
  p.end();
  return { out, summary: issues.summary(), done: p.done };
}

const ramp = (n: number, gapUs = 1_000_000, startUs = 5_000_000) => Array.from({ length: n }, (_, i) => req(`r${i}`, startUs + i * gapUs));

describe('transformations', () => {
  test('absolute timestamps are rebased so the first arrival is 0; relative ones are kept', () => {
    expect(run(ramp(3), {}).out.map((r) => r.arrivalUs)).toEqual([0, 1e6, 2e6]);
    expect(run(ramp(3), {}, { timeBase: 'relative', order: 'arrival' }).out.map((r) => r.arrivalUs)).toEqual([5e6, 6e6, 7e6]);
    expect(run(ramp(3), { rebase: 'first' }, { timeBase: 'relative', order: 'arrival' }).out[0]!.arrivalUs).toBe(0);
  });

  test('from/to keep [from, to) seconds after the start and shift times by from', () => {
    const { out, summary, done } = run(ramp(10), { fromS: 2, toS: 5 });
    expect(out.map((r) => [r.id, r.arrivalUs])).toEqual([['r2', 0], ['r3', 1e6], ['r4', 2e6]]);
    // Every row past the window's end is accounted for, not only the first.
    expect(summary.adjusted).toEqual({ WINDOW_BEFORE: 2, WINDOW_AFTER: 5 });
    expect(done).toBe(true);
  });

  test('every row is accounted for: read = skipped + dropped − added + emitted, under any transformations', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(5_000_000), fc.nat(3000), fc.nat(3000)), { minLength: 1, maxLength: 200, size: 'max' }),
      fc.record({
        fromS: fc.option(fc.double({ min: 0, max: 2, noNaN: true }), { nil: undefined }),
        toS: fc.option(fc.double({ min: 2.5, max: 6, noNaN: true }), { nil: undefined }),
        sample: fc.option(fc.double({ min: 0.1, max: 1, noNaN: true }), { nil: undefined }),
        rateScale: fc.option(fc.double({ min: 0.2, max: 3, noNaN: true }), { nil: undefined }),
        limit: fc.option(fc.integer({ min: 1, max: 150 }), { nil: undefined }),
        maxModelLen: fc.option(fc.integer({ min: 1000, max: 5000 }), { nil: undefined }),
        reorderWindow: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
      }),
      (rows, o) => {
        const input = rows.map(([t, i, out], k) => req(`r${k}`, t, i, out));
        const { out, summary } = run(input, o);
        expect(summary.rows).toBe(0); // the pipeline alone: rows are counted by the session
        const a = accountFor({ ...summary, rows: input.length });
        expect(a.emitted).toBe(out.length);
        expect(a.balanced, JSON.stringify(a)).toBe(true);
      }));
  });

  test('speedup divides arrival times and keeps latencies', () => {
    const { out } = run([req('a', 0), req('b', 3e6, 1, 1, { observed: { ttftUs: 500 } })], { speedup: 3 });
    expect(out.map((r) => r.arrivalUs)).toEqual([0, 1e6]);
    expect(out[1]!.observed).toEqual({ ttftUs: 500 });
  });

  test('rateScale < 1 thins with the seeded probability; the same seed gives the same output', () => {
    const a = run(ramp(10_000), { rateScale: 0.3, seed: 42 });
    const b = run(ramp(10_000), { rateScale: 0.3, random: new Rng(42) });
    expect(a.out.map((r) => r.id)).toEqual(b.out.map((r) => r.id));
    expect(a.out.length).toBeGreaterThan(2_800);
    expect(a.out.length).toBeLessThan(3_200);
    expect(a.summary.adjusted['RATE_THINNED']).toBe(10_000 - a.out.length);
  });

  test('rateScale > 1 duplicates each request floor(X) times plus one with probability frac, at the same time', () => {
    const { out } = run(ramp(1_000), { rateScale: 2.5, seed: 1 });
    expect(out.length).toBeGreaterThan(2_400);
    expect(out.length).toBeLessThan(2_600);
    expect(out.filter((r) => r.id === 'r0' || r.id.startsWith('r0#')).every((r) => r.arrivalUs === 0)).toBe(true);
    const arrivals = out.map((r) => r.arrivalUs);
    expect(arrivals).toEqual([...arrivals].sort((x, y) => x - y));
    const exact = run(ramp(10), { rateScale: 3 }).out;
    expect(exact.map((r) => r.id).slice(0, 3)).toEqual(['r0', 'r0#1', 'r0#2']);
    expect(exact).toHaveLength(30);
  });

  test('duplicates get their own session ids so sessions do not merge', () => {
    const { out } = run([req('a', 0, 1, 1, { sessionId: 's' })], { rateScale: 2 });
    expect(out.map((r) => r.sessionId)).toEqual(['s', 's#1']);
  });

  test('sample keeps each request with probability P, seeded', () => {
    const { out, summary } = run(ramp(10_000), { sample: 0.1, seed: 7 });
    expect(out.length).toBeGreaterThan(850);
    expect(out.length).toBeLessThan(1_150);
    expect(summary.adjusted['SAMPLED_OUT']).toBe(10_000 - out.length);
  });

  test('limit stops after N requests and marks the pipeline done', () => {
    const { out, done } = run(ramp(100), { limit: 7 });
    expect(out).toHaveLength(7);
    expect(done).toBe(true);
  });

  test('maxModelLen clips output first (or input) and counts the clipped requests', () => {
    const input = [req('a', 0, 100, 50), req('b', 1, 300, 1000), req('c', 2, 2000, 500)];
    const { out, summary } = run(input, { maxModelLen: 1024 });
    expect(out.map((r) => [r.inputTokens, r.outputTokens])).toEqual([[100, 50], [300, 724]]);
    expect(summary.adjusted).toEqual({ CLIPPED_MAX_MODEL_LEN: 1 });
    // A prompt that alone fills the context cannot be clipped into a request vLLM would take.
    expect(summary.skipped).toEqual({ TOKENS_EXCEED_MAX_MODEL_LEN: 1 });
    expect(summary.messages[0]).toMatch(/src request c: input_tokens 2000 alone fill --max-model-len 1024/);
    const byInput = run([req('a', 0, 1000, 100, { hashIds: { ids: [1, 2], blockTokens: 512 } }), req('b', 1, 10, 2000)], { maxModelLen: 1024, clip: 'input' });
    expect(byInput.out.map((r) => [r.inputTokens, r.outputTokens])).toEqual([[924, 100]]);
    expect(byInput.out[0]!.hashIds!.ids).toEqual([1, 2]);
    expect(byInput.summary.skipped).toEqual({ TOKENS_EXCEED_MAX_MODEL_LEN: 1 });
  });

  test('local disorder within the reorder window is repaired; beyond it rows are skipped and counted', async () => {
    const win = await readTrace(`${FIXTURES}unsorted.csv`);
    expect(win.requests.map((r) => r.arrivalUs)).toEqual([0, 500_000, 1e6, 2e6, 3e6]);
    const { requests, summary } = await readTrace(`${FIXTURES}unsorted.csv`, { reorderWindow: 1 });
    expect(requests.map((r) => r.arrivalUs)).toEqual([0, 1e6, 2e6, 3e6]);
    expect(summary.skipped).toEqual({ ARRIVAL_OUT_OF_ORDER: 1 });
    // The straggler's own line, and how late it is, rather than its id and two raw µs times.
    expect(summary.messages).toEqual(['unsorted.csv:6: request r4 arrives 1.5 s before a request already passed on (more than 1 rows out of order; --reorder-window holds more) [ARRIVAL_OUT_OF_ORDER]']);
    await expect(readTrace(`${FIXTURES}unsorted.csv`, { reorderWindow: 1, strict: true })).rejects.toMatchObject({ code: 'ARRIVAL_OUT_OF_ORDER' });
  });

  test('completion-ordered sources are fully sorted, ties keep read order', () => {
    const { out } = run([req('c', 30), req('a', 10), req('b', 10), req('d', 5)], {}, { timeBase: 'relative', order: 'completion' });
    expect(out.map((r) => r.id)).toEqual(['d', 'a', 'b', 'c']);
  });

  test('a stated order (a request record\'s index) decides ties of arrival time, in the window and in a full sort; read order otherwise', () => {
    const issues = new IssueLog(false);
    const ordered = (o: TransformOptions, source: { timeBase: 'absolute' | 'relative'; order: 'arrival' | 'completion' }, rows: Array<[string, number, number]>): string[] => {
      const out: string[] = [];
      const p = createPipeline(resolveTransform(o, source), issues, 'src', (r) => out.push(r.id));
      for (const [id, t, order] of rows) p.push(req(id, t), order);
      p.end();
      return out;
    };
    // Completion order as a run writes its records: b (index 2) finished before a (0) and c (1).
    const rows: Array<[string, number, number]> = [['b', 10, 2], ['x', 5, 3], ['a', 10, 0], ['c', 10, 1], ['d', 20, 4]];
    const arrival = { timeBase: 'relative', order: 'arrival' } as const;
    expect(ordered({}, arrival, rows)).toEqual(['x', 'a', 'c', 'b', 'd']);
    expect(ordered({}, { timeBase: 'relative', order: 'completion' }, rows)).toEqual(['x', 'a', 'c', 'b', 'd']);
    // An in-order tail with a smaller stated order goes through the heap, not behind the tail.
    expect(ordered({}, arrival, [['p', 10, 1], ['q', 10, 0], ['r', 10, 2]])).toEqual(['q', 'p', 'r']);
    expect(run([req('b', 10), req('a', 10), req('c', 5)], {}, arrival).out.map((r) => r.id)).toEqual(['c', 'b', 'a']);
  });

  test('bad options are InputErrors naming the flag', () => {
    expect(() => resolveTransform({ speedup: 0 }, { timeBase: 'absolute', order: 'arrival' })).toThrow(/--speedup/);
    expect(() => resolveTransform({ sample: 1.5 }, { timeBase: 'absolute', order: 'arrival' })).toThrow(/--sample/);
    expect(() => resolveTransform({ fromS: 5, toS: 2 }, { timeBase: 'absolute', order: 'arrival' })).toThrow(/--to/);
  });
});
