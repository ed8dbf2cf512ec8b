import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/validate/experiment.js';
import { errorOf } from './helpers.js';

const fixture = (): Record<string, any> => JSON.parse(readFileSync(new URL('../fixtures/validate/small.json', import.meta.url), 'utf8'));

describe('parseExperiment', () => {
  it('reads model, hardware, knobs, stages, prefix structure and ground truth', () => {
    const e = parseExperiment(fixture(), 'small.json');
    expect(e.model).toBe('meta-llama/Llama-2-7b-hf');
    expect(e.tp).toBe(1);
    expect(e.engine).toMatchObject({ maxNumSeqs: 128, maxNumBatchedTokens: 2048, maxModelLen: 4096, blockSize: 16, totalKvBlocksGpu: 7462, enablePrefixCaching: true, enableChunkedPrefill: true, gpuMemoryUtilization: 0.9 });
    expect(e.derive).toEqual([]);
    expect(e.workload.stages.map((s) => s.numRequests)).toEqual([20, 40]);
    expect(e.workload.outputTokens).toBe(247);
    expect(e.workload.prefix).toMatchObject({ numGroups: 2, promptsPerGroup: 5, uniquePrompts: 10, systemPromptTokens: 100 });
    expect(e.truth.summary.successes).toBe(58);
    expect(e.truth.summary.tpotMeanMs).toBeGreaterThan(0);
    expect([...e.truth.stages.keys()]).toEqual([0, 1]);
  });

  it('keeps null knobs as null and lists them for derivation', () => {
    const j = fixture();
    j.vllm.total_kv_blocks_gpu = null;
    j.vllm.max_model_len = null;
    const e = parseExperiment(j, 'x.json');
    expect(e.engine.totalKvBlocksGpu).toBeNull();
    expect(e.derive).toEqual(['maxModelLen', 'totalKvBlocksGpu']);
  });

  it('partial ground truth: a metric the truth lacks is absent, not zero', () => {
    const j = fixture();
    delete j.ground_truth.summary.e2e;
    delete j.ground_truth.summary.ttft.p99;
    const e = parseExperiment(j, 'x.json');
    expect(e.truth.summary.e2eMs).toBeUndefined();
    expect('p99' in e.truth.summary.ttftMs!).toBe(false);
  });

  it('missing model → error naming the file and field', () => {
    const j = fixture();
    delete j.model;
    const err = errorOf(() => parseExperiment(j, 'broken.json'));
    expect(err.code).toBe('EXPERIMENT_MISSING_FIELD');
    expect(err.message).toContain('broken.json');
    expect(err.message).toContain('model');
  });

  it('a vllm key blis does not read is noted with its value, never dropped; null, false, hints and the provenance are not', () => {
    const j = fixture();
    Object.assign(j.vllm, { enforce_eager: true, speculative_config: { method: 'ngram', num_speculative_tokens: 3 }, enable_expert_parallel: false, swap_space: null, max_num_seqs_likely: 256 });
    const noted = parseExperiment(j, 'x.json').assumptions.filter((a) => a.kind === 'noted' && a.field.startsWith('vllm.'));
    expect(noted.map((a) => [a.field, a.value])).toEqual([['vllm.enforce_eager', true], ['vllm.speculative_config', { method: 'ngram', num_speculative_tokens: 3 }]]);
    expect(noted[0]!.why).toMatch(/not read by blis/);
  });

  it('an hf_config without model_type is read as an unnamed decoder, and the report says so', () => {
    const j = fixture();
    const assumed = (x: Record<string, any>) => parseExperiment(x, 'x.json').assumptions.filter((a) => a.field === 'hf_config.model_type');
    expect(assumed(j)).toEqual([]);
    delete j.hf_config.model_type;
    expect(assumed(j)).toMatchObject([{ kind: 'assumed', value: null, why: expect.stringMatching(/unnamed decoder/) }]);
  });

  it('pipeline parallelism is refused by its field, not simulated as tensor parallelism alone', () => {
    for (const [edit, field] of [[(j: Record<string, any>) => { j.pp = 2; }, 'pp'], [(j: Record<string, any>) => { j.vllm.pipeline_parallel_size = 4; }, 'vllm.pipeline_parallel_size']] as const) {
      const j = fixture();
      edit(j);
      const err = errorOf(() => parseExperiment(j, 'pp.json'));
      expect([err.code, err.where]).toEqual(['EXPERIMENT_UNSUPPORTED', `pp.json: ${field}`]);
      expect(err.message).toMatch(/pipeline parallelism \(\d stages\) is not modelled/);
    }
    const one = fixture();
    one.pp = 1;
    expect(parseExperiment(one, 'pp.json').tp).toBe(one.tp);
  });

  it('a stage without metrics → error naming the stage', () => {
    const j = fixture();
    j.ground_truth.stages[1] = { stage: 1, requests_sent: 40 };
    const err = errorOf(() => parseExperiment(j, 'nostage.json'));
    expect(err.code).toBe('EXPERIMENT_STAGE_WITHOUT_METRICS');
    expect(err.message).toContain('nostage.json: ground_truth.stages[1]');
  });

  it('unknown model via the catalog hook, with suggestions', () => {
    const catalog = { has: (n: string) => n === 'meta-llama/llama-2-7b-hf', names: () => ['meta-llama/llama-2-7b-hf', 'qwen/qwen3-14b'] };
    const j = fixture();
    j.model = 'meta-llama/Llama-2-7b-hf-typo';
    const err = errorOf(() => parseExperiment(j, 'm.json', { modelCatalog: catalog }));
    expect(err.code).toBe('EXPERIMENT_UNKNOWN_MODEL');
    expect(err.message).toContain("m.json: model: unknown model 'meta-llama/Llama-2-7b-hf-typo'");
    expect(err.message).toContain('did you mean meta-llama/llama-2-7b-hf');
  });

  it('a num_requests other than rate × duration (pitfall 4) is simulated as stated and noted; a count that is not a whole number is refused', () => {
    const j = fixture();
    const expected = Math.floor(j.workload.stages[0].rate_rps * j.workload.stages[0].duration_s);
    j.workload.stages[0].num_requests = expected - 1;
    const e = parseExperiment(j, 'n.json');
    expect(e.workload.stages[0]!.numRequests).toBe(expected - 1);
    expect(e.assumptions.find((n) => n.field === 'workload.stages[0].num_requests')?.why).toContain(`differs from rate_rps × duration_s = ${expected}`);
    j.workload.stages[0].num_requests = 20.5;
    expect(errorOf(() => parseExperiment(j, 'n.json')).message).toContain('workload.stages[0].num_requests: expected a positive whole number of requests, found 20.5');
  });

  it('a stage without num_requests issues floor(rate × duration) requests, as inference-perf int(rate * duration)', () => {
    const j = fixture();
    j.workload.stages = [{ index: 0, rate_rps: 2.5, duration_s: 3, start_s: 0 }, { index: 1, rate_rps: 0.29, duration_s: 100, start_s: 3 }];
    expect(parseExperiment(j, 'n.json').workload.stages.map((s) => s.numRequests)).toEqual([7, 29]);
  });

  it('parses all 16 shipped experiments', () => {
    const dir = new URL('../../baselines/calibration-experiments/', import.meta.url);
    const index = JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')) as Array<{ id: string }>;
    expect(index).toHaveLength(16);
    for (const { id } of index) {
      const e = parseExperiment(JSON.parse(readFileSync(new URL(`${id}.json`, dir), 'utf8')), `${id}.json`);
      expect(e.id).toBe(id);
      expect(e.truth.summary.ttftMs?.mean).toBeGreaterThan(0);
    }
  });
});
