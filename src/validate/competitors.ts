/**
 * Other simulators' predictions for the same runs (`competitors.json`, sim-to-real metric names),
 * scored with our own comparator so that the report can show our MAPE next to theirs on the
 * same experiments and the same definitions. Their `itl_mean` is TPOT with the measured
 * (under-counted) output length and is not comparable to ours; it is ignored.
 */
import { compareSides, sideFromFlat, truthFromExperiment } from './compare.js';
import type { Experiment } from './experiment.js';
import { summarizeMape, type MapeEntry, type ValidationExperiment } from './validation.js';

/** Competitor name → its per-experiment comparisons (the experiments it has predictions for), names sorted. */
export function competitorRuns(competitors: unknown, experiments: readonly Experiment[]): Record<string, ValidationExperiment[]> {
  const root = (competitors as { experiments?: Record<string, Record<string, { predicted?: Record<string, Record<string, number>> }>> } | undefined)?.experiments;
  if (!root) return {};
  const perCompetitor = new Map<string, ValidationExperiment[]>();
  for (const exp of experiments) {
    const entry = root[exp.id];
    if (!entry) continue;
    const truth = truthFromExperiment(exp);
    for (const [name, c] of Object.entries(entry)) {
      if (!c.predicted) continue;
      const stages = compareSides(sideFromFlat(c.predicted), truth);
      let list = perCompetitor.get(name);
      if (!list) perCompetitor.set(name, (list = []));
      list.push({ id: exp.id, status: 'ok', truth_status: exp.status, stages });
    }
  }
  const out: Record<string, ValidationExperiment[]> = {};
  for (const name of [...perCompetitor.keys()].sort()) out[name] = perCompetitor.get(name)!;
  return out;
}

/** Competitor name → metric → MAPE over the given (active) experiments. */
export function scoreCompetitors(competitors: unknown, experiments: readonly Experiment[]): Record<string, Record<string, MapeEntry>> {
  const out: Record<string, Record<string, MapeEntry>> = {};
  for (const [name, runs] of Object.entries(competitorRuns(competitors, experiments))) out[name] = summarizeMape(runs);
  return out;
}
