/**
 * A sweep's configurations: the grid's cartesian product (first axis slowest) times the random
 * samples (seeded, so the same spec gives the same list), each with its flags, the values it
 * varies (`axes`) and a content hash: SHA-256 of its flags and of the files they name, so a
 * changed workload file is a new configuration while a moved output directory is not.
 */
import { createHash } from 'node:crypto';
import { uniformInt } from '../kernel/random.js';
import { Rng } from '../kernel/rng.js';
import { sloFlag, type RandomParam, type SweepSpec, type SweepValue } from './sweep-spec.js';

export interface Configuration {
  /** Position in the spec's expansion (stable across runs, shards and resumes). */
  readonly index: number;
  /** Successive-halving rung (0 without halving). */
  readonly rung: number;
  /** Every flag of the run: base, then the axes, then the SLO. */
  readonly flags: Readonly<Record<string, SweepValue>>;
  /** The flags the sweep varies, with this configuration's values. */
  readonly axes: Readonly<Record<string, SweepValue>>;
  readonly hash: string;
}

/** Flags that name files; their contents are part of a configuration's identity. */
export const FILE_FLAGS = ['workload-spec', 'trace', 'autoscaler-config', 'model-config', 'hardware-config', 'latency-coefficients'] as const;

/** Digest of a file a flag names (the CLI reads it); `where` locates the flag. */
export type FileDigest = (path: string, flag: string) => string;

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted at every level: one text per value. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function configurationHash(flags: Readonly<Record<string, SweepValue>>, digest: FileDigest): string {
  const files: Record<string, string> = {};
  for (const f of FILE_FLAGS) if (flags[f] !== undefined) files[f] = digest(String(flags[f]), f);
  return sha256(canonicalJson({ flags, files })).slice(0, 16);
}

function sample(p: RandomParam, rng: Rng): SweepValue {
  if (p.kind === 'choice') return p.values[uniformInt(rng, p.values.length)]!;
  if (p.integer) {
    const lo = Math.ceil(p.min);
    return lo + uniformInt(rng, Math.floor(p.max) - lo + 1);
  }
  const u = rng.next();
  const x = p.log ? Math.exp(Math.log(p.min) + u * Math.log(p.max / p.min)) : p.min + u * (p.max - p.min);
  return Number(x.toPrecision(4));
}

/** Every configuration of the spec at rung 0, in index order. */
export function expandSweep(spec: SweepSpec, digest: FileDigest): Configuration[] {
  let points: Array<Record<string, SweepValue>> = [{}];
  // A point holds its flags and, under AXIS_LABELS, what each bundle axis shows.
  let labels: Array<Record<string, SweepValue>> = [{}];
  for (const axis of spec.grid) {
    const next: Array<Record<string, SweepValue>> = [];
    const nextLabels: Array<Record<string, SweepValue>> = [];
    points.forEach((p, k) => axis.values.forEach((v, i) => {
      next.push(axis.bundles ? { ...p, ...axis.bundles[i]! } : { ...p, [axis.flag]: v });
      nextLabels.push({ ...labels[k]!, [axis.flag]: v });
    }));
    points = next;
    labels = nextLabels;
  }
  if (spec.random !== null) {
    const rng = new Rng(spec.random.seed);
    const samples: Array<Record<string, SweepValue>> = [];
    for (let s = 0; s < spec.random.samples; s++) {
      const x: Record<string, SweepValue> = {};
      for (const { flag, param } of spec.random.params) x[flag] = sample(param, rng);
      samples.push(x);
    }
    points = points.flatMap((p) => samples.map((x) => ({ ...p, ...x })));
    labels = labels.flatMap((l) => samples.map((x) => ({ ...l, ...x })));
  }
  const slo = sloFlag(spec.slo);
  return points.map((flags, index) => configuration(index, 0, { ...spec.base, ...flags, ...(slo !== undefined ? { slo } : {}) }, labels[index]!, digest));
}

export function configuration(index: number, rung: number, flags: Record<string, SweepValue>, axes: Record<string, SweepValue>, digest: FileDigest): Configuration {
  return Object.freeze({ index, rung, flags: Object.freeze(flags), axes: Object.freeze(axes), hash: configurationHash(flags, digest) });
}
