/**
 * `blis compare` without the file system: recognise what a file holds (from its name and text)
 * and score a prediction against ground truth, producing a one-experiment validation document.
 *
 * Truth: an experiment JSON (calibration schema, optionally with its per-request CSV), a
 * calibration per-request CSV, an inference-perf `per_request_lifecycle_metrics.json`, any
 * per-request CSV/JSONL with arrival_us/ttft_us/e2e_us, or a benchmark's summary report
 * (inference-perf lifecycle summary, `vllm bench serve` result: summary-truth.ts). Prediction: a blis.metrics/v1 JSON or
 * per-request records (CSV/JSONL).
 */
import { InputError, jsonParseProblem } from '../kernel/errors.js';
import { checkGate, type Baseline } from './baseline.js';
import { compareSides, sideFromMetrics, sideFromRows, truthFromExperiment, type Side, type StageComparison } from './compare.js';
import { parseExperiment, type Experiment, type ModelCatalogHook } from './experiment.js';
import { parseLatencyTable, parseLifecycleJson, type LatencyRow } from './requests.js';
import { summaryTruth, type SummaryTruth } from './summary-truth.js';
import { buildValidationDocument, type ValidationDocument } from './validation.js';

/** `warnings`: things read as they are but worth a look (a request id repeated in a per-request file). */
export type TruthInput =
  | { readonly kind: 'experiment'; readonly experiment: Experiment; readonly rows?: readonly LatencyRow[]; readonly warnings?: readonly string[] }
  | { readonly kind: 'rows'; readonly rows: readonly LatencyRow[]; readonly outputTokens?: number; readonly warnings?: readonly string[] }
  | { readonly kind: 'summary'; readonly summary: SummaryTruth; readonly warnings?: readonly string[] };

export type PredictionInput =
  | { readonly kind: 'metrics'; readonly doc: unknown }
  | { readonly kind: 'rows'; readonly rows: readonly LatencyRow[]; readonly warnings?: readonly string[] };

const withWarnings = (warnings: string[]): { warnings?: readonly string[] } => (warnings.length > 0 ? { warnings } : {});

const isJsonName = (f: string): boolean => /\.json$/i.test(f);
const isJsonlName = (f: string): boolean => /\.(jsonl|ndjson)$/i.test(f);

function parseJson(text: string, fileName: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InputError('COMPARE_BAD_JSON', fileName, `not valid JSON: ${jsonParseProblem(text, e)}`);
  }
}

/** Reads a ground-truth file's text; `requestsText` is an experiment's per-request CSV, if any. */
export function readTruth(fileName: string, text: string, opts: { requestsText?: string; requestsFile?: string; modelCatalog?: ModelCatalogHook } = {}): TruthInput {
  const warnings: string[] = [];
  if (isJsonName(fileName)) {
    const json = parseJson(text, fileName);
    if (Array.isArray(json)) return { kind: 'rows', rows: parseLifecycleJson(json, fileName) };
    const summary = summaryTruth(json, fileName);
    if (summary !== undefined) return { kind: 'summary', summary };
    const experiment = parseExperiment(json, fileName, opts.modelCatalog ? { modelCatalog: opts.modelCatalog } : {});
    const rows = opts.requestsText !== undefined ? parseLatencyTable(opts.requestsText, opts.requestsFile ?? `${fileName} (requests)`, 'csv', false, warnings) : undefined;
    return { kind: 'experiment', experiment, ...(rows ? { rows } : {}), ...withWarnings(warnings) };
  }
  const rows = parseLatencyTable(text, fileName, isJsonlName(fileName) ? 'jsonl' : 'csv', false, warnings);
  const counted = rows.filter((r) => !r.error && r.outputTokensCounted).length;
  if (counted > 0) {
    warnings.push(`${fileName}: TPOT and ITL not scored for ${counted} request(s): their output length is output_tokens_counted, the client's re-tokenised count, not the decoded length (it under-counts: calibration README pitfall 2); give the experiment JSON as --truth to score TPOT with its configured output length [OUTPUT_TOKENS_COUNTED]`);
  }
  return { kind: 'rows', rows, ...withWarnings(warnings) };
}

