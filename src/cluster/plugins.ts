/**
 * A library caller's own plug-ins (`simulate({ plugins })`): routing policies, scorers, admission
 * policies and step-time models of their own, named in the run's options like the built-in ones
 * (`routingScorers: 'my-scorer:1'`). They join the built-in registries for one run only: the
 * registries here are built per run, nothing is registered globally, so runs in one process never
 * see each other's plug-ins. A plug-in may not take a built-in's name (it would change what that
 * name means in every config echo); each one is wrapped by plugin-guards.ts, so that a throw, a
 * NaN or an instance out of range stops the run with an InputError naming it.
 */
import { InputError, closeNames } from '../kernel/errors.js';
import { STEP_TIME_MODELS, type StepTimeEntry } from '../model/registry.js';
import { ADMISSION_POLICIES, type AdmissionEntry } from './admission/admission.js';
import { guardAdmission, guardRoutingPolicy, guardScorer, guardStepTime, type AdmissionPlugin, type RoutingPolicyPlugin, type ScorerPlugin, type StepTimePlugin } from './plugin-guards.js';
import { ROUTING_POLICIES, type RoutingPolicyEntry } from './routing.js';
import { SCORERS } from './scorers/registry.js';
import type { ScorerEntry } from './scorers/scorer.js';

export type { AdmissionPlugin, RoutingPolicyPlugin, ScorerPlugin, StepTimePlugin } from './plugin-guards.js';

/** A run's own plug-ins, by kind (all optional). */
export interface Plugins {
  readonly routingPolicies?: readonly RoutingPolicyPlugin[];
  readonly scorers?: readonly ScorerPlugin[];
  readonly admissionPolicies?: readonly AdmissionPlugin[];
  readonly stepTimeModels?: readonly StepTimePlugin[];
}

/** Every name a run can look up: the built-in registries, then the run's plug-ins. */
export interface Registries {
  readonly routingPolicies: readonly RoutingPolicyEntry[];
  readonly scorers: readonly ScorerEntry[];
  readonly admissionPolicies: readonly AdmissionEntry[];
  readonly stepTimeModels: readonly StepTimeEntry[];
}

export const BUILT_IN_REGISTRIES: Registries = Object.freeze({
  routingPolicies: ROUTING_POLICIES, scorers: SCORERS, admissionPolicies: ADMISSION_POLICIES, stepTimeModels: STEP_TIME_MODELS,
});

/** Names as every lookup compares them (trimmed, lower case), and free of the `name:weight,...` list syntax. */
const NAME = /^[a-z0-9][a-z0-9._-]*$/;
const KINDS = ['routingPolicies', 'scorers', 'admissionPolicies', 'stepTimeModels'] as const;
const KIND_WORD: Readonly<Record<(typeof KINDS)[number], string>> = {
  routingPolicies: 'routing policy', scorers: 'scorer', admissionPolicies: 'admission policy', stepTimeModels: 'step-time model',
};

/** Checks one plug-in's shape: an object with a usable name, a create function, optional describe. */
function checkEntry(entry: unknown, where: string): { name: string } {
  if (typeof entry !== 'object' || entry === null) throw new InputError('PLUGIN_INVALID', where, `found ${entry === null ? 'null' : typeof entry}; expected an entry { name, create }`);
  const e = entry as Record<string, unknown>;
  if (typeof e['name'] !== 'string' || !NAME.test(e['name'])) {
    throw new InputError('PLUGIN_INVALID', where, `name ${JSON.stringify(e['name'])}: expected lower-case letters, digits, '.', '_' or '-' (it is written in options such as routingScorers: 'name:weight')`);
  }
  if (typeof e['create'] !== 'function') throw new InputError('PLUGIN_INVALID', `${where} (${e['name']})`, 'create is not a function');
  if (e['describe'] !== undefined && typeof e['describe'] !== 'string') throw new InputError('PLUGIN_INVALID', `${where} (${e['name']})`, 'describe is not a string');
  if (e['options'] !== undefined && (typeof e['options'] !== 'object' || e['options'] === null)) throw new InputError('PLUGIN_INVALID', `${where} (${e['name']})`, 'options is not an object of option descriptions');
  return { name: e['name'] };
}

/**
 * The registries of one run: the built-in ones when there are no plug-ins, else each built-in
 * list followed by the checked, guarded plug-ins of its kind. A name taken twice (by a built-in,
 * a built-in's llm-d alias or an earlier plug-in) is refused, never shadowed.
 */
export function resolvePlugins(plugins: Plugins | undefined): Registries {
  if (plugins === undefined) return BUILT_IN_REGISTRIES;
  if (typeof plugins !== 'object' || plugins === null) throw new InputError('OPTION_INVALID', 'plugins', 'expected an object { routingPolicies, scorers, admissionPolicies, stepTimeModels }');
  for (const key of Object.keys(plugins)) {
    if (!(KINDS as readonly string[]).includes(key)) {
      const close = closeNames(key, KINDS);
      throw new InputError('UNKNOWN_OPTION', `plugins.${key}`, `not a kind of plug-in${close.length ? `; did you mean ${close.join(', ')}?` : ''} (kinds: ${KINDS.join(', ')})`);
    }
  }
  const out: Record<string, readonly unknown[]> = {};
  for (const kind of KINDS) {
    const builtIn: readonly { name: string; aliases?: readonly string[] }[] = BUILT_IN_REGISTRIES[kind];
    const given: unknown = plugins[kind];
    if (given === undefined) {
      out[kind] = builtIn;
      continue;
    }
    if (!Array.isArray(given)) throw new InputError('OPTION_INVALID', `plugins.${kind}`, `expected an array of ${KIND_WORD[kind]} entries`);
    const taken = new Map<string, string>();
    for (const b of builtIn) for (const n of [b.name, ...(b.aliases ?? [])]) taken.set(n, `the built-in ${KIND_WORD[kind]} '${b.name}'`);
    const added: unknown[] = [];
    given.forEach((entry: unknown, i: number) => {
      const where = `plugins.${kind}[${i}]`;
      const { name } = checkEntry(entry, where);
      const owner = taken.get(name);
      if (owner !== undefined) throw new InputError('PLUGIN_INVALID', `${where} (${name})`, `the name is taken by ${owner}; a plug-in cannot replace it: give it a name of its own`);
      taken.set(name, `${where}`);
      added.push(guardOf(kind, entry));
    });
    out[kind] = Object.freeze([...builtIn, ...added]);
  }
  return Object.freeze(out) as unknown as Registries;
}

function guardOf(kind: (typeof KINDS)[number], entry: unknown): unknown {
  switch (kind) {
    case 'routingPolicies': return guardRoutingPolicy(entry as RoutingPolicyPlugin);
    case 'scorers': return guardScorer(entry as ScorerPlugin);
    case 'admissionPolicies': return guardAdmission(entry as AdmissionPlugin);
    case 'stepTimeModels': return guardStepTime(entry as StepTimePlugin);
  }
}
