/**
 * Every experiment file of test/fixtures/experiments-hf (one per published config.json in
 * test/fixtures/model: models outside the catalog on H100, A100-80/40 and L40S, every derivable
 * vLLM knob null) simulates, with the knobs derived by vLLM 0.15's rules.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/validate/experiment.js';
import { buildPlan } from '../../src/validate/plan.js';
import { simulatePlan } from '../../src/validate/simulate-plan.js';

const DIR = 'test/fixtures/experiments-hf';
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

async function run(file: string, edit: (j: Record<string, any>) => void = () => {}) {
  const json = JSON.parse(readFileSync(`${DIR}/${file}`, 'utf8')) as Record<string, any>;
  edit(json);
  const exp = parseExperiment(json, file);
  const plan = buildPlan(exp, { seed: 1, arrivals: 'synthetic' });
  const { records = [], derived = {}, notes = [] } = await simulatePlan(plan, { seed: 1 });
  return { plan, result: { records, derived, notes } };
}

describe('experiment files of models outside the catalog', () => {
  it('there is one per config fixture', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });

  it.each(files)('%s simulates every request with its knobs derived', async (file) => {
    const { plan, result } = await run(file);
    expect(result.records).toHaveLength(plan.arrivals.length);
    expect(result.records.every((r) => r.status === 'completed')).toBe(true);
    expect(new Set(plan.derive)).toEqual(new Set(['maxNumSeqs', 'maxNumBatchedTokens', 'maxModelLen', 'blockSize', 'totalKvBlocksGpu']));
    // vLLM serve's batch defaults for the GPU (engine/arg_utils.py get_batch_defaults).
    const big = /H100/.test(plan.hardware.gpu);
    expect([result.derived['maxNumSeqs'], result.derived['maxNumBatchedTokens']]).toEqual(big ? [1024, 8192] : [256, 2048]);
    expect(result.derived['blockSize']).toBe(16);
    expect(result.derived['totalKvBlocksGpu']).toBeGreaterThan(1000);
  });

  it('derives max_model_len by the config\'s RoPE scaling: yarn stretched, LongRoPE original, Gemma 3 from its class default', async () => {
    expect((await run('qwen3-32b-yarn.json')).result.derived['maxModelLen']).toBe(131072);
    expect((await run('qwen3-32b.json')).result.derived['maxModelLen']).toBe(40960);
    expect((await run('phi-3.5-mini-instruct.json')).result.derived['maxModelLen']).toBe(4096);
    // The trimmed text_config has no max_position_embeddings: Gemma3TextConfig's 131072, not the longest request.
    const gemma = await run('gemma-3-27b-it.json');
    expect(gemma.result.derived['maxModelLen']).toBe(131072);
    expect(gemma.plan.assumptions.some((a) => a.field === 'hf_config.max_position_embeddings')).toBe(false);
  });

  it('reports the quantised checkpoints\' formats and the families\' sampling defaults', async () => {
    const awq = await run('qwen2.5-32b-instruct-awq.json');
    expect(awq.plan.assumptions.find((a) => a.field === 'weights')?.value).toBe('int4 w4a16 (awq, group 128)');
    expect(awq.plan.assumptions.find((a) => a.field === 'sampling')?.value).toMatch(/Qwen2\.5 Instruct/);
    const fp8 = await run('qwen3-235b-a22b-fp8.json');
    expect(fp8.plan.assumptions.find((a) => a.field === 'weights')?.value).toBe('fp8 w8a8 (block 128x128)');
  });

  it('a derived KV cache short of one max_model_len request is noted, not refused: the measured server started', async () => {
    // Qwen3-32B + YaRN at TP 1 on an H100: 65.5 GB of weights leave a few thousand blocks for a 131,072-token default.
    const { result } = await run('qwen3-32b-yarn.json', (j) => { j['tp'] = 1; j['hardware']['num_gpus'] = 1; });
    expect(result.records.every((r) => r.status === 'completed')).toBe(true);
    expect(result.notes).toHaveLength(1);
    expect(result.notes[0]).toMatchObject({ field: 'vllm.max_model_len', value: 131072, kind: 'noted' });
    expect(result.notes[0]!.why).toMatch(/short of one max_model_len request \(one request of max_model_len 131072 tokens needs .* the longest that fits is \d+ tokens/);
    // At TP 2 it holds: nothing to note.
    expect((await run('qwen3-32b-yarn.json')).result.notes).toEqual([]);
  });
});
