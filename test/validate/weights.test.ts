/**
 * An experiment's weight format when its model is not in the catalog: the hf_config's
 * quantisation (experiment files carry a trimmed `quantization` object), else the file's
 * `weight_dtype` / `precision` text; reported as a derived value, and simulated. The real check:
 * trainval's Llama-4-Scout FP8 codegen run under a name the catalog does not know simulates within
 * a few percent of the measured TPOT, as the catalogued model does (16-bit weights would make it
 * ~60 % slow).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/validate/experiment.js';
import { buildPlan } from '../../src/validate/plan.js';
import { planClusterOptions, simulatePlan } from '../../src/validate/simulate-plan.js';
import { compareExperiment } from '../../src/validate/validate.js';

const TRAINVAL = new URL('../../baselines/trainval-experiments/', import.meta.url);
const SCOUT = '20-llama-4-scout-17b-16e-tp2-codegen-2';
const NEMO = '63-mistral-nemo-12b-tp1-codegen-1-1';
const read = (id: string): Record<string, any> => JSON.parse(readFileSync(new URL(`${id}.json`, TRAINVAL), 'utf8'));

/** The file as a user's uncatalogued copy of the model would be. */
function renamed(id: string, edit: (j: Record<string, any>) => void = () => {}): Record<string, any> {
  const j = read(id);
  j.model = 'someorg/Private-Model-Build-7';
  edit(j);
  return j;
}

