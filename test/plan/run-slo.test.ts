/** `blis run` with SLOs end to end: the additive metrics blocks agree with the run's own distributions. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/helpers.js';

const BASE = ['run', '--model', 'meta-llama/llama-3.1-8b-instruct', '--num-requests', '200', '--rate', '10', '--seed', '3', '--quiet'];

describe('run --slo', () => {
  it('checks targets against the metrics JSON percentiles and counts attainment per request', async () => {
    const plain = JSON.parse((await runCli([...BASE, '--output', 'json'])).out);
    const p99 = plain.ttft_ms.p99 as number;
    const r = await runCli([...BASE, '--output', 'json', '--slo', `ttft_p99=${p99},tpot_p50=${plain.tpot_ms.p50 - 0.001}`]);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    // Nothing is lost, so the check sees exactly the metrics' p99 (it holds at equality) and the TPOT median just misses.
    expect(doc.slo.checks).toEqual([
      { class: null, target: 'ttft_p99', target_ms: p99, observed_ms: p99, lost: 0, holds: true },
      { class: null, target: 'tpot_p50', target_ms: plain.tpot_ms.p50 - 0.001, observed_ms: plain.tpot_ms.p50, lost: 0, holds: false },
    ]);
    expect(doc.slo.holds).toBe(false);
    // About half the requests have a TPOT above the median, so attainment sits near one half.
    expect(doc.slo.attainment.attainment).toBeGreaterThan(0.4);
    expect(doc.slo.attainment.attainment).toBeLessThan(0.6);
    expect(doc.slo.goodput.requests_per_s).toBeCloseTo(doc.throughput.requests_per_s * doc.slo.attainment.attainment, 4);
    // The other blocks are unchanged by the SLO.
    expect({ ...doc, slo: undefined }).toEqual({ ...plain, slo: undefined });
    expect(['stable', 'near-knee', 'overloaded']).toContain(doc.regime.state);
    expect(doc.cost.gpu_hours.H100).toBeCloseTo(doc.sim.simulated_s / 3600, 5);
  });

  it('prints SLO, regime and cost lines in the summary, and takes class targets from a workload spec', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-slo-'));
    writeFileSync(join(dir, 'w.yaml'), [
      'rate: 10', 'num_requests: 200', 'seed: 2',
      'slo_classes:', '  interactive: {ttft_p99: 2000}', '  batch: {e2e_p99: 600000}',
      'clients:',
      '  - {name: chat, preset: chatbot, rate_fraction: 0.5, slo_class: interactive, tenant: a}',
      '  - {name: docs, preset: summarization, rate_fraction: 0.5, slo_class: batch, tenant: b}',
    ].join('\n'));
    const r = await runCli(['run', '--workload-spec', 'w.yaml', '--model', 'meta-llama/llama-3.1-8b-instruct', '--quiet', '--gpu-price', 'H100=2'], dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^SLO (holds|MISSED): batch\/e2e_p99 .* interactive\/ttft_p99 /m);
    expect(r.out).toMatch(/^attainment \d+\.\d% \(\d+\/200 requests met their SLO\); goodput /m);
    expect(r.out).toMatch(/^ {2}by class: batch \d+\.\d%, interactive \d+\.\d%$/m);
    expect(r.out).toMatch(/^ {2}by tenant: a \d+\.\d%, b \d+\.\d%$/m);
    expect(r.out).toMatch(/^regime: (stable|near-knee|overloaded)/m);
    expect(r.out).toMatch(/^cost: \d+\.\d{4} USD for .* H100 GPU-hours; fleet 2\.00 USD\/h/m);
  });

  it('reports latencies per model when a run serves several', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blis-mm-'));
    writeFileSync(join(dir, 'w.yaml'), [
      'rate: 6', 'num_requests: 120', 'seed: 4', 'clients:',
      '  - {name: a, preset: chatbot, model: qwen/qwen3-14b}',
      '  - {name: b, preset: codegen, model: meta-llama/llama-3.1-8b-instruct}',
    ].join('\n'));
    // One engine serves both (--allow-model-mismatch): the point is that the figures are kept apart per model.
    const r = await runCli(['run', '--workload-spec', 'w.yaml', '--model', 'qwen/qwen3-14b', '--allow-model-mismatch', '--output', 'json', '--quiet'], dir);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    const models = Object.keys(doc.models);
    expect(models).toEqual(['meta-llama/llama-3.1-8b-instruct', 'qwen/qwen3-14b']);
    const completed = models.map((m) => doc.models[m].requests.completed as number);
    expect(completed[0]! + completed[1]!).toBe(doc.requests.completed);
    // Codegen prompts are longer than chat prompts: the per-model blocks are not copies of the mix.
    expect(doc.models['meta-llama/llama-3.1-8b-instruct'].throughput.input_tokens_per_s).not.toBe(doc.models['qwen/qwen3-14b'].throughput.input_tokens_per_s);
  });

  it('bills an autoscaled fleet by replica lifetime, as the autoscaler block does', async () => {
    const r = await runCli(['run', '--workload-spec', 'examples/autoscale-diurnal.yaml', '--routing-policy', 'weighted',
      '--autoscaler-config', 'examples/autoscaler-policy.yaml', '--duration', '300', '--output', 'json', '--quiet']);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.cost.gpu_hours.H100).toBeCloseTo(doc.autoscaler.gpu_hours.H100, 3);
    // The fixed-fleet bill (every instance for the whole run) would be larger: replicas came and went.
    expect(doc.cost.gpu_hours.H100).toBeLessThan(doc.instances.length * doc.sim.simulated_s / 3600);
  });
});
