/**
 * An llm-d / Gateway API Inference Extension endpoint picker configuration (`kind:
 * EndpointPickerConfig`, the EPP's `--config-file`) as blis routing: the scheduling profile's
 * scorers and weights become the weighted policy's scorers, their parameters the scorers'
 * options. The shape (GIE `apix/config/v1alpha1` EndpointPickerConfig; llm-d-inference-scheduler
 * deploy/config/*.yaml): `plugins: [{type, name?, parameters?}]` and `schedulingProfiles: [{name,
 * plugins: [{pluginRef, weight?}]}]`, a plugin referred to by its name (its type when unnamed),
 * a scorer's weight 1 when unset.
 *
 * What blis has no counterpart for is refused by its field (EPP_UNSUPPORTED), never dropped:
 * random pickers (blis picks the highest score), filters other than the decode filter (which
 * passes every pod of an aggregated pool), more than one profile or the P/D profile handler
 * (blis's P/D is set by --prefill-instances / --decode-instances and --pd-decider).
 */
import { InputError, closeNames } from '../kernel/errors.js';
import { DEFAULT_LRU_CAPACITY_PER_SERVER } from './scorers/prefix-affinity.js';
import { loadAware } from './scorers/load-aware.js';
import { scorerNamed, type WeightedScorerSpec } from './scorers/registry.js';

export interface EppRouting {
  readonly scorers: readonly WeightedScorerSpec[];
  /** Options per scorer (its entry's option table), from the plugins' parameters. */
  readonly scorerOptions: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** What was read but changes nothing here, and what was approximated: one line each. */
  readonly notes: readonly string[];
}

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);

/** Plugin types (and llm-d's older short names) that pick, filter or handle profiles: what blis does with each. */
const PICKERS_MAX = new Set(['max-score-picker', 'max-score']);
const NO_OP = new Map<string, string>([
  ['single-profile-handler', 'one scheduling profile, as blis routes'],
  ['single-profile', 'one scheduling profile, as blis routes'],
  ['decode-filter', 'passes every pod of an aggregated pool (no prefill/decode roles here)'],
  ['decode', 'passes every pod of an aggregated pool (no prefill/decode roles here)'],
]);
/** Scorer types blis knows by another name than its registry aliases. */
const SCORER_TYPES = new Map<string, string>([
  ['prefix-cache', 'prefix-affinity'],
  ['kv-cache-scorer', 'kv-utilization'],
  ['kv-cache', 'kv-utilization'],
  ['queue', 'queue-depth'],
  ['load-aware', 'load-aware'],
  ['active-request', 'active-requests'],
]);

/**
 * Reads an EndpointPickerConfig already parsed from YAML or JSON. `where(path)` names a field
 * (file:line when the caller has a locator).
 */
