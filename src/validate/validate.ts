/**
 * The validate runner: for each ground-truth experiment, plan → simulate → compare, then the
 * cross-experiment summary and the gate. The simulation is injected (`SimulateFn` in process, or
 * `runPlans` for a worker pool, see validate-workers.node.ts), so this file knows nothing of
 * the engine. One experiment's failure (bad file, unknown model, simulation error) becomes
 * `status: "error"` with a message naming the file and field; the others still run.
 */
import type { RequestRecord } from '../cluster/record.js';
import { InputError } from '../kernel/errors.js';
import { sortAssumptions, type Assumption } from './assumptions.js';
import { checkGate, experimentFailures, type Baseline } from './baseline.js';
import { compareSides, sideFromMetrics, sideFromRows, truthFromExperiment, SAMPLED, type SampledMetric, type Side, type StageComparison } from './compare.js';
import { parseExperiment, type Experiment, type ModelCatalogHook, type PrefixAliasReading } from './experiment.js';
import type { CpuOffloadSizeReading } from './experiment-cpu-tier.js';
import { KNOB_FIELDS, simulatorDerived, type KnobName } from './knobs.js';
import { buildPlan, type ExperimentPlan, type PlanOptions } from './plan.js';
import { checkPlanConfig } from './config-check.js';
import { parseCalibrationRequestsCsv, rowsFromRecords, type LatencyRow } from './requests.js';
import { cdfPoints } from './stats.js';
import { buildValidationDocument, type SummaryOptions, type ValidationDocument, type ValidationExperiment } from './validation.js';

/** What a simulation hands back: records (preferred: per-request samples) and/or metrics JSON. */
export interface SimulationResult {
  readonly records?: readonly RequestRecord[];
  /** Per-request rows, e.g. read back from a `--requests-out` file. */
  readonly rows?: readonly LatencyRow[];
  /** A blis.metrics/v1 document; used when there are neither records nor rows. */
  readonly metrics?: unknown;
  /** Knobs the simulation derived because the experiment left them null (name → value). */
  readonly derived?: Readonly<Record<string, unknown>>;
  /** What the simulation noted about the configuration (report entries of kind `noted`). */
  readonly notes?: readonly Assumption[];
}

export type SimulateFn = (plan: ExperimentPlan) => Promise<SimulationResult | readonly RequestRecord[]>;

export type Settled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** Runs many plans (e.g. in worker threads); one result per plan, in order. */
export type PlanRunner = (plans: readonly ExperimentPlan[]) => Promise<Array<Settled<SimulationResult | readonly RequestRecord[]>>>;

/** One experiment as loaded from disk (the CLI reads files; this module stays pure). */
export interface ExperimentSource {
  /** File name used in messages. */
  readonly file: string;
  /** Parsed JSON; absent when reading or parsing failed (then `loadError`). */
  readonly json?: unknown;
  readonly loadError?: string;
  /** The per-request CSV: its text (parsed here) or rows already parsed. */
  readonly requests?: string | readonly LatencyRow[];
  readonly requestsFile?: string;
  /** Paths of the files it was read from (the experiment, then its per-request CSV): what a command's outputs must not overwrite. */
  readonly readFrom?: readonly string[];
}

export type ValidateProgress =
  | { readonly kind: 'planned'; readonly id: string; readonly requests: number }
  | { readonly kind: 'simulated'; readonly id: string; readonly ok: boolean }
  | { readonly kind: 'failed'; readonly file: string; readonly error: string };

export interface ValidateOptions {
  /** In-process simulation (tests, single experiment). Ignored when `runPlans` is given. */
  readonly simulate?: SimulateFn;
  readonly runPlans?: PlanRunner;
  /** In-process concurrency (default 1). */
  readonly concurrency?: number;
  readonly plan?: Pick<PlanOptions, 'seed' | 'arrivals' | 'clientTimeoutUs' | 'hardwareSpecs'>;
  readonly modelCatalog?: ModelCatalogHook;
  /** How to read inference-perf's aliases in `shared_prefix_as_configured` (default `ignored`). */
  readonly prefixAliases?: PrefixAliasReading;
  /** How to read a CPU tier size a file derived (experiment-cpu-tier.ts; default `total`). */
  readonly cpuOffloadSize?: CpuOffloadSizeReading;
  readonly baseline?: Baseline;
  readonly summary?: SummaryOptions;
  readonly onProgress?: (ev: ValidateProgress) => void;
}

/** Per-experiment material for the reports that does not belong in validation.json. */
export interface ExperimentDetail {
  readonly id: string;
  readonly file: string;
  readonly model?: string;
  readonly arrivalSource?: string;
  readonly requests?: number;
  /** Empirical CDF points (ms, fraction) of the summary, when both sides have samples. */
  readonly cdfs?: Partial<Record<SampledMetric, { readonly predicted: Array<[number, number]>; readonly actual: Array<[number, number]> }>>;
}

