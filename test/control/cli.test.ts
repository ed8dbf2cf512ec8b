import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { TIMELINE_COLUMNS } from '../../src/control/timeline.js';
import { runCli } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'blis-autoscale-'));

describe('blis run --autoscaler-config', () => {
  test('runs the example policy on a short diurnal workload: timeline CSV and the autoscaler block', async () => {
    const spec = join(dir, 'short.yaml');
    writeFileSync(spec, 'seed: 3\nrate: 20\nclients: [{name: chat, preset: chatbot}]\nstages:\n  - {scale: 0.25, duration_s: 120}\n  - {scale: 3, duration_s: 240}\n  - {scale: 0.25, duration_s: 240}\n');
    const timeline = join(dir, 'timeline.csv');
    const metrics = join(dir, 'metrics.json');
    const r = await runCli(['run', '--workload-spec', spec, '--autoscaler-config', 'examples/autoscaler-policy.yaml', '--routing-policy', 'weighted',
      '--timeline-out', timeline, '--metrics-out', metrics, '--output', 'json']); // not --quiet: the autoscaler line is a note
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/autoscaler: \d+ scale-ups, \d+ scale-downs, GPU-hours [\d.]+ H100/);
    const doc = JSON.parse(readFileSync(metrics, 'utf8'));
    const a = doc.autoscaler;
    expect(a.scaling_actions.scale_up).toBeGreaterThanOrEqual(1);
    expect(a.gpu_hours.H100).toBeGreaterThan(0);
    expect(a.cost).toBeCloseTo(a.gpu_hours.H100 * 4, 3);
    expect(a.slo_attainment.overall).toBeGreaterThan(0);
    expect(a.policy.models[0].name).toBe('qwen/qwen3-14b');
    expect(doc.requests.injected).toBe(doc.requests.completed);
    const lines = readFileSync(timeline, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(TIMELINE_COLUMNS.join(','));
    expect(lines.some((l) => l.includes('+1 H100x1'))).toBe(true);
    // Same inputs, same bytes.
    const again = await runCli(['run', '--workload-spec', spec, '--autoscaler-config', 'examples/autoscaler-policy.yaml', '--routing-policy', 'weighted', '--output', 'json', '--quiet']);
    expect(JSON.parse(again.out).autoscaler).toEqual(a);
  });

  test('a --model the policy does not scale is refused (its requests were all rejected); a --model-config model the policy leaves unnamed is served', async () => {
    const other = await runCli(['run', '--model', 'meta-llama/llama-3.1-8b-instruct', '--num-requests', '20', '--autoscaler-config', 'examples/autoscaler-policy.yaml', '--quiet']);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/\[FLAG_CONFLICT\] --model: 'meta-llama\/llama-3\.1-8b-instruct' is not among the models examples\/autoscaler-policy\.yaml scales \(qwen\/qwen3-14b\)/);
    const same = await runCli(['run', '--model', 'qwen/qwen3-14b', '--num-requests', '20', '--autoscaler-config', 'examples/autoscaler-policy.yaml', '--output', 'json', '--quiet']);
    expect(JSON.parse(same.out).requests.completed).toBe(20);
    // A model from its config.json is in no catalog: the pools the policy builds for it carry it (UNKNOWN_MODEL before).
    const config = join(dir, 'small.json');
    writeFileSync(config, JSON.stringify({ model_type: 'llama', hidden_size: 2048, num_hidden_layers: 16, num_attention_heads: 32, num_key_value_heads: 8, intermediate_size: 8192, vocab_size: 128256, max_position_embeddings: 8192, torch_dtype: 'bfloat16' }));
    const unnamed = join(dir, 'unnamed.yaml');
    writeFileSync(unnamed, 'interval_s: 30\n');
    const r = await runCli(['run', '--model-config', config, '--num-requests', '20', '--autoscaler-config', unnamed, '--output', 'json', '--quiet']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect([doc.config.model, doc.requests.completed, doc.autoscaler.policy.models[0].name]).toEqual(['small', 20, 'small']);
  });

  test('a bad policy file fails with file:line and exit code 2', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'interval_s: 30\nanalyzer: {name: saturation, kv_cache_treshold: 0.9}\n');
    const r = await runCli(['run', '--num-requests', '10', '--autoscaler-config', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.yaml:2 analyzer\.kv_cache_treshold: unknown option 'kv_cache_treshold' for saturation \(did you mean kv_cache_threshold\?\)/);
  });

  test('an unknown model in the policy names its line', async () => {
    const bad = join(dir, 'bad-model.yaml');
    writeFileSync(bad, 'models:\n  - name: qwen/qwen3-14\n');
    const r = await runCli(['run', '--num-requests', '10', '--autoscaler-config', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad-model\.yaml:2 models\[0\]\.name: unknown model 'qwen\/qwen3-14'/);
  });

  test('--timeline-out needs --autoscaler-config', async () => {
    const r = await runCli(['run', '--num-requests', '10', '--timeline-out', join(dir, 't.csv')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--timeline-out: needs --autoscaler-config/);
  });
  test('a variant TP that cannot shard the model is refused at its line in the policy file, not at a pool the CLI built', async () => {
    const p = join(dir, 'tp3.yaml');
    writeFileSync(p, 'models:\n  - name: meta-llama/llama-3.1-8b-instruct\n    variants:\n      - {hardware: H100, tp: 1}\n      - {hardware: H100, tp: 3}\n');
    const r = await runCli(['run', '--model', 'meta-llama/llama-3.1-8b-instruct', '--num-requests', '5', '--autoscaler-config', p, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[TP_INVALID\] \S*tp3\.yaml:5 models\[0\]\.variants\[1\]\.tp: tensor parallel size 3 does not divide/);
  });

  test('--model with a policy whose variants all need TP 4: the command line\'s default TP 1 is not a fleet anyone runs', async () => {
    // llama-3.1-70b does not fit one H100; the policy only ever starts it on four.
    const p = join(dir, 'tp4.yaml');
    writeFileSync(p, 'models:\n  - name: meta-llama/llama-3.1-70b-instruct\n    variants: [{hardware: H100, tp: 4}]\n');
    const r = await runCli(['run', '--model', 'meta-llama/llama-3.1-70b-instruct', '--num-requests', '5', '--autoscaler-config', p, '--output', 'json', '--quiet']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const m = JSON.parse(r.out);
    expect([m.config.model, m.config.hardware, m.config.tp]).toEqual(['meta-llama/llama-3.1-70b-instruct', 'H100', 4]);
    expect([m.config.sources.hardware, m.config.sources.tp]).toEqual(['derived', 'derived']);
    expect(m.requests.completed).toBe(5);
  });
});
