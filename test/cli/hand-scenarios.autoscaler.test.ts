/**
 * An autoscaling step load worked by hand and run through `blis run --autoscaler-config` as a
 * user would, with a step time computable by hand (docs/engine.md, Working a scenario by hand).
 *
 * Engine: llama-3.1-8b on H100, `--latency-model linear` (10 ms + 10 µs per prompt token),
 * `--max-num-seqs 2`, synchronous loop. Requests are 100 in / 10 out; arrivals constant:
 * 5 req/s over [0, 60), 100 req/s over [60, 120), 5 req/s over [120, 600) (8,700 requests).
 * A request takes a prefill step then 9 decode steps. A replica with a backlog runs its two
 * seats in lock step: one step of two 100-token prefills (10 + 2 = 12 ms), nine decode steps
 * (90 ms): 2 requests per 102 ms = 19.608 req/s. At 5 req/s (one request every 200 ms, done in
 * 101 ms) nothing ever waits.
 *
 * Policy: decisions every 10 s, scrapes every 5 s, no lag, saturation analyzer (WVA defaults:
 * saturated at ≥ 5 waiting; each replica's peak over the last 60 s, WVA's max_over_time[1m]),
 * provisioning 20 s + loading 10 s + warm-up 5 s, scale-down window 30 s, 1..3 replicas, H100 at
 * $4/GPU-hour; round-robin routing.
 *
 * - 60 s: the scrape at 60 s is taken before that instant's arrivals: queue 0, hold.
 * - 70 s: replica 0 gains 100 − 19.6 = 80.4 waiting per second since 60 s: saturated, +1 #1.
 *   #1 provisions 70–90 s, loads 90–100 s, warms 100–105 s, ready at 105 s and takes the arrival
 *   of exactly 105 s (round-robin). 80, 90, 100 s: scale-up blocked (one replica pending).
 * - 110 s: #1 has had 50 req/s for 5 s against 19.6: both saturated, +1 #2, ready at 145 s.
 * - Backlogs: replica 0 ends [60, 105) with 45 × 80.4 = 3618 waiting, [105, 120) adds 15 × 30.4
 *   = 456 (4074); it then drains at 19.608 − 5/2 = 17.108 req/s until 145 s (3646), at
 *   19.608 − 5/3 = 17.94 until 230 s (2121), at 17.108 again: empty at ~354 s; its last scrape
 *   with ≥ 5 waiting is at 350 s. #1 gathers 15 × 30.4 = 456 by 120 s, 428 fewer by 145 s (28
 *   left), empty at ~146.6 s: its last saturated scrape is at 145 s.
 * - 150–200 s: replicas 0 and 1 saturated within the last minute, #2 idle: one non-saturated
 *   replica, nothing to spread over, hold.
 * - 210 s: the window (150, 210] no longer holds #1's 145 s scrape: #1 and #2 are non-saturated
 *   with no load, so one fewer still leaves spare KV 0.8 and queue 5 (WVA's isScaleDownSafe
 *   ignores the saturated replica 0): recommend 2. Recommendations 2 at 210, 220, 230 s; at 230 s
 *   the 3 made at 200 s is exactly 30 s old and out of the window (HPA keeps (now − 30, now]): −1
 *   at 230 s; the least loaded is #2 (idle, gone at once).
 * - 240–400 s: replica 0 saturated, #1 alone non-saturated: hold. 410 s: the window (350, 410]
 *   is past replica 0's last saturated scrape: recommend 1 at 410, 420, 430 s, −1 #1 at 430 s.
 * - Replica-seconds: replica 0 from 0 to the last request's finish (599.9 s: the last arrival at
 *   599.8 s plus 101 ms), #1 70–430 s, #2 110–230 s: 1079.901 s, of them ready 1009.901 s
 *   (#1 from 105, #2 from 145); GPU-hours 1079.901 / 3600 = 0.29997, cost × $4 = 1.1999.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const SPEC = `seed: 1
rate: 5
arrival: constant
clients:
  - {name: c, input: 100, output: 10}
stages:
  - {scale: 1, duration_s: 60}
  - {scale: 20, duration_s: 60}
  - {scale: 1, duration_s: 480}
`;

const POLICY = `interval_s: 10
timeline_window_s: 10
collector: {name: prometheus, scrape_interval_s: 5, lag_s: 0, rate_window_s: 60}
analyzer: saturation
actuator: {name: delayed, provision_s: 20, load_s: 10, warmup_s: 5}
stabilization: {scale_up_s: 0, scale_down_s: 30}
inventory:
  - {hardware: H100, count: 8, cost_per_gpu_hour: 4.0}
models:
  - name: meta-llama/llama-3.1-8b-instruct
    min_replicas: 1
    max_replicas: 3
    initial_replicas: 1
    variants: [{hardware: H100, tp: 1}]
`;

const MODEL = 'meta-llama/llama-3.1-8b-instruct';

describe('hand-computed autoscaling through blis run: a 5 → 100 → 5 req/s step', () => {
  const dir = mkdtempSync(join(tmpdir(), 'blis-hand-as-'));
  writeFileSync(join(dir, 'w.yaml'), SPEC);
  writeFileSync(join(dir, 'p.yaml'), POLICY);
  writeFileSync(join(dir, 'c.json'), JSON.stringify({ alpha0Us: 10000, alpha1UsPerPrefillToken: 10, alpha2UsPerDecodeToken: 0, alpha3UsPerContextToken: 0 }));
  let r = { code: -1, out: '', err: '' };
  beforeAll(async () => {
    r = await runCli(['run', '--workload-spec', 'w.yaml', '--model', MODEL, '--latency-model', 'linear', '--latency-coefficients', 'c.json',
    '--max-num-seqs', '2', '--no-async-scheduling', '--autoscaler-config', 'p.yaml', '--timeline-out', 't.csv', '--requests-out', 'r.csv',
    '--output', 'json', '--quiet'], dir);
  });
  const table = (file: string): Array<Record<string, string>> => {
    const [head, ...lines] = readFileSync(join(dir, file), 'utf8').trim().split('\n');
    const cols = head!.split(',');
    return lines.map((l) => Object.fromEntries(l.split(',').map((v, k) => [cols[k]!, v])));
  };

  it('runs', () => expect(r.code, r.err).toBe(0));

  it('scales up at 70 s and 110 s, down at 230 s and 430 s, blocked while a replica is pending', () => {
    const rows = table('t.csv');
    const decisions = Object.fromEntries(rows.filter((x) => x['decisions'] !== '').map((x) => [Number(x['time_s']), x['decisions']]));
    expect(decisions).toEqual({ 70: '+1 H100x1 #1', 110: '+1 H100x1 #2', 230: '-1 #2', 430: '-1 #1' });
    const at = (t: number) => rows.find((x) => Number(x['time_s']) === t)!;
    for (const t of [80, 90, 100, 120, 130, 140]) expect(at(t)['reason']).toMatch(/scale-up blocked: 1 replica\(s\) pending/);
    // The first recommendations to shrink: 60 s after the last saturated scrape of #1 (145 s) and of replica 0 (350 s).
    const recommended = (t: number) => Number(at(t)['recommended']);
    expect([200, 210, 220, 230].map(recommended)).toEqual([3, 2, 2, 2]);
    expect([400, 410, 420, 430].map(recommended)).toEqual([2, 1, 1, 1]);
    expect(Number(at(350)['queue_depth'])).toBeGreaterThan(5);
    expect(Number(at(360)['queue_depth'])).toBe(0);
    expect([at(100)['warming'], at(110)['ready'], at(140)['warming'], at(150)['ready']]).toEqual(['1', '2', '1', '3']);
  });

  it('a new replica takes its first request at decision + 35 s; no request is lost', () => {
    const first = new Map<string, number>();
    const rows = table('r.csv');
    for (const x of rows) {
      const t = Number(x['arrival_us']);
      if (!first.has(x['instance']!) || t < first.get(x['instance']!)!) first.set(x['instance']!, t);
    }
    expect(Object.fromEntries(first)).toEqual({ 0: 0, 1: 105_000_000, 2: 145_000_000 });
    expect(rows.length).toBe(8700);
    expect(rows.every((x) => x['status'] === 'completed')).toBe(true);
  });

  it('bills replica-seconds from start to gone: GPU-hours and cost', () => {
    const a = JSON.parse(r.out).autoscaler;
    expect(a.replica_seconds[MODEL]).toEqual({ total: 1079.901, ready: 1009.901 });
    expect(a.gpu_hours.H100).toBeCloseTo(1079.901 / 3600, 4);
    expect(a.cost).toBeCloseTo((4 * 1079.901) / 3600, 3);
    expect(a.scaling_actions).toMatchObject({ scale_up: 2, scale_down: 2, preemptions: 0 });
    expect(a.peak_replicas[MODEL]).toBe(3);
  });
});