export interface ValidateRun {
  readonly document: ValidationDocument;
  readonly details: readonly ExperimentDetail[];
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

interface Prepared {
  readonly exp: Experiment;
  readonly rows?: readonly LatencyRow[];
  readonly plan: ExperimentPlan;
}

/** Parse + plan one source; throws InputError naming the file and field. */
export function prepareExperiment(src: ExperimentSource, opts: Pick<ValidateOptions, 'plan' | 'modelCatalog' | 'prefixAliases' | 'cpuOffloadSize'> = {}): Prepared {
  if (src.loadError !== undefined) throw new InputError('EXPERIMENT_UNREADABLE', src.file, src.loadError);
  const exp = parseExperiment(src.json, src.file, { ...(opts.modelCatalog ? { modelCatalog: opts.modelCatalog } : {}), ...(opts.prefixAliases ? { prefixAliases: opts.prefixAliases } : {}), ...(opts.cpuOffloadSize ? { cpuOffloadSize: opts.cpuOffloadSize } : {}) });
  const rows = typeof src.requests === 'string' ? parseCalibrationRequestsCsv(src.requests, src.requestsFile ?? exp.perRequestFile ?? `${src.file} (requests)`) : src.requests;
  const plan = buildPlan(exp, { ...(opts.plan ?? {}), ...(rows ? { requests: rows } : {}) });
  checkPlanConfig(plan);
  return { exp, plan, ...(rows ? { rows } : {}) };
}

/**
 * The prediction side of one simulation: records/rows preferred (samples for KS/Wasserstein),
 * else the metrics JSON. Requests that finished (or would first-token) later than the client
 * timeout after arrival count as failed, like inference-perf's client.
 */
export function predictedSide(result: SimulationResult | readonly RequestRecord[], plan: Pick<ExperimentPlan, 'clientTimeoutUs' | 'stages'>): Side {
  const r: SimulationResult = Array.isArray(result) ? { records: result as readonly RequestRecord[] } : (result as SimulationResult);
  const rows = r.rows ?? (r.records ? rowsFromRecords(r.records) : undefined);
  if (rows) {
    const stageOf = (t: number): number | undefined => {
      let s: number | undefined;
      for (const st of plan.stages) if (t >= st.startUs) s = st.index;
      return s;
    };
    const fixed = rows.map((x) => {
      const timedOut = x.e2eUs > plan.clientTimeoutUs || x.ttftUs > plan.clientTimeoutUs || (x.e2eUs < 0 && !x.error);
      const stage = x.stage ?? stageOf(x.arrivalUs);
      return { ...x, error: x.error || timedOut, ...(stage !== undefined ? { stage } : {}) };
    });
    return sideFromRows(fixed);
  }
  if (r.metrics !== undefined) return sideFromMetrics(r.metrics);
  throw new Error('simulation returned neither records, rows nor metrics');
}

/** CDF points kept per curve for the reports (enough for a smooth plot, small HTML). */
const CDF_POINTS = 80;

function detailCdfs(pred: Side, truth: Side): ExperimentDetail['cdfs'] {
  const out: NonNullable<ExperimentDetail['cdfs']> = {};
  for (const m of SAMPLED) {
    const p = pred.summary.samples?.[m];
    const a = truth.summary.samples?.[m];
    if (p && a && p.length > 0 && a.length > 0) out[m] = { predicted: cdfPoints(p, CDF_POINTS), actual: cdfPoints(a, CDF_POINTS) };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Compares one simulation result against one experiment's truth. */
export function compareExperiment(exp: Experiment, rows: readonly LatencyRow[] | undefined, plan: ExperimentPlan, result: SimulationResult | readonly RequestRecord[]): { stages: StageComparison[]; cdfs?: ExperimentDetail['cdfs'] } {
  const truth = truthFromExperiment(exp, rows);
  const pred = predictedSide(result, plan);
  const cdfs = detailCdfs(pred, truth);
  return { stages: compareSides(pred, truth), ...(cdfs ? { cdfs } : {}) };
}

/** Runs `fn` over the inputs with at most `concurrency` in flight, settling each. */
export async function runSettled<TIn, TOut>(inputs: readonly TIn[], concurrency: number, fn: (x: TIn) => Promise<TOut>): Promise<Array<Settled<TOut>>> {
  const out = new Array<Settled<TOut>>(inputs.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < inputs.length) {
      const i = next++;
      try {
        out[i] = { ok: true, value: await fn(inputs[i]!) };
      } catch (e) {
        out[i] = { ok: false, error: message(e) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, inputs.length)) }, lane));
  return out;
}

/** Validates every source; never throws for one experiment's problem. */
export async function validateExperiments(sources: readonly ExperimentSource[], opts: ValidateOptions): Promise<ValidateRun> {
  const entries: Array<{ src: ExperimentSource; prepared?: Prepared; error?: string; code?: string }> = sources.map((src) => {
    try {
      const prepared = prepareExperiment(src, opts);
      opts.onProgress?.({ kind: 'planned', id: prepared.exp.id, requests: prepared.plan.arrivals.length });
      return { src, prepared };
    } catch (e) {
      opts.onProgress?.({ kind: 'failed', file: src.file, error: message(e) });
      return { src, error: message(e), ...(e instanceof InputError ? { code: e.code } : {}) };
    }
  });
  const ready = entries.filter((e) => e.prepared);
  const plans = ready.map((e) => e.prepared!.plan);
  let results: Array<Settled<SimulationResult | readonly RequestRecord[]>>;
  if (opts.runPlans) results = await opts.runPlans(plans);
  else if (opts.simulate) results = await runSettled(plans, opts.concurrency ?? 1, opts.simulate);
  else throw new Error('validateExperiments needs `simulate` or `runPlans`');
  const byPlan = new Map<ExperimentPlan, Settled<SimulationResult | readonly RequestRecord[]>>();
  plans.forEach((p, i) => byPlan.set(p, results[i] ?? { ok: false, error: 'no result from the simulation runner' }));

  const experiments: ValidationExperiment[] = [];
  const details: ExperimentDetail[] = [];
  for (const e of entries) {
    if (!e.prepared) {
      experiments.push({ id: idFromFile(e.src), file: e.src.file, status: 'error', error: e.error!, ...(e.code ? { error_code: e.code } : {}), stages: [] });
      details.push({ id: idFromFile(e.src), file: e.src.file });
      continue;
    }
    const { exp, rows, plan } = e.prepared;
    const settled = byPlan.get(plan)!;
    const base = { id: exp.id, file: exp.file, truth_status: exp.status };
    const detailBase = { id: exp.id, file: exp.file, model: exp.model, arrivalSource: plan.arrivalSource, requests: plan.arrivals.length };
    opts.onProgress?.({ kind: 'simulated', id: exp.id, ok: settled.ok });
    if (!settled.ok) {
      experiments.push({ ...base, status: 'error', error: `${exp.file}: simulation failed: ${settled.error}`, stages: [] });
      details.push(detailBase);
      continue;
    }
    try {
      const simDerived = Array.isArray(settled.value) ? undefined : (settled.value as SimulationResult).derived;
      const simNotes = Array.isArray(settled.value) ? undefined : (settled.value as SimulationResult).notes;
      const { derived, assumptions } = assumptionsOf(plan, simDerived, simNotes);
      const { stages, cdfs } = compareExperiment(exp, rows, plan, settled.value);
      experiments.push({ ...base, status: 'ok', ...(Object.keys(derived).length > 0 ? { derived } : {}), ...(assumptions.length > 0 ? { assumptions } : {}), stages });
      details.push({ ...detailBase, ...(cdfs ? { cdfs } : {}) });
    } catch (err) {
      experiments.push({ ...base, status: 'error', error: `${exp.file}: ${message(err)}`, stages: [] });
      details.push(detailBase);
    }
  }
  const draft = buildValidationDocument(experiments, undefined, opts.summary);
  const gate = opts.baseline ? { gated: true, ...checkGate(draft, opts.baseline, opts.summary) } : gateWithoutBaseline(experiments);
  return { document: { ...draft, gate }, details };
}

/** Without a baseline nothing is gated; only experiments that errored or predicted nothing fail. */
export function gateWithoutBaseline(experiments: readonly ValidationExperiment[]): ValidationDocument['gate'] {
  const failures = experimentFailures(experiments);
  return { passed: failures.length === 0, gated: false, failures };
}

/**
 * Every knob value that was not in the file (name → value: from vLLM's rules in the plan, and
 * from the simulator for `derive`), and the full list of what was derived or assumed, sorted.
 */
export function assumptionsOf(plan: Pick<ExperimentPlan, 'derive' | 'assumptions' | 'engineKnobs'>, simDerived: Readonly<Record<string, unknown>> | undefined, simNotes: readonly Assumption[] = []): { derived: Record<string, unknown>; assumptions: Assumption[] } {
  const derived: Record<string, unknown> = {};
  const list: Assumption[] = [...plan.assumptions, ...simNotes];
  for (const a of plan.assumptions) {
    const knob = (Object.keys(KNOB_FIELDS) as KnobName[]).find((k) => KNOB_FIELDS[k] === a.field);
    if (knob && a.kind === 'derived') derived[knob] = plan.engineKnobs[knob];
  }
  for (const [k, v] of Object.entries(simDerived ?? {})) {
    derived[k] = v;
    if ((plan.derive as readonly string[]).includes(k)) list.push(simulatorDerived(k as KnobName, v));
  }
  return { derived, assumptions: sortAssumptions(list) };
}

function idFromFile(src: ExperimentSource): string {
  const j = src.json as Record<string, unknown> | undefined;
  if (j && typeof j['id'] === 'string') return j['id'];
  const base = src.file.split(/[\\/]/).pop() ?? src.file;
  return base.replace(/\.json$/i, '');
}
