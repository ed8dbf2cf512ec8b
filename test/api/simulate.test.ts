import { describe, expect, it } from 'vitest';
import { generateWorkload, readTrace, simulate } from '../../src/index.js';
import type { RequestRecord } from '../../src/index.js';
import { runCli } from '../cli/helpers.js';

describe('library simulate()', () => {
  it('gives the metrics `blis run` gives for the same options', async () => {
    const { metrics } = await simulate({ model: 'qwen/qwen3-14b', numInstances: 3, tp: 2, routingPolicy: 'least-loaded', preset: 'codegen', rate: 15, numRequests: 300, seed: 9 });
    const cli = JSON.parse((await runCli(['run', '--model', 'qwen/qwen3-14b', '--num-instances', '3', '--tp', '2', '--routing-policy', 'least-loaded',
      '--workload', 'codegen', '--rate', '15', '--num-requests', '300', '--seed', '9', '--output', 'json', '--quiet'])).out);
    for (const k of ['requests', 'ttft_ms', 'tpot_ms', 'itl_ms', 'e2e_ms', 'queue_ms', 'throughput', 'kv', 'instances', 'sim'] as const) expect(metrics[k]).toEqual(cli[k]);
  });

  it('streams every request to onRecord once, as it leaves the system', async () => {
    const seen: RequestRecord[] = [];
    const { metrics } = await simulate({ numRequests: 200, rate: 40, clientTimeoutS: 2, seed: 2, onRecord: (r) => seen.push(r) });
    expect(seen).toHaveLength(metrics.requests.injected);
    expect(new Set(seen.map((r) => r.id)).size).toBe(200);
    expect(seen.filter((r) => r.status === 'completed').length).toBe(metrics.requests.completed);
    expect(seen.filter((r) => r.status === 'timed_out').length).toBe(metrics.requests.timed_out);
    const finished = seen.filter((r) => r.status === 'completed').map((r) => r.finishedUs);
    expect(finished).toEqual([...finished].sort((a, b) => a - b)); // completions arrive in completion order
  });

  it('replays an arrival stream (a trace file, or a generated workload) and refuses a stream plus workload options', async () => {
    const trace = await readTrace('traces/burstgpt3-rows0001-0100.csv');
    const run = await simulate({ arrivals: trace.requests, numInstances: 2 });
    expect(run.metrics.requests.injected).toBe(trace.requests.length);
    const gen = [...generateWorkload({ preset: 'chatbot', numRequests: 50, seed: 4 })];
    expect((await simulate({ arrivals: gen })).metrics.requests.injected).toBe(50);
    await expect(simulate({ arrivals: gen, rate: 3 })).rejects.toMatchObject({ code: 'FLAG_CONFLICT', where: 'arrivals' });
    await expect(simulate({ model: 'no/such-model' })).rejects.toMatchObject({ name: 'InputError' });
  });

  it('maxConcurrency: a closed loop of generated requests', async () => {
    const records: RequestRecord[] = [];
    const { metrics } = await simulate({ model: 'qwen/qwen3-14b', numRequests: 60, maxConcurrency: 3, onRecord: (r) => records.push(r) });
    expect((metrics.config as Record<string, unknown>)['workload']).toMatchObject({ max_concurrency: 3, closed_loop: true, rate_rps: null });
    expect(records).toHaveLength(60);
    // The first three go at once; every later one when an answer ended.
    const byIndex = [...records].sort((a, b) => a.index - b.index);
    expect(byIndex.slice(0, 3).map((r) => r.arrivalUs)).toEqual([0, 0, 0]);
    const ends = new Set(records.map((r) => Math.ceil(r.finishedUs)));
    expect(byIndex.slice(3).every((r) => ends.has(r.arrivalUs))).toBe(true);
    await expect(simulate({ model: 'qwen/qwen3-14b', durationS: 10, maxConcurrency: 3 })).rejects.toThrow(/numRequests|--num-requests/);
  });
});
