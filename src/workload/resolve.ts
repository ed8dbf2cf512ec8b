/**
 * Options in, resolved workload out (STYLE "Configuration"): defaults, then a preset or a
 * spec file, then flags, layered once here; the result is frozen and records where each
 * top-level field came from.
 */
import { InputError, checkSeed } from '../kernel/errors.js';
import { decimalNumber } from '../kernel/decimal.js';
import { ARRIVAL_PROCESSES } from './arrival.js';
import { checkOptions, lookupEntry } from './options.js';
import { PRESETS, type PresetEntry } from './presets.js';
import type { ArrivalSpec, ClientSpec, FieldSource, ResolvedClient, ResolvedStage, ResolvedWorkload, WorkloadSpec } from './types.js';
import { MAX_DURATION_S, MAX_RATE_RPS } from './check-request.js';

export interface WorkloadOptions {
  /** Preset name (`--workload`); used when the spec defines no clients. */
  readonly preset?: string;
  readonly spec?: WorkloadSpec;
  /** Total request rate, requests per second (`--rate`). */
  readonly rate?: number;
  readonly numRequests?: number;
  readonly durationS?: number;
  /** Arrival process for every client (`--arrival poisson`, `--arrival gamma:cv=3`). */
  readonly arrival?: string;
  readonly seed?: number;
}

/**
 * Applied when nothing else sets the field. 1,000 requests bound a workload that has neither
 * a count, a duration nor stages: enough for stable p99s, a second of wall time to simulate.
 */
export const WORKLOAD_DEFAULTS = Object.freeze({
  preset: 'chatbot',
  rateRps: 10,
  numRequests: 1000,
  seed: 0,
  arrival: Object.freeze({ process: 'poisson', options: Object.freeze({}) }) as ArrivalSpec,
});

export function findPreset(name: string, where: string): PresetEntry {
  return lookupEntry(PRESETS, name, 'workload preset', 'WORKLOAD_UNKNOWN_PRESET', where);
}

/** Parses `name` or `name:key=value,key=value` (the `--arrival` flag's syntax). */
export function parseArrivalFlag(text: string, where = '--arrival'): ArrivalSpec {
  const [name, rest] = text.split(':', 2) as [string, string | undefined];
  const entry = lookupEntry(ARRIVAL_PROCESSES, name.trim(), 'arrival process', 'FLAG_UNKNOWN_VALUE', where);
  const raw: Record<string, unknown> = {};
  for (const part of (rest ?? '').split(',').filter((p) => p.trim() !== '')) {
    const [k, v] = part.split('=', 2) as [string, string | undefined];
    const key = k.trim();
    if (key in raw) throw new InputError('FLAG_MALFORMED', where, `found '${key}' twice; expected each option once`);
    // A known option without a value would read as absent and take its default without a word.
    if (v === undefined && key in entry.options) throw new InputError('FLAG_MALFORMED', where, `found '${key}' without a value; expected ${key}=<number>, e.g. ${entry.name}:${key}=2`);
    const value = v === undefined ? NaN : decimalNumber(v);
    raw[key] = Number.isFinite(value) ? value : v;
  }
  const options = checkOptions(entry, raw, () => where);
  return Object.freeze({ process: entry.name, options: Object.freeze(options) });
}

function positiveFlag(value: number | undefined, flag: string, integer = false): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new InputError('FLAG_OUT_OF_RANGE', flag, `expected a ${integer ? 'positive integer' : 'number > 0'}; found ${value}`);
  }
  return value;
}

function mergeClient(client: ClientSpec, where: string): ClientSpec {
  if (client.preset === undefined) return client;
  const base = findPreset(client.preset, where).client;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(client)) if (v !== undefined) out[k] = v;
  return out as ClientSpec;
}

