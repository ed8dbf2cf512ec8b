/**
 * The YAML policy file (`--autoscaler-config`): a pure function of (text, file name) into
 * AutoscalerOptions. Every error is an InputError naming `file:line` and the field, with what
 * was found and what was expected; stage options are checked against their registry entries
 * when the options are resolved (resolveAutoscalerConfig), with the same locations.
 * docs/autoscaling.md documents the format; examples/autoscaler-*.yaml are complete files.
 */
import { InputError, closeNames } from '../kernel/errors.js';
import { describeValue, parseYamlFile, type YamlLocator, type YamlPath } from '../workload/yaml-locator.js';
import type { VariantSpec } from './cluster-port.js';
import { MAX_INSTANCES } from '../cluster/config.js';
import { MAX_DURATION_S } from '../workload/check-request.js';
import type { AutoscalerOptions, ModelPolicyOptions } from './policy.js';

type Path = YamlPath;

const TOP = ['interval_s', 'collector', 'analyzer', 'optimizer', 'actuator', 'stabilization', 'cooldown', 'inventory', 'models', 'timeline_window_s'] as const;
const WINDOW = ['scale_up_s', 'scale_down_s'] as const;
const INVENTORY = ['hardware', 'count', 'cost_per_gpu_hour'] as const;
const MODEL = ['name', 'priority', 'slo_class', 'ttft_ms', 'itl_ms', 'min_replicas', 'max_replicas', 'initial_replicas', 'variants', 'load_s'] as const;
const VARIANT = ['hardware', 'tp'] as const;



/** Parses a field path written like `models[0].variants[1].tp` back into keys. */
function parsePath(field: string): Path {
  const out: (string | number)[] = [];
  for (const part of field.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (m === null) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}


class Reader {
  constructor(readonly loc: YamlLocator) {}

  map(v: unknown, path: Path, fields: readonly string[] | null): Record<string, unknown> {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      throw new InputError('POLICY_WRONG_TYPE', this.loc.where(path), `expected a mapping${fields ? ` with fields ${fields.join(', ')}` : ''}; found ${describeValue(v)}`);
    }
    const obj = v as Record<string, unknown>;
    if (fields !== null) {
      for (const key of Object.keys(obj)) {
        if (fields.includes(key)) continue;
        const close = closeNames(key, fields);
        const hint = close.length ? ` (did you mean ${close.join(', ')}?)` : '';
        throw new InputError('POLICY_UNKNOWN_FIELD', this.loc.where([...path, key]), `unknown field '${key}'${hint}; expected one of: ${fields.join(', ')}`);
      }
    }
    return obj;
  }

  number(v: unknown, path: Path, rule: { positive?: boolean; integer?: boolean; min?: number; max?: number } = {}): number | undefined {
    if (v === undefined) return undefined;
    const expected = `${rule.integer ? 'an integer' : 'a number'}${rule.positive ? ' > 0' : rule.min !== undefined ? ` >= ${rule.min}` : ''}${rule.max !== undefined ? ` and <= ${rule.max}` : ''}`;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError('POLICY_WRONG_TYPE', this.loc.where(path), `expected ${expected}; found ${describeValue(v)}`);
    if ((rule.integer && !Number.isInteger(v)) || (rule.positive && v <= 0) || (rule.min !== undefined && v < rule.min) || (rule.max !== undefined && v > rule.max)) {
      throw new InputError('POLICY_OUT_OF_RANGE', this.loc.where(path), `expected ${expected}; found ${v}`);
    }
    return v;
  }

  string(v: unknown, path: Path): string | undefined {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw new InputError('POLICY_WRONG_TYPE', this.loc.where(path), `expected a non-empty string; found ${describeValue(v)}`);
    return v;
  }

  list(v: unknown, path: Path): readonly unknown[] | undefined {
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length === 0) throw new InputError('POLICY_WRONG_TYPE', this.loc.where(path), `expected a non-empty list; found ${describeValue(v)}`);
    return v;
  }

  required<T>(v: T | undefined, path: Path, what: string): T {
    if (v === undefined) throw new InputError('POLICY_MISSING_FIELD', this.loc.where(path), `expected ${what}; found nothing`);
    return v;
  }
}

