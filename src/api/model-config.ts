/**
 * A model or a GPU that is not in the embedded catalogs, for simulate({ modelSpec, hardwareSpec }):
 * the library form of --model-config, --generation-config and --hardware-config, from documents
 * the caller has parsed (read them however suits: a file, a Hugging Face download, a literal).
 */
import type { HardwareSpec } from '../model/hardware.js';
import type { ModelSpec } from '../model/model-spec.js';
import { generationDefaultsFromJson } from '../model/generation-config.js';
import { familyGenerationDefaults } from '../model/generation-families.js';
import { hardwareSpecFromJson } from '../model/hardware-catalog.js';
import { modelSpecFromHfConfig } from '../model/hf-config.js';

export interface ModelConfigOptions {
  /** The model's generation_config.json (parsed): its sampling defaults. Default: the family's, as --model-config infers them. */
  readonly generationConfig?: unknown;
}

/**
 * A model from its Hugging Face config.json (parsed), named `name` (e.g. 'org/model'), as
 * --model-config builds it: an error names `name` and the field.
 */
export function modelFromConfig(config: unknown, name: string, options: ModelConfigOptions = {}): ModelSpec {
  const generation = options.generationConfig !== undefined
    ? generationDefaultsFromJson(options.generationConfig, `${name}: generationConfig`)
    : familyGenerationDefaults(name, config);
  return modelSpecFromHfConfig(config as object, name.toLowerCase(), name, generation);
}

/** A GPU from a --hardware-config document (parsed; docs/model.md lists its fields): an error names `where`. */
export function hardwareFromConfig(doc: unknown, where = 'hardwareSpec'): HardwareSpec {
  return hardwareSpecFromJson(doc, where);
}
