import { describe, expect, test } from 'vitest';
import { getModel } from '../../src/model/catalog.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { describeGeneration, generationDefaultsFromJson, NO_GENERATION_DEFAULTS, samplerPasses } from '../../src/model/generation-config.js';
import { BASIS_SIZE, ROOFLINE_BASIS, rooflineBasis } from '../../src/model/roofline.js';
import { ROOFLINE_DEFAULTS } from '../../src/model/roofline-params.js';
import { InputError } from '../../src/kernel/errors.js';
import { decodes } from './helpers.js';

const h100 = getHardware('H100');
const FILTER = ROOFLINE_BASIS.indexOf('filter_us');

function filterUs(model: ReturnType<typeof getModel>, n: number): number {
  const out = new Float64Array(BASIS_SIZE);
  rooflineBasis({ model, hardware: h100, tp: 1 })(decodes(n, 200), out);
  return out[FILTER]!;
}

describe('generation_config defaults', () => {
  test('reads the keys vLLM turns into sampling defaults and ignores the rest', () => {
    const g = generationDefaultsFromJson({ bos_token_id: 1, do_sample: true, temperature: 0.7, top_p: 0.8, top_k: 20, repetition_penalty: 1.05, max_length: 4096 }, 'g.json');
    expect(g).toEqual({ source: 'g.json', temperature: 0.7, topP: 0.8, topK: 20, repetitionPenalty: 1.05 });
  });

  test('a bad value names the field', () => {
    const bad = (o: object): InputError => {
      try {
        generationDefaultsFromJson(o, 'g.json');
      } catch (e) {
        return e as InputError;
      }
      throw new Error('no error');
    };
    expect(bad({ top_p: '0.9' }).where).toBe('g.json: top_p');
    expect(bad({ top_p: 1.5 }).where).toBe('g.json: top_p');
    expect(bad({ temperature: -1 }).code).toBe('GENERATION_CONFIG_INVALID');
    expect(bad([]).where).toBe('g.json');
  });

  test("vLLM's rules: top-p sorts, top-k alone selects, penalties mask, greedy skips them all", () => {
    const V = 1000;
    const p = (o: object) => samplerPasses(generationDefaultsFromJson(o, 'g'), V);
    expect(p({ top_p: 0.9 })).toEqual({ sort: true, topK: false, penalties: false });
    expect(p({ top_p: 0.8, top_k: 20 })).toEqual({ sort: true, topK: true, penalties: false });
    expect(p({ top_k: 20 })).toEqual({ sort: false, topK: true, penalties: false });
    expect(p({ top_k: V })).toEqual({ sort: false, topK: false, penalties: false }); // k ≥ vocabulary keeps every token
    expect(p({ top_p: 1, top_k: 0 })).toEqual({ sort: false, topK: false, penalties: false });
    expect(p({ repetition_penalty: 1.05 })).toEqual({ sort: false, topK: false, penalties: true });
    expect(p({ repetition_penalty: 1 })).toEqual({ sort: false, topK: false, penalties: false });
    expect(p({ temperature: 0, top_p: 0.9, repetition_penalty: 1.1 })).toEqual({ sort: false, topK: false, penalties: false });
    expect(samplerPasses(NO_GENERATION_DEFAULTS, V)).toEqual({ sort: false, topK: false, penalties: false });
  });

  test('reports say what the defaults are and what the sampler does with them', () => {
    const q = getModel('qwen/qwen2.5-7b-instruct');
    expect(describeGeneration(q.generation, q.vocabSize)).toMatch(/^temperature 0\.7, top_p 0\.8, top_k 20, repetition_penalty 1\.05 \(.*\): full-vocabulary sort \(top-p\) \+ penalty masks$/);
    expect(describeGeneration(NO_GENERATION_DEFAULTS, 100)).toBe('no sampling defaults (none): plain sampler');
  });
});

describe('the sampler filter term', () => {
  test('Qwen2.5-7B (top-p and repetition penalty): requests × vocabulary × (sort + penalty bytes) at the measured bandwidth', () => {
    const q = getModel('qwen/qwen2.5-7b-instruct');
    const bytesPerUs = h100.hbmAchievedTBps * 1e6;
    const want = (40 * 152064 * (ROOFLINE_DEFAULTS.sortBytesPerLogit + ROOFLINE_DEFAULTS.penaltyBytesPerLogit)) / bytesPerUs;
    expect(filterUs(q, 40)).toBeCloseTo(want, 6);
    // ≈ 1.4 ms for 40 requests: 0.21 ns per logit of sort (vLLM #32234) over 6.1 M logits, plus penalties
    expect(want).toBeGreaterThan(1300);
    expect(want).toBeLessThan(1600);
    expect(filterUs(q, 80) / filterUs(q, 40)).toBeCloseTo(2, 9);
  });

  test('a model without sampling defaults, or with them turned off, pays no filter', () => {
    expect(filterUs(getModel('mistralai/mixtral-8x7b-v0.1'), 40)).toBe(0);
    const q = getModel('qwen/qwen2.5-7b-instruct');
    expect(filterUs({ ...q, generation: NO_GENERATION_DEFAULTS }, 40)).toBe(0);
    expect(filterUs({ ...q, generation: generationDefaultsFromJson({ temperature: 0, top_p: 0.8 }, 'g') }, 40)).toBe(0);
  });

  test('the filter scales with vocabulary: Llama-2-7B (32k, top-p) costs 32000/152064 of Qwen2.5-7B without its penalties', () => {
    const l = filterUs(getModel('llama-2-7b'), 40);
    const topPOnlyQwen = filterUs({ ...getModel('qwen/qwen2.5-7b-instruct'), generation: generationDefaultsFromJson({ top_p: 0.9 }, 'g') }, 40);
    expect(l / topPOnlyQwen).toBeCloseTo(32000 / 152064, 9);
  });
});

describe('the filters launch kernels whatever the batch', () => {
  test('Qwen2.5-7B (top-p with top-k, penalties) launches 12 + 3 + 11 kernels more per step than with no defaults', () => {
    const q = getModel('qwen/qwen2.5-7b-instruct');
    const kernels = (model: typeof q): number => {
      const out = new Float64Array(BASIS_SIZE);
      rooflineBasis({ model, hardware: h100, tp: 1 })(decodes(1, 10), out);
      return out[ROOFLINE_BASIS.indexOf('kernels_us')]! / ROOFLINE_DEFAULTS.kernelFloorUs;
    };
    expect(kernels(q) - kernels({ ...q, generation: NO_GENERATION_DEFAULTS })).toBeCloseTo(26, 9);
    expect(kernels({ ...q, generation: generationDefaultsFromJson({ top_k: 50 }, 'g') }) - kernels({ ...q, generation: NO_GENERATION_DEFAULTS })).toBeCloseTo(4, 9);
  });
});