export function eppRouting(doc: unknown, where: (path: readonly (string | number)[]) => string): EppRouting {
  const root = asObj(doc);
  if (root === undefined) throw new InputError('EPP_CONFIG_INVALID', where([]), 'expected a mapping (an EndpointPickerConfig)');
  if (root['kind'] !== undefined && root['kind'] !== 'EndpointPickerConfig') {
    throw new InputError('EPP_CONFIG_INVALID', where(['kind']), `found ${JSON.stringify(root['kind'])}; expected EndpointPickerConfig`);
  }
  const notes: string[] = [];
  const plugins = new Map<string, { type: string; parameters: Obj; index: number }>();
  const list = root['plugins'];
  if (!Array.isArray(list) || list.length === 0) throw new InputError('EPP_CONFIG_INVALID', where(['plugins']), 'expected a non-empty list of plugins ({type, name?, parameters?})');
  list.forEach((p, index) => {
    const o = asObj(p);
    const type = o?.['type'];
    if (o === undefined || typeof type !== 'string' || type === '') throw new InputError('EPP_CONFIG_INVALID', where(['plugins', index]), 'expected {type, name?, parameters?} with a type');
    const name = typeof o['name'] === 'string' && o['name'] !== '' ? o['name'] : type;
    if (plugins.has(name)) throw new InputError('EPP_CONFIG_INVALID', where(['plugins', index]), `a second plugin named '${name}'; expected each name once`);
    plugins.set(name, { type, parameters: asObj(o['parameters']) ?? {}, index });
  });
  for (const [name, p] of plugins) {
    if (p.type === 'pd-profile-handler' || p.type === 'pd-profile') {
      throw new InputError('EPP_UNSUPPORTED', where(['plugins', p.index]), `'${name}' (${p.type}): blis's prefill/decode disaggregation is set by --prefill-instances, --decode-instances and --pd-decider, not read from the EPP config`);
    }
    if (NO_OP.has(p.type) && !p.type.endsWith('filter')) notes.push(`${name}: ${NO_OP.get(p.type)!}`);
    else if (p.type.endsWith('handler') && !NO_OP.has(p.type)) {
      throw new InputError('EPP_UNSUPPORTED', where(['plugins', p.index]), `'${name}' (${p.type}): a request handler blis has no counterpart for`);
    }
  }
  // GIE's plugin configuration docs: with no scheduling profiles, one default profile holds every plugin.
  let profiles = root['schedulingProfiles'];
  if (profiles === undefined || profiles === null) {
    notes.push('no schedulingProfiles: one default profile with every plugin, as the EPP makes it');
    profiles = [{ name: 'default', plugins: [...plugins.entries()].filter(([, p]) => !p.type.endsWith('handler')).map(([name]) => ({ pluginRef: name })) }];
  }
  if (!Array.isArray(profiles) || profiles.length !== 1) {
    throw new InputError(Array.isArray(profiles) && profiles.length > 1 ? 'EPP_UNSUPPORTED' : 'EPP_CONFIG_INVALID', where(['schedulingProfiles']),
      `expected one scheduling profile (blis routes every request through one); found ${Array.isArray(profiles) ? profiles.length : 'none'}`);
  }
  const refs = asObj(profiles[0])?.['plugins'];
  if (!Array.isArray(refs)) throw new InputError('EPP_CONFIG_INVALID', where(['schedulingProfiles', 0, 'plugins']), 'expected a list of {pluginRef, weight?}');
  const scorers: WeightedScorerSpec[] = [];
  const scorerOptions: Record<string, Record<string, number>> = {};
  refs.forEach((r, i) => {
    const at = ['schedulingProfiles', 0, 'plugins', i];
    const ref = asObj(r)?.['pluginRef'];
    const p = typeof ref === 'string' ? plugins.get(ref) : undefined;
    if (typeof ref !== 'string' || p === undefined) {
      const close = typeof ref === 'string' ? closeNames(ref, [...plugins.keys()]) : [];
      throw new InputError('EPP_CONFIG_INVALID', where([...at, 'pluginRef']), `found ${JSON.stringify(ref)}; expected the name of a plugin above${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}`);
    }
    if (PICKERS_MAX.has(p.type)) return;
    if (NO_OP.has(p.type)) {
      notes.push(`${ref}: ${NO_OP.get(p.type)!}`);
      return;
    }
    const name = scorerName(p.type, p.parameters);
    if (name === undefined) {
      const what = p.type.endsWith('picker') ? 'blis routes to the highest score (max-score-picker)' : p.type.endsWith('filter') ? 'blis filters pods by role only, with prefill/decode pools' : 'not a scorer blis models';
      throw new InputError('EPP_UNSUPPORTED', where([...at, 'pluginRef']), `'${ref}' (${p.type}): ${what}`);
    }
    const w = asObj(r)!['weight'];
    if (w !== undefined && (typeof w !== 'number' || !Number.isFinite(w) || w < 0)) throw new InputError('EPP_CONFIG_INVALID', where([...at, 'weight']), `found ${JSON.stringify(w)}; expected a number ≥ 0`);
    if (scorers.some((s) => s.name === name)) throw new InputError('EPP_CONFIG_INVALID', where(at), `a second '${name}' scorer; expected each scorer once`);
    scorers.push({ name, weight: typeof w === 'number' ? w : 1 });
    const options = scorerParameters(name, p.parameters, notes, ref, (key) => where(['plugins', p.index, 'parameters', key]));
    if (Object.keys(options).length > 0) scorerOptions[name] = options;
  });
  if (scorers.length === 0) throw new InputError('EPP_CONFIG_INVALID', where(['schedulingProfiles', 0, 'plugins']), 'no scorer in the profile; expected at least one (e.g. queue-scorer)');
  const referenced = new Set(refs.map((r) => asObj(r)?.['pluginRef']));
  for (const [name, p] of plugins) {
    if (!referenced.has(name) && !p.type.endsWith('handler')) notes.push(`${name}: defined but in no scheduling profile, so not used (as in the EPP)`);
  }
  return { scorers, scorerOptions, notes };
}

