/**
 * Named workload shapes (`--workload chatbot`). Each is one client's shape; the rate, count,
 * duration and stages come from flags or a spec. The reasons for the numbers are in
 * docs/workloads.md; change both together.
 */
import type { ClientSpec } from './types.js';

export interface PresetEntry {
  readonly name: string;
  readonly describe: string;
  readonly client: ClientSpec;
}

const poisson = { process: 'poisson', options: {} } as const;

export const chatbotPreset: PresetEntry = {
  name: 'chatbot',
  describe: 'multi-turn chat: 1-3 turns behind one of 8 shared 200-token system prompts; each turn adds ~120 user tokens to the context, answers ~250 tokens',
  client: {
    name: 'chatbot',
    arrival: poisson,
    input: { dist: 'lognormal', options: { median: 120, sigma: 1.0, min: 4, max: 4096 } },
    output: { dist: 'lognormal', options: { median: 250, sigma: 0.6, min: 8, max: 2048 } },
    prefix: { groups: 8, tokens: 200, select: 'random' },
    sessions: { turns: { dist: 'uniform', options: { min: 1, max: 3 } }, thinkTimeS: 20 },
  },
};

export const codegenPreset: PresetEntry = {
  name: 'codegen',
  describe: 'code assistant: a 2,000-token repository context shared by one of 4 groups, ~500 request tokens, short completions (~40 tokens)',
  client: {
    name: 'codegen',
    arrival: poisson,
    input: { dist: 'lognormal', options: { median: 500, sigma: 1.0, min: 16, max: 8192 } },
    output: { dist: 'lognormal', options: { median: 40, sigma: 1.0, min: 1, max: 1024 } },
    prefix: { groups: 4, tokens: 2000, select: 'random' },
    sessions: null,
  },
};

export const summarizationPreset: PresetEntry = {
  name: 'summarization',
  describe: 'document summarisation: 2,000-8,000-token documents behind one 50-token instruction, ~200-token summaries',
  client: {
    name: 'summarization',
    arrival: poisson,
    input: { dist: 'uniform', options: { min: 2000, max: 8000 } },
    output: { dist: 'lognormal', options: { median: 200, sigma: 0.5, min: 32, max: 1024 } },
    prefix: { groups: 1, tokens: 50, select: 'round-robin' },
    sessions: null,
  },
};

export const reasoningPreset: PresetEntry = {
  name: 'reasoning',
  describe: 'reasoning model: short questions (~200 tokens) behind one 100-token system prompt, long answers of 1,000-4,000 tokens',
  client: {
    name: 'reasoning',
    arrival: poisson,
    input: { dist: 'lognormal', options: { median: 200, sigma: 0.6, min: 8, max: 2048 } },
    output: { dist: 'uniform', options: { min: 1000, max: 4000 } },
    prefix: { groups: 1, tokens: 100, select: 'round-robin' },
    sessions: null,
  },
};

/** The only place a preset name exists. */
export const PRESETS: readonly PresetEntry[] = [chatbotPreset, codegenPreset, summarizationPreset, reasoningPreset];

/**
 * The calibration runs' effective workload (groundtruth/calibration README pitfalls 3 and 4):
 * exact-count arrivals and `groups` x `promptsPerGroup` unique prompts (a group's system prompt
 * plus a fixed-length question) cycled round-robin, every request decoding `outputTokens`
 * (ignore_eos). Fields follow the experiment JSON's `workload.shared_prefix_effective`;
 * pass `workload.prompt_tokens_observed_mean` to match the prompt length the server saw.
 */
export function calibrationClient(effective: {
  readonly num_groups: number;
  readonly prompts_per_group: number;
  readonly system_prompt_len: number;
  readonly question_len: number;
  readonly output_len: number;
}, promptTokensObservedMean?: number): ClientSpec {
  // The server counted ~25 more prompt tokens than system + question (chat template and BOS):
  // with the experiment's `prompt_tokens_observed_mean` the question absorbs that overhead.
  const question = promptTokensObservedMean !== undefined
    ? Math.max(1, Math.round(promptTokensObservedMean - effective.system_prompt_len))
    : effective.question_len;
  return {
    name: 'calibration',
    arrival: { process: 'exact-count', options: {} },
    input: { dist: 'constant', options: { value: question } },
    output: { dist: 'constant', options: { value: effective.output_len } },
    prefix: {
      groups: effective.num_groups,
      tokens: effective.system_prompt_len,
      select: 'cycled',
      promptsPerGroup: effective.prompts_per_group,
    },
    sessions: null,
  };
}
