/**
 * The cheapest-fleet search orders candidates by what the fleet that runs costs. With P/D pools
 * one pool's GPU or TP can be pinned (--decode-hardware, --decode-tp) while --hardware and --tp
 * lists vary the other, so a candidate's fleet is not --num-instances x --tp x the price of
 * --hardware: the search ordered by that product and answered with a dearer fleet.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';

// Qwen2.5-7B chat at 10 req/s, 1 prefill + 1 decode instance, the decode pool an L40S at the
// listed TP. Catalog prices (src/model/hardware.json, USD per GPU-hour): H100 3.95, L40S 1.95.
// The fleets:       prefill          decode            real USD/h   n x tp x price(--hardware)
//   L40S TP1        1 x L40S TP1     1 x L40S TP1      3.90         3.90
//   L40S TP2        1 x L40S TP2     1 x L40S TP2      7.80         7.80
//   H100 TP1        1 x H100 TP1     1 x L40S TP1      5.90         7.90
// With p99 TTFT <= 450 ms the L40S TP1 fleet misses (494 ms) and the other two hold (342, 313
// ms): the cheapest is H100 TP1 at 5.90, which the product put after L40S TP2 at 7.80.
const PD = ['capacity', '--model', 'qwen/qwen2.5-7b-instruct', '--workload', 'chatbot', '--num-requests', '200', '--rate', '10',
  '--num-instances', '2', '--prefill-instances', '1', '--decode-instances', '1', '--decode-hardware', 'L40S',
  '--hardware', 'H100,L40S', '--tp', '1,2', '--slo', 'ttft_p99=450', '--quiet'];

describe('blis capacity: the cheapest fleet with a pinned P/D pool', () => {
  it('orders candidates by the cost of the pools that run and answers the cheapest that holds', async () => {
    const r = await runCli([...PD, '--output', 'json']);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.cheapest).toMatchObject({ hardware: 'H100', tp: 1, fleet_per_hour: 5.9, gpus: 2 });
    const tried = (out.probes as Array<Record<string, unknown>>).map((p) => [`${String(p['hardware'])} TP${String(p['tp'])}`, p['fleet_per_hour'], p['result']]);
    expect(tried).toEqual([['L40S TP1', 3.9, 'missed'], ['H100 TP1', 5.9, 'holds']]);
    // The answer is what blis run of its command costs and holds.
    const rerun = JSON.parse((await runCli([...(out.cheapest.command as string).split(' ').slice(1), '--output', 'json', '--quiet'])).out);
    expect(rerun.cost.fleet_per_hour).toBe(5.9);
    expect(rerun.slo.holds).toBe(true);
  });

  it('prints each candidate at the cost of its pools', async () => {
    const r = await runCli(PD);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^2 x H100 TP1 +5\.90 +holds/m);
    expect(r.out).toMatch(/^cheapest fleet holding the SLO at 10 req\/s: 2 x H100 TP1, 5\.90 USD\/h$/m);
  });
});

describe('blis capacity: the cheapest fleet with an autoscaler', () => {
  it('refuses fleet lists: the policy picks its variants and the cost depends on how far it scales', async () => {
    // examples/autoscaler-policy.yaml names its variant (H100 TP 1): an L40S in the list was
    // printed as "1 x L40S TP1 ... holds" while the run served on the policy's H100.
    const r = await runCli(['capacity', '--model', 'qwen/qwen3-14b', '--num-requests', '50', '--rate', '5', '--slo', 'ttft_p99=2000', '--quiet',
      '--autoscaler-config', 'examples/autoscaler-policy.yaml', '--hardware', 'L40S,H100']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[FLAG_CONFLICT\] --autoscaler-config: .*expected no --hardware, --tp or --num-instances list/);
    expect(r.out).toBe('');
  });
});

// Mixtral-8x7B served as data-parallel ranks (vLLM --data-parallel-size 2) of TP 2 on H100 at 3.95
// USD per GPU-hour: 2 ranks are one server of 4 GPUs (15.80/h), 4 ranks two servers of 8 (31.60/h).
const DP = ['capacity', '--model', 'mistralai/mixtral-8x7b-v0.1', '--workload', 'chatbot', '--num-requests', '60', '--rate', '4',
  '--data-parallel-size', '2', '--num-instances', '2,4', '--hardware', 'H100', '--tp', '2', '--slo', 'e2e_p99=600000', '--quiet'];

describe('blis capacity: the cheapest fleet of data-parallel servers', () => {
  it('prices every rank\'s GPUs and says the fleets are servers of ranks, in the table and the JSON', async () => {
    const json = await runCli([...DP, '--output', 'json']);
    expect(json.code, json.err).toBe(0);
    const out = JSON.parse(json.out);
    expect(out.cheapest).toMatchObject({ hardware: 'H100', tp: 2, num_instances: 2, data_parallel_size: 2, gpus: 4, fleet_per_hour: 15.8 });
    const human = await runCli(DP);
    expect(human.code, human.err).toBe(0);
    expect(human.out).toMatch(/^2 x H100 TP2 \(DP 2\) +15\.80 +holds/m);
    expect(human.out).toMatch(/^cheapest fleet holding the SLO at 4 req\/s: 2 x H100 TP2 \(DP 2\), 15\.80 USD\/h$/m);
  });
});
