/**
 * Idle time is skipped, not ticked through: the router's scrapes stop while the cluster is
 * empty, and the autoscaler sleeps once settled and wakes its memory span before the next
 * arrival. Whatever the length of an idle stretch, everything after it is the same (shifted in
 * time) and it costs the same number of events.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';

const root = resolve(import.meta.dirname, '../..');

/** Two two-minute bursts of codegen traffic around an idle stage of `gapS` seconds. */
const spec = (gapS: number): string => `seed: 3
rate: 30
clients:
  - {name: code, preset: codegen}
stages:
  - {scale: 1, duration_s: 120}
  - {scale: 0, duration_s: ${gapS}}
  - {scale: 1, duration_s: 120}
`;

interface Run { events: number; requests: string[][]; timeline: string[][] }

async function runGap(gapS: number, policy?: string): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'blis-gap-'));
  writeFileSync(join(dir, 'gap.yaml'), spec(gapS));
  if (policy !== undefined) writeFileSync(join(dir, 'policy.yaml'), policy);
  const r = await runCli(['run', '--workload-spec', 'gap.yaml', '--routing-policy', 'weighted', '--admission-policy', 'saturation',
    '--autoscaler-config', policy !== undefined ? 'policy.yaml' : join(root, 'examples/autoscaler-policy.yaml'), '--timeline-out', 't.csv', '--requests-out', 'r.csv', '--output', 'json', '--quiet'], dir);
  expect(r.code, r.err).toBe(0);
  const rows = (f: string): string[][] => readFileSync(join(dir, f), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  return { events: JSON.parse(r.out).sim.events, requests: rows('r.csv'), timeline: rows('t.csv') };
}

describe('idle stretches are skipped', () => {
  it('a day or two of nothing between bursts: same decisions after it, same event count', async () => {
    // The gaps differ by a day: a multiple of every tick interval (50 ms scrapes, 15 s and 30 s autoscaler ticks).
    const a = await runGap(86_400);
    const b = await runGap(2 * 86_400);
    expect(b.events).toBe(a.events);
    // Ticking through one idle day would take over 1.7 million events (5,760 autoscaler scrapes and 1.7 M router scrapes).
    expect(a.events).toBeLessThan(50_000);
    // Request rows of the second burst, times relative to the gap's end. The generator computes
    // arrival times in floating point from the run's start, so shifted times may round 1 µs apart:
    // identities, routing and outcomes must match exactly, times within 2 µs.
    const secondBurst = (run: Run, offsetUs: number) => run.requests.filter((row) => Number(row[1]) >= 120e6 + offsetUs);
    const burstA = secondBurst(a, 86_400e6);
    const burstB = secondBurst(b, 2 * 86_400e6);
    expect(burstA.length).toBeGreaterThan(3000);
    expect(burstB.length).toBe(burstA.length);
    const EXACT = [0, 2, 3, 4, 5, 6, 7, 8, 9, 10]; // id, stage, status, reason, instance, tokens, cached, preemptions
    const ABSOLUTE = [1, 11, 12, 13, 14]; // arrival, enqueued, first scheduled, first token, finished
    const DURATION = [15, 16, 17]; // queue, TTFT, E2E
    burstA.forEach((ra, i) => {
      const rb = burstB[i]!;
      expect(EXACT.map((k) => rb[k])).toEqual(EXACT.map((k) => ra[k]));
      const happened = (v: string | undefined): boolean => v !== undefined && v !== '' && Number(v) >= 0;
      for (const k of ABSOLUTE) {
        expect(happened(rb[k])).toBe(happened(ra[k]));
        if (happened(ra[k])) expect(Math.abs(Number(rb[k]) - 86_400e6 - Number(ra[k]))).toBeLessThanOrEqual(2);
      }
      for (const k of DURATION) expect(Math.abs(Number(rb[k] || 0) - Number(ra[k] || 0))).toBeLessThanOrEqual(2);
    });
    const after = (run: Run, offsetS: number) => run.timeline
      .filter((row) => Number(row[0]) >= 120 + offsetS)
      .map((row) => [String(Number(row[0]) - offsetS), ...row.slice(1)]);
    expect(after(a, 86_400).length).toBeGreaterThan(5);
    expect(after(b, 2 * 86_400)).toEqual(after(a, 86_400));
  }, 60_000);
  it('also when the analyzer recommends fewer than min_replicas while idle (queueing: 0 with no arrivals)', async () => {
    // The fleet settles at min_replicas 1 while the analyzer keeps recommending 0: that is settled
    // too (the clamped recommendation is what the loop would repeat), so the loop sleeps.
    const policy = readFileSync(join(root, 'examples/autoscaler-policy.yaml'), 'utf8').replace(/name: saturation.*/, 'name: queueing');
    const a = await runGap(86_400, policy);
    const b = await runGap(2 * 86_400, policy);
    expect(b.events).toBe(a.events);
    // Ticking through the idle day writes a timeline row every 30 s: 2,880 of them.
    expect(a.timeline.length).toBeLessThan(200);
  }, 60_000);
});
