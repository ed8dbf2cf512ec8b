import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const BASE = ['run', '--model', 'qwen/qwen3-14b', '--hardware', 'H100', '--output', 'json', '--quiet'];

describe('blis run --max-concurrency', () => {
  it('a closed loop holds the offered load to what the clients keep open (Little: throughput x E2E ~ clients)', async () => {
    const r = await runCli([...BASE, '--num-requests', '400', '--max-concurrency', '8']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.requests.completed).toBe(400);
    expect(doc.config.workload).toMatchObject({ max_concurrency: 8, closed_loop: true, rate_rps: null });
    // Eight always open but at the start and the drain: the mean open count sits just under eight.
    const open = doc.throughput.requests_per_s * (doc.e2e_ms.mean / 1000);
    expect(open).toBeGreaterThan(7);
    expect(open).toBeLessThanOrEqual(8.01);
    // More clients, more load: the queue and TTFT grow.
    const wide = JSON.parse((await runCli([...BASE, '--num-requests', '400', '--max-concurrency', '64'])).out);
    expect(wide.throughput.requests_per_s).toBeGreaterThan(doc.throughput.requests_per_s);
  });

  it('with --rate the rate paces the requests and the limit only caps them', async () => {
    // codegen has no sessions (a session's turn would wait for its previous answer: a change of its own).
    const capped = JSON.parse((await runCli([...BASE, '--workload', 'codegen', '--rate', '2', '--num-requests', '200', '--max-concurrency', '1000'])).out);
    const open = JSON.parse((await runCli([...BASE, '--workload', 'codegen', '--rate', '2', '--num-requests', '200'])).out);
    expect(capped.config.workload).toMatchObject({ max_concurrency: 1000, closed_loop: false, rate_rps: 2 });
    // A limit never reached changes nothing but the workload block.
    expect(capped.e2e_ms).toEqual(open.e2e_ms);
    expect(capped.ttft_ms).toEqual(open.ttft_ms);
  });

  it('refuses a closed loop bounded by a duration, and a limit that is not a positive integer', async () => {
    const d = await runCli([...BASE, '--duration', '60', '--max-concurrency', '4']);
    expect(d.code).toBe(2);
    expect(d.err).toMatch(/FLAG_CONFLICT.*--max-concurrency.*--num-requests/);
    const z = await runCli([...BASE, '--num-requests', '10', '--max-concurrency', '0']);
    expect(z.code).toBe(2);
    expect(z.err).toMatch(/--max-concurrency/);
  });
});
