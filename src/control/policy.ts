/**
 * The autoscaler's configuration: all-optional `AutoscalerOptions` in (the YAML policy file or
 * code), one frozen `AutoscalerConfig` out of `resolveAutoscalerConfig`. Defaults live here
 * and in the stage entries' option specs, each with its reason; docs/autoscaling.md lists them.
 */
import { InputError } from '../kernel/errors.js';
import { lookupEntry, checkOptions } from '../workload/options.js';
import { MAX_DURATION_S } from '../workload/check-request.js';
import type { VariantSpec } from './cluster-port.js';
import { defaultOptions, type StageChoice, type StageEntry } from './registry.js';
import { ACTUATORS, ANALYZERS, COLLECTORS, OPTIMIZERS } from './stages.js';
import { sToUs } from '../kernel/units.js';

export interface ModelPolicy {
  readonly name: string;
  /** Lower is more important (vLLM's priority convention); the optimizer serves lower first. */
  readonly priority: number;
  readonly sloClass: string;
  /** TTFT target, ms (SLO attainment and the queueing analyzer). */
  readonly ttftMs: number;
  /** Per-request mean ITL target, ms; 0 = none. */
  readonly itlMs: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Ready at time 0. */
  readonly initialReplicas: number;
  /** Allowed (GPU type, TP) pairs, in preference order when costs tie. */
  readonly variants: readonly VariantSpec[];
  /** Model-loading time for this model, overriding the actuator's load_s (bigger weights load longer). */
  readonly loadS: number | null;
}

export interface InventoryEntry {
  readonly hardware: string;
  /** GPUs of this type the models may share; Infinity when unlimited. */
  readonly count: number;
  readonly costPerGpuHour: number;
}

export interface AutoscalerConfig {
  readonly collector: StageChoice;
  readonly analyzer: StageChoice;
  readonly optimizer: StageChoice;
  readonly actuator: StageChoice;
  /** Time between control decisions (WVA's GLOBAL_OPT_INTERVAL). */
  readonly intervalUs: number;
  /** HPA-style stabilisation: scale-up uses the lowest recommendation of this window... */
  readonly scaleUpStabilizationUs: number;
  /** ...and scale-down the highest of this one. */
  readonly scaleDownStabilizationUs: number;
  /** No new scale-up (scale-down) of a model this long after its last one. */
  readonly scaleUpCooldownUs: number;
  readonly scaleDownCooldownUs: number;
  /** False when no inventory was given: every request for GPUs is granted. */
  readonly limited: boolean;
  readonly inventory: readonly InventoryEntry[];
  readonly models: readonly ModelPolicy[];
  /** Sliding window of the timeline's p99 TTFT. */
  readonly timelineWindowUs: number;
  readonly sources: Readonly<Record<string, 'default' | 'file' | 'derived'>>;
}

export interface StageOptionsIn {
  readonly name?: string;
  readonly options?: Readonly<Record<string, unknown>>;
}

export interface ModelPolicyOptions {
  name?: string;
  priority?: number;
  sloClass?: string;
  ttftMs?: number;
  itlMs?: number;
  minReplicas?: number;
  maxReplicas?: number;
  initialReplicas?: number;
  variants?: readonly VariantSpec[];
  loadS?: number;
}

export interface AutoscalerOptions {
  collector?: StageOptionsIn;
  analyzer?: StageOptionsIn;
  optimizer?: StageOptionsIn;
  actuator?: StageOptionsIn;
  intervalS?: number;
  scaleUpStabilizationS?: number;
  scaleDownStabilizationS?: number;
  scaleUpCooldownS?: number;
  scaleDownCooldownS?: number;
  inventory?: ReadonlyArray<{ hardware: string; count: number; costPerGpuHour?: number }>;
  models?: readonly ModelPolicyOptions[];
  timelineWindowS?: number;
  /** Where each field was written (file:line field), for error messages; absent for code-built options. */
  where?: (field: string) => string;
}

/** Defaults, each with its reason. */
export const AUTOSCALER_DEFAULTS = Object.freeze({
  collector: 'prometheus',
  analyzer: 'saturation',
  optimizer: 'priority-round-robin',
  actuator: 'delayed',
  /** WVA's GLOBAL_OPT_INTERVAL default (60s). */
  intervalS: 60,
  /** Kubernetes HPA behavior defaults: scale up at once, scale down on the highest recommendation of 5 minutes. */
  scaleUpStabilizationS: 0,
  scaleDownStabilizationS: 300,
  /** No cooldown beyond stabilisation (HPA has none either). */
  scaleUpCooldownS: 0,
  scaleDownCooldownS: 0,
  /** Priority when a model does not say: 1 (WVA service classes rank Premium 1, Freemium 2). */
  priority: 1,
  ttftMs: 1000,
  itlMs: 0,
  minReplicas: 1,
  maxReplicas: 64,
  /** Matches a 1-minute Prometheus rate window. */
  timelineWindowS: 60,
});

