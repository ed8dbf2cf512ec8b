/**
 * The YAML workload spec: everything flags cannot say (several clients, stages, sessions,
 * prefix groups). Parsing is a pure function of (text, fileName); every error is an
 * InputError naming `file:line` and the field path, with what was found and what was expected.
 * docs/workloads.md shows the format; examples/workload-*.yaml are complete specs.
 */
import { InputError, MAX_SEED, closeNames } from '../kernel/errors.js';
import { YamlLocator, describeValue, parseYamlFile, type YamlPath } from './yaml-locator.js';
import { ARRIVAL_PROCESSES } from './arrival.js';
import { parseLengthDist } from './lengths.js';
import { checkOptions, lookupEntry, type WhereFn } from './options.js';
import { PRESETS } from './presets.js';
import { MAX_DURATION_S, MAX_RATE_RPS, MAX_TOKENS_PER_REQUEST } from './check-request.js';
import { sloTargetsFromObject, type SloTargets } from './slo.js';
import type { ArrivalSpec, ClientSpec, PrefixSpec, SessionSpec, StageSpec, WorkloadSpec } from './types.js';

type Path = YamlPath;

/** Prompts a prefix block may define (groups, times prompts_per_group when cycled): the generator holds each. */
const MAX_PREFIX_PROMPTS = 1_000_000;

const TOP_FIELDS = ['seed', 'rate', 'num_requests', 'duration_s', 'arrival', 'clients', 'stages', 'slo_classes'] as const;
const CLIENT_FIELDS = ['name', 'preset', 'rate', 'rate_fraction', 'arrival', 'input', 'output', 'prefix', 'sessions', 'model', 'tenant', 'slo_class', 'priority'] as const;
const PREFIX_FIELDS = ['groups', 'tokens', 'select', 'prompts_per_group'] as const;
const SESSION_FIELDS = ['turns', 'think_time_s', 'start'] as const;
const STAGE_FIELDS = ['rate', 'scale', 'duration_s'] as const;
const SELECTS = ['random', 'round-robin', 'cycled'] as const;




class Reader {
  constructor(readonly loc: YamlLocator) {}

