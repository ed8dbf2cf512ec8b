/**
 * The step-time model registry: the only place a model's name exists. `--help` choices,
 * validation messages and docs lists come from STEP_TIME_MODELS.
 */
import { InputError, closeNames } from '../kernel/errors.js';
import type { StepTimeModelEntry } from './step-time.js';
import { createRoofline } from './roofline.js';
import { ROOFLINE_OPTIONS, type StepTimeOption } from './roofline-params.js';
import { createFitted, defaultCoefficients } from './fitted.js';
import { LINEAR_OPTIONS, createLinear } from './linear.js';

/** A registry entry with its options (defaults and units); `default: undefined` = derived. */
export interface StepTimeEntry extends StepTimeModelEntry {
  readonly options: Readonly<Record<string, StepTimeOption>>;
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
  },
  create: createFitted,
};

export const linear: StepTimeEntry = {
  name: 'linear',
  describe: 'α0 + α1·prefill tokens + α2·decode tokens + α3·context tokens (defaults linearise the roofline)',
  options: LINEAR_OPTIONS,
  create: createLinear,
};

export const STEP_TIME_MODELS: readonly StepTimeEntry[] = Object.freeze([roofline, fitted, linear]);

export function stepTimeModelNames(): string[] {
  return STEP_TIME_MODELS.map((e) => e.name);
}

/** The entry named `name`; unknown → InputError UNKNOWN_STEP_TIME_MODEL listing known names. */
export function getStepTimeModel(name: string, where = '--step-time-model'): StepTimeEntry {
  const key = name.trim().toLowerCase();
  const e = STEP_TIME_MODELS.find((x) => x.name === key);
  if (e) return e;
  const close = closeNames(name, stepTimeModelNames());
  throw new InputError('UNKNOWN_STEP_TIME_MODEL', where, `unknown step-time model '${name}'; ${close.length ? `did you mean ${close.join(', ')}? ` : ''}known: ${stepTimeModelNames().join(', ')}`);
}

/** The model `--latency-model` defaults to: `fitted` once the embedded coefficients are fitted, else `roofline`. */
export function defaultStepTimeModelName(): string {
  return defaultCoefficients().provenance.status === 'fitted' ? 'fitted' : 'roofline';
}
