import { describe, expect, test } from 'vitest';
import { getModel } from '../../src/model/catalog.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { createRoofline } from '../../src/model/roofline.js';
import { batchOf } from './helpers.js';

/*
 * Raw (unfitted) roofline against the vLLM 0.15.1 H100 calibration runs
 * (../shared/groundtruth/calibration/*-codegen.json). Steady state is approximated by one decode
 * step with concurrency ≈ mean rate × mean e2e and context ≈ prompt + output/2; measured TPOT is
 * ground_truth.summary.tpot_from_means.configured_output_len (ms). TTFT: prompts hit the prefix
 * cache (100 unique prompts cycled), so the first token costs ~1.5 mixed steps plus API overheads
 * the roofline does not model; the fitted model's RequestOverheads carry those.
 */
const runs = [
  { model: 'meta-llama/Llama-2-7b-hf', tp: 1, concurrency: 16, prompt: 592, tpotMs: 8.34, ttftMs: 27.98 },
  { model: 'meta-llama/Llama-2-70b-hf', tp: 4, concurrency: 35, prompt: 593, tpotMs: 18.5, ttftMs: 55.6 },
  { model: 'mistralai/Mixtral-8x7B-v0.1', tp: 2, concurrency: 35, prompt: 589, tpotMs: 18.77, ttftMs: 58.9 },
  { model: 'codellama/CodeLlama-34b-Instruct-hf', tp: 2, concurrency: 28, prompt: 593, tpotMs: 14.95, ttftMs: 45.6 },
];

describe.each(runs)('raw roofline vs the $model TP$tp codegen run on H100', (run) => {
  const r = createRoofline({ model: getModel(run.model), hardware: getHardware('H100'), tp: run.tp });
  const ctx = run.prompt + 124;
  const decodes = Array.from({ length: run.concurrency - 1 }, () => [1, ctx, 0] as const);

  test('decode step is within 25% of the measured TPOT', () => {
    const ms = r.stepTimeUs(batchOf([...decodes, [1, ctx, 0]])) / 1000;
    expect(Math.abs(ms / run.tpotMs - 1)).toBeLessThan(0.25);
  });

  test('step-only TTFT is below the measured TTFT (per-request overheads are not in the roofline)', () => {
    const cachedPrefix = run.prompt - (run.prompt % 16);
    const ms = (1.5 * r.stepTimeUs(batchOf([[run.prompt - cachedPrefix + 1, cachedPrefix, 1], ...decodes]))) / 1000;
    expect(ms).toBeLessThan(run.ttftMs);
    expect(ms).toBeGreaterThan(run.ttftMs * 0.3);
  });
});