export function resolveWorkload(options: WorkloadOptions): ResolvedWorkload {
  const spec = options.spec;
  const rateFlag = positiveFlag(options.rate, '--rate');
  const countFlag = positiveFlag(options.numRequests, '--num-requests', true);
  const durationFlag = positiveFlag(options.durationS, '--duration');
  if (durationFlag !== undefined && durationFlag > MAX_DURATION_S) throw new InputError('FLAG_OUT_OF_RANGE', '--duration', `found ${durationFlag} s; expected at most ${MAX_DURATION_S} s (32 years), where microsecond times stay exact`);
  if (options.seed !== undefined) checkSeed(options.seed, '--seed');

  // Clients: the spec's, else the preset's, else the default preset.
  let clientSpecs: readonly ClientSpec[];
  let clientsSource: FieldSource;
  if (spec?.clients && spec.clients.length > 0) {
    if (options.preset !== undefined) {
      throw new InputError('WORKLOAD_CONFLICT', '--workload',
        `both a preset ('${options.preset}') and a spec with clients (${spec.fileName}) were given; expected one (a spec without clients takes its clients from the preset)`);
    }
    clientSpecs = spec.clients.map((c, i) => mergeClient(c, `${spec.fileName} clients[${i}].preset`));
    clientsSource = 'spec';
  } else {
    const preset = findPreset(options.preset ?? WORKLOAD_DEFAULTS.preset, '--workload');
    clientSpecs = [preset.client];
    clientsSource = options.preset !== undefined ? 'flag' : 'default';
  }

  // Arrival: flag > client > spec default > preset > poisson.
  const arrivalFlag = options.arrival !== undefined ? parseArrivalFlag(options.arrival) : undefined;
  const arrivalSource: FieldSource = arrivalFlag ? 'flag' : spec?.arrival || spec?.clients?.some((c) => c.arrival) ? 'spec' : clientsSource === 'default' ? 'default' : 'preset';

  // Shares of the total rate.
  const absolute = clientSpecs.map((c) => c.rateRps);
  const fractions = clientSpecs.map((c) => c.rateFraction);
  const absSum = absolute.reduce<number>((a, r) => a + (r ?? 0), 0);
  let shares: number[];
  if (absolute.every((r) => r !== undefined)) shares = absolute.map((r) => r! / absSum);
  else if (fractions.every((f) => f !== undefined)) {
    const sum = fractions.reduce<number>((a, f) => a + f!, 0);
    shares = fractions.map((f) => f! / sum);
  } else if (absolute.every((r) => r === undefined) && fractions.every((f) => f === undefined)) {
    shares = clientSpecs.map(() => 1 / clientSpecs.length);
  } else {
    throw new InputError('SPEC_MIXED_RATES', `${spec?.fileName ?? 'workload'} clients`,
      'expected every client to give `rate` or every client to give `rate_fraction` (or none); found a mixture');
  }

  const rateRps = rateFlag ?? spec?.rateRps ?? (absSum > 0 && absolute.every((r) => r !== undefined) ? absSum : WORKLOAD_DEFAULTS.rateRps);
  const rateSource: FieldSource = rateFlag !== undefined ? 'flag' : spec?.rateRps !== undefined || absSum > 0 ? 'spec' : 'default';

  if (rateRps > MAX_RATE_RPS) throw new InputError('FLAG_OUT_OF_RANGE', rateFlag !== undefined ? '--rate' : `${spec?.fileName ?? 'workload'}: rate`, `found ${rateRps} requests/s; expected at most ${MAX_RATE_RPS} (past any served fleet)`);
  let startS = 0;
  const stages: ResolvedStage[] = (spec?.stages ?? []).map((s, index) => {
    const stage = Object.freeze({ index, startS, durationS: s.durationS, rateRps: s.rateRps ?? (s.scale ?? 1) * rateRps });
    if (stage.rateRps > MAX_RATE_RPS) throw new InputError('SPEC_OUT_OF_RANGE', `${spec?.fileName ?? 'workload'}: stages[${index}]`, `found a rate of ${stage.rateRps} requests/s (scale × rate); expected at most ${MAX_RATE_RPS}`);
    startS += s.durationS;
    return stage;
  });
  const stagesS = startS;

  const clients: ResolvedClient[] = clientSpecs.map((c, i) => {
    if (!c.input || !c.output) {
      throw new InputError('SPEC_MISSING_FIELD', `${spec?.fileName ?? 'workload'} clients[${i}]`, "expected 'input' and 'output' (or a 'preset'); found neither");
    }
    return Object.freeze({
      name: c.name ?? `client${i}`,
      share: shares[i]!,
      arrival: arrivalFlag ?? c.arrival ?? spec?.arrival ?? WORKLOAD_DEFAULTS.arrival,
      input: c.input,
      output: c.output,
      prefix: c.prefix ?? null,
      sessions: c.sessions ?? null,
      model: c.model ?? null,
      tenant: c.tenant ?? null,
      sloClass: c.sloClass ?? null,
      priority: c.priority ?? null,
    });
  });
  const names = new Set<string>();
  for (const c of clients) {
    if (names.has(c.name)) throw new InputError('SPEC_DUPLICATE_CLIENT', `${spec?.fileName ?? 'workload'} clients`, `expected distinct client names; found '${c.name}' twice`);
    names.add(c.name);
  }

  let durationS: number | null = durationFlag ?? spec?.durationS ?? (stages.length > 0 ? stagesS : null);
  let durationSource: FieldSource = durationFlag !== undefined ? 'flag' : spec?.durationS !== undefined || stages.length > 0 ? 'spec' : 'default';
  const numRequests: number | null = countFlag ?? spec?.numRequests ?? (durationS === null ? WORKLOAD_DEFAULTS.numRequests : null);
  const countSource: FieldSource = countFlag !== undefined ? 'flag' : spec?.numRequests !== undefined ? 'spec' : 'default';
  // A count-only workload runs about count / rate seconds: past 10^9 s its arrival times stop being
  // exact microseconds, which the run would only find at the first request.
  if (durationS === null && numRequests !== null && numRequests / rateRps > MAX_DURATION_S) {
    throw new InputError('FLAG_OUT_OF_RANGE', rateFlag !== undefined ? '--rate' : countFlag !== undefined ? '--num-requests' : `${spec?.fileName ?? 'workload'}: rate`,
      `found ${rateRps} requests/s for ${numRequests} requests, about ${Number((numRequests / rateRps).toPrecision(3)).toExponential()} s of arrivals; expected at most ${MAX_DURATION_S} s (32 years), where microsecond times stay exact (raise the rate or give a duration)`);
  }
  // exact-count needs a stage length: a count-only workload becomes one stage of count / rate seconds.
  if (durationS === null && clients.some((c) => c.arrival.process === 'exact-count')) {
    durationS = numRequests! / rateRps;
    durationSource = 'default';
  }

  const seed = options.seed ?? spec?.seed ?? WORKLOAD_DEFAULTS.seed;
  const sources = {
    seed: options.seed !== undefined ? 'flag' : spec?.seed !== undefined ? 'spec' : 'default',
    rateRps: rateSource,
    numRequests: countSource,
    durationS: durationSource,
    clients: clientsSource,
    stages: stages.length > 0 ? 'spec' : 'default',
    arrival: arrivalSource,
  } satisfies Record<keyof ResolvedWorkload['sources'], FieldSource>;

  const resolved = {
    seed,
    rateRps,
    numRequests,
    durationS,
    clients: Object.freeze(clients),
    stages: Object.freeze(stages),
    sloClasses: spec?.sloClasses ?? Object.freeze({}),
    sources: Object.freeze(sources),
  } satisfies Record<keyof ResolvedWorkload, unknown>;
  return Object.freeze(resolved);
}
