/**
 * Plug-in option descriptors shared by the arrival and length registries: one place that says
 * which options an entry takes, their units and defaults, so the spec parser, `--help` and
 * docs/workloads.md are generated from the entries rather than restating them.
 */
import { InputError, closeNames, showValue } from '../kernel/errors.js';
import { MAX_DURATION_S } from './check-request.js';

export interface OptionSpec {
  readonly describe: string;
  readonly unit?: string;
  /** Applied when the option is absent; no default and not `optional` means required. */
  readonly default?: number;
  readonly optional?: boolean;
  /** `numbers` is a list of numbers (the empirical distribution's values and weights). */
  readonly kind?: 'number' | 'numbers';
  /** Inclusive lower bound; `positive` means strictly greater than 0. */
  readonly min?: number;
  readonly positive?: boolean;
}

export type OptionValues = Readonly<Record<string, number | readonly number[]>>;

/** Where an option lives, for error messages: the field path and (when from a file) file:line. */
export type WhereFn = (key?: string) => string;

/** A registry entry's common face. */
export interface Entry {
  readonly name: string;
  readonly describe: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
}

export function lookupEntry<E extends { readonly name: string }>(
  registry: readonly E[], name: unknown, what: string, code: string, where: string,
): E {
  const names = registry.map((e) => e.name);
  if (typeof name !== 'string') {
    throw new InputError(code, where, `${what} must be a string naming one of ${names.join(', ')}; found ${JSON.stringify(name)}`);
  }
  const entry = registry.find((e) => e.name === name);
  if (entry) return entry;
  const close = closeNames(name, names);
  const hint = close.length ? ` (did you mean ${close.join(', ')}?)` : '';
  throw new InputError(code, where, `unknown ${what} '${name}'${hint}; known: ${names.join(', ')}`);
}

/**
 * Checks raw option values against an entry (unknown keys, types, bounds, required) and
 * applies defaults. Errors name the field through `where`.
 */
export function checkOptions(entry: Entry, raw: Readonly<Record<string, unknown>>, where: WhereFn, ignore: readonly string[] = []): OptionValues {
  const out: Record<string, number | readonly number[]> = {};
  const known = Object.keys(entry.options);
  for (const key of Object.keys(raw)) {
    if (ignore.includes(key)) continue;
    if (!(key in entry.options)) {
      const close = closeNames(key, known);
      const hint = close.length ? ` (did you mean ${close.join(', ')}?)` : '';
      throw new InputError('SPEC_UNKNOWN_FIELD', where(key),
        `unknown option '${key}' for ${entry.name}${hint}; expected one of: ${known.join(', ') || '(none)'}`);
    }
  }
  for (const [key, spec] of Object.entries(entry.options)) {
    const value = raw[key];
    if (value === undefined || value === null) {
      if (spec.default !== undefined) out[key] = spec.default;
      else if (!spec.optional) {
        throw new InputError('SPEC_MISSING_FIELD', where(key), `${entry.name} needs '${key}' (${spec.describe}); found nothing`);
      }
      continue;
    }
    if (spec.kind === 'numbers') {
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new InputError('SPEC_WRONG_TYPE', where(key), `expected a non-empty list of numbers; found ${showValue(value)}`);
      }
      const bad = value.find((v: number) => (spec.positive && v <= 0) || (spec.min !== undefined && v < spec.min));
      if (bad !== undefined) {
        throw new InputError('SPEC_OUT_OF_RANGE', where(key), `expected every value ${spec.positive ? '> 0' : `>= ${spec.min}`}; found ${bad}`);
      }
      out[key] = value as number[];
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InputError('SPEC_WRONG_TYPE', where(key), `expected a number${spec.unit ? ` (${spec.unit})` : ''}; found ${showValue(value)}`);
    }
    if (spec.positive && value <= 0) {
      throw new InputError('SPEC_OUT_OF_RANGE', where(key), `expected ${key} > 0; found ${value}`);
    }
    if (spec.min !== undefined && value < spec.min) {
      throw new InputError('SPEC_OUT_OF_RANGE', where(key), `expected ${key} >= ${spec.min}; found ${value}`);
    }
    // A time in seconds (an autoscaler's scrape interval, a start-up delay) stays where microsecond times are exact.
    if (spec.unit === 's' && value > MAX_DURATION_S) {
      throw new InputError('SPEC_OUT_OF_RANGE', where(key), `found ${key} ${value} s; expected at most ${MAX_DURATION_S} s (32 years), where microsecond times stay exact`);
    }
    // A share (of KV blocks, of slots, of requests) cannot pass the whole.
    if (spec.unit === 'fraction' && value > 1) {
      throw new InputError('SPEC_OUT_OF_RANGE', where(key), `expected ${key} as a fraction <= 1; found ${value}`);
    }
    out[key] = value;
  }
  return out;
}

export function num(values: OptionValues, key: string): number | undefined {
  const v = values[key];
  return typeof v === 'number' ? v : undefined;
}
