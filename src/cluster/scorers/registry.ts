/** The scorer registry: the only place a scorer's name exists. */
import { InputError, closeNames, showValue } from '../../kernel/errors.js';
import { decimalNumber } from '../../kernel/decimal.js';
import { activeRequests } from './active-requests.js';
import { kvUtilization } from './kv-utilization.js';
import { loadAware } from './load-aware.js';
import { precisePrefixCache } from './precise-prefix-cache.js';
import { prefixAffinity } from './prefix-affinity.js';
import { queueDepth } from './queue-depth.js';
import type { ScorerEntry } from './scorer.js';

export const SCORERS: readonly ScorerEntry[] = [prefixAffinity, precisePrefixCache, queueDepth, kvUtilization, loadAware, activeRequests];

/** The scorer a name or llm-d alias names, or undefined. `scorers`: the run's registry (SCORERS and a library caller's plug-ins). */
export function scorerNamed(name: string, scorers: readonly ScorerEntry[] = SCORERS): ScorerEntry | undefined {
  const n = name.trim().toLowerCase();
  return scorers.find((s) => s.name === n || (s.aliases ?? []).includes(n));
}

export function findScorer(name: string, scorers: readonly ScorerEntry[] = SCORERS): ScorerEntry {
  const n = name.trim().toLowerCase();
  const hit = scorerNamed(n, scorers);
  if (hit === undefined) {
    const known = scorers.map((s) => s.name);
    const close = closeNames(n, known);
    throw new InputError('UNKNOWN_SCORER', '--routing-scorers',
      `unknown scorer '${name}'${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}; known: ${known.join(', ')}`);
  }
  return hit;
}

export interface WeightedScorerSpec {
  readonly name: string;
  readonly weight: number;
}

/** True when one of the scorers reads the router's KV-event index (its entry says so). */
export function scorersNeedCacheView(scorers: readonly WeightedScorerSpec[], registry: readonly ScorerEntry[] = SCORERS): boolean {
  return scorers.some((s) => findScorer(s.name, registry).needsCacheView === true);
}

/** Parses "name:weight,name:weight" (weight defaults to 1; each scorer once). */
export function parseScorerWeights(text: string, registry: readonly ScorerEntry[] = SCORERS): WeightedScorerSpec[] {
  const out: WeightedScorerSpec[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const [rawName, rawWeight, extra] = part.split(':');
    if (extra !== undefined || rawName === undefined || rawName.trim() === '') {
      throw new InputError('FLAG_MALFORMED', '--routing-scorers', `malformed entry '${part}'; expected name:weight, e.g. "prefix-affinity:2,queue-depth:1"`);
    }
    const weight = rawWeight === undefined ? 1 : decimalNumber(rawWeight);
    if (!Number.isFinite(weight) || weight < 0 || (rawWeight !== undefined && rawWeight.trim() === '')) {
      throw new InputError('FLAG_MALFORMED', '--routing-scorers', `weight '${rawWeight}' of '${rawName}' is not a non-negative number`);
    }
    const name = findScorer(rawName, registry).name;
    // One weight per scorer: a second entry (or an alias of the first) would otherwise replace or add to it unseen.
    const earlier = out.find((s) => s.name === name);
    if (earlier !== undefined) {
      throw new InputError('FLAG_MALFORMED', '--routing-scorers', `scorer '${name}' is given twice ('${name}:${earlier.weight}' and '${part}'); expected each scorer once with one weight`);
    }
    out.push({ name, weight });
  }
  if (out.length === 0) throw new InputError('FLAG_MALFORMED', '--routing-scorers', 'no scorers given; expected e.g. "prefix-affinity:2,queue-depth:1"');
  return out;
}

/** Throws SCORER_OPTION_RETIRED for an option the scorer no longer takes, saying what replaces it. */
export function refuseRetiredOptions(name: string, options: Readonly<Record<string, number>> | undefined, registry: readonly ScorerEntry[] = SCORERS): void {
  const retired = findScorer(name, registry).retired ?? {};
  for (const key of Object.keys(options ?? {})) {
    const why = retired[key];
    if (why !== undefined) throw new InputError('SCORER_OPTION_RETIRED', `scorer options: ${name}.${key}`, `no longer taken: ${key} ${why}`);
  }
}

/**
 * Options per scorer (from an EPP config's plugin parameters): each for a scorer of the run,
 * each option in that scorer's table, each a number ≥ 0; frozen.
 */
export function resolveScorerOptions(given: Readonly<Record<string, Readonly<Record<string, number>>>> | undefined, scorers: readonly WeightedScorerSpec[], registry: readonly ScorerEntry[] = SCORERS): Readonly<Record<string, Readonly<Record<string, number>>>> {
  const out = new Map<string, Readonly<Record<string, number>>>();
  for (const [name, options] of Object.entries(given ?? {})) {
    if (!scorers.some((s) => s.name === name)) throw new InputError('SCORER_OPTION_INVALID', `scorer options: ${name}`, `'${name}' is not one of the run's scorers (${scorers.map((s) => s.name).join(', ') || 'none'})`);
    // A bare number (a weight where the options belong) has no entries and would pass as "no options".
    if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InputError('SCORER_OPTION_INVALID', `scorer options: ${name}`, `found ${showValue(options)}; expected an object of options, e.g. { ${Object.keys(findScorer(name, registry).options)[0] ?? 'option'}: 1 }`);
    refuseRetiredOptions(name, options, registry);
    const table = findScorer(name, registry).options;
    for (const [key, value] of Object.entries(options)) {
      if (!Object.prototype.hasOwnProperty.call(table, key)) throw new InputError('SCORER_OPTION_INVALID', `scorer options: ${name}.${key}`, `unknown option; ${name} takes ${Object.keys(table).join(', ') || 'none'}`);
      if (!Number.isFinite(value) || value < 0) throw new InputError('SCORER_OPTION_INVALID', `scorer options: ${name}.${key}`, `found ${value}; expected a number ≥ 0`);
    }
    out.set(name, Object.freeze({ ...options }));
  }
  return Object.freeze(Object.fromEntries(out));
}
