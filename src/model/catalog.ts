/**
 * The embedded model catalog (./models.json: trimmed public config.json facts). Lookup is
 * case-insensitive and accepts aliases (HF-cased names, names without the organisation).
 */
import { createRequire } from 'node:module';
import { InputError, closeNames } from '../kernel/errors.js';
import type { ModelSpec } from './model-spec.js';
import { modelSpecFromHfConfig } from './hf-config.js';
import { NO_GENERATION_DEFAULTS, generationDefaultsFromJson } from './generation-config.js';

interface CatalogFile {
  readonly models: ReadonlyArray<{ name: string; aliases: string[]; source: string; config: object; generation_config?: object; generation_source?: string }>;
}

const file = createRequire(import.meta.url)('./models.json') as CatalogFile;

const specs: readonly ModelSpec[] = Object.freeze(
  file.models.map((m) =>
    modelSpecFromHfConfig(
      m.config,
      m.name,
      `models.json: ${m.name}`,
      m.generation_config === undefined ? NO_GENERATION_DEFAULTS : generationDefaultsFromJson(m.generation_config, `models.json: ${m.name}: generation_config`, m.generation_source ?? 'generation_config.json'),
    ),
  ),
);

const byName: ReadonlyMap<string, ModelSpec> = (() => {
  const map = new Map<string, ModelSpec>();
  file.models.forEach((m, i) => {
    for (const n of [m.name, ...m.aliases]) map.set(n.toLowerCase(), specs[i]!);
  });
  return map;
})();

/** Canonical names of every catalogued model. */
export function modelNames(): string[] {
  return specs.map((s) => s.name);
}

/** The catalogued model, or undefined. */
export function findModel(name: string): ModelSpec | undefined {
  return byName.get(name.trim().toLowerCase());
}

/**
 * The catalogued model re-read with `quantizationConfig` as its config.json's
 * quantization_config: a quantised build (or a vLLM --quantization applied at load) of a model
 * the catalog holds as 16-bit. Undefined when the model is not catalogued. `where` names the
 * source of the quantisation in errors.
 */
export function findModelQuantized(name: string, quantizationConfig: Readonly<Record<string, unknown>>, where: string): ModelSpec | undefined {
  const spec = findModel(name);
  if (spec === undefined) return undefined;
  const m = file.models[specs.indexOf(spec)]!;
  return modelSpecFromHfConfig({ ...m.config, quantization_config: quantizationConfig }, m.name, where, spec.generation);
}

/** The catalogued model; unknown → InputError UNKNOWN_MODEL listing close names. */
export function getModel(name: string, where = '--model'): ModelSpec {
  const spec = findModel(name);
  if (spec) return spec;
  const close = closeNames(name, [...byName.keys()]);
  const hint = close.length > 0 ? `did you mean ${close.join(', ')}?` : `known: ${modelNames().join(', ')}`;
  throw new InputError('UNKNOWN_MODEL', where, `unknown model '${name}'; ${hint} (or pass a config.json with --model-config)`);
}

/** Public-config source of a catalogued model, for reports. */
export function modelSource(name: string): string | undefined {
  const spec = findModel(name);
  return spec ? file.models.find((m) => m.name === spec.name)?.source : undefined;
}

export interface ModelListing {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly totalParams: number;
  readonly activeParams: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly experts: string;
  readonly maxLen: number;
  readonly weightDtype: string;
}

/** One row per catalogued model, for `blis models`. */
export function listModels(): ModelListing[] {
  return file.models.map((m, i) => {
    const s = specs[i]!;
    return {
      name: s.name,
      aliases: m.aliases,
      totalParams: s.totalParams,
      activeParams: s.activeParams,
      layers: s.numLayers,
      heads: s.numAttentionHeads,
      kvHeads: s.numKvHeads,
      experts: s.numExperts > 1 ? `${s.expertsPerToken}/${s.numExperts}` : '-',
      maxLen: s.maxPositionEmbeddings,
      weightDtype: s.quantization,
    };
  });
}
