/**
 * Disjoint slices of a sweep: shard I of N takes the configurations whose index is I mod N,
 * so every shard gets a share of each grid region (neighbouring configurations often cost
 * alike) and the union of the N shards is the whole sweep.
 */
import { InputError } from '../kernel/errors.js';

export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** `I/N` with 0 ≤ I < N (Kubernetes' JOB_COMPLETION_INDEX is 0-based). */
export function parseShard(text: string, where = '--shard'): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count)) {
    // Well formed but out of range (4/4, 0/0) is FLAG_OUT_OF_RANGE, as for every other flag.
    throw new InputError(m ? 'FLAG_OUT_OF_RANGE' : 'FLAG_MALFORMED', where, `found '${text}'; expected I/N with 0 <= I < N, e.g. 0/4 (Kubernetes: $JOB_COMPLETION_INDEX/4)`);
  }
  return { index, count };
}

export function inShard(configIndex: number, shard: Shard | null): boolean {
  return shard === null || configIndex % shard.count === shard.index;
}
