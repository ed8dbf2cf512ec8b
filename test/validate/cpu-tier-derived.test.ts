/**
 * A CPU offload tier the file sizes only by `cpu_bytes_per_gpu_gib` (cpu_kv_blocks null, as a
 * sparse experiment file states an OffloadingConnector run whose log it lacks): the simulator
 * sizes the tier as the connector does, and validate reports the block count it derived.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/validate/experiment.js';
import { buildPlan } from '../../src/validate/plan.js';
import { simulatePlan } from '../../src/validate/simulate-plan.js';
import { assumptionsOf } from '../../src/validate/validate.js';

const TRAINVAL = new URL('../../baselines/trainval-experiments/', import.meta.url);
const NEMO_TP1 = '63-mistral-nemo-12b-tp1-codegen-1-1';

/** The file with a short workload (10 requests), its CPU tier given as `offload`. */
function nemoWith(offload: Record<string, unknown>): Record<string, any> {
  const j = JSON.parse(readFileSync(new URL(`${NEMO_TP1}.json`, TRAINVAL), 'utf8'));
  j.workload.stages = [{ index: 0, rate_rps: 1, duration_s: 10, start_s: 0, num_requests: 10 }];
  j.vllm.cpu_offload = offload;
  return j;
}

async function reported(j: Record<string, unknown>): Promise<ReturnType<typeof assumptionsOf>> {
  const plan = buildPlan(parseExperiment(j, 'n.json'), { seed: 1, arrivals: 'synthetic' });
  const sim = await simulatePlan(plan);
  return assumptionsOf(plan, sim.derived, sim.notes);
}

describe('CPU tier sized from bytes', () => {
  it('reports the blocks 8 GiB per GPU holds: Mistral-Nemo at TP 1, 2.5 MiB blocks, 3276 (the count vLLM logged)', async () => {
    // 40 layers x 2 (K, V) x 8 KV heads x 128 x 2 bytes x 16 tokens = 2.5 MiB a block; 8192 MiB / 2.5 MiB = 3276.8,
    // ceil minus one = 3276, the cpu_kv_blocks the file states from vllm.log.
    const { derived, assumptions } = await reported(nemoWith({ enabled: true, cpu_kv_blocks: null, cpu_bytes_per_gpu_gib: 8 }));
    expect(derived['cpuKvBlocks']).toBe(3276);
    expect(assumptions).toContainEqual(expect.objectContaining({ field: 'vllm.cpu_offload.cpu_kv_blocks', value: 3276, kind: 'derived' }));
  });

  it('a logged count stands and is not reported as derived; no tier, nothing reported', async () => {
    const logged = await reported(nemoWith({ enabled: true, cpu_kv_blocks: 3276, cpu_bytes_per_gpu_gib: 8 }));
    expect('cpuKvBlocks' in logged.derived).toBe(false);
    const none = await reported(nemoWith({ enabled: false, cpu_kv_blocks: 0, cpu_bytes_per_gpu_gib: 0 }));
    expect('cpuKvBlocks' in none.derived).toBe(false);
    expect(none.assumptions.some((a) => a.field === 'vllm.cpu_offload.cpu_kv_blocks')).toBe(false);
  });
});
