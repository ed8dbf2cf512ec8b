/**
 * Default sampling parameters of a model the catalog does not hold, from its family.
 *
 * A client that sends no sampling parameters (inference-perf, most load generators) is sampled
 * with the model's generation_config.json (./generation-config.ts), and for a large vocabulary the
 * top-p sort it switches on is a sizeable part of a small model's step. A checkpoint named only by
 * its config.json (an experiment file's hf_config, `--model-config` without the file beside it)
 * still belongs to a release whose publisher ships one generation_config across its sizes; reading
 * nothing would predict its decode too fast. These rules give the family's file, and the source
 * says it was inferred. A family whose releases disagree or whose file was never read gives none.
 */
import { NO_GENERATION_DEFAULTS, type GenerationDefaults } from './generation-config.js';
import { languageConfig } from './hf-config.js';

interface FamilyRule {
  readonly family: string;
  readonly applies: (name: string, modelType: string, vocabSize: number) => boolean;
  readonly defaults: Omit<GenerationDefaults, 'source'>;
  /** Which files the values were read from. */
  readonly evidence: string;
}

const instruct = (name: string): boolean => /instruct|-it\b|chat/.test(name);

const RULES: readonly FamilyRule[] = Object.freeze([
  {
    family: 'Qwen3',
    // Base checkpoints ship no sampling keys; every Qwen3 chat release read ships the same three.
    applies: (name, type) => (type === 'qwen3' || type === 'qwen3_moe') && !/-base\b/.test(name),
    defaults: { temperature: 0.6, topP: 0.95, topK: 20 },
    evidence: "Qwen3-4B's file and Qwen3-235B-A22B's, quoted verbatim",
  },
  {
    family: 'Qwen2.5 Instruct',
    applies: (name, type) => type === 'qwen2' && /qwen2\.5/.test(name) && instruct(name),
    defaults: { temperature: 0.7, topP: 0.8, topK: 20, repetitionPenalty: 1.05 },
    evidence: "Qwen2.5-7B-Instruct's file, quoted verbatim by three public sources that agree",
  },
  {
    family: 'Llama 3 Instruct',
    // Llama 3's 128k-token vocabulary tells it from Llama 2 (32k) under the same model_type.
    applies: (name, type, vocab) => type === 'llama' && vocab === 128256 && instruct(name),
    defaults: { temperature: 0.6, topP: 0.9 },
    evidence: "Llama-3.1-8B-Instruct's file, matched by sha256 to a Git LFS pointer",
  },
  {
    family: 'Llama 4 Instruct',
    applies: (name, type) => type === 'llama4' && instruct(name),
    defaults: { temperature: 0.6, topP: 0.9 },
    evidence: "Meta's instruct releases (Llama 3.1-8B-Instruct's file); Llama 4's not read",
  },
]);

/**
 * The generation defaults of `name` (lower case) with this config.json, from its family's rule, or
 * NO_GENERATION_DEFAULTS when no family rule applies.
 */
export function familyGenerationDefaults(name: string, config: unknown): GenerationDefaults {
  // A malformed config is refused by modelSpecFromHfConfig with its field named; nothing to infer from.
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return NO_GENERATION_DEFAULTS;
  const lower = name.toLowerCase();
  const c = config as Readonly<Record<string, unknown>>;
  const type = typeof c['model_type'] === 'string' ? c['model_type'] : '';
  const rule = RULES.find((r) => r.applies(lower, type, configVocabSize(c)));
  if (rule === undefined) return NO_GENERATION_DEFAULTS;
  return Object.freeze({ ...rule.defaults, source: `inferred from the ${rule.family} family (${rule.evidence}); this checkpoint's file not read` });
}

/** vocab_size of a config.json's language model (hf-config.ts languageConfig); 0 when absent. */
export function configVocabSize(config: Readonly<Record<string, unknown>>): number {
  const v = languageConfig(config)['vocab_size'];
  return typeof v === 'number' ? v : 0;
}