/** Defaults for what the cluster flags say when the policy file names no models. */
export interface FleetDefaults {
  readonly model: string;
  readonly hardware: string;
  readonly tp: number;
  readonly initialReplicas: number;
}

function stage<T, C>(registry: readonly StageEntry<T, C>[], kind: string, given: StageOptionsIn | undefined, fallback: string, where: (f: string) => string): StageChoice {
  const name = given?.name ?? fallback;
  const entry = lookupEntry(registry, name, `${kind}`, 'POLICY_UNKNOWN_STAGE', where(`${kind}.name`));
  const options = given?.options !== undefined
    ? checkOptions(entry, given.options, (k) => where(k === undefined ? kind : `${kind}.${k}`), ['name'])
    : defaultOptions(entry);
  entry.check?.(options, (k) => where(`${kind}.${k}`));
  return Object.freeze({ name: entry.name, options });
}

/** A duration in seconds: from 0 to MAX_DURATION_S, the span over which microsecond times stay exact. */
function nonNeg(v: number, field: string, where: (f: string) => string): number {
  if (!Number.isFinite(v) || v < 0) throw new InputError('POLICY_OUT_OF_RANGE', where(field), `expected a number >= 0; found ${v}`);
  if (v > MAX_DURATION_S) throw new InputError('POLICY_OUT_OF_RANGE', where(field), `found ${v} s; expected at most ${MAX_DURATION_S} s (32 years), where microsecond times stay exact`);
  return v;
}

/**
 * The initial fleet (every model's initial_replicas on its first variant, ready at time 0) must
 * fit the inventory: the optimizer only ever grants free GPUs (docs/autoscaling.md, optimizer
 * step 4), but the initial replicas are placed without asking it, so 4 initial replicas on an
 * inventory of 2 H100s ran with 4 GPUs held and billed.
 */
function checkInitialFleetFits(inventory: readonly InventoryEntry[], models: readonly ModelPolicy[], where: (f: string) => string): void {
  inventory.forEach((e, k) => {
    const held = models.filter((m) => m.variants[0]!.hardware === e.hardware);
    const gpus = held.reduce((sum, m) => sum + m.initialReplicas * m.variants[0]!.tp, 0);
    if (gpus > e.count) {
      const parts = held.filter((m) => m.initialReplicas > 0).map((m) => `${m.name}: ${m.initialReplicas} x TP${m.variants[0]!.tp}`).join(', ');
      throw new InputError('POLICY_OUT_OF_RANGE', where(`inventory[${k}].count`),
        `the initial replicas need ${gpus} ${e.hardware} GPUs (${parts}, on each model's first variant); the inventory has ${e.count}: expected initial_replicas (default min_replicas, or --num-instances without a models list) that fit`);
    }
  });
}

