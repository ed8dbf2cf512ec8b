/**
 * The step-time model registry: the only place a model's name exists. `--help` choices,
 * validation messages and docs lists come from STEP_TIME_MODELS. It is also the one place that
 * decides which model a run uses (`resolveStepTime`: name, default, coefficients file) and
 * builds it for a pool (`createStepTimeModel`); every command, the cluster and the validation
 * harness go through these two.
 */
import { InputError, closeNames } from '../kernel/errors.js';
import type { RequestOverheads, StepTimeContext, StepTimeModel, StepTimeModelEntry } from './step-time.js';
import { createRoofline } from './roofline.js';
import { ROOFLINE_OPTIONS, readNumericOptions, type StepTimeOption } from './roofline-params.js';
import { coefficientsFromJson, createFitted, defaultCoefficients } from './fitted.js';
import { LINEAR_OPTIONS, createLinear, linearDerivation } from './linear.js';
import { moeJitFacts } from './moe-jit.js';

/** A registry entry with its options (defaults and units); `default: undefined` = derived. */
export interface StepTimeEntry extends StepTimeModelEntry {
  readonly options: Readonly<Record<string, StepTimeOption>>;
  /**
   * Optional: options this model derives from the (model, GPU, TP) when they are left out, as one
   * sentence for the config echo's derivations (null when nothing is derived). A model whose
   * defaults are constants in its options table has none.
   */
  readonly derivation?: (ctx: StepTimeContext, options: Record<string, unknown>) => string | null;
}

export const roofline: StepTimeEntry = {
  name: 'roofline',
  describe: 'per-operator max(FLOPs/peak, bytes/bandwidth) with efficiency factors, TP all-reduce and fixed per-step overhead',
  options: ROOFLINE_OPTIONS,
  create: createRoofline,
};

export const fitted: StepTimeEntry = {
  name: 'fitted',
  describe: 'roofline basis terms times coefficients fitted by blis calibrate (embedded default with provenance), plus per-request overheads',
  options: {
    coefficients: { default: undefined, unit: 'json', describe: `parsed coefficients file (blis.step-coefficients/v1); default: embedded coefficients/default.json` },
    source: { default: undefined, unit: 'text', describe: 'where the coefficients came from (a file name), named in error messages' },
  },
  create: createFitted,
};

export const linear: StepTimeEntry = {
  name: 'linear',
  describe: 'α0 + α1·prefill tokens + α2·decode tokens + α3·context tokens (defaults linearise the roofline)',
  options: LINEAR_OPTIONS,
  create: createLinear,
  derivation: linearDerivation,
};

export const STEP_TIME_MODELS: readonly StepTimeEntry[] = Object.freeze([roofline, fitted, linear]);

export function stepTimeModelNames(models: readonly StepTimeEntry[] = STEP_TIME_MODELS): string[] {
  return models.map((e) => e.name);
}

/**
 * The entry named `name` in `models` (the run's registry: STEP_TIME_MODELS and a library caller's
 * plug-ins); unknown → InputError UNKNOWN_STEP_TIME_MODEL listing known names.
 */
export function getStepTimeModel(name: string, where = '--latency-model', models: readonly StepTimeEntry[] = STEP_TIME_MODELS): StepTimeEntry {
  const key = name.trim().toLowerCase();
  const e = models.find((x) => x.name === key);
  if (e) return e;
  const close = closeNames(name, stepTimeModelNames(models));
  throw new InputError('UNKNOWN_STEP_TIME_MODEL', where, `unknown step-time model '${name}'; ${close.length ? `did you mean ${close.join(', ')}? ` : ''}known: ${stepTimeModelNames(models).join(', ')}`);
}

/** The model `--latency-model` defaults to: `fitted` once the embedded coefficients are fitted, else `roofline`. */
export function defaultStepTimeModelName(): string {
  return defaultCoefficients().provenance.status === 'fitted' ? 'fitted' : 'roofline';
}

/** What files and flags may say about the step-time model (all optional). */
export interface StepTimeOptions {
  /** A registry name; absent or `default`: the registry's default (defaultStepTimeModelName). */
  readonly name?: string;
  /** A parsed blis.step-coefficients/v1 document (implies `fitted`). */
  readonly coefficients?: unknown;
  /** Where the coefficients came from (a file path): named in messages and echoed in the metrics JSON. */
  readonly coefficientsSource?: string;
}

