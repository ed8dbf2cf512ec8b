/**
 * Scale to zero and back, worked by hand through `blis run --autoscaler-config` (the engine and
 * step time of hand-scenarios.autoscaler.test.ts: llama-3.1-8b on H100, 10 ms + 10 µs per prompt
 * token, requests 100 in / 10 out).
 *
 * Arrivals: 1 req/s at 0, 1, ..., 19 s, none for 300 s, 1 req/s at 320, ..., 339 s (40 requests).
 * Policy: queueing analyzer, decisions every 10 s, scrapes every 5 s, rates over 30 s,
 * provisioning 20 s + loading 10 s + warm-up 5 s, scale-down window 30 s, 0..3 replicas starting
 * from none (initial_replicas 0).
 *
 * - 10 s: no replica reports; 10 arrivals in (0, 10] s: scale from zero, +1 #0, ready at 45 s.
 * - With llm-d's flow control (`--flow-control --admission-policy saturation`), a pool with no
 *   endpoint is saturated (the detector's mean over no candidates is 1), so the requests of
 *   0..19 s wait in the gateway queue and start when #0 is ready, at 45 s (WVA's scale-from-zero
 *   engine reacts to that queue: inference_extension_flow_control_queue_size). Without flow
 *   control the gateway has nowhere to send them: all 20 are rejected (no-eligible-instance).
 * - 50, 60, 70 s: no arrival since 19 s in the 30 s rate window: recommend 0; at 70 s the 1 of
 *   40 s has left the scale-down window (HPA's (now − 30, now]): −1 #0, empty, gone at once.
 * - 320 s: the arrival of 320 s is in the scrape of that instant: +1 #1 (ids are never reused),
 *   ready at 355 s; the requests of 320..339 s wait for it (flow control) or are rejected.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';
import { TEN_MS_PLUS_10US_PER_PROMPT_TOKEN } from './hand-scenario.js';

const SPEC = `seed: 1
rate: 1
arrival: constant
clients:
  - {name: c, input: 100, output: 10}
stages:
  - {scale: 1, duration_s: 20}
  - {scale: 0, duration_s: 300}
  - {scale: 1, duration_s: 20}
`;

const POLICY = `interval_s: 10
timeline_window_s: 10
collector: {name: prometheus, scrape_interval_s: 5, lag_s: 0, rate_window_s: 30}
analyzer: queueing
actuator: {name: delayed, provision_s: 20, load_s: 10, warmup_s: 5}
stabilization: {scale_up_s: 0, scale_down_s: 30}
inventory:
  - {hardware: H100, count: 8, cost_per_gpu_hour: 4.0}
models:
  - name: meta-llama/llama-3.1-8b-instruct
    min_replicas: 0
    max_replicas: 3
    initial_replicas: 0
    variants: [{hardware: H100, tp: 1}]
`;

const MODEL = 'meta-llama/llama-3.1-8b-instruct';

type Row = Record<string, string>;

function table(file: string): Row[] {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, k) => [cols[k]!, v])));
}

async function scenario(flowControl: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'blis-hand-zero-'));
  writeFileSync(join(dir, 'w.yaml'), SPEC);
  writeFileSync(join(dir, 'p.yaml'), POLICY);
  writeFileSync(join(dir, 'c.json'), JSON.stringify(TEN_MS_PLUS_10US_PER_PROMPT_TOKEN));
  const r = await runCli(['run', '--workload-spec', 'w.yaml', '--model', MODEL, '--latency-model', 'linear', '--latency-coefficients', 'c.json',
    '--no-async-scheduling', '--autoscaler-config', 'p.yaml', '--timeline-out', 't.csv', '--requests-out', 'r.csv', '--output', 'json', '--quiet',
    ...(flowControl ? ['--flow-control', '--admission-policy', 'saturation'] : [])], dir);
  expect(r.code, r.err).toBe(0);
  const decisions = Object.fromEntries(table(join(dir, 't.csv')).filter((x) => x['decisions'] !== '').map((x) => [Number(x['time_s']), x['decisions']]));
  return { decisions, requests: table(join(dir, 'r.csv')), metrics: JSON.parse(r.out) };
}

describe('an autoscaled model starting from zero replicas, scaling to zero and back', () => {
  let queued: Awaited<ReturnType<typeof scenario>>;
  let plain: Awaited<ReturnType<typeof scenario>>;
  beforeAll(async () => {
    queued = await scenario(true);
    plain = await scenario(false);
  });

  it('starts from none, scales up at 10 s, to zero at 70 s and up again at 320 s', () => {
    expect(queued.decisions).toEqual({ 10: '+1 H100x1 #0', 70: '-1 #0', 320: '+1 H100x1 #1' });
    expect(plain.metrics.config.num_instances).toBe(0);
  });

  it('with flow control the requests wait for the cold start: the first of each burst starts when its replica is ready', () => {
    const byId = new Map(queued.requests.map((x) => [x['id'], x]));
    expect(queued.requests.every((x) => x['status'] === 'completed')).toBe(true);
    expect(queued.requests.length).toBe(40);
    expect(Number(byId.get('r0')!['first_scheduled_us'])).toBe(45_000_000);
    expect(Number(byId.get('r20')!['arrival_us'])).toBe(320_000_000);
    expect(Number(byId.get('r20')!['first_scheduled_us'])).toBe(355_000_000);
    expect(new Set(queued.requests.map((x) => x['instance']))).toEqual(new Set(['0', '1']));
  });

  it('without flow control the requests that find no ready replica are rejected; the idle replica still goes at 70 s', () => {
    const status = plain.requests.map((x) => `${x['status']}:${x['reason']}`);
    expect(status).toEqual(Array(40).fill('rejected:no-eligible-instance'));
    // No request ever completed, so the queueing analyzer has no profile; no arrivals needs none.
    expect(plain.decisions).toEqual({ 10: '+1 H100x1 #0', 70: '-1 #0', 320: '+1 H100x1 #1' });
    const a = plain.metrics.autoscaler;
    // #0 from 10 s to 70 s; #1 from 320 s until the last request left (rejected at 339 s).
    expect(a.replica_seconds[MODEL].total).toBeCloseTo(60 + 19, 6);
  });
});

/**
 * Scale from zero for requests already waiting: five requests at 0..4 s reach a model with no
 * replica and wait in the flow-control queue; the first decision is at 30 s and its 10 s rate
 * window (20, 30] holds no arrival. WVA's scale-from-zero engine does not look at the arrival
 * rate but at the EPP's flow-control queue (inference_extension_flow_control_queue_size > 0,
 * workload-variant-autoscaler internal/engines/scalefromzero/engine.go): 5 waiting, +1 #0 at
 * 30 s, ready at 65 s, and the five run then. Before, nothing ever started a replica: the
 * requests stayed queued until the run was declared stalled.
 */
