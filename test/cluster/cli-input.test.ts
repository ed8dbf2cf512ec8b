import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.node.js';
import type { CliIO } from '../../src/cli/io.js';

async function blis(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (s) => { out += s; }, err: (s) => { err += s; }, cwd: process.cwd(), errIsTTY: false };
  const code = await main(['run', '--num-requests', '20', '--quiet', ...args], io);
  return { code, out, err };
}

describe('blis run: bad gateway and pool input exits 2 with a clear message', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['unknown scorer (lists valid ones)', ['--routing-policy', 'weighted', '--routing-scorers', 'prefix-afinity:2'],
      /UNKNOWN_SCORER.*unknown scorer 'prefix-afinity' \(did you mean prefix-affinity\?\); known: prefix-affinity, precise-prefix-cache, queue-depth, kv-utilization, load-aware, active-requests/],
    ['malformed weight', ['--routing-policy', 'weighted', '--routing-scorers', 'queue-depth:x'], /FLAG_MALFORMED.*weight 'x' of 'queue-depth'/],
    ['pools that do not add up', ['--num-instances', '8', '--prefill-instances', '2', '--decode-instances', '5'],
      /POOLS_MISMATCH.*--prefill-instances 2 \+ --decode-instances 5 = 7 instances, but --num-instances is 8; they must add up/],
    ['prefill without decode', ['--prefill-instances', '2'], /--decode-instances.*needs at least 1 decode instance/],
    ['unknown admission policy', ['--admission-policy', 'saturate'], /UNKNOWN_ADMISSION_POLICY.*known: always-admit, token-bucket, saturation/],
    ['negative queue-depth threshold', ['--admission-policy', 'saturation', '--queue-depth-threshold', '-1'], /FLAG_OUT_OF_RANGE.*--queue-depth-threshold: found -1; expected a number >= 0/],
    ['KV threshold above 1', ['--admission-policy', 'saturation', '--kv-cache-util-threshold', '1.5'], /--kv-cache-util-threshold: found 1.5; expected a fraction in \[0, 1\]/],
    ['negative cache-signal delay', ['--cache-signal-delay', '-5'], /--cache-signal-delay: found -5/],
    ['token bucket without a rate', ['--admission-policy', 'token-bucket'], /--token-bucket-rate.*needs a rate > 0 \(requests\/s\)/],
    ['unknown P/D decider', ['--prefill-instances', '1', '--decode-instances', '1', '--num-instances', '2', '--pd-decider', 'sometimes'], /UNKNOWN_PD_DECIDER.*known: never, always, prefix-threshold/],
    ['decider without prefill pool', ['--pd-decider', 'always'], /no prefill pool/],
    // vLLM's integer flags are argparse type=int: int('0x2') and int('2e0') fail, so do these (Number() read them as 2).
    ['hex data parallel size', ['--model', 'mistralai/mixtral-8x7b-v0.1', '--data-parallel-size', '0x2'], /FLAG_MALFORMED.*--data-parallel-size: found '0x2'; expected an integer/],
    ['exponent data parallel size', ['--data-parallel-size', '2e0'], /FLAG_MALFORMED.*--data-parallel-size: found '2e0'; expected an integer/],
    ['binary instance count', ['--num-instances', '0b10'], /FLAG_MALFORMED.*--num-instances: found '0b10'; expected an integer/],
    ['exponent TP', ['--tp', '1e0'], /FLAG_MALFORMED.*--tp: found '1e0'; expected an integer/],
    // Ranks with P/D pools or an autoscaler are refused as such, not as a --num-instances the user never gave.
    ['ranks split over P/D pools', ['--model', 'mistralai/mixtral-8x7b-v0.1', '--tp', '2', '--data-parallel-size', '2', '--prefill-instances', '1', '--decode-instances', '2'],
      /FLAG_CONFLICT.*--data-parallel-size: data-parallel ranks in several pools/],
    ['ranks under an autoscaler starting one replica', ['--data-parallel-size', '2', '--autoscaler-config', 'examples/autoscaler-policy.yaml'],
      /FLAG_CONFLICT.*--data-parallel-size: the autoscaler adds and removes single instances/],
    // A gateway flag the run would ignore is refused, as --routing-scorers with a policy that reads none:
    // before, `--flow-control` alone (default always-admit) ran exactly as without it.
    ['flow control with a policy that never queues', ['--flow-control'], /FLAG_CONFLICT.*--flow-control: the always-admit admission policy never holds a request.*--admission-policy saturation/],
    ['flow control behind a token bucket', ['--admission-policy', 'token-bucket', '--token-bucket-rate', '5', '--flow-control'], /FLAG_CONFLICT.*--flow-control: the token-bucket admission policy/],
    ['queue TTL without flow control', ['--admission-policy', 'saturation', '--request-ttl', '5'], /FLAG_CONFLICT.*--request-ttl: found 5; it bounds the flow-control queue, which is off/],
    ['queue bound without flow control', ['--max-gateway-queue', '3'], /FLAG_CONFLICT.*--max-gateway-queue: found 3/],
    ['saturation threshold under always-admit', ['--queue-depth-threshold', '3'], /FLAG_CONFLICT.*--queue-depth-threshold: the always-admit admission policy does not read it; it is read by --admission-policy saturation/],
    ['token-bucket burst under saturation', ['--admission-policy', 'saturation', '--token-bucket-burst', '4'], /FLAG_CONFLICT.*--token-bucket-burst: the saturation admission policy does not read it; it is read by --admission-policy token-bucket/],
    ['zero transfer bandwidth', ['--prefill-instances', '1', '--decode-instances', '1', '--pd-transfer-bandwidth', '0'], /--pd-transfer-bandwidth: found 0; expected GB\/s > 0/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const r = await blis(...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
    });
  }

  it('every gateway flag the saturation policy with flow control reads is taken', async () => {
    const r = await blis('--admission-policy', 'saturation', '--queue-depth-threshold', '2', '--kv-cache-util-threshold', '0.9', '--metrics-staleness-threshold', '300',
      '--flow-control', '--request-ttl', '5', '--max-gateway-queue', '3', '--output', 'json');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).config).toMatchObject({ admission_policy: 'saturation', queue_depth_threshold: 2, flow_control: true });
  });

  it('a valid disaggregated run exits 0 and echoes its pools', async () => {
    const r = await blis('--num-instances', '3', '--prefill-instances', '1', '--decode-instances', '2', '--output', 'json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { config: { pools: Array<{ name: string; count: number }>; pd_decider: string }; requests: { completed: number } };
    expect(doc.config.pools.map((p) => [p.name, p.count])).toEqual([['prefill', 1], ['decode', 2]]);
    expect(doc.config.pd_decider).toBe('always');
    expect(doc.requests.completed).toBe(20);
  });
});
