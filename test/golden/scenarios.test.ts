/**
 * Seeded golden metrics beyond one model at TP 1 (the preset goldens' shape): tensor parallelism
 * at TP 2 and 4 (the TP all-reduce term; the roofline model named explicitly, so a change to its
 * terms shows even when the fitted coefficients hide it), an MoE model, prefill/decode
 * disaggregation with a TP 2 decode pool and the prefix-threshold decider, client timeouts, and
 * the gateway's flow control (saturation, queue bound, TTL, admission and routing latency) with
 * the priority scheduler. Every run uses the default fitted model's per-request overheads unless
 * it names the roofline model. A change to one of these files is deliberate: regenerate with
 * `npx vitest run test/golden -u` and say why in the commit.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';

const SCENARIOS: Record<string, { readonly why: string; readonly args: readonly string[] }> = {
  'tp4-llama70b-timeouts': {
    why: 'Llama-3.1-70B at TP 4 on two H100 instances, chat traffic, 10 s client timeouts (some time out)',
    args: ['--model', 'meta-llama/llama-3.1-70b-instruct', '--tp', '4', '--num-instances', '2', '--workload', 'chatbot', '--rate', '8', '--client-timeout', '10'],
  },
  'pd-tp2-prefix-threshold': {
    why: 'Qwen3-14B, 2 prefill (TP 1) + 2 decode (TP 2) instances, prefix-threshold decider, precise-prefix-cache routing',
    args: ['--model', 'qwen/qwen3-14b', '--workload', 'codegen', '--rate', '10', '--num-instances', '4', '--prefill-instances', '2', '--decode-instances', '2',
      '--decode-tp', '2', '--pd-decider', 'prefix-threshold', '--routing-scorers', 'precise-prefix-cache:2,queue-depth:1', '--cache-signal-delay', '50'],
  },
  'roofline-tp2-mixtral-a100': {
    why: 'Mixtral-8x7B (MoE) at TP 2 on A100-80 with the roofline model, least-loaded routing',
    args: ['--model', 'mistralai/mixtral-8x7b-v0.1', '--tp', '2', '--hardware', 'A100-80', '--latency-model', 'roofline', '--workload', 'summarization',
      '--rate', '2', '--num-instances', '2', '--routing-policy', 'least-loaded'],
  },
  'flow-control-priority': {
    why: 'Llama-3.1-8B overloaded at 300 req/s: saturation admission with flow control (queue of 20, 100 ms TTL), gateway latencies, priority scheduler',
    args: ['--model', 'meta-llama/llama-3.1-8b-instruct', '--workload', 'chatbot', '--rate', '300', '--num-instances', '2', '--admission-policy', 'saturation',
      '--queue-depth-threshold', '1', '--flow-control', '--request-ttl', '0.1', '--max-gateway-queue', '20', '--admission-latency', '1', '--routing-latency', '0.5',
      '--scheduler', 'priority'],
  },
};

describe('golden metrics per scenario', () => {
  for (const [name, s] of Object.entries(SCENARIOS)) {
    it(`${name}: ${s.why}, 300 requests, seed 7`, async () => {
      const r = await runCli(['run', ...s.args, '--num-requests', '300', '--seed', '7', '--output', 'json', '--quiet']);
      expect(r.code, r.err).toBe(0);
      await expect(r.out).toMatchFileSnapshot(`./${name}.metrics.json`);
    });
  }
});