/** blis's scorer for a plugin type, or undefined when blis has none. */
function scorerName(type: string, parameters: Obj): string | undefined {
  // llm-d's prefix-cache-scorer in cache_tracking mode reads the pods' KV events (the precise scorer).
  if ((type === 'prefix-cache-scorer' || type === 'prefix-cache') && parameters['mode'] === 'cache_tracking') return 'precise-prefix-cache';
  return scorerNamed(SCORER_TYPES.get(type) ?? type)?.name;
}

/**
 * The parameters blis has an option for, converted; the others are noted. llm-d's
 * prefix-cache-scorer keeps one LRU per pod: with `autoTune` (default true) sized to the pod's
 * CacheNumBlocks, which every blis instance reports (its KV blocks, the option's default 0), else
 * `lruCapacityPerServer` (default 31250) blocks. llm-d HEAD's approximateprefix/plugin.go
 * `makeserver` passes the 31250 constant rather than the parameter (since GIE #2453); blis
 * takes the parameter, as the plugin's README and the code before that refactor do. Its blocks
 * are the engine's, not `blockSizeTokens` (noted); `maxPrefixBlocksToMatch` caps the blocks it
 * matches and counts. The load-aware scorer's `threshold` and the active-request scorer's
 * `idleThreshold` and `maxBusyScore` are their own.
 */
function scorerParameters(name: string, parameters: Obj, notes: string[], ref: string, whereParam: (key: string) => string): Record<string, number> {
  const out: Record<string, number> = {};
  if (name === 'prefix-affinity') {
    const autoTune = parameters['autoTune'] !== false;
    const perServer = parameters['lruCapacityPerServer'];
    // Read, not defaulted past: a capacity that is not a positive whole number is a typo in the file.
    if (perServer !== undefined && !(typeof perServer === 'number' && Number.isInteger(perServer) && perServer >= 1)) {
      throw new InputError('EPP_CONFIG_INVALID', whereParam('lruCapacityPerServer'), `found ${JSON.stringify(perServer)}; expected a positive whole number of blocks per pod`);
    }
    if (!autoTune) out['lruCapacityPerServer'] = typeof perServer === 'number' ? perServer : DEFAULT_LRU_CAPACITY_PER_SERVER;
    else if (perServer !== undefined) notes.push(`${ref}: lruCapacityPerServer not used: with autoTune each pod's LRU holds its KV cache's blocks (CacheNumBlocks), which every blis instance reports`);
  }
  const prefix = name === 'prefix-affinity' || name === 'precise-prefix-cache';
  for (const [key, value] of Object.entries(parameters)) {
    // `mode` chose the scorer (scorerName); the LRU parameters were read above.
    if ((prefix && key === 'mode') || (name === 'prefix-affinity' && (key === 'lruCapacityPerServer' || key === 'autoTune'))) {
      continue;
    } else if (name === 'prefix-affinity' && key === 'maxPrefixBlocksToMatch' && typeof value === 'number' && value >= 1) {
      out['maxPrefixBlocks'] = Math.floor(value);
    } else if (name === 'active-requests' && (key === 'idleThreshold' || key === 'maxBusyScore') && typeof value === 'number' && value >= 0) {
      out[key] = value;
    } else if (name === 'load-aware' && key === 'threshold' && typeof value === 'number' && value > 0) {
      out['threshold'] = value;
    } else if (name === 'load-aware' && key === 'threshold' && typeof value === 'number') {
      // llm-d's NewLoadAware (loadaware/load_aware.go) replaces a threshold ≤ 0 by QueueThresholdDefault, as blis's scorer does.
      notes.push(`${ref}: threshold ${value} is not positive: the EPP uses its default ${loadAware.options['threshold']!.default}, and so does blis`);
    } else {
      notes.push(`${ref}: parameter ${key} not modelled (blis's ${name} scorer has no counterpart${prefix ? "; its blocks are the engine's KV blocks" : ''})`);
    }
  }
  return out;
}
