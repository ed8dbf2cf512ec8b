import { describe, expect, test } from 'vitest';
import { getModel } from '../../src/model/catalog.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { createRoofline } from '../../src/model/roofline.js';
import { batchOf } from './helpers.js';

/*
 * Raw (unfitted) roofline against real vLLM runs on H100: the calibration set's codegen runs
 * (../shared/groundtruth/calibration/*-codegen.json, TPOT = ground_truth.summary.
 * tpot_from_means.configured_output_len) and one stage of each trainval family
 * (../shared/groundtruth/trainval/, TPOT = (e2e mean − ttft mean) / (output_len − 1) of the stage,
 * concurrency = rate × e2e mean). Steady state is approximated by one decode step at that
 * concurrency with context ≈ prompt + 124. Nothing here is fitted: the rates are the catalog's
 * measured ones, so these bounds check that the physics transfers across model families. TTFT: prompts hit the prefix
 * cache (100 unique prompts cycled), so the first token costs ~1.5 mixed steps plus API overheads
 * the roofline does not model; the fitted model's RequestOverheads carry those.
 */
const runs = [
  { model: 'meta-llama/Llama-2-7b-hf', tp: 1, concurrency: 16, prompt: 592, tpotMs: 8.34, ttftMs: 27.98 },
  { model: 'meta-llama/Llama-2-70b-hf', tp: 4, concurrency: 35, prompt: 593, tpotMs: 18.5, ttftMs: 55.6 },
  { model: 'mistralai/Mixtral-8x7B-v0.1', tp: 2, concurrency: 35, prompt: 589, tpotMs: 18.77, ttftMs: 58.9 },
  { model: 'codellama/CodeLlama-34b-Instruct-hf', tp: 2, concurrency: 28, prompt: 593, tpotMs: 14.95, ttftMs: 45.6 },
  // trainval: 64-qwen2-5-7b roleplay, 63-mistral-nemo codegen stage 0, 65-yi-34b general stage 1,
  // 61-llama-3-1-70b codegen stage 0, 17-llama-4-scout general stage 0 and 20 codegen stage 1
  { model: 'Qwen/Qwen2.5-7B-Instruct', tp: 1, concurrency: 11, prompt: 750, tpotMs: 6.98, ttftMs: 26.7 },
  { model: 'mistralai/Mistral-Nemo-Instruct-2407', tp: 1, concurrency: 12, prompt: 566, tpotMs: 9.83, ttftMs: 31.9 },
  { model: '01-ai/Yi-34B', tp: 2, concurrency: 24, prompt: 547, tpotMs: 15.76, ttftMs: 47.1 },
  { model: 'meta-llama/Llama-3.1-70B-Instruct', tp: 4, concurrency: 22, prompt: 566, tpotMs: 18.05, ttftMs: 54.7 },
  { model: 'RedHatAI/Llama-4-Scout-17B-16E-Instruct-FP8-dynamic', tp: 2, concurrency: 11, prompt: 547, tpotMs: 17.82, ttftMs: 57.8 },
  { model: 'RedHatAI/Llama-4-Scout-17B-16E-Instruct-FP8-dynamic', tp: 2, concurrency: 67, prompt: 566, tpotMs: 26.77, ttftMs: 76.6 },
];

describe.each(runs)('raw roofline vs $model TP$tp at concurrency $concurrency on H100', (run) => {
  const r = createRoofline({ model: getModel(run.model), hardware: getHardware('H100'), tp: run.tp });
  const ctx = run.prompt + 124;
  const decodes = Array.from({ length: run.concurrency - 1 }, () => [1, ctx, 0] as const);

  test('decode step is within 15% of the measured TPOT', () => {
    const ms = r.stepTimeUs(batchOf([...decodes, [1, ctx, 0]])) / 1000;
    expect(Math.abs(ms / run.tpotMs - 1)).toBeLessThan(0.15);
  });

  test('step-only TTFT is below the measured TTFT (per-request overheads are not in the roofline)', () => {
    const cachedPrefix = run.prompt - (run.prompt % 16);
    const ms = (1.5 * r.stepTimeUs(batchOf([[run.prompt - cachedPrefix + 1, cachedPrefix, 1], ...decodes]))) / 1000;
    expect(ms).toBeLessThan(run.ttftMs);
    expect(ms).toBeGreaterThan(run.ttftMs * 0.3);
  });
});
