/**
 * The sweep spec (YAML): `base` (run flags by their long names without `--`), `grid` (flag →
 * list of values, or a named axis → list of flag bundles; the cartesian product), `random` (ranges and choices, a sample count, a
 * seed), `slo` (targets as in `--slo`), `halving` (successive halving: short runs first, the
 * best 1/eta re-run longer). Parsing is pure; errors are InputErrors naming `file:line field`.
 * Which flags exist is the CLI's knowledge: `where(path)` lets it locate its own errors.
 */
import { InputError, MAX_SEED, closeNames } from '../kernel/errors.js';
import { describeValue, parseYamlFile, type YamlPath } from '../workload/yaml-locator.js';
import { sloKey, sloTargetsFromObject, type SloTargets } from '../workload/slo.js';

export type SweepValue = string | number | boolean;

/** A random parameter: a uniform range (optionally integer or log-uniform) or a choice. */
export type RandomParam =
  | { readonly kind: 'range'; readonly min: number; readonly max: number; readonly integer: boolean; readonly log: boolean }
  | { readonly kind: 'choice'; readonly values: readonly SweepValue[] };

export interface SweepSpec {
  readonly fileName: string;
  readonly base: Readonly<Record<string, SweepValue>>;
  /**
   * Axes in file order, each with its values in file order. A bundle axis (values that are
   * mappings of flags, for flags that only make sense together: a routing policy and its
   * scorers, a P/D split) has a free name, `bundles` and, as `values`, each bundle's label.
   */
  readonly grid: ReadonlyArray<{ readonly flag: string; readonly values: readonly SweepValue[]; readonly bundles?: ReadonlyArray<Readonly<Record<string, SweepValue>>> }>;
  readonly random: { readonly samples: number; readonly seed: number; readonly params: ReadonlyArray<{ readonly flag: string; readonly param: RandomParam }> } | null;
  readonly slo: SloTargets;
  readonly halving: { readonly eta: number; readonly rungs: number } | null;
  /** Locates a field of the spec for error messages (`file:line field.path`). */
  readonly where: (path: YamlPath) => string;
}

const TOP = ['base', 'grid', 'random', 'slo', 'halving'] as const;
const RANDOM = ['samples', 'seed', 'params'] as const;
const RANGE = ['min', 'max', 'integer', 'log'] as const;
const HALVING = ['eta', 'rungs'] as const;

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isScalar(v: unknown): v is SweepValue {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean';
}

