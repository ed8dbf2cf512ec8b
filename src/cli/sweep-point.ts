/**
 * One sweep configuration as plain data that crosses a worker boundary, and its simulation.
 * Bad input (a model that does not fit the GPU, say) is the configuration's result, not a
 * crash: the same flags fail the same way on every run, so the error goes in results.jsonl.
 */
import type { MetricsDocument } from '../cluster/metrics.js';
import { InputError } from '../kernel/errors.js';
import type { CliIO } from './io.js';
import { simulateFlags, type RunFlags } from './run-flags.js';

export interface SweepPoint {
  readonly flags: RunFlags;
  /** Relative paths in the flags resolve against this folder (the spec's). */
  readonly cwd: string;
}

export type SweepOutcome = { readonly doc: MetricsDocument } | { readonly error: string };

export async function simulateSweepPoint(p: SweepPoint): Promise<SweepOutcome> {
  const io: CliIO = { out: () => {}, err: () => {}, cwd: p.cwd, errIsTTY: false };
  try {
    // The per-instance rows stay out of results.jsonl: no need to copy them across the thread boundary.
    const { instances: _rows, ...doc } = await simulateFlags(p.flags, io);
    return { doc: { ...doc, instances: [] } };
  } catch (e) {
    if (e instanceof InputError) return { error: `[${e.code}] ${e.message}` };
    throw e;
  }
}
