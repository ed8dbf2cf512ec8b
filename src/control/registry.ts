/**
 * The four pipeline stages are plug-ins: each kind has a registry of entries (name, one-line
 * description, options with defaults and units, factory). A stage's name exists only in its
 * entry; the policy parser, error messages and docs are generated from these lists. Adding a
 * stage is one file plus one line in `stages.ts`.
 */
import type { OptionSpec, OptionValues } from '../workload/options.js';

export type { OptionSpec, OptionValues };

export interface StageEntry<T, C> {
  readonly name: string;
  readonly describe: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  create(options: OptionValues, ctx: C): T;
  /** Checks between options (after each was checked alone); throws an InputError at `where(key)`. */
  check?(options: OptionValues, where: (key: string) => string): void;
}

/** A stage chosen by a policy: its entry name and checked options (defaults applied). */
export interface StageChoice {
  readonly name: string;
  readonly options: OptionValues;
}

/** A numeric option (the policy parser applied defaults, so a missing value is a programming error). */
export function opt(values: OptionValues, key: string): number {
  const v = values[key];
  if (typeof v !== 'number') throw new Error(`option '${key}' missing after defaults were applied`);
  return v;
}

/** Defaults of an entry's options, for a stage chosen without a policy file. */
export function defaultOptions(entry: { readonly options: Readonly<Record<string, OptionSpec>> }): OptionValues {
  const out: Record<string, number> = {};
  for (const [k, spec] of Object.entries(entry.options)) if (spec.default !== undefined) out[k] = spec.default;
  return out;
}