/** Reads a prediction file's text: a metrics JSON, or per-request records (CSV/JSONL). */
export function readPrediction(fileName: string, text: string): PredictionInput {
  if (isJsonName(fileName)) {
    const doc = parseJson(text, fileName) as Record<string, unknown> | null;
    if (!doc || typeof doc !== 'object' || doc['schema'] !== 'blis.metrics/v1') {
      throw new InputError('COMPARE_NOT_METRICS', `${fileName}: schema`, `expected "blis.metrics/v1", found ${JSON.stringify(doc?.['schema'])}`);
    }
    checkMetricsLatencies(doc, fileName);
    return { kind: 'metrics', doc };
  }
  // A simulated record file is blis's own format: damage in it is refused, not read as failures.
  const warnings: string[] = [];
  return { kind: 'rows', rows: parseLatencyTable(text, fileName, isJsonlName(fileName) ? 'jsonl' : 'csv', true, warnings), ...withWarnings(warnings) };
}

/**
 * The latency statistics a metrics JSON holds (whole run and stages) are ms ≥ 0 or null (a
 * block without completions): anything else is a damaged file, refused by field rather than
 * scored (a negative mean) or left out of the comparison unseen (a statistic that is text).
 */
function checkMetricsLatencies(doc: Record<string, unknown>, fileName: string): void {
  const blocks: Array<[string, unknown]> = [['', doc]];
  if (Array.isArray(doc['stages'])) (doc['stages'] as unknown[]).forEach((b, i) => blocks.push([`stages[${i}].`, b]));
  for (const [prefix, b] of blocks) {
    if (typeof b !== 'object' || b === null) continue;
    for (const m of ['ttft', 'e2e', 'tpot', 'itl']) {
      const dist = (b as Record<string, unknown>)[`${m}_ms`];
      if (typeof dist !== 'object' || dist === null) continue;
      for (const [k, v] of Object.entries(dist as Record<string, unknown>)) {
        if (k === 'count' || v === null) continue;
        if (typeof v !== 'number' || !(v >= 0)) throw new InputError('COMPARE_NOT_METRICS', `${fileName}: ${prefix}${m}_ms.${k}`, `found ${JSON.stringify(v)}; expected milliseconds >= 0 or null`);
      }
    }
  }
}

function truthSide(t: TruthInput): Side {
  if (t.kind === 'summary') return t.summary.side;
  return t.kind === 'experiment' ? truthFromExperiment(t.experiment, t.rows) : sideFromRows(t.rows, t.outputTokens !== undefined ? { outputTokens: t.outputTokens } : {});
}

function predictionSide(p: PredictionInput): Side {
  return p.kind === 'metrics' ? sideFromMetrics(p.doc) : sideFromRows(p.rows);
}

/** Per-stage and summary comparison of a prediction against the truth. */
export function compareInputs(prediction: PredictionInput, truth: TruthInput): StageComparison[] {
  return compareSides(predictionSide(prediction), truthSide(truth));
}

/** A one-experiment validation document (gate against `baseline` when given). */
export function compareToDocument(prediction: PredictionInput, truth: TruthInput, opts: { id?: string; baseline?: Baseline } = {}): ValidationDocument {
  const id = opts.id ?? (truth.kind === 'experiment' ? truth.experiment.id : 'comparison');
  const exp = { id, status: 'ok' as const, ...(truth.kind === 'experiment' ? { truth_status: truth.experiment.status, file: truth.experiment.file } : {}), stages: compareInputs(prediction, truth) };
  // A single comparison always counts towards its own summary, whatever the truth's status.
  const counted = { includeTruthStatus: [exp.truth_status ?? 'active'] };
  const draft = buildValidationDocument([exp], undefined, counted);
  return { ...draft, gate: opts.baseline ? { gated: true, ...checkGate(draft, opts.baseline, counted) } : { passed: true, gated: false, failures: [] } };
}
