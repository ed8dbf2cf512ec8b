/**
 * What a validation run derived or assumed about an experiment, and why. Real experiment files
 * are often sparse (null knobs, only the benchmark profile as configured, aggregate-only ground
 * truth); every value the harness fills in is listed here so that the report can say which of
 * the simulated run's inputs were facts of the file and which were not.
 */

/**
 * - `derived`: computed by a stated rule (vLLM's own default rules, a formula over the file's facts);
 * - `assumed`: a reading chosen where the file leaves more than one open (the default can be changed);
 * - `hint`: a `<field>_likely` / `<field>_alt` value of the file, reported and never used as a fact;
 * - `noted`: something about the file the reader of the results should know (e.g. an inferred workload).
 */
export type AssumptionKind = 'derived' | 'assumed' | 'hint' | 'noted';

export interface Assumption {
  /** The experiment-file field it concerns, e.g. `vllm.max_model_len`. */
  readonly field: string;
  /** The value used (or, for hints and notes, the value reported); JSON-serialisable. */
  readonly value: unknown;
  readonly kind: AssumptionKind;
  readonly why: string;
}

/** Sort key: the reading order of a report (derived, assumed, hints, notes; then by field). */
const RANK: Readonly<Record<AssumptionKind, number>> = { derived: 0, assumed: 1, hint: 2, noted: 3 };

export function sortAssumptions(list: readonly Assumption[]): Assumption[] {
  return [...list].sort((a, b) => RANK[a.kind] - RANK[b.kind] || (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
}

/** One line for text and Markdown reports: `vllm.max_model_len = 4096 (derived: …)`. */
export function describeAssumption(a: Assumption): string {
  return `${a.field} = ${JSON.stringify(a.value)} (${a.kind}: ${a.why})`;
}