export function parseSweepSpec(text: string, fileName: string): SweepSpec {
  const { loc, value } = parseYamlFile(text, fileName, 'SWEEP_YAML_SYNTAX');
  const where = (p: YamlPath): string => loc.where(p);
  const fields = (v: unknown, path: YamlPath, allowed: readonly string[]): Record<string, unknown> => {
    if (!isMap(v)) throw new InputError('SWEEP_WRONG_TYPE', where(path), `expected a mapping with fields ${allowed.join(', ')}; found ${describeValue(v)}`);
    for (const k of Object.keys(v)) {
      if (!allowed.includes(k)) {
        const close = closeNames(k, allowed, 3);
        throw new InputError('SWEEP_UNKNOWN_FIELD', where([...path, k]), `unknown field '${k}'${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}; expected one of: ${allowed.join(', ')}`);
      }
    }
    return v;
  };
  const number = (v: unknown, path: YamlPath, rule: { integer?: boolean; min?: number; max?: number }): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || (rule.integer && !Number.isInteger(v)) || (rule.min !== undefined && v < rule.min) || (rule.max !== undefined && v > rule.max)) {
      throw new InputError('SWEEP_OUT_OF_RANGE', where(path), `expected ${rule.integer ? 'an integer' : 'a number'}${rule.min !== undefined ? ` >= ${rule.min}` : ''}${rule.max !== undefined ? ` and <= ${rule.max}` : ''}; found ${describeValue(v)}`);
    }
    return v;
  };
  const flagName = (k: string, path: YamlPath): string => {
    if (k.startsWith('-')) throw new InputError('SWEEP_FLAG_NAME', where(path), `found '${k}'; expected the flag's long name without the leading --, e.g. ${k.replace(/^-+/, '')}`);
    return k;
  };

  // `$schema` names this file's JSON Schema for editors (schemas/sweep-spec.schema.json); nothing to read.
  const root = fields(value ?? {}, [], [...TOP, '$schema']);
  const base: Record<string, SweepValue> = {};
  if (root['base'] !== undefined) {
    if (!isMap(root['base'])) throw new InputError('SWEEP_WRONG_TYPE', where(['base']), `expected a mapping of run flags to values; found ${describeValue(root['base'])}`);
    for (const [k, v] of Object.entries(root['base'])) {
      if (!isScalar(v)) throw new InputError('SWEEP_WRONG_TYPE', where(['base', k]), `expected a string, number or boolean; found ${describeValue(v)}`);
      base[flagName(k, ['base', k])] = v;
    }
  }

  const grid: Array<{ flag: string; values: SweepValue[]; bundles?: Array<Record<string, SweepValue>> }> = [];
  if (root['grid'] !== undefined) {
    if (!isMap(root['grid'])) throw new InputError('SWEEP_WRONG_TYPE', where(['grid']), `expected a mapping of flags to lists of values; found ${describeValue(root['grid'])}`);
    for (const [k, v] of Object.entries(root['grid'])) {
      const list = Array.isArray(v) ? v : [v];
      if (list.length > 0 && list.every(isMap)) {
        const bundles = list.map((b, i) => {
          const out: Record<string, SweepValue> = {};
          for (const [f, x] of Object.entries(b as Record<string, unknown>)) {
            if (f === 'name') continue;
            if (!isScalar(x)) throw new InputError('SWEEP_WRONG_TYPE', where(['grid', k, i, f]), `expected a string, number or boolean; found ${describeValue(x)}`);
            out[flagName(f, ['grid', k, i, f])] = x;
          }
          if (Object.keys(out).length === 0) throw new InputError('SWEEP_WRONG_TYPE', where(['grid', k, i]), 'expected a bundle of at least one flag, e.g. {routing-policy: weighted, routing-scorers: "prefix-affinity:2,queue-depth:1"}');
          return out;
        });
        const values = list.map((b, i) => {
          const name = (b as Record<string, unknown>)['name'];
          return typeof name === 'string' && name !== '' ? name : Object.entries(bundles[i]!).map(([f, x]) => `${f}=${String(x)}`).join(' ');
        });
        if (new Set(values).size !== values.length) throw new InputError('SWEEP_DUPLICATE_VALUE', where(['grid', k]), 'two bundles have the same label; expected each once (give them distinct names)');
        grid.push({ flag: k, values, bundles });
        continue;
      }
      if (list.length === 0 || !list.every(isScalar)) throw new InputError('SWEEP_WRONG_TYPE', where(['grid', k]), `expected a non-empty list of strings, numbers or booleans, or of flag bundles (mappings); found ${describeValue(v)}`);
      const seen = new Set<string>();
      for (const x of list) {
        if (seen.has(String(x))) throw new InputError('SWEEP_DUPLICATE_VALUE', where(['grid', k]), `value ${JSON.stringify(x)} is listed twice; expected each value once`);
        seen.add(String(x));
      }
      grid.push({ flag: flagName(k, ['grid', k]), values: list });
    }
  }

  let random: SweepSpec['random'] = null;
  if (root['random'] !== undefined) {
    const r = fields(root['random'], ['random'], RANDOM);
    if (r['samples'] === undefined) throw new InputError('SWEEP_MISSING_FIELD', where(['random']), "expected 'samples' (how many random configurations)");
    if (!isMap(r['params']) || Object.keys(r['params']).length === 0) throw new InputError('SWEEP_MISSING_FIELD', where(['random', 'params']), 'expected params: a mapping of flags to {min, max} ranges or lists of choices');
    const params = Object.entries(r['params']).map(([k, v]) => {
      const path = ['random', 'params', k];
      if (Array.isArray(v)) {
        if (v.length === 0 || !v.every(isScalar)) throw new InputError('SWEEP_WRONG_TYPE', where(path), `expected a non-empty list of choices; found ${describeValue(v)}`);
        return { flag: flagName(k, path), param: { kind: 'choice' as const, values: v } };
      }
      const o = fields(v, path, RANGE);
      const min = number(o['min'], [...path, 'min'], {});
      const max = number(o['max'], [...path, 'max'], {});
      if (!(max > min)) throw new InputError('SWEEP_OUT_OF_RANGE', where([...path, 'max']), `expected max > min (${min}); found ${max}`);
      const log = o['log'] === true;
      if (log && min <= 0) throw new InputError('SWEEP_OUT_OF_RANGE', where([...path, 'min']), `a log-uniform range needs min > 0; found ${min}`);
      return { flag: flagName(k, path), param: { kind: 'range' as const, min, max, integer: o['integer'] === true, log } };
    });
    for (const p of params) {
      if (grid.some((g) => g.flag === p.flag)) throw new InputError('SWEEP_CONFLICT', where(['random', 'params', p.flag]), `'${p.flag}' is both a grid axis and a random parameter; expected one`);
    }
    // The sampled configurations are drawn up front: a million at most (1e30 ran out of memory).
    random = { samples: number(r['samples'], ['random', 'samples'], { integer: true, min: 1, max: 1_000_000 }), seed: r['seed'] === undefined ? 0 : number(r['seed'], ['random', 'seed'], { integer: true, min: 0, max: MAX_SEED }), params };
  }

  const slo = root['slo'] === undefined ? [] : sloTargetsFromObject(root['slo'], (k) => where(k === undefined ? ['slo'] : ['slo', k]));
  if (slo.length > 0 && (base['slo'] !== undefined || grid.some((g) => g.flag === 'slo'))) {
    throw new InputError('SWEEP_CONFLICT', where(['slo']), "targets given both as 'slo:' and as the slo flag; expected one");
  }

  let halving: SweepSpec['halving'] = null;
  if (root['halving'] !== undefined) {
    const h = fields(root['halving'] ?? {}, ['halving'], HALVING);
    halving = {
      eta: h['eta'] === undefined ? 3 : number(h['eta'], ['halving', 'eta'], { integer: true, min: 2 }),
      rungs: h['rungs'] === undefined ? 3 : number(h['rungs'], ['halving', 'rungs'], { integer: true, min: 2 }),
    };
    for (const f of ['num-requests', 'duration']) {
      if (grid.some((g) => g.flag === f) || random?.params.some((p) => p.flag === f)) {
        throw new InputError('SWEEP_CONFLICT', where(['halving']), `successive halving sets '${f}' per rung; expected it in base, not swept`);
      }
    }
  }
  if (grid.length === 0 && random === null) throw new InputError('SWEEP_MISSING_FIELD', where([]), "expected 'grid' or 'random' (or both): what to vary");
  return Object.freeze({ fileName, base, grid, random, slo, halving, where });
}

/** The spec's targets as the `--slo` flag value. */
export function sloFlag(slo: SloTargets): string | undefined {
  return slo.length === 0 ? undefined : slo.map((t) => `${sloKey(t)}=${t.ms}`).join(',');
}
