/**
 * A sweep run: the configurations of this shard that no earlier run finished, handed to an
 * executor (worker threads in the CLI) rung by rung. Without successive halving there is one
 * rung; with it, each rung's best 1/eta go on to the next, longer one. Results already present
 * (resume) count as finished and take part in the ranking like new ones.
 */
import { configuration, type Configuration, type FileDigest } from './configurations.js';
import { promoted, rungLength } from './halving.js';
import type { ResultLine } from './results.js';
import { inShard, type Shard } from './shard.js';
import type { SweepSpec } from './sweep-spec.js';

/** Runs configurations, calling `onLine` as each finishes (any order). */
export type SweepExecutor = (configs: readonly Configuration[], onLine: (line: ResultLine) => void) => Promise<void>;

export interface SweepRunInput {
  readonly spec: SweepSpec;
  /** The spec's rung-0 configurations (expandSweep). */
  readonly configs: readonly Configuration[];
  readonly shard: Shard | null;
  /** Lines from an earlier run of the same output directory. */
  readonly existing: readonly ResultLine[];
  readonly execute: SweepExecutor;
  readonly digest: FileDigest;
  /** Told before each rung: how many configurations it has and how many are already done. */
  readonly onRung?: (rung: number, total: number, skipped: number) => void;
}

export function lineKey(l: { rung: number; hash: string }): string {
  return `${l.rung}:${l.hash}`;
}

/** The configurations at a rung's length (unchanged without halving). */
export function atRung(spec: SweepSpec, configs: readonly Configuration[], rung: number, digest: FileDigest): Configuration[] {
  if (spec.halving === null) return [...configs];
  const length = rungLength(spec, rung);
  return configs.map((c) => configuration(c.index, rung, { ...c.flags, ...length }, c.axes, digest));
}

/**
 * The lines of every configuration this run covers (earlier ones it found and new ones), one
 * per rung and configuration; lines of other configurations in `existing` are left out.
 */
export async function runSweep(input: SweepRunInput): Promise<ResultLine[]> {
  const { spec } = input;
  const have = new Map(input.existing.map((l) => [lineKey(l), l]));
  const covered = new Set<string>();
  const rungs = spec.halving?.rungs ?? 1;
  let current: Configuration[] = input.configs.filter((c) => inShard(c.index, input.shard));
  for (let rung = 0; rung < rungs; rung++) {
    // Configurations that coincide (a random search drew the same values twice) run once, under
    // their first index: which of them finished last must not pick the line (the same bytes with any --jobs).
    const distinct: Configuration[] = [];
    for (const c of atRung(spec, current, rung, input.digest)) {
      if (covered.has(lineKey(c))) continue;
      covered.add(lineKey(c));
      distinct.push(c);
    }
    current = distinct;
    const todo = current.filter((c) => !have.has(lineKey(c)));
    input.onRung?.(rung, current.length, current.length - todo.length);
    await input.execute(todo, (line) => {
      have.set(lineKey(line), line);
    });
    if (rung + 1 < rungs) {
      const lines = current.map((c) => have.get(lineKey(c))).filter((l): l is ResultLine => l !== undefined);
      const keep = new Set(promoted(lines, spec.halving!.eta));
      current = current.filter((c) => keep.has(c.index));
    }
  }
  return [...covered].map((k) => have.get(k)).filter((l): l is ResultLine => l !== undefined);
}
