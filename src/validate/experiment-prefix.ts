/**
 * The prompt structure of an experiment, from the most to the least direct of the forms real
 * files carry (calibration README pitfall 3, trainval README):
 *
 * 1. `workload.shared_prefix_effective`: what the benchmark actually produced. Used as stated.
 * 2. `workload.shared_prefix_as_resolved`: inference-perf's resolved config (`num_groups`,
 *    `num_prompts_per_group`, lengths). Resolved configs have no multi-turn field: single turn.
 * 3. `workload.shared_prefix_as_configured`: the profile as written, which may use
 *    inference-perf's aliases `num_unique_system_prompts` / `num_users_per_system_prompt`
 *    (inference_perf/config.py SharedPrefix: AliasChoices on num_groups / num_prompts_per_group,
 *    defaults 10 and 10). Two readings:
 *    - `ignored` (default): the inference-perf version in use dropped the aliases and produced its
 *      defaults, 10 groups × 10 prompts, single turn. The calibration set shows exactly this for
 *      every run (its resolved configs say 10 × 10 whatever the profile's aliases, and observed
 *      prompt lengths are constant, so no multi-turn context growth), and nothing says the
 *      sparse runs used another version.
 *    - `honoured`: a version that reads the aliases: groups × users from the profile. Its
 *      multi-turn chat (each user's context grows by every previous prompt and answer) is not
 *      simulated; the report says so.
 *    Canonical `num_groups` / `num_prompts_per_group` in the profile are honoured in both.
 * 4. None of them: no shared structure is known, so every prompt is assumed unique.
 */
import type { Assumption } from './assumptions.js';
import type { Obj, Reader } from './experiment-reader.js';

/** The prefix structure the benchmark produced (or the reading chosen for it). */
export interface PrefixStructure {
  readonly numGroups: number;
  readonly promptsPerGroup: number;
  readonly uniquePrompts: number;
  /** Tokens of the system prompt shared by the prompts of one group (0: none). */
  readonly systemPromptTokens: number;
  readonly questionTokens: number;
  readonly multiTurnContextGrowth: boolean;
  /** Which field it came from. */
  readonly source: 'shared_prefix_effective' | 'shared_prefix_as_resolved' | 'shared_prefix_as_configured';
}

/** How to read inference-perf's group aliases in `shared_prefix_as_configured`. */
export type PrefixAliasReading = 'ignored' | 'honoured';
export const PREFIX_ALIAS_READINGS: readonly PrefixAliasReading[] = ['ignored', 'honoured'];

/** inference-perf's SharedPrefix defaults (inference_perf/config.py): num_groups 10, num_prompts_per_group 10. */
export const INFERENCE_PERF_DEFAULT_GROUPS = 10;
export const INFERENCE_PERF_DEFAULT_PROMPTS_PER_GROUP = 10;

export interface PrefixReading {
  readonly prefix: PrefixStructure | null;
  /** `output_len` of whichever form was used (the decode length under ignore_eos). */
  readonly outputLen?: number;
}

const LENGTH = 'tokens';

