/**
 * A probe that judged no request says nothing about the SLO: a horizon so short that no request
 * arrives, or targets of an SLO class no request carries, make every check hold vacuously (a
 * check with nothing covered holds, src/cluster/slo.ts). `blis capacity` took that as holding:
 * the cheapest listed fleet "held" and the rate search doubled to its bound.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';

const BASE = ['capacity', '--model', 'qwen/qwen2.5-7b-instruct', '--workload', 'chatbot', '--quiet'];

describe('blis capacity refuses probes that judged no request', () => {
  it('names --duration when no request arrives within it (the cheapest listed fleet "held")', async () => {
    // 0.05 s at 10 req/s: the first Poisson arrival of seed 0 comes later, so nothing is injected.
    const r = await runCli([...BASE, '--duration', '0.05', '--rate', '10', '--hardware', 'H100,L40S', '--num-instances', '1,2', '--slo', 'ttft_p99=300']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[CAPACITY_NO_REQUESTS\] --duration: the probe of 1 x L40S TP1 at 10 req\/s: no request arrived within 0\.05 s; expected a --duration long enough for requests to arrive at every probed rate, or --num-requests/);
    expect(r.out).toBe('');
  });

  it('names --duration in the rate search, which doubled to its bound on empty probes', async () => {
    const r = await runCli([...BASE, '--duration', '0.001', '--slo', 'ttft_p99=300']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[CAPACITY_NO_REQUESTS\] --duration: the probe at 10 req\/s: no request arrived within 0\.001 s/);
  });

  it('names the SLO flags when no target covers any request (a class the workload does not carry)', async () => {
    // chatbot requests carry no slo_class, so batch's 1 ms target covers none of them.
    const r = await runCli([...BASE, '--num-requests', '100', '--rate', '10', '--hardware', 'H100,L40S', '--slo-class', 'batch:ttft_p99=1']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[CAPACITY_NO_REQUESTS\] --slo-class: .*none of its 100 requests is covered by a target; expected --slo for requests without a class, or --slo-class naming a class they carry/);
  });

  it('still answers when a single request is judged', async () => {
    const r = await runCli([...BASE, '--num-requests', '1', '--rate', '10', '--hardware', 'H100,L40S', '--slo', 'ttft_p99=300', '--output', 'json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).cheapest).toMatchObject({ hardware: 'L40S' });
  });
});
