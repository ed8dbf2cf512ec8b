/**
 * `DIR/sweep.json`: what an output directory holds results of. The spec's digest, every
 * configuration of the whole spec (index, hash, axes) and the shard this directory ran, so
 * `blis sweep merge` can tell missing and foreign configurations without the spec's files.
 */
import { InputError } from '../kernel/errors.js';
import type { Configuration } from './configurations.js';
import type { Shard } from './shard.js';
import type { SweepSpec, SweepValue } from './sweep-spec.js';

export const MANIFEST_SCHEMA = 'blis.sweep/v1';

export interface SweepManifest {
  schema: typeof MANIFEST_SCHEMA;
  spec_sha256: string;
  shard: string | null;
  slo: string | null;
  axes: Array<{ flag: string; values: SweepValue[] | null }>;
  halving: { eta: number; rungs: number } | null;
  configurations: Array<{ index: number; hash: string; axes: Record<string, SweepValue> }>;
}

export function sweepManifest(spec: SweepSpec, specSha: string, configs: readonly Configuration[], shard: Shard | null, slo: string | null): SweepManifest {
  return {
    schema: MANIFEST_SCHEMA,
    spec_sha256: specSha,
    shard: shard === null ? null : `${shard.index}/${shard.count}`,
    slo,
    axes: [...spec.grid.map((g) => ({ flag: g.flag, values: [...g.values] })), ...(spec.random?.params.map((p) => ({ flag: p.flag, values: null })) ?? [])],
    halving: spec.halving,
    configurations: configs.map((c) => ({ index: c.index, hash: c.hash, axes: { ...c.axes } })),
  };
}

export function parseManifest(text: string, fileName: string): SweepManifest {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new InputError('SWEEP_MANIFEST_MALFORMED', fileName, 'expected the JSON a sweep writes next to results.jsonl');
  }
  const m = v as Partial<SweepManifest>;
  if (m.schema !== MANIFEST_SCHEMA || !Array.isArray(m.configurations) || typeof m.spec_sha256 !== 'string') {
    throw new InputError('SWEEP_MANIFEST_MALFORMED', fileName, `expected a ${MANIFEST_SCHEMA} document with spec_sha256 and configurations`);
  }
  return m as SweepManifest;
}
