/**
 * Experiment files of MoE servers with data-parallel ranks (`dp` > 1) and expert parallelism: the
 * ranks become instances that share the model's routed experts (model/moe-parallel.ts), as the
 * step time they are simulated with says.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/validate/experiment.js';
import { buildPlan } from '../../src/validate/plan.js';
import { planClusterOptions, simulatePlan } from '../../src/validate/simulate-plan.js';
import { checkPlanConfig } from '../../src/validate/config-check.js';
import { createLinear } from '../../src/model/linear.js';
import { ZERO_OVERHEADS } from '../../src/engine/config.js';
import type { StepTimeContext } from '../../src/model/step-time.js';
import { errorOf } from './helpers.js';

const TRAINVAL = new URL('../../baselines/trainval-experiments/', import.meta.url);
const SCOUT = '17-llama-4-scout-17b-16e-tp2-general-lite-2-1';
const QWEN = '64-qwen2-5-7b-instruct-tp1-roleplay-1-1';
const read = (id: string): Record<string, any> => JSON.parse(readFileSync(new URL(`${id}.json`, TRAINVAL), 'utf8'));

describe('data-parallel MoE experiments', () => {
  it('an MoE file with dp 2 is two ranks sharing the experts; the plan says so and the cluster options carry it', () => {
    const j = read(SCOUT);
    j.dp = 2;
    j.hardware.num_gpus = 4;
    const plan = buildPlan(parseExperiment(j, 's.json'), { seed: 1, arrivals: 'synthetic' });
    expect(plan.numInstances).toBe(2);
    expect(plan.expertParallel).toBe(false);
    expect(plan.assumptions).toContainEqual(expect.objectContaining({ field: 'dp', value: 2, why: expect.stringMatching(/share its routed experts \(each expert sharded over 2 x 2 GPUs\)/) }));
    const { options } = planClusterOptions(plan);
    expect([options.numInstances, options.dataParallelSize, options.enableExpertParallel]).toEqual([2, 2, undefined]);
  });

  it('a dense file with dp 2 is two independent engines, as before', () => {
    const j = read(QWEN);
    j.dp = 2;
    const plan = buildPlan(parseExperiment(j, 'q.json'), { seed: 1, arrivals: 'synthetic' });
    const dpNote = plan.assumptions.find((a) => a.field === 'dp')!;
    expect(dpNote.why).not.toMatch(/experts/);
  });

  it('expert parallelism is read from vllm.enable_expert_parallel or a top-level ep above 1; anything else is refused by field', () => {
    const j = read(SCOUT);
    j.vllm.enable_expert_parallel = true;
    const flagged = parseExperiment(j, 'e.json');
    expect(flagged.expertParallel).toBe(true);
    // Read, so not listed among the keys the simulation runs without.
    expect(flagged.assumptions.some((a) => a.field === 'vllm.enable_expert_parallel')).toBe(false);
    expect(buildPlan(flagged, { seed: 1, arrivals: 'synthetic' }).assumptions).toContainEqual(expect.objectContaining({ field: 'vllm.enable_expert_parallel', kind: 'noted' }));
    delete j.vllm.enable_expert_parallel;
    j.ep = 4;
    expect(parseExperiment(j, 'e.json').expertParallel).toBe(true);
    j.ep = 1;
    expect(parseExperiment(j, 'e.json').expertParallel).toBe(false);
    j.vllm.enable_expert_parallel = false;
    j.ep = 4;
    expect(parseExperiment(j, 'e.json').expertParallel).toBe(false);
    j.vllm.enable_expert_parallel = 'yes';
    expect(errorOf(() => parseExperiment(j, 'e.json')).message).toMatch(/e\.json: vllm\.enable_expert_parallel: expected true, false or null, found "yes"/);
    delete j.vllm.enable_expert_parallel;
    j.ep = 1.5;
    expect(errorOf(() => parseExperiment(j, 'e.json')).message).toMatch(/e\.json: ep: expected a positive integer, found 1\.5/);
  });

  it('the simulation builds its step time with the ranks and expert parallelism the file states', async () => {
    const j = read(SCOUT);
    j.dp = 2;
    j.vllm.enable_expert_parallel = true;
    j.workload.stages = [{ ...j.workload.stages[0], num_requests: 40, duration_s: 20 }];
    j.workload.total_requests = 40;
    j.ground_truth.stages = [j.ground_truth.stages[0]];
    const plan = buildPlan(parseExperiment(j, 's.json'), { seed: 1, arrivals: 'synthetic' });
    const seen: StepTimeContext[] = [];
    const result = await simulatePlan(plan, {
      stepTimeFactory: (ctx) => {
        seen.push(ctx);
        return { stepTime: createLinear(ctx, { alpha0Us: 5000, alpha1UsPerPrefillToken: 10, alpha2UsPerDecodeToken: 20, alpha3UsPerContextToken: 0 }), overheads: ZERO_OVERHEADS };
      },
    });
    expect(seen.map((c) => [c.tp, c.moeParallel])).toEqual([[2, { dp: 2, expertParallel: true }]]);
    expect(result.records?.length).toBe(40);
  });

  it('expert parallelism is noted against the field that turned it on, and an ep the server cannot have is noted with what is simulated', () => {
    const plan = (j: Record<string, any>) => buildPlan(parseExperiment(j, 'e.json'), { seed: 1, arrivals: 'synthetic' }).assumptions;
    const j = read(SCOUT);
    j.dp = 2;
    j.hardware.num_gpus = 4;
    // ep 4 = dp 2 x tp 2: vLLM's expert-parallel group; the note names ep, the field the file gave.
    j.ep = 4;
    expect(plan(j).filter((a) => a.field === 'ep' || a.field === 'vllm.enable_expert_parallel').map((a) => [a.field, a.value])).toEqual([['ep', 4]]);
    expect(plan(j).find((a) => a.field === 'ep')!.why).toMatch(/^whole experts per GPU/);
    // ep 2: vLLM has no flag for a group other than dp x tp.
    j.ep = 2;
    expect(plan(j).filter((a) => a.field === 'ep').map((a) => a.why)).toEqual([
      expect.stringMatching(/^vLLM's expert-parallel group is dp 2 x tp 2 = 4 GPUs \(it has no flag for another size\): simulated over 4, not 2$/),
      expect.stringMatching(/^whole experts per GPU/),
    ]);
    // The server's own flag says off: ep 4 is noted as not simulated.
    j.ep = 4;
    j.vllm.enable_expert_parallel = false;
    expect(plan(j).filter((a) => a.field === 'ep').map((a) => a.why)).toEqual([expect.stringMatching(/^vllm\.enable_expert_parallel is false: each expert sharded over dp 2 x tp 2 = 4 GPUs, not spread over 4 whole$/)]);
    // On by the flag with ep 1: noted too; the flag's note names the flag.
    j.ep = 1;
    j.vllm.enable_expert_parallel = true;
    expect(plan(j).filter((a) => a.field === 'ep' || a.field === 'vllm.enable_expert_parallel').map((a) => a.field)).toEqual(['ep', 'vllm.enable_expert_parallel']);
  });

  it('ranks whose GPUs cannot shard the experts are refused against the file\'s dp field', () => {
    const j = read(SCOUT);
    // Scout's experts are 8192 wide: 3 ranks x TP 2 = 6 GPUs do not divide it (vLLM's FusedMoE asserts they do).
    j.dp = 3;
    j.hardware.num_gpus = 6;
    const e = errorOf(() => checkPlanConfig(buildPlan(parseExperiment(j, 's.json'), { seed: 1, arrivals: 'synthetic' })));
    expect(e.message).toMatch(/^s\.json: dp: 3 ranks x TP 2 = 6 GPUs do not divide .*8192.*or vllm\.enable_expert_parallel/);
    j.vllm.enable_expert_parallel = true;
    expect(() => checkPlanConfig(buildPlan(parseExperiment(j, 's.json'), { seed: 1, arrivals: 'synthetic' }))).not.toThrow();
  });
});
