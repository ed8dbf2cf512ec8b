/**
 * Runs a scheduler scenario worked by hand from vLLM 0.15's code through the CLI a user would
 * call (`blis replay ARRIVALS.csv --latency-model linear --latency-coefficients FILE ...`) and
 * reads back what a hand computation predicts: each request's first-token and finish times from
 * `--requests-out`, its preemptions and cached prompt tokens, and the metrics JSON's counts.
 * The hand-scenarios.*.test.ts files hold the scenarios and their derivations.
 */
import { expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers.js';

/** The README's hand-computable step: 10 ms plus 10 µs per prompt token computed in the step. */
export const TEN_MS_PLUS_10US_PER_PROMPT_TOKEN = { alpha0Us: 10000, alpha1UsPerPrefillToken: 10, alpha2UsPerDecodeToken: 0, alpha3UsPerContextToken: 0 };

export type Loop = 'sync' | 'async';

/** Per request id: [first_token_us, finished_us] (absolute simulated µs; arrival-csv times are not rebased). */
export type Timeline = Record<string, readonly [number, number]>;

export interface Scenario {
  /** The arrival CSV, header included. */
  readonly csv: string;
  /** Engine flags beyond the latency model. */
  readonly flags?: readonly string[];
  readonly coefficients?: Readonly<Record<string, number>>;
  /** Expected times in each loop; `async` defaults to `sync` when vLLM's two loops give the same timeline. */
  readonly sync: Timeline;
  readonly async?: Timeline;
  /** Per request id: [preemptions, cached_tokens] (default [0, 0]); `asyncCounts` defaults to `counts`. */
  readonly counts?: Record<string, readonly [number, number]>;
  readonly asyncCounts?: Record<string, readonly [number, number]>;
}

export interface ScenarioRun {
  readonly timeline: Timeline;
  readonly counts: Record<string, readonly [number, number]>;
  readonly ttftUs: Record<string, number>;
  readonly e2eUs: Record<string, number>;
  readonly metrics: { requests: { completed: number; dropped: number }; kv: { preemptions: number; prefix_hit_rate: number } };
}

/** `blis replay` on the scenario in one loop (`--no-async-scheduling` for sync). */
export async function replayScenario(s: Scenario, loop: Loop): Promise<ScenarioRun> {
  const dir = mkdtempSync(join(tmpdir(), 'blis-hand-'));
  writeFileSync(join(dir, 'arrivals.csv'), s.csv);
  writeFileSync(join(dir, 'coefficients.json'), JSON.stringify(s.coefficients ?? TEN_MS_PLUS_10US_PER_PROMPT_TOKEN));
  const argv = ['replay', 'arrivals.csv', '--latency-model', 'linear', '--latency-coefficients', 'coefficients.json',
    ...(s.flags ?? []), ...(loop === 'sync' ? ['--no-async-scheduling'] : []),
    '--requests-out', 'requests.csv', '--output', 'json', '--quiet'];
  const r = await runCli(argv, dir);
  expect(r.code, r.err).toBe(0);
  const [header, ...lines] = readFileSync(join(dir, 'requests.csv'), 'utf8').trim().split('\n');
  const cols = header!.split(',');
  const col = (row: string[], name: string): number => Number(row[cols.indexOf(name)]);
  const timeline: Record<string, readonly [number, number]> = {};
  const counts: Record<string, readonly [number, number]> = {};
  const ttftUs: Record<string, number> = {};
  const e2eUs: Record<string, number> = {};
  for (const line of lines) {
    const row = line.split(',');
    const id = row[cols.indexOf('id')]!;
    timeline[id] = [col(row, 'first_token_us'), col(row, 'finished_us')];
    counts[id] = [col(row, 'preemptions'), col(row, 'cached_tokens')];
    ttftUs[id] = col(row, 'ttft_us');
    e2eUs[id] = col(row, 'e2e_us');
  }
  return { timeline, counts, ttftUs, e2eUs, metrics: JSON.parse(r.out) };
}

/** One test per loop: the CLI's per-request times, TTFT/E2E columns and counts equal the hand derivation. */
export function scenario(name: string, s: Scenario): void {
  for (const loop of ['sync', 'async'] as const) {
    it(`${name} (${loop === 'sync' ? '--no-async-scheduling' : 'async scheduling'})`, async () => {
      const got = await replayScenario(s, loop);
      const want = loop === 'async' ? (s.async ?? s.sync) : s.sync;
      expect(got.timeline).toEqual(want);
      const arrivals = arrivalTimes(s.csv);
      for (const [id, [first, finished]] of Object.entries(want)) {
        // ttft_us and e2e_us are measured from the request's arrival_us.
        expect(got.ttftUs[id]).toBe(first - arrivals[id]!);
        expect(got.e2eUs[id]).toBe(finished - arrivals[id]!);
      }
      const c = (loop === 'async' ? (s.asyncCounts ?? s.counts) : s.counts) ?? {};
      const wantCounts = Object.fromEntries(Object.keys(want).map((id) => [id, c[id] ?? [0, 0]]));
      expect(got.counts).toEqual(wantCounts);
      const preemptions = Object.values(wantCounts).reduce((a, [p]) => a + p, 0);
      expect(got.metrics.kv.preemptions).toBe(preemptions);
      expect(got.metrics.requests.completed).toBe(Object.keys(want).length);
    });
  }
}

/** arrival_us per id (the id column, else r<row> as the arrival-csv reader numbers rows). */
function arrivalTimes(csv: string): Record<string, number> {
  const [header, ...lines] = csv.trim().split('\n');
  const cols = header!.split(',');
  const out: Record<string, number> = {};
  lines.forEach((line, i) => {
    const row = line.split(',');
    const id = cols.includes('id') ? row[cols.indexOf('id')]! : `r${i}`;
    out[id] = Number(row[cols.indexOf('arrival_us')]);
  });
  return out;
}
