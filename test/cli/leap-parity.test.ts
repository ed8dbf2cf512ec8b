/**
 * Event leaping through the CLI, over what the library's property tests (test/cluster/leap.test.ts)
 * do not draw: the autoscaler (with client timeouts on draining replicas), saturation admission
 * with flow control, a closed loop (--max-concurrency), the catalog's MoE, MLA, sliding-window and
 * fp8 models, unchunked prefill, a CPU tier under a replayed trace, and every output file. Each
 * configuration runs with and without --no-leap; the metrics JSON, request rows, OTLP spans and
 * timeline must be byte-identical. scripts/leap-fuzz.mjs draws thousands like these; these are a
 * fixed few of its shapes, kept small.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const here = resolve('.');
const SPEC = [
  'seed: 4',
  'clients:',
  '  - {name: chat, rate_fraction: 0.6, input: {dist: lognormal, median: 300, sigma: 1, max: 3000}, output: {dist: uniform, min: 1, max: 400},',
  '     prefix: {groups: 3, tokens: 64, select: random}, sessions: {turns: {dist: uniform, min: 1, max: 3}, think_time_s: 1}, priority: 1}',
  '  - {name: tiny, rate_fraction: 0.4, input: 17, output: 1, prefix: {groups: 2, tokens: 16, select: cycled, prompts_per_group: 3}, priority: 0}',
].join('\n') + '\n';
const AUTOSCALER = [
  'interval_s: 1',
  'collector: {name: prometheus, scrape_interval_s: 1, lag_s: 0, rate_window_s: 2}',
  'analyzer: {name: saturation}',
  'optimizer: priority-round-robin',
  'actuator: {name: delayed, provision_s: 0, load_s: 1, warmup_s: 0}',
  'stabilization: {scale_up_s: 0, scale_down_s: 0}',
  'inventory:',
  '  - {hardware: H100, count: 8, cost_per_gpu_hour: 2.0}',
].join('\n') + '\n';

const OUTPUTS = ['--metrics-out', 'metrics.json', '--requests-out', 'requests.csv', '--otlp-out', 'traces.json', '--trace-token-every', '3', '--output', 'json', '--quiet'];

const CASES: Record<string, string[]> = {
  'autoscaler, timeouts on draining replicas': ['run', '--model', 'meta-llama/llama-3.1-8b-instruct', '--num-instances', '3', '--workload', 'reasoning', '--rate', '2', '--num-requests', '40', '--arrival', 'exact-count', '--client-timeout', '5', '--autoscaler-config', 'autoscaler.yaml', '--timeline-out', 'timeline.csv'],
  'saturation admission with flow control, small KV': ['run', '--model', 'qwen/qwen3-14b', '--num-instances', '2', '--workload-spec', 'spec.yaml', '--rate', '200', '--num-requests', '300', '--total-kv-blocks', '150', '--admission-policy', 'saturation', '--queue-depth-threshold', '3', '--flow-control', '--request-ttl', '3', '--scheduler', 'priority'],
  'closed loop over sessions, synchronous loop': ['run', '--model', 'qwen/qwen2.5-7b-instruct', '--workload-spec', 'spec.yaml', '--max-concurrency', '8', '--num-requests', '200', '--no-async-scheduling', '--max-num-seqs', '4'],
  'MoE with first-use kernel compiles at a large batch': ['run', '--model', 'qwen/qwen3-30b-a3b', '--workload-spec', 'spec.yaml', '--rate', '2000', '--num-requests', '900', '--tp', '2'],
  'MLA, fp8 KV, unchunked prefill': ['run', '--model', 'deepseek-ai/deepseek-v2-lite', '--workload', 'codegen', '--rate', '50', '--num-requests', '150', '--kv-cache-dtype', 'fp8', '--no-enable-chunked-prefill', '--max-model-len', '8192', '--total-kv-blocks', '120'],
  'sliding-window hybrid KV, weighted routing, P/D': ['run', '--model-config', join(here, 'test/fixtures/model/gemma-2-9b-it/config.json'), '--num-instances', '3', '--prefill-instances', '1', '--decode-instances', '2', '--workload-spec', 'spec.yaml', '--rate', '40', '--num-requests', '150', '--max-model-len', '4096'],
  'replayed trace with a CPU tier and preemption': ['replay', join(here, 'traces/mooncake-conversation-head300.jsonl'), '--limit', '80', '--speedup', '20', '--model', 'meta-llama/llama-3.1-8b-instruct', '--max-model-len', '131072', '--total-kv-blocks', '1500', '--kv-cpu-blocks', '400', '--routing-scorers', 'precise-prefix-cache:2,load-aware:1', '--num-instances', '2'],
};

async function outputs(argv: string[], leap: boolean): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'blis-leap-parity-'));
  writeFileSync(join(dir, 'spec.yaml'), SPEC);
  writeFileSync(join(dir, 'autoscaler.yaml'), AUTOSCALER);
  const r = await runCli([...argv, ...OUTPUTS, ...(leap ? [] : ['--no-leap'])], dir);
  expect(r.code, r.err).toBe(0);
  const files: Record<string, string> = { stdout: r.out, stderr: r.err };
  for (const f of readdirSync(dir)) files[f] = readFileSync(join(dir, f), 'utf8');
  return files;
}

describe('leaping and --no-leap through the CLI', () => {
  for (const [name, argv] of Object.entries(CASES)) {
    it(`writes byte-identical outputs: ${name}`, async () => {
      const leaped = await outputs(argv, true);
      const stepped = await outputs(argv, false);
      expect(Object.keys(leaped).sort()).toEqual(Object.keys(stepped).sort());
      for (const f of Object.keys(leaped)) expect(leaped[f], f).toBe(stepped[f]);
      expect(JSON.parse(leaped['metrics.json']!).requests.injected).toBeGreaterThan(0);
    });
  }
});
