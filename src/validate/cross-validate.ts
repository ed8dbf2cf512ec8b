/**
 * Leave-one-model-family-out cross-validation of a calibration: for each family, fit on every
 * other family's runs and score the held-out family's runs with the result. What it measures is
 * what a user gets on a model the coefficients never saw, the question the in-sample figures
 * cannot answer. The fit and the scoring are injected (`calibrate` with a PlanRunner, and a
 * validation run), so this file only organises the folds and summarises them per family.
 *
 * A family is the model (the catalog's canonical name): runs of the same model in different sets
 * (Llama-2-7b-hf is in both the calibration and the trainval set) are one family, held out
 * together, so that no fold is scored on a model it was fitted on.
 */
import { findModel } from '../model/catalog.js';
import type { Experiment } from './experiment.js';
import { median } from './stats.js';
import { buildValidationDocument, countsTowardsSummary, sortMetricKeys, type MapeEntry, type ValidationExperiment } from './validation.js';
import { roundPct } from './compare.js';

/** The family of a run: the catalog's canonical model name, else the lower-cased model id. */
export function modelFamily(exp: Pick<Experiment, 'model'>): string {
  return findModel(exp.model)?.name ?? exp.model.toLowerCase();
}

export interface FamilyFold {
  /** The held-out family. */
  readonly family: string;
  /** Families the fold was fitted on. */
  readonly trainedOn: readonly string[];
  /** Fitted parameter values (in the fit's parameter order). */
  readonly x: readonly number[];
  readonly loss: number;
  /** The held-out family's runs, scored with the fold's coefficients (whole runs). */
  readonly experiments: readonly ValidationExperiment[];
}

export interface CrossValidationHooks<C> {
  /** Fits on `train`; `label` names the fold in progress messages. */
  readonly fit: (train: readonly C[], label: string) => Promise<{ readonly x: readonly number[]; readonly loss: number; readonly document: Record<string, unknown> }>;
  /** Scores `family`'s runs with the coefficients document. */
  readonly score: (document: Record<string, unknown>, family: string) => Promise<readonly ValidationExperiment[]>;
  /** Default modelFamily. */
  readonly familyOf?: (exp: Experiment) => string;
}

/** One fold per family that has training runs left when it is held out; sequential (each fit uses every worker). */
export async function leaveOneFamilyOut<C extends { readonly exp: Experiment }>(cases: readonly C[], hooks: CrossValidationHooks<C>): Promise<FamilyFold[]> {
  const familyOf = hooks.familyOf ?? modelFamily;
  const families = [...new Set(cases.map((c) => familyOf(c.exp)))].sort();
  const folds: FamilyFold[] = [];
  for (const family of families) {
    const train = cases.filter((c) => familyOf(c.exp) !== family);
    if (train.length === 0) continue;
    const r = await hooks.fit(train, `cv ${family}`);
    const experiments = await hooks.score(r.document, family);
    folds.push({ family, trainedOn: [...new Set(train.map((c) => familyOf(c.exp)))].sort(), x: r.x, loss: r.loss, experiments });
  }
  return folds;
}

export interface FamilyScore {
  /** Counted (active, simulated) held-out runs. */
  readonly n: number;
  /** Median of the signed whole-run error % per metric: the direction the family is off in. */
  readonly signed_median_pct: Readonly<Record<string, number>>;
  /** Mean and median |error %| per metric. */
  readonly mape: Readonly<Record<string, MapeEntry>>;
}

/** Per held-out family: signed median error and MAPE per metric over its counted runs. */
export function familyScores(folds: readonly FamilyFold[]): Record<string, FamilyScore> {
  const out: Record<string, FamilyScore> = {};
  for (const f of folds) {
    const counted = f.experiments.filter((e) => countsTowardsSummary(e));
    const signed = new Map<string, number[]>();
    for (const e of counted) {
      const s = e.stages.find((x) => x.index === 'summary');
      for (const [k, v] of Object.entries(s?.metrics ?? {})) {
        if (v.error_pct === null) continue;
        let list = signed.get(k);
        if (!list) signed.set(k, (list = []));
        list.push(v.error_pct);
      }
    }
    const signedMedian: Record<string, number> = {};
    for (const k of sortMetricKeys([...signed.keys()])) signedMedian[k] = roundPct(median(signed.get(k)!));
    out[f.family] = { n: counted.length, signed_median_pct: signedMedian, mape: buildValidationDocument(counted).summary };
  }
  return out;
}

/** Median and mean |error %| per metric over the held-out predictions of every fold. */
export function crossValidationSummary(folds: readonly { readonly experiments: readonly ValidationExperiment[] }[]): Record<string, MapeEntry> {
  return buildValidationDocument(folds.flatMap((f) => f.experiments)).summary;
}

/** A terminal table: one row per family, `signed median / MAPE median` per metric. */
export function renderFamilyTable(scores: Readonly<Record<string, FamilyScore>>, metrics: readonly string[]): string {
  const rows: string[][] = [['held-out family', 'n', ...metrics]];
  for (const [family, s] of Object.entries(scores)) {
    rows.push([family, String(s.n), ...metrics.map((m) => {
      const sg = s.signed_median_pct[m];
      const mp = s.mape[m];
      return sg === undefined || !mp ? '–' : `${sg > 0 ? '+' : ''}${sg.toFixed(1)}/${mp.mape_median.toFixed(1)}%`;
    })]);
  }
  const w = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  const body = rows.map((r) => r.map((c, j) => (j === 0 ? c.padEnd(w[j]!) : c.padStart(w[j]!))).join('  ')).join('\n');
  return `${body}\ncells: signed median error / median |error| of the family's held-out runs (whole run)\n`;
}