/** Reads the prompt structure; `notes` receives what was derived or assumed. */
export function readPrefix(r: Reader, w: Obj, reading: PrefixAliasReading, notes: Assumption[]): PrefixReading {
  const eff = r.optObj(w, 'shared_prefix_effective', 'workload.');
  if (eff) {
    const p = 'workload.shared_prefix_effective.';
    const numGroups = r.optPositive(eff, 'num_groups', p, 'groups', true) ?? 0;
    const promptsPerGroup = r.optPositive(eff, 'prompts_per_group', p, 'prompts', true) ?? r.optPositive(eff, 'num_prompts_per_group', p, 'prompts', true) ?? 0;
    const uniquePrompts = r.optPositive(eff, 'unique_prompts', p, 'prompts', true) ?? numGroups * promptsPerGroup;
    if (uniquePrompts <= 0) r.fail(`${p}unique_prompts`, 'expected a positive number of unique prompts');
    return {
      prefix: {
        numGroups, promptsPerGroup, uniquePrompts,
        systemPromptTokens: r.optPositive(eff, 'system_prompt_len', p, LENGTH, true) ?? 0,
        questionTokens: r.optPositive(eff, 'question_len', p, LENGTH, true) ?? 0,
        multiTurnContextGrowth: eff['multi_turn_context_growth'] === true,
        source: 'shared_prefix_effective',
      },
      ...outputLen(r, eff, p),
    };
  }
  const res = r.optObj(w, 'shared_prefix_as_resolved', 'workload.');
  if (res) {
    const p = 'workload.shared_prefix_as_resolved.';
    const numGroups = r.optPositive(res, 'num_groups', p, 'groups') ?? INFERENCE_PERF_DEFAULT_GROUPS;
    const promptsPerGroup = r.optPositive(res, 'num_prompts_per_group', p, 'prompts') ?? INFERENCE_PERF_DEFAULT_PROMPTS_PER_GROUP;
    notes.push({ field: 'workload.shared_prefix', value: `${numGroups} × ${promptsPerGroup}`, kind: 'derived', why: 'from shared_prefix_as_resolved (no shared_prefix_effective): inference-perf\'s resolved groups × prompts per group, single turn, each full prompt recurring round-robin' });
    return { prefix: structure(r, res, p, numGroups, promptsPerGroup, 'shared_prefix_as_resolved'), ...outputLen(r, res, p) };
  }
  const conf = r.optObj(w, 'shared_prefix_as_configured', 'workload.');
  if (conf) {
    const p = 'workload.shared_prefix_as_configured.';
    const canonicalGroups = r.optPositive(conf, 'num_groups', p, 'groups');
    const canonicalPerGroup = r.optPositive(conf, 'num_prompts_per_group', p, 'prompts');
    const aliasGroups = r.optPositive(conf, 'num_unique_system_prompts', p, 'groups');
    const aliasPerGroup = r.optPositive(conf, 'num_users_per_system_prompt', p, 'prompts');
    const honour = reading === 'honoured';
    const numGroups = canonicalGroups ?? (honour ? aliasGroups : undefined) ?? INFERENCE_PERF_DEFAULT_GROUPS;
    const promptsPerGroup = canonicalPerGroup ?? (honour ? aliasPerGroup : undefined) ?? INFERENCE_PERF_DEFAULT_PROMPTS_PER_GROUP;
    const multiTurn = conf['enable_multi_turn_chat'] === true;
    const aliases = aliasGroups !== undefined || aliasPerGroup !== undefined;
    notes.push({
      field: 'workload.shared_prefix',
      value: `${numGroups} × ${promptsPerGroup}`,
      kind: 'assumed',
      why: honour
        ? `from shared_prefix_as_configured with inference-perf's aliases honoured (--prefix-aliases honoured): ${numGroups} groups × ${promptsPerGroup} prompts${multiTurn ? '; its multi-turn chat (contexts growing by every previous prompt and answer) is not simulated: single turn' : ''}`
        : `from shared_prefix_as_configured read as the calibration set shows (--prefix-aliases ignored, the default): ${aliases ? `the profile's aliases (${aliasGroups ?? '–'} system prompts × ${aliasPerGroup ?? '–'} users${multiTurn ? ', multi-turn' : ''}) were ignored and ` : ''}inference-perf produced ${numGroups} groups × ${promptsPerGroup} prompts, single turn, prompt lengths as configured`,
    });
    return { prefix: structure(r, conf, p, numGroups, promptsPerGroup, 'shared_prefix_as_configured'), ...outputLen(r, conf, p) };
  }
  notes.push({ field: 'workload.shared_prefix', value: null, kind: 'assumed', why: 'no shared_prefix_effective, _as_resolved or _as_configured: every prompt assumed unique (no prefix-cache hits between requests)' });
  return { prefix: null };
}

function structure(r: Reader, o: Obj, p: string, numGroups: number, promptsPerGroup: number, source: PrefixStructure['source']): PrefixStructure {
  return {
    numGroups, promptsPerGroup, uniquePrompts: numGroups * promptsPerGroup,
    systemPromptTokens: r.optPositive(o, 'system_prompt_len', p, LENGTH, true) ?? 0,
    questionTokens: r.optPositive(o, 'question_len', p, LENGTH, true) ?? 0,
    multiTurnContextGrowth: false,
    source,
  };
}

function outputLen(r: Reader, o: Obj, p: string): { outputLen?: number } {
  const v = r.optPositive(o, 'output_len', p, LENGTH);
  return v !== undefined ? { outputLen: v } : {};
}