describe('requests waiting at the gateway for a model with no replica start one', () => {
  it('scales from zero on the queue, not on arrivals in the rate window', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-hand-zero-q-'));
    writeFileSync(join(dir, 'w.yaml'), 'seed: 1\nrate: 1\narrival: constant\nclients:\n  - {name: c, input: 100, output: 10}\nduration_s: 5\n');
    writeFileSync(join(dir, 'p.yaml'), POLICY.replace('interval_s: 10', 'interval_s: 30').replace('rate_window_s: 30', 'rate_window_s: 10').replace('analyzer: queueing', 'analyzer: saturation'));
    writeFileSync(join(dir, 'c.json'), JSON.stringify(TEN_MS_PLUS_10US_PER_PROMPT_TOKEN));
    const r = await runCli(['run', '--workload-spec', 'w.yaml', '--model', MODEL, '--latency-model', 'linear', '--latency-coefficients', 'c.json',
      '--no-async-scheduling', '--autoscaler-config', 'p.yaml', '--timeline-out', 't.csv', '--requests-out', 'r.csv', '--output', 'json', '--quiet',
      '--flow-control', '--admission-policy', 'saturation'], dir);
    expect(r.code, r.err).toBe(0);
    const rows = table(join(dir, 't.csv'));
    expect(rows[0]!['time_s']).toBe('30');
    expect(rows[0]!['decisions']).toBe('+1 H100x1 #0');
    expect(rows[0]!['reason']).toMatch(/5 request\(s\) waiting at the gateway/);
    const requests = table(join(dir, 'r.csv'));
    expect(requests.map((x) => x['status'])).toEqual(Array(5).fill('completed'));
    expect(Number(requests[0]!['first_scheduled_us'])).toBe(65_000_000);
  });
});