/** The resolved choice: the final registry name and the factory's options. Frozen, structured-clone safe. */
export interface StepTimeChoice {
  readonly name: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** The coefficients file, when one was given (absent: the model's own defaults). */
  readonly coefficientsSource?: string;
}

/** Flag names used in messages (CLI defaults; a spec file may pass its own field names). */
export interface StepTimeWhere {
  readonly name: string;
  readonly coefficients: string;
}

const FLAGS: StepTimeWhere = { name: '--latency-model', coefficients: '--latency-coefficients' };

/**
 * Decides the step-time model once: an explicit name must exist; a coefficients document
 * implies `fitted`, or with another explicit name holds that model's options, and is validated here, so that a bad
 * file fails before any simulation with its own name in the message; otherwise the registry's
 * default. The result holds the final name, never `default`.
 */
export function resolveStepTime(opts: StepTimeOptions = {}, where: StepTimeWhere = FLAGS, models: readonly StepTimeEntry[] = STEP_TIME_MODELS): StepTimeChoice {
  const given = opts.name !== undefined && opts.name.trim().toLowerCase() !== 'default' ? getStepTimeModel(opts.name, where.name, models).name : undefined;
  if (opts.coefficients !== undefined) {
    if (given !== undefined && given !== fitted.name) return optionsFile(getStepTimeModel(given, where.name, models), opts.coefficients, opts.coefficientsSource ?? where.coefficients, where);
    const source = opts.coefficientsSource ?? where.coefficients;
    coefficientsFromJson(opts.coefficients, source);
    return Object.freeze({ name: fitted.name, options: Object.freeze({ coefficients: opts.coefficients, source }), coefficientsSource: source });
  }
  return Object.freeze({ name: given ?? defaultStepTimeModelName(), options: Object.freeze({}) });
}

/**
 * The file given with a model other than `fitted`: that model's own options as one JSON object
 * (linear's α0-α3, the roofline's efficiencies and overheads; docs/model.md), each checked
 * against the model's table here, before any simulation. A calibrate file (its schema) belongs
 * to `fitted` and is a conflict.
 */
function optionsFile(entry: StepTimeEntry, doc: unknown, source: string, where: StepTimeWhere): StepTimeChoice {
  const isObject = typeof doc === 'object' && doc !== null && !Array.isArray(doc);
  if (isObject && 'schema' in doc) {
    throw new InputError('FLAG_CONFLICT', where.coefficients, `a coefficients file (${String((doc as { schema: unknown }).schema)}) applies to ${where.name} fitted, not '${entry.name}'`);
  }
  if (!isObject) throw new InputError('OPTION_INVALID', source, `expected a JSON object of ${entry.name} options (${Object.keys(entry.options).join(', ')})`);
  readNumericOptions(doc as Record<string, unknown>, entry.options, source);
  return Object.freeze({ name: entry.name, options: Object.freeze({ ...(doc as Record<string, unknown>) }), coefficientsSource: source });
}

/** What the chosen model derives for this (model, GPU, TP) from options left out, for the config's derivations; null when nothing. */
export function stepTimeDerivation(choice: StepTimeChoice, ctx: StepTimeContext, models: readonly StepTimeEntry[] = STEP_TIME_MODELS): string | null {
  return getStepTimeModel(choice.name, undefined, models).derivation?.(ctx, { ...choice.options }) ?? null;
}

/**
 * Builds the chosen model for one pool's model, GPU and TP, with the kernels vLLM compiles on
 * first use whatever model costs the steps (a fact of the served model, not of the cost model).
 */
export function createStepTimeModel(choice: StepTimeChoice, ctx: StepTimeContext, models: readonly StepTimeEntry[] = STEP_TIME_MODELS): StepTimeModel & Partial<{ overheads: RequestOverheads }> {
  const model = getStepTimeModel(choice.name, undefined, models).create(ctx, { ...choice.options });
  const kernelJit = moeJitFacts(ctx);
  return kernelJit === null ? model : { ...model, kernelJit };
}
