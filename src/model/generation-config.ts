/**
 * A model's default sampling parameters (its Hugging Face generation_config.json) and the sampler
 * work they cost vLLM on every step.
 *
 * Why it matters: vLLM serves with `--generation-config auto` by default, so a request that sets
 * no sampling parameters (inference-perf, most load generators and many clients send only the
 * prompt and max_tokens) samples with the model's published defaults:
 * `ModelConfig.get_diff_sampling_param` turns generation_config's repetition_penalty,
 * temperature, top_k, top_p and min_p into the server's default SamplingParams. Those defaults
 * decide which passes the V1 sampler makes over the batch's logits (requests × vocabulary):
 * - top_p < 1 (with or without top_k): `apply_top_k_top_p` sorts every row of the logits
 *   (PyTorch segmented sort of fp32 keys with int64 indices), takes a softmax and cumulative sum
 *   of the sorted row, masks it and scatters it back: the most expensive pass of the step outside
 *   the model for large vocabularies;
 * - top_k alone: `apply_top_k_only`, a top-k selection and a masked fill (no sort);
 * - repetition, frequency or presence penalty ≠ neutral: `apply_penalties` builds token bin counts
 *   and masks (requests × vocabulary, int64) for the prompt and the output and rewrites the logits;
 * - temperature 0: greedy, an argmax; no filter runs.
 * The plain sampler (temperature, softmax, exponential race, argmax) is costed for every model by
 * the roofline's `sampling_us`; these passes are the extra `filter_us` (./roofline.ts).
 */
import { InputError } from '../kernel/errors.js';

/** The generation_config.json keys vLLM turns into default sampling parameters (absent = vLLM's neutral default). */
export interface GenerationDefaults {
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
  readonly minP?: number;
  readonly repetitionPenalty?: number;
  /** Where the values come from (a generation_config.json, or 'none'). */
  readonly source: string;
}

/** No generation_config (or `--generation-config vllm`): vLLM's neutral defaults, no filter. */
export const NO_GENERATION_DEFAULTS: GenerationDefaults = Object.freeze({ source: 'none' });

const KEYS = Object.freeze([
  ['temperature', 'temperature'],
  ['top_p', 'topP'],
  ['top_k', 'topK'],
  ['min_p', 'minP'],
  ['repetition_penalty', 'repetitionPenalty'],
] as const);

/**
 * Reads the sampling keys of a generation_config.json object; other keys (token ids, max_length,
 * do_sample) are ignored, as vLLM ignores them. A key present with a non-numeric or out-of-range
 * value is an InputError naming the field.
 */
export function generationDefaultsFromJson(obj: unknown, where: string, source: string = where): GenerationDefaults {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new InputError('GENERATION_CONFIG_INVALID', where, 'expected a JSON object (a Hugging Face generation_config.json)');
  }
  const o = obj as Record<string, unknown>;
  const out: Record<string, number | string> = { source };
  for (const [json, key] of KEYS) {
    const v = o[json];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new InputError('GENERATION_CONFIG_INVALID', `${where}: ${json}`, `found ${JSON.stringify(v)}; expected a non-negative number`);
    }
    if ((json === 'top_p' || json === 'min_p') && v > 1) {
      throw new InputError('GENERATION_CONFIG_INVALID', `${where}: ${json}`, `found ${v}; expected a probability in [0, 1]`);
    }
    out[key] = v;
  }
  return Object.freeze(out as unknown as GenerationDefaults);
}

/** Which logits passes the V1 sampler makes for requests sampled with these defaults. */
export interface SamplerPasses {
  /** Full-vocabulary sort per request (top-p, with or without top-k). */
  readonly sort: boolean;
  /** Top-k filtering (inside the sort when top-p is on too, else a top-k selection). */
  readonly topK: boolean;
  /** Penalty bin counts and masks over the vocabulary. */
  readonly penalties: boolean;
}

/** vLLM 0.15's rules (vllm/v1/sample/sampler.py, ops/topk_topp_sampler.py, ops/penalties.py) applied to the defaults. */
export function samplerPasses(g: GenerationDefaults, vocabSize: number): SamplerPasses {
  // Greedy requests skip the random sampler and its filters (Sampler.sample: all_greedy → argmax).
  if (g.temperature === 0) return { sort: false, topK: false, penalties: false };
  const topP = g.topP !== undefined && g.topP < 1;
  // top_k ≤ 0 or ≥ vocabulary disables it (SamplingParams normalises -1 and 0 to "off").
  const topK = g.topK !== undefined && g.topK > 0 && g.topK < vocabSize;
  return {
    sort: topP,
    topK,
    penalties: g.repetitionPenalty !== undefined && g.repetitionPenalty !== 1,
  };
}

/** One line for reports: what the defaults are and what the sampler does with them. */
export function describeGeneration(g: GenerationDefaults, vocabSize: number): string {
  const set = KEYS.filter(([, k]) => g[k] !== undefined).map(([json, k]) => `${json} ${g[k]}`);
  const p = samplerPasses(g, vocabSize);
  const passes = [p.sort ? 'full-vocabulary sort (top-p)' : '', p.topK && !p.sort ? 'top-k selection' : '', p.penalties ? 'penalty masks' : ''].filter((s) => s !== '');
  return `${set.length > 0 ? set.join(', ') : 'no sampling defaults'} (${g.source}): ${passes.length > 0 ? passes.join(' + ') : 'plain sampler'}`;
}
