/**
 * The JSON Schemas of every file blis reads or writes, shipped in the package's `schemas/`
 * (draft 2020-12). Editors complete a file that names one in `$schema` (JSON) or in a
 * `# yaml-language-server: $schema=...` first line (YAML); `schemaPath` finds them on disk.
 */
import { fileURLToPath } from 'node:url';

export const SCHEMA_NAMES = [
  'metrics', 'validation', 'baseline', 'step-coefficients', 'request-record',
  'workload-spec', 'autoscaler-policy', 'experiment', 'run-config', 'sweep-spec',
] as const;
export type SchemaName = (typeof SCHEMA_NAMES)[number];

/** Absolute path of `schemas/<name>.schema.json` (src/api or dist/api are two levels below the package root). */
export function schemaPath(name: SchemaName): string {
  return fileURLToPath(new URL(`../../schemas/${name}.schema.json`, import.meta.url));
}