export function resolveAutoscalerConfig(options: AutoscalerOptions, fleet: FleetDefaults): AutoscalerConfig {
  const where = options.where ?? ((f: string) => `autoscaler ${f}`);
  const sources: Record<string, 'default' | 'file' | 'derived'> = {};
  const D = AUTOSCALER_DEFAULTS;
  const num = (key: 'intervalS' | 'scaleUpStabilizationS' | 'scaleDownStabilizationS' | 'scaleUpCooldownS' | 'scaleDownCooldownS' | 'timelineWindowS', field: string): number => {
    const v = options[key];
    sources[key] = v === undefined ? 'default' : 'file';
    return nonNeg(v ?? D[key], field, where);
  };
  const intervalS = num('intervalS', 'interval_s');
  if (intervalS <= 0) throw new InputError('POLICY_OUT_OF_RANGE', where('interval_s'), `expected a number > 0; found ${intervalS}`);
  const limited = options.inventory !== undefined;
  sources['inventory'] = limited ? 'file' : 'default';
  const inventory: InventoryEntry[] = (options.inventory ?? []).map((e) => Object.freeze({ hardware: e.hardware, count: e.count, costPerGpuHour: e.costPerGpuHour ?? 0 }));
  // One entry per GPU type: the optimizer keeps one count and one price per type.
  inventory.forEach((e, k) => {
    const first = inventory.findIndex((x) => x.hardware === e.hardware);
    if (first !== k) throw new InputError('POLICY_DUPLICATE_HARDWARE', where(`inventory[${k}].hardware`), `'${e.hardware}' is already inventory[${first}]; expected one entry per GPU type (add the counts)`);
  });
  const models: ModelPolicy[] = [];
  const given = options.models ?? [{}];
  sources['models'] = options.models === undefined ? 'derived' : 'file';
  given.forEach((m, i) => {
    const field = `models[${i}]`;
    const minReplicas = m.minReplicas ?? D.minReplicas;
    const maxReplicas = m.maxReplicas ?? Math.max(D.maxReplicas, minReplicas);
    const initialReplicas = m.initialReplicas ?? (options.models === undefined ? fleet.initialReplicas : minReplicas);
    if (minReplicas > maxReplicas) throw new InputError('POLICY_OUT_OF_RANGE', where(`${field}.min_replicas`), `expected min_replicas <= max_replicas (${maxReplicas}); found ${minReplicas}`);
    if (initialReplicas > maxReplicas) throw new InputError('POLICY_OUT_OF_RANGE', where(`${field}.initial_replicas`), `expected initial_replicas <= max_replicas (${maxReplicas}); found ${initialReplicas}`);
    const variants = m.variants ?? [{ hardware: fleet.hardware, tp: fleet.tp }];
    // A variant is a pool (model@GPUxTP): the same pair twice would be one pool named twice.
    variants.forEach((v, k) => {
      const first = variants.findIndex((x) => x.hardware === v.hardware && x.tp === v.tp);
      if (first !== k) throw new InputError('POLICY_DUPLICATE_VARIANT', where(`${field}.variants[${k}]`), `${v.hardware} with TP ${v.tp} is already variants[${first}]; expected each (hardware, tp) once`);
    });
    if (limited) {
      for (const [k, v] of variants.entries()) {
        if (!inventory.some((e) => e.hardware === v.hardware)) {
          throw new InputError('POLICY_UNKNOWN_HARDWARE', where(`${field}.variants[${k}].hardware`),
            `variant hardware '${v.hardware}' is not in the inventory; inventory has: ${inventory.map((e) => e.hardware).join(', ')}`);
        }
      }
    }
    models.push(Object.freeze({
      name: m.name ?? fleet.model,
      priority: m.priority ?? D.priority,
      sloClass: m.sloClass ?? '',
      ttftMs: m.ttftMs ?? D.ttftMs,
      itlMs: m.itlMs ?? D.itlMs,
      minReplicas,
      maxReplicas,
      initialReplicas,
      variants: Object.freeze(variants.map((v) => Object.freeze({ ...v }))),
      loadS: m.loadS ?? null,
    }));
  });
  if (limited) checkInitialFleetFits(inventory, models, where);
  const names = new Set<string>();
  models.forEach((m, i) => {
    if (names.has(m.name)) throw new InputError('POLICY_DUPLICATE_MODEL', where(`models[${i}].name`), `model '${m.name}' is listed twice`);
    names.add(m.name);
  });
  return Object.freeze({
    collector: stage(COLLECTORS, 'collector', options.collector, D.collector, where),
    analyzer: stage(ANALYZERS, 'analyzer', options.analyzer, D.analyzer, where),
    optimizer: stage(OPTIMIZERS, 'optimizer', options.optimizer, D.optimizer, where),
    actuator: stage(ACTUATORS, 'actuator', options.actuator, D.actuator, where),
    intervalUs: sToUs(intervalS),
    scaleUpStabilizationUs: sToUs(num('scaleUpStabilizationS', 'stabilization.scale_up_s')),
    scaleDownStabilizationUs: sToUs(num('scaleDownStabilizationS', 'stabilization.scale_down_s')),
    scaleUpCooldownUs: sToUs(num('scaleUpCooldownS', 'cooldown.scale_up_s')),
    scaleDownCooldownUs: sToUs(num('scaleDownCooldownS', 'cooldown.scale_down_s')),
    limited,
    inventory: Object.freeze(inventory),
    models: Object.freeze(models),
    timelineWindowUs: sToUs(num('timelineWindowS', 'timeline_window_s')),
    sources: Object.freeze(sources),
  } satisfies Record<keyof AutoscalerConfig, unknown>);
}
