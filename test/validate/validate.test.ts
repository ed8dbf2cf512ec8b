import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkGate, updateBaseline } from '../../src/validate/baseline.js';
import type { ExperimentSource } from '../../src/validate/validate.js';
import { validateExperiments } from '../../src/validate/validate.js';
import { fakeRecords } from './fake-sim.js';

const fx = (name: string): string => readFileSync(new URL(`../fixtures/validate/${name}`, import.meta.url), 'utf8');
const source = (mutate?: (j: Record<string, any>) => void, file = 'small.json'): ExperimentSource => {
  const json = JSON.parse(fx('small.json'));
  mutate?.(json);
  return { file, json, requests: fx('small.requests.csv'), requestsFile: 'small.requests.csv' };
};

describe('validate end to end with an injected simulation', () => {
  it('a perfect simulation scores 0% everywhere and the document has the v1 shape', async () => {
    const run = await validateExperiments([source()], { simulate: async (plan) => fakeRecords(plan) });
    const doc = run.document;
    expect(doc.schema).toBe('blis.validation/v1');
    expect(doc.experiments).toHaveLength(1);
    const e = doc.experiments[0]!;
    expect(e).toMatchObject({ id: 'fixture-llama-2-7b-tp1-small', status: 'ok', truth_status: 'active' });
    expect(e.stages.map((s) => s.index)).toEqual([0, 1, 'summary']);
    const summary = e.stages[2]!;
    for (const k of ['ttft_mean', 'ttft_p50', 'ttft_p90', 'ttft_p95', 'ttft_p99', 'e2e_mean', 'e2e_p99', 'tpot_mean', 'itl_mean']) {
      expect(summary.metrics[k], k).toBeDefined();
      expect(Math.abs(summary.metrics[k]!.error_pct!), k).toBeLessThan(1e-3);
    }
    // ITL percentiles are never compared (per-SSE-event truth, pitfall 1)
    expect(summary.metrics['itl_p50']).toBeUndefined();
    // the two timeouts are excluded from the truth and the fake reports them as timed out
    expect(summary.requests).toEqual({ predicted: { ok: 58, failed: 2 }, actual: { ok: 58, failed: 2 } });
    expect(summary.distributions!.ttft).toEqual({ ks: 0, w1_ms: 0, n_predicted: 58, n_actual: 58 });
    expect(doc.summary['ttft_mean']).toEqual({ mape_mean: 0, mape_median: 0, n: 1 });
    expect(doc.gate).toEqual({ passed: true, gated: false, failures: [] });
    expect(run.details[0]!.cdfs!.ttft!.actual.at(-1)![1]).toBe(1);
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it('the gate fails on a deliberately worse result', async () => {
    const good = await validateExperiments([source()], { simulate: async (plan) => fakeRecords(plan, 1.05, 1.02) });
    const baseline = updateBaseline(good.document, { relative: 0.1, absolute_pct: 1 });
    expect(baseline.summary['ttft_mean']!.max_mape).toBeCloseTo(5 * 1.1 + 1, 3);
    expect(checkGate(good.document, baseline).passed).toBe(true);
    const worse = await validateExperiments([source()], { simulate: async (plan) => fakeRecords(plan, 1.5, 1.02), baseline });
    expect(worse.document.gate.passed).toBe(false);
    const f = worse.document.gate.failures.find((x) => x.metric === 'ttft_mean' && x.experiment === undefined)!;
    expect(f.value).toBeCloseTo(50, 2);
    expect(f.limit).toBeCloseTo(6.5, 2);
    expect(worse.document.gate.failures.some((x) => x.experiment === 'fixture-llama-2-7b-tp1-small' && x.metric === 'ttft_p99')).toBe(true);
    expect(worse.document.gate.failures.some((x) => x.metric.startsWith('e2e'))).toBe(false);
  });

  it('one bad experiment errors with file and field while the others still run', async () => {
    const catalog = { has: (n: string) => n === 'meta-llama/Llama-2-7b-hf', names: () => ['meta-llama/Llama-2-7b-hf'] };
    const sources: ExperimentSource[] = [
      source(undefined, 'good.json'),
      source((j) => delete j.model, 'nomodel.json'),
      source((j) => { j.ground_truth.stages[0] = { stage: 0 }; }, 'nometrics.json'),
      source((j) => { j.model = 'acme/unknown-7b'; j.id = 'unknown-model'; }, 'unknown.json'),
      { file: 'garbage.json', loadError: 'not valid JSON: Unexpected token' },
    ];
    let simulated = 0;
    const run = await validateExperiments(sources, { modelCatalog: catalog, simulate: async (plan) => { simulated++; return fakeRecords(plan); } });
    expect(simulated).toBe(1);
    const [good, nomodel, nometrics, unknown, garbage] = run.document.experiments;
    expect(good!.status).toBe('ok');
    expect(nomodel).toMatchObject({ status: 'error' });
    expect(nomodel!.error).toContain('nomodel.json: model');
    expect(nometrics!.error).toContain('nometrics.json: ground_truth.stages[0]');
    expect(unknown!.id).toBe('unknown-model');
    expect(unknown!.error).toContain("unknown.json: model: unknown model 'acme/unknown-7b'");
    expect(garbage).toMatchObject({ id: 'garbage', status: 'error' });
    expect(garbage!.error).toContain('garbage.json');
    expect(run.document.summary['ttft_mean']!.n).toBe(1);
    expect(run.document.gate.passed).toBe(false);
    expect(run.document.gate.failures.map((f) => f.metric)).toEqual(['status', 'status', 'status', 'status']);
    expect(run.document.gate.failures.map((f) => f.experiment)).toEqual(expect.arrayContaining(['unknown-model', 'garbage']));
  });

  it('a simulation that throws marks only its experiment as failed', async () => {
    const run = await validateExperiments([source(undefined, 'a.json'), source((j) => { j.id = 'b'; }, 'b.json')], {
      concurrency: 2,
      simulate: async (plan) => { if (plan.id === 'b') throw new Error('engine exploded'); return fakeRecords(plan); },
    });
    expect(run.document.experiments.map((e) => e.status)).toEqual(['ok', 'error']);
    expect(run.document.experiments[1]!.error).toBe('b.json: simulation failed: engine exploded');
  });

  it('a simulation result from the metrics JSON and derived knobs are carried through', async () => {
    const doc = { schema: 'blis.metrics/v1', requests: { injected: 60, completed: 58 }, ttft_ms: { mean: 40, p50: 30, p90: 60, p95: 70, p99: 100 }, e2e_ms: { mean: 2000 } };
    const run = await validateExperiments([source((j) => { j.vllm.total_kv_blocks_gpu = null; })], {
      simulate: async () => ({ metrics: doc, derived: { totalKvBlocksGpu: 7463 } }),
    });
    const e = run.document.experiments[0]!;
    expect(e.derived).toEqual({ asyncScheduling: true, totalKvBlocksGpu: 7463 });
    const s = e.stages.find((x) => x.index === 'summary')!;
    expect(s.metrics['ttft_mean']!.predicted).toBe(40);
    expect(s.metrics['tpot_mean']!.predicted).toBeNull();
    expect(s.distributions).toBeUndefined();
  });

  it('requests finishing after the 300 s client timeout count as failed', async () => {
    const run = await validateExperiments([source()], {
      simulate: async (plan) => fakeRecords(plan).map((r, i) => (i === 0 ? { ...r, finishedUs: r.arrivalUs + 301e6 } : r)),
    });
    const s = run.document.experiments[0]!.stages.find((x) => x.index === 'summary')!;
    expect(s.requests!.predicted).toEqual({ ok: 57, failed: 3 });
  });
});

describe('validate: simulations that produce nothing usable', () => {
  it('non-finite times count as failed requests, and no latency at all fails the gate', async () => {
    const run = await validateExperiments([source()], {
      simulate: async (plan) => fakeRecords(plan).map((r) => ({ ...r, firstTokenUs: NaN, finishedUs: NaN })),
    });
    const e = run.document.experiments[0]!;
    const s = e.stages.find((x) => x.index === 'summary')!;
    expect(s.requests!.predicted).toEqual({ ok: 0, failed: 60 });
    expect(s.metrics['ttft_mean']!.predicted).toBeNull();
    expect(run.document.gate.passed).toBe(false);
    expect(run.document.gate.failures[0]).toMatchObject({ metric: 'prediction', experiment: 'fixture-llama-2-7b-tp1-small' });
  });
});