  map(v: unknown, path: Path, fields: readonly string[]): Record<string, unknown> {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      throw new InputError('SPEC_WRONG_TYPE', this.loc.where(path), `expected a mapping with fields ${fields.join(', ')}; found ${describeValue(v)}`);
    }
    const obj = v as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      if (!fields.includes(key)) {
        const close = closeNames(key, fields);
        const hint = close.length ? ` (did you mean ${close.join(', ')}?)` : '';
        throw new InputError('SPEC_UNKNOWN_FIELD', this.loc.where([...path, key]), `unknown field '${key}'${hint}; expected one of: ${fields.join(', ')}`);
      }
    }
    return obj;
  }

  number(v: unknown, path: Path, rule: { positive?: boolean; min?: number; max?: number; integer?: boolean } = {}): number | undefined {
    if (v === undefined) return undefined;
    const low = rule.positive ? ' > 0' : rule.min !== undefined ? ` >= ${rule.min}` : '';
    const range = rule.max === undefined ? low : rule.min !== undefined && !rule.positive ? ` from ${rule.min} to ${rule.max}` : `${low}${low === '' ? '' : ' and'} <= ${rule.max}`;
    const expected = `${rule.integer ? 'an integer' : 'a number'}${range}`;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InputError('SPEC_WRONG_TYPE', this.loc.where(path), `expected ${expected}; found ${describeValue(v)}`);
    }
    if ((rule.integer && !Number.isInteger(v)) || (rule.positive && v <= 0) || (rule.min !== undefined && v < rule.min) || (rule.max !== undefined && v > rule.max)) {
      throw new InputError('SPEC_OUT_OF_RANGE', this.loc.where(path), `expected ${expected}; found ${v}`);
    }
    return v;
  }

  required(v: unknown, path: Path, what: string): void {
    if (v === undefined || v === null) throw new InputError('SPEC_MISSING_FIELD', this.loc.where(path), `expected ${what}; found nothing`);
  }

  string(v: unknown, path: Path): string | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw new InputError('SPEC_WRONG_TYPE', this.loc.where(path), `expected a non-empty string; found ${describeValue(v)}`);
    return v;
  }

  list(v: unknown, path: Path): readonly unknown[] | undefined {
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length === 0) throw new InputError('SPEC_WRONG_TYPE', this.loc.where(path), `expected a non-empty list; found ${describeValue(v)}`);
    return v;
  }

  arrival(v: unknown, path: Path): ArrivalSpec | undefined {
    if (v === undefined) return undefined;
    let raw: Record<string, unknown>;
    if (typeof v === 'string') raw = { process: v };
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) raw = v as Record<string, unknown>;
    else throw new InputError('SPEC_WRONG_TYPE', this.loc.where(path), `expected a process name or {process, ...options}; found ${describeValue(v)}`);
    this.required(raw['process'], typeof v === 'string' ? path : [...path, 'process'], `'process' (one of ${ARRIVAL_PROCESSES.map((e) => e.name).join(', ')})`);
    const entry = lookupEntry(ARRIVAL_PROCESSES, raw['process'], 'arrival process', 'SPEC_UNKNOWN_PROCESS', this.loc.where(typeof v === 'string' ? path : [...path, 'process']));
    const options = checkOptions(entry, raw, this.loc.fn(path), ['process']);
    return Object.freeze({ process: entry.name, options: Object.freeze(options) });
  }

  prefix(v: unknown, path: Path): PrefixSpec | null | undefined {
    if (v === undefined) return undefined;
    if (v === null || v === false || v === 'none') return null;
    const o = this.map(v, path, PREFIX_FIELDS);
    this.required(o['groups'], [...path, 'groups'], 'the number of prefix groups (an integer >= 1)');
    this.required(o['tokens'], [...path, 'tokens'], 'the shared prefix length in tokens');
    // The generator holds one prompt per group (and per cycled prompt): a million at most.
    const groups = this.number(o['groups'], [...path, 'groups'], { integer: true, min: 1, max: MAX_PREFIX_PROMPTS })!;
    const tokens = this.number(o['tokens'], [...path, 'tokens'], { integer: true, min: 0, max: MAX_TOKENS_PER_REQUEST })!;
    const select = o['select'] ?? 'random';
    if (typeof select !== 'string' || !(SELECTS as readonly string[]).includes(select)) {
      throw new InputError('SPEC_UNKNOWN_VALUE', this.loc.where([...path, 'select']), `expected one of ${SELECTS.join(', ')}; found ${describeValue(select)}`);
    }
    const promptsPerGroup = this.number(o['prompts_per_group'], [...path, 'prompts_per_group'], { integer: true, min: 1, max: MAX_PREFIX_PROMPTS });
    if (promptsPerGroup !== undefined && groups * promptsPerGroup > MAX_PREFIX_PROMPTS) {
      throw new InputError('SPEC_OUT_OF_RANGE', this.loc.where([...path, 'prompts_per_group']), `expected groups × prompts_per_group <= ${MAX_PREFIX_PROMPTS}; found ${groups} × ${promptsPerGroup}`);
    }
    if (promptsPerGroup !== undefined && select !== 'cycled') {
      throw new InputError('SPEC_CONFLICT', this.loc.where([...path, 'prompts_per_group']), `expected prompts_per_group only with select: cycled; found select: ${select}`);
    }
    const out: PrefixSpec = select === 'cycled'
      ? { groups, tokens, select, promptsPerGroup: promptsPerGroup ?? 1 }
      : { groups, tokens, select: select as PrefixSpec['select'] };
    return Object.freeze(out);
  }

  sessions(v: unknown, path: Path): SessionSpec | null | undefined {
    if (v === undefined) return undefined;
    if (v === null || v === false || v === 'none') return null;
    const o = this.map(v, path, SESSION_FIELDS);
    this.required(o['turns'], [...path, 'turns'], 'turns per session (a number or a distribution)');
    this.required(o['think_time_s'], [...path, 'think_time_s'], 'the mean think time between turns in seconds');
    const turns = parseLengthDist(o['turns'], this.loc.fn([...path, 'turns']));
    // Past an hour a "turn" is another visit; and the sessions already under way at t = 0, which
    // the generator draws first, grow with rate × think time (1e12 s hung it).
    const thinkTimeS = this.number(o['think_time_s'], [...path, 'think_time_s'], { min: 0, max: 3600 })!;
    const start = o['start'];
    if (start !== undefined && start !== 'stationary' && start !== 'empty') {
      throw new InputError('SPEC_UNKNOWN_VALUE', this.loc.where([...path, 'start']), `expected stationary or empty; found ${describeValue(start)}`);
    }
    return Object.freeze({ turns, thinkTimeS, ...(start !== undefined ? { start } : {}) });
  }

  client(v: unknown, path: Path): ClientSpec {
    const o = this.map(v, path, CLIENT_FIELDS);
    const at = (k: string): Path => [...path, k];
    const preset = this.string(o['preset'], at('preset'));
    if (preset !== undefined) lookupEntry(PRESETS, preset, 'workload preset', 'SPEC_UNKNOWN_PRESET', this.loc.where(at('preset')));
    if (o['rate'] !== undefined && o['rate_fraction'] !== undefined) {
      throw new InputError('SPEC_CONFLICT', this.loc.where(at('rate_fraction')), "expected 'rate' or 'rate_fraction', not both");
    }
    if (preset === undefined) {
      this.required(o['input'], at('input'), "'input' (prompt tokens: a number or a distribution), or a 'preset'");
      this.required(o['output'], at('output'), "'output' (output tokens: a number or a distribution), or a 'preset'");
    }
    const client: ClientSpec = {
      name: this.string(o['name'], at('name')),
      preset,
      rateRps: this.number(o['rate'], at('rate'), { positive: true, max: MAX_RATE_RPS }),
      rateFraction: this.number(o['rate_fraction'], at('rate_fraction'), { positive: true, max: 1 }),
      arrival: this.arrival(o['arrival'], at('arrival')),
      input: o['input'] === undefined ? undefined : parseLengthDist(o['input'], this.loc.fn(at('input'))),
      output: o['output'] === undefined ? undefined : parseLengthDist(o['output'], this.loc.fn(at('output'))),
      prefix: this.prefix(o['prefix'], at('prefix')),
      sessions: this.sessions(o['sessions'], at('sessions')),
      model: this.string(o['model'], at('model')),
      modelAt: o['model'] !== undefined ? this.loc.where(at('model')) : undefined,
      tenant: this.string(o['tenant'], at('tenant')),
      sloClass: this.string(o['slo_class'], at('slo_class')),
      priority: this.number(o['priority'], at('priority'), { integer: true }),
    };
    if (client.sessions && client.prefix?.select === 'cycled') {
      throw new InputError('SPEC_CONFLICT', this.loc.where(at('sessions')), "expected 'sessions' or prefix select 'cycled' (fixed prompts), not both");
    }
    return Object.freeze(dropUndefined(client));
  }

  stage(v: unknown, path: Path): StageSpec {
    const o = this.map(v, path, STAGE_FIELDS);
    this.required(o['duration_s'], [...path, 'duration_s'], 'the stage length in seconds');
    if (o['rate'] !== undefined && o['scale'] !== undefined) {
      throw new InputError('SPEC_CONFLICT', this.loc.where([...path, 'scale']), "expected 'rate' or 'scale', not both");
    }
    return Object.freeze(dropUndefined({
      rateRps: this.number(o['rate'], [...path, 'rate'], { min: 0, max: MAX_RATE_RPS }),
      scale: this.number(o['scale'], [...path, 'scale'], { min: 0, max: MAX_RATE_RPS }),
      durationS: this.number(o['duration_s'], [...path, 'duration_s'], { positive: true, max: MAX_DURATION_S })!,
    }));
  }
}

