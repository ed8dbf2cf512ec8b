/**
 * P/D deciders (a registry): whether a request is disaggregated (prefill on a prefill instance,
 * KV transfer, decode on a decode instance) or served whole by the decode instance routing chose
 * first. llm-d's pd-profile-handler makes the same call with its prefix-based decider on that
 * instance: disaggregate only when the prompt's uncached part exceeds a threshold, since a short
 * uncached prompt costs less to prefill locally than to move.
 */
import { InputError, closeNames } from '../kernel/errors.js';

export interface PdDecision {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Prompt tokens the chosen decode instance is believed to hold (router's KV view). */
  readonly cachedTokens: number;
}

export interface PdDeciderEntry {
  readonly name: string;
  readonly describe: string;
  /** False for a decider that never splits a request (it needs no prefill pool). */
  readonly disaggregates: boolean;
  /**
   * True when the decider needs the decode instance's cached-token estimate: the router's own
   * approximate prefix index (llm-d's default producer of PrefixCacheMatchInfo), or its delayed
   * KV view when a precise-prefix-cache scorer routes (disagg.ts).
   */
  readonly needsCacheView: boolean;
  /** True when it reads --pd-prefix-threshold (the metrics JSON then echoes it). */
  readonly readsThreshold: boolean;
  create(thresholdTokens: number): (d: PdDecision) => boolean;
}

export const PD_DECIDERS: readonly PdDeciderEntry[] = [
  { name: 'never', describe: 'serve every request whole (on unified or decode instances)', disaggregates: false, needsCacheView: false, readsThreshold: false, create: () => () => false },
  { name: 'always', describe: 'disaggregate every request that has tokens to decode', disaggregates: true, needsCacheView: false, readsThreshold: false, create: () => (d) => d.outputTokens > 1 },
  {
    name: 'prefix-threshold',
    describe: 'disaggregate when the uncached prompt (input − cached on the chosen decode instance) is at least --pd-prefix-threshold tokens (0: never, as llm-d reads it)',
    disaggregates: true,
    needsCacheView: true,
    readsThreshold: true,
    // llm-d pkg/epp/framework/plugins/scheduling/profilehandler/disagg/prefix_based_pd_decider.go
    // disaggregate: NonCachedTokens 0 disables disaggregation; else decode only when
    // nonCachedTokens < NonCachedTokens, so exactly the threshold splits.
    create: (threshold) => (d) => threshold > 0 && d.outputTokens > 1 && d.inputTokens - d.cachedTokens >= threshold,
  },
];

export function findPdDecider(name: string): PdDeciderEntry {
  const n = name.trim().toLowerCase();
  const hit = PD_DECIDERS.find((p) => p.name === n);
  if (hit === undefined) {
    const known = PD_DECIDERS.map((p) => p.name);
    const close = closeNames(n, known);
    throw new InputError('UNKNOWN_PD_DECIDER', '--pd-decider',
      `unknown P/D decider '${name}'${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}; known: ${known.join(', ')}`);
  }
  return hit;
}
