/**
 * Typed field access for experiment files: every failure is an InputError naming the file and
 * the field path (`x.json: vllm.max_num_seqs`) with what was found and what was expected.
 */
import { InputError } from '../kernel/errors.js';

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export class Reader {
  constructor(readonly file: string) {}

  fail(field: string, message: string, code = 'EXPERIMENT_BAD_FIELD'): never {
    throw new InputError(code, `${this.file}: ${field}`, message);
  }

  obj(o: Obj, key: string, path: string): Obj {
    const v = o[key];
    if (!isObj(v)) this.fail(`${path}${key}`, v === undefined ? 'missing object' : `expected an object, found ${JSON.stringify(v)}`, v === undefined ? 'EXPERIMENT_MISSING_FIELD' : 'EXPERIMENT_BAD_FIELD');
    return v;
  }

  /** An object, or undefined when absent or null; any other type is an error. */
  optObj(o: Obj, key: string, path: string): Obj | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (!isObj(v)) this.fail(`${path}${key}`, `expected an object or null, found ${JSON.stringify(v)}`);
    return v;
  }

  str(o: Obj, key: string, path: string): string {
    const v = o[key];
    if (typeof v !== 'string' || v === '') this.fail(`${path}${key}`, v === undefined || v === null ? 'missing (expected a non-empty string)' : `expected a non-empty string, found ${JSON.stringify(v)}`, v === undefined || v === null ? 'EXPERIMENT_MISSING_FIELD' : 'EXPERIMENT_BAD_FIELD');
    return v;
  }

  num(o: Obj, key: string, path: string): number {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`${path}${key}`, v === undefined || v === null ? 'missing (expected a number)' : `expected a number, found ${JSON.stringify(v)}`, v === undefined || v === null ? 'EXPERIMENT_MISSING_FIELD' : 'EXPERIMENT_BAD_FIELD');
    return v;
  }

  /** A finite number, or undefined when absent or null; any other value is an error. */
  optNum(o: Obj | undefined, key: string, path: string): number | undefined {
    const v = o?.[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`${path}${key}`, `expected a number or null, found ${JSON.stringify(v)}`);
    return v;
  }

  /** A number > 0 (or ≥ 0 with `allowZero`), or undefined when absent or null. */
  optPositive(o: Obj | undefined, key: string, path: string, what: string, allowZero = false, code = 'EXPERIMENT_BAD_FIELD'): number | undefined {
    const v = o?.[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (v === 0 && !allowZero)) {
      this.fail(`${path}${key}`, `found ${JSON.stringify(v)}; expected ${allowZero ? 'a non-negative' : 'a positive'} number (${what}) or null when unknown`, code);
    }
    return v;
  }

  /** Null or absent → null ("derive"); a wrong type is an error. */
  nullableNum(o: Obj, key: string, path: string): number | null {
    const v = o[key];
    if (v === null || v === undefined) return null;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) this.fail(`${path}${key}`, `expected a non-negative number or null, found ${JSON.stringify(v)}`);
    return v;
  }

  nullableBool(o: Obj, key: string, path: string): boolean | null {
    const v = o[key];
    if (v === null || v === undefined) return null;
    if (typeof v !== 'boolean') this.fail(`${path}${key}`, `expected true, false or null, found ${JSON.stringify(v)}`);
    return v;
  }
}

/** Drops undefined fields so that "the file lacks it" is an absent key, never a zero. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
