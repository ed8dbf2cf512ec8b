/**
 * The JSON Schemas of every file blis reads or writes, shipped in the package's `schemas/`
 * (draft 2020-12). Editors complete a file that names one in `$schema` (JSON) or in a
 * `# yaml-language-server: $schema=...` first line (YAML); `schemaPath` finds them on disk.
 */
import { fileURLToPath } from 'node:url';
import { InputError, closeNames } from '../kernel/errors.js';

export const SCHEMA_NAMES = [
  'metrics', 'validation', 'baseline', 'step-coefficients', 'request-record',
  'workload-spec', 'autoscaler-policy', 'experiment', 'run-config', 'sweep-spec', 'step-time',
] as const;
export type SchemaName = (typeof SCHEMA_NAMES)[number];

/**
 * Absolute path of `schemas/<name>.schema.json` (src/api or dist/api are two levels below the
 * package root). Another name throws UNKNOWN_SCHEMA rather than give a path to nothing.
 */
export function schemaPath(name: SchemaName): string {
  if (!(SCHEMA_NAMES as readonly string[]).includes(name)) {
    const close = closeNames(String(name), SCHEMA_NAMES);
    throw new InputError('UNKNOWN_SCHEMA', 'schemaPath', `no schema '${String(name)}'${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}; known: ${SCHEMA_NAMES.join(', ')}`);
  }
  return fileURLToPath(new URL(`../../schemas/${name}.schema.json`, import.meta.url));
}
