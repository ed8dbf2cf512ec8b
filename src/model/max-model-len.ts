/**
 * The context length vLLM 0.15 serves a model at when `--max-model-len` is not given, read from
 * its config.json as `ModelConfig` / `_get_and_verify_max_len` reads it (vllm/config/model.py):
 *
 * 1. The smallest of the length keys the config carries (max_position_embeddings, n_positions,
 *    max_seq_len, seq_length, model_max_length, max_target_positions, max_sequence_length,
 *    max_seq_length, seq_len); a `model_max_length` (Command-R, Cohere 2) wins outright.
 * 2. RoPE scaling (`rope_scaling`, or Transformers v5's `rope_parameters`, also per layer type):
 *    every type but `su`, `longrope` and `llama3` multiplies that length by its `factor`
 *    (`linear`, `dynamic`; `default` has none), and `yarn` multiplies
 *    `original_max_position_embeddings` instead. Gemma 3's length is already scaled and is left.
 *    So Qwen3 with the YaRN block its model card recommends (factor 4, original 32,768) serves
 *    131,072 tokens, while Llama 3.1 (llama3) stays at max_position_embeddings.
 * 3. With LongRoPE (Phi-3, Phi-3.5) the default is the config's top-level
 *    `original_max_position_embeddings` (4,096 for Phi-3.5-mini, not 131,072), so that short
 *    prompts use the short factors (vllm-project/vllm#27431, in 0.12 and later); a longer
 *    `--max-model-len` up to the derived length is still accepted.
 *
 * vLLM also caps by the tokenizer's model_max_length, which a config.json does not carry.
 */
import { InputError } from '../kernel/errors.js';

type Json = Record<string, unknown>;

const LENGTH_KEYS = ['max_position_embeddings', 'n_positions', 'max_seq_len', 'seq_length', 'model_max_length', 'max_target_positions', 'max_sequence_length', 'max_seq_length', 'seq_len'] as const;

/** Whether the config names its context length by any key vLLM reads. */
export function hasLengthKey(c: Json): boolean {
  return LENGTH_KEYS.some((k) => positive(c[k]) !== undefined);
}

/** RoPE types whose factor does not stretch the context vLLM derives (its "longrope" spelled "su" in old configs). */
const UNSCALED_ROPE = new Set(['su', 'longrope', 'llama3']);

export interface ContextLength {
  /** The longest context the config allows (vLLM's derived_max_model_len; vLLM refuses a larger --max-model-len unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1, blis notes it: cluster/config.ts). */
  readonly derived: number;
  /** vLLM's max_model_len when none is given. */
  readonly maxModelLen: number;
  /** Why, when more than max_position_embeddings decided it; null otherwise. */
  readonly rule: string | null;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positive(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}

/** The RoPE parameter sets of a config: one, or one per layer type (Transformers v5 nests them by layer type). */
function ropeEntries(c: Json): Json[] {
  const rp = isObject(c['rope_parameters']) ? c['rope_parameters'] : isObject(c['rope_scaling']) ? c['rope_scaling'] : undefined;
  if (rp === undefined) return [];
  const values = Object.values(rp);
  const nested = values.length > 0 && values.every(isObject) && !('rope_type' in rp) && !('type' in rp);
  return nested ? (values as Json[]) : [rp];
}

/**
 * The config's context lengths (`c` is the language model's part, class defaults applied);
 * `where` names it in errors. Without any length key the config is refused (vLLM would guess
 * 2,048 with a warning; a simulation at a guessed length would be silently wrong).
 */
export function contextLength(c: Json, modelType: string, where: string): ContextLength {
  let derived = Infinity;
  let key = '';
  for (const k of LENGTH_KEYS) {
    const v = positive(c[k]);
    if (v !== undefined && v < derived) [derived, key] = [v, k];
  }
  const modelMax = positive(c['model_max_length']);
  if (modelMax !== undefined) [derived, key] = [modelMax, 'model_max_length'];
  if (derived === Infinity) {
    throw new InputError('MODEL_CONFIG_FIELD', `${where}: max_position_embeddings`, `missing field 'max_position_embeddings' (nor any other length key: ${LENGTH_KEYS.slice(1).join(', ')}); expected a positive integer`);
  }
  const notes: string[] = key === 'max_position_embeddings' ? [] : [`${key} ${derived}`];
  const entries = modelType.includes('gemma3') ? [] : ropeEntries(c);
  let factor = 1;
  let longrope = false;
  for (const rp of entries) {
    const type = String(rp['rope_type'] ?? rp['type'] ?? 'default');
    if (type === 'longrope' || type === 'su') longrope = true;
    if (UNSCALED_ROPE.has(type)) continue;
    factor = positive(rp['factor']) ?? factor;
    const original = positive(rp['original_max_position_embeddings']);
    if (type === 'yarn' && original !== undefined) {
      derived = original;
      notes.push(`yarn: original_max_position_embeddings ${original}`);
    }
  }
  if (factor !== 1) {
    notes.push(`x rope factor ${factor}`);
    derived *= factor;
  }
  derived = Math.floor(derived);
  let maxModelLen = derived;
  if (longrope) {
    const original = positive(c['original_max_position_embeddings']);
    if (original !== undefined) {
      maxModelLen = Math.floor(original);
      notes.push(`LongRoPE: the default is original_max_position_embeddings ${maxModelLen} of the ${derived} allowed (vllm-project/vllm#27431)`);
    }
  }
  const rule = notes.length === 0 ? null : `vLLM's default max_model_len from the config (config/model.py _get_and_verify_max_len): ${notes.join(', ')} = ${maxModelLen}`;
  return { derived, maxModelLen, rule };
}