export function parseAutoscalerPolicy(text: string, fileName: string): AutoscalerOptions {
  const { loc, value } = parseYamlFile(text, fileName, 'POLICY_YAML');
  const rd = new Reader(loc);
  const raw = value;
  const top = rd.map(raw ?? {}, [], TOP);
  const out: Record<string, unknown> = { where: (field: string) => loc.where(parsePath(field)) };
  out['intervalS'] = rd.number(top['interval_s'], ['interval_s'], { positive: true });
  out['timelineWindowS'] = rd.number(top['timeline_window_s'], ['timeline_window_s'], { positive: true });
  for (const kind of ['collector', 'analyzer', 'optimizer', 'actuator'] as const) {
    const v = top[kind];
    if (v === undefined) continue;
    if (typeof v === 'string') {
      out[kind] = { name: v };
      continue;
    }
    const m = rd.map(v, [kind], null);
    out[kind] = { name: rd.string(m['name'], [kind, 'name']), options: m };
  }
  for (const [key, up, down] of [['stabilization', 'scaleUpStabilizationS', 'scaleDownStabilizationS'], ['cooldown', 'scaleUpCooldownS', 'scaleDownCooldownS']] as const) {
    if (top[key] === undefined) continue;
    const m = rd.map(top[key], [key], WINDOW);
    out[up] = rd.number(m['scale_up_s'], [key, 'scale_up_s'], { min: 0 });
    out[down] = rd.number(m['scale_down_s'], [key, 'scale_down_s'], { min: 0 });
  }
  const inv = rd.list(top['inventory'], ['inventory']);
  if (inv !== undefined) {
    out['inventory'] = inv.map((e, i) => {
      const m = rd.map(e, ['inventory', i], INVENTORY);
      return {
        hardware: rd.required(rd.string(m['hardware'], ['inventory', i, 'hardware']), ['inventory', i], "a 'hardware' (GPU name)"),
        count: rd.number(m['count'], ['inventory', i, 'count'], { integer: true, min: 0 }) ?? Infinity,
        costPerGpuHour: rd.number(m['cost_per_gpu_hour'], ['inventory', i, 'cost_per_gpu_hour'], { min: 0 }) ?? 0,
      };
    });
  }
  const models = rd.list(top['models'], ['models']);
  if (models !== undefined) out['models'] = models.map((e, i) => readModel(rd, e, ['models', i]));
  return out as AutoscalerOptions;
}

function readModel(rd: Reader, v: unknown, path: Path): ModelPolicyOptions {
  const m = rd.map(v, path, MODEL);
  const variants = rd.list(m['variants'], [...path, 'variants'])?.map((x, k): VariantSpec => {
    const vp = [...path, 'variants', k];
    const vm = rd.map(x, vp, VARIANT);
    return {
      hardware: rd.required(rd.string(vm['hardware'], [...vp, 'hardware']), vp, "a 'hardware' (GPU name)"),
      tp: rd.number(vm['tp'], [...vp, 'tp'], { integer: true, positive: true }) ?? 1,
    };
  });
  const o: ModelPolicyOptions = {
    name: rd.required(rd.string(m['name'], [...path, 'name']), path, "a model 'name'"),
    ...defined('priority', rd.number(m['priority'], [...path, 'priority'], { integer: true, min: 0 })),
    ...defined('sloClass', rd.string(m['slo_class'], [...path, 'slo_class'])),
    ...defined('ttftMs', rd.number(m['ttft_ms'], [...path, 'ttft_ms'], { positive: true })),
    ...defined('itlMs', rd.number(m['itl_ms'], [...path, 'itl_ms'], { min: 0 })),
    ...defined('minReplicas', rd.number(m['min_replicas'], [...path, 'min_replicas'], { integer: true, min: 0, max: MAX_INSTANCES })),
    ...defined('maxReplicas', rd.number(m['max_replicas'], [...path, 'max_replicas'], { integer: true, positive: true, max: MAX_INSTANCES })),
    ...defined('initialReplicas', rd.number(m['initial_replicas'], [...path, 'initial_replicas'], { integer: true, min: 0, max: MAX_INSTANCES })),
    ...defined('loadS', rd.number(m['load_s'], [...path, 'load_s'], { min: 0, max: MAX_DURATION_S })),
    ...(variants !== undefined ? { variants } : {}),
  };
  return o;
}

function defined<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}