describe('weight format of an uncatalogued model', () => {
  it("reads hf_config's trimmed quantization object and reports it", () => {
    const plan = buildPlan(parseExperiment(renamed(SCOUT), 's.json'), { seed: 1, arrivals: 'synthetic' });
    const note = plan.assumptions.find((a) => a.field === 'weights')!;
    expect(note).toMatchObject({ kind: 'derived', value: 'fp8 w8a8 (compressed-tensors float-quantized)', why: 'hf_config.quantization' });
    const spec = planClusterOptions(plan).options.modelSpec!;
    expect([spec.weightBytes, spec.gemmFormat, spec.activationQuant]).toEqual([1, 'fp8', true]);
  });

  it('without any in hf_config, the weight_dtype text names the format (and becomes the simulated config)', () => {
    const j = renamed(NEMO, (x) => {
      x.weight_dtype = 'int4 (W4A16, GPTQ-style, group 128)';
    });
    const plan = buildPlan(parseExperiment(j, 'n.json'), { seed: 1, arrivals: 'synthetic' });
    expect(plan.assumptions.find((a) => a.field === 'weights')).toMatchObject({ kind: 'derived', value: 'int4 w4a16 (gptq, group 128)' });
    expect(plan.assumptions.find((a) => a.field === 'weights')!.why).toMatch(/weight_dtype\/precision "int4 \(W4A16/);
    expect(planClusterOptions(plan).options.modelSpec!.weightBytes).toBe(0.515625);
  });

  it('a 16-bit file gets no weights note and keeps 2-byte weights', () => {
    const plan = buildPlan(parseExperiment(renamed(NEMO), 'n.json'), { seed: 1, arrivals: 'synthetic' });
    expect(plan.assumptions.some((a) => a.field === 'weights')).toBe(false);
    expect(planClusterOptions(plan).options.modelSpec!.weightBytes).toBe(2);
  });

  it("real ground truth: Scout FP8 under an unknown name lands within 12 % of the measured TPOT", async () => {
    const exp = parseExperiment(renamed(SCOUT), 's.json');
    const plan = buildPlan(exp, { seed: 1, arrivals: 'synthetic' });
    const result = await simulatePlan(plan);
    const summary = compareExperiment(exp, undefined, plan, result.records ?? []).stages.find((s) => s.index === 'summary')!;
    const tpot = summary.metrics['tpot_mean']!;
    expect(Math.abs(tpot.error_pct!)).toBeLessThan(12);
  }, 60_000);
});

/**
 * A model the catalog holds as 16-bit, run quantised: a quantised build under the base model's
 * name, or vLLM's --quantization fp8 applied at load. The catalog's entry must not win over what
 * the file says the server ran (it did, silently, before: 16-bit weights, no note).
 */
describe('weight format of a catalogued 16-bit model the file says ran quantised', () => {
  const FP8_DYNAMIC = { quant_method: 'compressed-tensors', format: 'float-quantized', config_groups: { group_0: { targets: ['Linear'], weights: { num_bits: 8, type: 'float', strategy: 'channel', symmetric: true }, input_activations: { num_bits: 8, type: 'float', strategy: 'token', symmetric: true, dynamic: true } } } };
  const nemo = (edit: (j: Record<string, any>) => void): Record<string, any> => {
    const j = read(NEMO);
    edit(j);
    return j;
  };
  const specOf = (j: Record<string, any>) => planClusterOptions(buildPlan(parseExperiment(j, 'n.json'), { seed: 1, arrivals: 'synthetic' })).options.modelSpec!;
  const noteOf = (j: Record<string, any>) => buildPlan(parseExperiment(j, 'n.json'), { seed: 1, arrivals: 'synthetic' }).assumptions.find((a) => a.field === 'weights');

  it("hf_config's quantization_config re-reads the catalogued model with it", () => {
    const j = nemo((x) => {
      x.hf_config.quantization_config = FP8_DYNAMIC;
    });
    expect([specOf(j).weightBytes, specOf(j).gemmFormat, specOf(j).name]).toEqual([1, 'fp8', 'mistralai/mistral-nemo-instruct-2407']);
    expect(noteOf(j)).toMatchObject({ kind: 'derived', value: 'fp8 w8a8', why: expect.stringMatching(/^hf_config\.quantization_config; the catalog holds .* as 16-bit/) });
  });

  it('vllm.quantization fp8 (quantised at load) is read, not noted as unread', () => {
    const j = nemo((x) => {
      x.vllm.quantization = 'fp8';
    });
    expect([specOf(j).weightBytes, specOf(j).gemmFormat, specOf(j).activationQuant]).toEqual([1, 'fp8', true]);
    const exp = parseExperiment(j, 'n.json');
    expect(exp.assumptions.some((a) => a.field === 'vllm.quantization')).toBe(false);
    expect(noteOf(j)!.why).toMatch(/vllm\.quantization "fp8": vLLM quantises the 16-bit weights while loading them/);
  });

  it("the weight_dtype text names the format when nothing else does", () => {
    const j = nemo((x) => {
      x.precision = 'fp8';
      x.weight_dtype = 'fp8 (W8A8 dynamic, compressed-tensors)';
    });
    expect(specOf(j).weightBytes).toBe(1);
  });

  it('a --quantization that needs a checkpoint config hf_config lacks is refused by field', () => {
    const j = nemo((x) => {
      x.vllm.quantization = 'awq';
    });
    expect(() => buildPlan(parseExperiment(j, 'n.json'), { seed: 1, arrivals: 'synthetic' })).toThrowError(/n\.json: vllm\.quantization.*'awq' reads the checkpoint's own quantization_config/);
  });

  it("on a GPU without fp8 tensor cores the note says vLLM's weight-only Marlin path, which the roofline costs at 16-bit math", () => {
    const j = nemo((x) => {
      x.hf_config.quantization_config = FP8_DYNAMIC;
      x.hardware.gpu = 'NVIDIA A100-SXM4-80GB';
    });
    expect(noteOf(j)!.value).toBe('fp8 w8a8; on A100-80 (compute capability 8.0, no fp8 tensor cores): fp8 w8a16, vLLM\'s weight-only FP8 Marlin kernel with 16-bit math');
    const onL40s = nemo((x) => {
      x.hf_config.quantization_config = FP8_DYNAMIC;
      x.hardware.gpu = 'NVIDIA L40S';
    });
    expect(noteOf(onL40s)!.value).toBe('fp8 w8a8');
  });
});
