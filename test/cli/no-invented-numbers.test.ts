/**
 * The CLI never reports a number it did not measure and never substitutes silently: empty
 * distributions are null (shown `–`), a model the fleet does not serve is refused, a flag no
 * decision reads is refused, mismatched comparisons are refused, and ingest accounting adds up.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const root = resolve(import.meta.dirname, '../..');
const EMPTY = { count: 0, mean: null, p50: null, p90: null, p95: null, p99: null, min: null, max: null };

function dir(files: Record<string, string> = {}): string {
  const d = mkdtempSync(join(tmpdir(), 'blis-honest-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
  return d;
}

describe('empty distributions are null, shown as –', () => {
  it('a run where nothing completes: no 0 ms anywhere', async () => {
    const args = ['run', '--num-requests', '5', '--max-model-len', '16', '--quiet'];
    const json = JSON.parse((await runCli([...args, '--output', 'json'])).out);
    expect(json.requests.dropped).toBe(5);
    for (const k of ['ttft_ms', 'tpot_ms', 'itl_ms', 'e2e_ms', 'queue_ms']) expect(json[k], k).toEqual(EMPTY);
    expect(json.kv.prefix_hit_rate).toBeNull();
    const text = (await runCli(args)).out;
    expect(text).toMatch(/^TTFT\s+–\s+–\s+–\s+–\s+–\s+–$/m);
    expect(text).toMatch(/^E2E\s+–\s+–/m);
    expect(text).toContain('prefix hit rate –');
    expect(text).not.toMatch(/^TTFT\s+0\b/m);
  });

  it('a stage that received no requests has null statistics, the others numbers', async () => {
    const d = dir({ 's.yaml': 'rate: 20\nclients:\n  - {preset: codegen}\nstages:\n  - {scale: 1, duration_s: 10}\n  - {scale: 0, duration_s: 10}\n  - {scale: 1, duration_s: 10}\n' });
    const doc = JSON.parse((await runCli(['run', '--workload-spec', 's.yaml', '--num-instances', '2', '--output', 'json', '--quiet'], d)).out);
    expect(doc.stages).toHaveLength(3);
    expect(doc.stages[1].requests.injected).toBe(0);
    expect(doc.stages[1].ttft_ms).toEqual(EMPTY);
    expect(doc.stages[0].ttft_ms.count).toBeGreaterThan(100);
    expect(typeof doc.stages[2].ttft_ms.p99).toBe('number');
  });
});

describe('models: the trace or spec model is simulated, or the run is refused', () => {
  const tracev2 = join(root, 'traces/tracev2-example.trace_header.yaml');

  it('without --model, replay simulates the model the trace names', async () => {
    const r = await runCli(['replay', tracev2, '--output', 'json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/simulating meta-llama\/llama-3\.1-8b-instruct, the model the trace names/);
    const doc = JSON.parse(r.out);
    expect(doc.config.model).toBe('meta-llama/llama-3.1-8b-instruct');
    expect(doc.config.trace.models).toEqual({ 'meta-llama/Llama-3.1-8B': 11 });
  });

  it('--model naming another model is refused (exit 2), unless --allow-model-mismatch', async () => {
    const r = await runCli(['replay', tracev2, '--model', 'qwen/qwen3-14b', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[MODEL_NOT_SERVED\] tracev2-example\.trace_data\.csv request \d+: names model meta-llama\/llama-3\.1-8b-instruct, which the fleet does not serve \(it serves qwen\/qwen3-14b\)/);
    // The note is on stderr unless --quiet (which silences notes).
    const ok = await runCli(['replay', tracev2, '--model', 'qwen/qwen3-14b', '--allow-model-mismatch', '--output', 'json']);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.err).toMatch(/names meta-llama\/llama-3\.1-8b-instruct: served by qwen\/qwen3-14b \(--allow-model-mismatch\)/);
  });

  it('labels that are no model (BurstGPT ChatGPT, GPT-4) are served by --model, and said so', async () => {
    const r = await runCli(['replay', join(root, 'traces/burstgpt1-rows0001-0200.csv'), '--speedup', '100', '--output', 'json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/names 'ChatGPT', not a model blis knows \(a label\?\): its requests are served by qwen\/qwen3-14b/);
    expect(JSON.parse(r.out).config.trace.models).toEqual({ ChatGPT: 169, 'GPT-4': 22 });
  });

  it('a typo in a multi-model spec is an error at the spec line, with the close name', async () => {
    const spec = readFileSync(join(root, 'examples/autoscale-multi-model.yaml'), 'utf8').replace('model: meta-llama/llama-3.1-8b-instruct', 'model: meta-llama/llama-3.1-8b-instrct');
    const d = dir({ 'spec.yaml': spec });
    const line = spec.split('\n').findIndex((l) => l.includes('instrct')) + 1;
    const r = await runCli(['run', '--workload-spec', 'spec.yaml', '--autoscaler-config', join(root, 'examples/autoscaler-multi-model.yaml'), '--quiet'], d);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`spec.yaml:${line} clients[1].model: unknown model 'meta-llama/llama-3.1-8b-instrct'; did you mean meta-llama/llama-3.1-8b-instruct`);
    expect(r.err).toMatch(/^blis: error \[UNKNOWN_MODEL\] /);
  });

  it('a spec client naming a catalogued model the single-model fleet lacks is refused; without --model it is simulated', async () => {
    const d = dir({ 'spec.yaml': 'rate: 5\nnum_requests: 20\nclients:\n  - {preset: chatbot, model: meta-llama/llama-3.1-8b-instruct}\n' });
    const r = await runCli(['run', '--workload-spec', 'spec.yaml', '--model', 'qwen/qwen3-14b', '--quiet'], d);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[MODEL_NOT_SERVED\] \S*spec\.yaml:4 clients\[0\]\.model: names model meta-llama\/llama-3\.1-8b-instruct/);
    const own = await runCli(['run', '--workload-spec', 'spec.yaml', '--output', 'json', '--quiet'], d);
    expect(own.code, own.err).toBe(0);
    expect(own.err).toMatch(/simulating meta-llama\/llama-3\.1-8b-instruct, the model the workload spec names/);
    expect(JSON.parse(own.out).config.model).toBe('meta-llama/llama-3.1-8b-instruct');
  });
});

describe('flags no decision reads are refused', () => {
  it('--routing-scorers with --routing-policy round-robin: exit 2; without a policy it means weighted', async () => {
    const r = await runCli(['run', '--num-requests', '10', '--routing-policy', 'round-robin', '--routing-scorers', 'queue-depth:1', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[FLAG_CONFLICT\] --routing-scorers: only --routing-policy weighted uses scorers; round-robin would ignore them/);
    const w = JSON.parse((await runCli(['run', '--num-requests', '10', '--routing-scorers', 'queue-depth:1', '--output', 'json', '--quiet'])).out);
    expect([w.config.routing_policy, w.config.routing_scorers]).toEqual(['weighted', 'queue-depth:1']);
  });
});

describe('blis compare refuses sides that describe different experiments', () => {
  const experiment = join(root, 'baselines/calibration-experiments/20260217-155451-llama-2-7b-tp1-codegen.json');

  it('a 200-request Qwen chatbot run against a 9,000-request Llama-2 codegen experiment: exit 2 listing why', async () => {
    const d = dir();
    expect((await runCli(['run', '--num-requests', '200', '--metrics-out', 'm.json', '--quiet'], d)).code).toBe(0);
    const r = await runCli(['compare', '--sim', 'm.json', '--truth', experiment], d);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[COMPARE_MISMATCH\]/);
    expect(r.err).toMatch(/model: the prediction simulated qwen\/qwen3-14b, the truth measured meta-llama\/Llama-2-7b-hf/);
    expect(r.err).toMatch(/request count: 200 predicted against 9000 measured/);
    expect(r.out).toBe('');
    const loud = await runCli(['compare', '--sim', 'm.json', '--truth', experiment, '--allow-mismatch', '--output', 'json'], d);
    expect(loud.code).toBe(0);
    expect(loud.err).toMatch(/warning: model: .* compare different experiments/);
    expect(JSON.parse(loud.out).mismatches).toHaveLength(3);
  });

  it('the replay of the experiment\'s own requests compares', async () => {
    const d = dir();
    const csv = experiment.replace(/\.json$/, '.requests.csv');
    expect((await runCli(['replay', csv, '--model', 'meta-llama/llama-2-7b-hf', '--max-num-seqs', '128', '--metrics-out', 'm.json', '--quiet'], d)).code).toBe(0);
    const r = await runCli(['compare', '--sim', 'm.json', '--truth', experiment], d);
    expect(r.code, r.err).toBe(0);
  }, 30_000);
});

describe('replay --output json keeps the ingest accounting, and it adds up', () => {
  it('--limit 100 over 200 BurstGPT rows with 9 failed: every row accounted for', async () => {
    const r = await runCli(['replay', join(root, 'traces/burstgpt1-rows0001-0200.csv'), '--limit', '100', '--speedup', '10', '--output', 'json', '--quiet']);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    const t = doc.config.trace;
    expect(t.transformations).toMatchObject({ limit: 100, speedup: 10 });
    expect(t.skipped).toEqual({ BURSTGPT_FAILED: 9 });
    expect(t.replayed).toBe(100);
    expect(doc.requests.injected).toBe(100);
    const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);
    expect(t.dropped.LIMIT_REACHED).toBeGreaterThan(0);
    expect(t.rows).toBe(sum(t.skipped) + sum(t.dropped) - sum(t.added) + t.replayed);
  });
});

describe('traces say which step-time model made them', () => {
  it('the OTLP resource attribute blis.config.latency_model is the resolved name', async () => {
    const d = dir();
    const r = await runCli(['run', '--num-requests', '5', '--otlp-out', 'o.json', '--output', 'json', '--quiet'], d);
    expect(r.code, r.err).toBe(0);
    const model = JSON.parse(r.out).config.latency_model;
    expect(model).not.toBe('default');
    const first = JSON.parse(readFileSync(join(d, 'o.json'), 'utf8').split('\n')[0]!);
    const attrs = first.resourceSpans[0].resource.attributes as Array<{ key: string; value: { stringValue?: string } }>;
    expect(attrs.find((a) => a.key === 'blis.config.latency_model')?.value.stringValue).toBe(model);
  });
});