function dropUndefined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

export function parseWorkloadSpec(text: string, fileName: string): WorkloadSpec {
  const { loc, value: content } = parseYamlFile(text, fileName, 'SPEC_YAML_SYNTAX');
  const r = new Reader(loc);
  // An empty file (or comments only) is a wrong path or an unsaved edit, not "every default".
  if (content === null || content === undefined) throw new InputError('SPEC_EMPTY', fileName, `is empty; expected a workload spec (${TOP_FIELDS.join(', ')}; docs/workloads.md)`);
  const root = r.map(content, [], TOP_FIELDS);
  const clients = r.list(root['clients'], ['clients'])?.map((c, i) => r.client(c, ['clients', i]));
  const stages = r.list(root['stages'], ['stages'])?.map((s, i) => r.stage(s, ['stages', i]));
  let sloClasses: Record<string, SloTargets> | undefined;
  if (root['slo_classes'] !== undefined) {
    const classes = root['slo_classes'];
    if (classes === null || typeof classes !== 'object' || Array.isArray(classes) || Object.keys(classes).length === 0) {
      throw new InputError('SPEC_WRONG_TYPE', loc.where(['slo_classes']), `expected a mapping of SLO class names to targets, e.g. {interactive: {ttft_p99: 200}}; found ${describeValue(classes)}`);
    }
    // fromEntries defines each name as the object's own key: a class called __proto__ stays a class.
    sloClasses = Object.fromEntries(Object.entries(classes as Record<string, unknown>).map(([name, targets]) => [name, sloTargetsFromObject(targets, loc.fn(['slo_classes', name]))]));
  }
  const spec: WorkloadSpec = {
    fileName,
    seed: r.number(root['seed'], ['seed'], { integer: true, min: 0, max: MAX_SEED }),
    rateRps: r.number(root['rate'], ['rate'], { positive: true, max: MAX_RATE_RPS }),
    numRequests: r.number(root['num_requests'], ['num_requests'], { integer: true, min: 1 }),
    durationS: r.number(root['duration_s'], ['duration_s'], { positive: true, max: MAX_DURATION_S }),
    arrival: r.arrival(root['arrival'], ['arrival']),
    clients: clients && Object.freeze(clients),
    stages: stages && Object.freeze(stages),
    sloClasses: sloClasses && Object.freeze(sloClasses),
  };
  if (clients) {
    const withRate = clients.filter((c) => c.rateRps !== undefined).length;
    const withFraction = clients.filter((c) => c.rateFraction !== undefined).length;
    if ((withRate > 0 && withRate < clients.length) || (withFraction > 0 && withFraction < clients.length)) {
      const kind = (c: ClientSpec) => (c.rateRps !== undefined ? 'rate' : c.rateFraction !== undefined ? 'rate_fraction' : 'none');
      const odd = clients.findIndex((c) => kind(c) !== kind(clients[0]!));
      throw new InputError('SPEC_MIXED_RATES', loc.where(['clients', odd]),
        `expected every client to give 'rate' or every client to give 'rate_fraction' (or none); found ${withRate} with rate and ${withFraction} with rate_fraction of ${clients.length}`);
    }
    const names = new Set<string>();
    clients.forEach((c, i) => {
      const name = c.name ?? `client${i}`;
      if (names.has(name)) throw new InputError('SPEC_DUPLICATE_CLIENT', loc.where(['clients', i, 'name']), `expected distinct client names; found '${name}' again`);
      names.add(name);
    });
  }
  return Object.freeze(dropUndefined(spec));
}
