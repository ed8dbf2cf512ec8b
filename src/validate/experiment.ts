/**
 * Ground-truth experiments in the calibration schema (schema_version 1, see
 * baselines/calibration-experiments/README.md): one real vLLM run with its configuration, its
 * workload description and per-stage measured latency statistics.
 *
 * `parseExperiment` is a pure function of (json, fileName). Unknown knobs (`null`) stay null and
 * are listed in `derive` so that the integrator derives them (KV blocks from memory,
 * max_model_len from the model config) and the report says so. A metric the ground truth lacks
 * is left undefined, never zero.
 */
import { InputError, closeNames } from '../kernel/errors.js';

/** A latency distribution summary in ms; any field may be missing in partial ground truth. */
export interface DistMs {
  readonly mean?: number;
  readonly p50?: number;
  readonly p90?: number;
  readonly p95?: number;
  readonly p99?: number;
  readonly min?: number;
  readonly max?: number;
}

/** Token-length statistics as the ground truth records them (p10 instead of p95/p99). */
export interface LengthStats {
  readonly mean?: number;
  readonly p10?: number;
  readonly p50?: number;
  readonly p90?: number;
  readonly min?: number;
  readonly max?: number;
}

/** One ground-truth block (the summary or one stage). */
export interface TruthBlock {
  readonly requestsSent?: number;
  readonly successes?: number;
  readonly failures?: number;
  readonly ttftMs?: DistMs;
  readonly e2eMs?: DistMs;
  /** Per-token TPOT: (mean e2e − mean ttft)/(configured output length − 1) (pitfall 1). */
  readonly tpotMeanMs?: number;
  /** Same with the re-tokenised (under-counted) output length: sim-to-real's "itl_mean". */
  readonly tpotMeasuredLenMs?: number;
  /** Per-SSE-event ITL from inference-perf: about 0.5x the per-token gap (pitfall 1). */
  readonly itlSseEventMs?: DistMs;
  readonly promptLenTokens?: LengthStats;
}

export interface StageSpec {
  readonly index: number;
  readonly rateRps: number;
  readonly durationS: number;
  readonly startS: number;
  /** Exactly rate × duration (pitfall 4). */
  readonly numRequests: number;
}

/** The prefix structure the benchmark actually produced (`shared_prefix_effective`, pitfall 3). */
export interface PrefixStructure {
  readonly numGroups: number;
  readonly promptsPerGroup: number;
  readonly uniquePrompts: number;
  /** Tokens of the system prompt shared by the prompts of one group (0: none). */
  readonly systemPromptTokens: number;
  readonly questionTokens: number;
  readonly multiTurnContextGrowth: boolean;
}

/** vLLM engine knobs; null means unknown in the source (derive it). */
export interface EngineKnobs {
  readonly maxNumSeqs: number | null;
  readonly maxNumBatchedTokens: number | null;
  readonly maxModelLen: number | null;
  readonly gpuMemoryUtilization: number | null;
  readonly blockSize: number | null;
  readonly totalKvBlocksGpu: number | null;
  readonly enablePrefixCaching: boolean | null;
  readonly enableChunkedPrefill: boolean | null;
  readonly cpuKvBlocks: number | null;
  readonly vllmVersion: string | null;
}

export type KnobName = keyof EngineKnobs;

export interface Experiment {
  readonly id: string;
  /** File name the experiment came from (used in every error message). */
  readonly file: string;
  /** `active`, or `excluded_overload` (kept out of summary MAPE and gate by default). */
  readonly status: string;
  readonly model: string;
  readonly hfConfig: Readonly<Record<string, unknown>>;
  readonly hardware: { readonly gpu: string; readonly numGpus: number };
  readonly tp: number;
  readonly dp: number;
  readonly engine: EngineKnobs;
  /** Knobs that were null in the source: the integrator derives them and reports the values. */
  readonly derive: readonly KnobName[];
  readonly workload: {
    readonly stages: readonly StageSpec[];
    readonly ignoreEos: boolean;
    readonly streaming: boolean;
    /** Tokens every request decodes under ignore_eos (`output_tokens_generated`). */
    readonly outputTokens: number | null;
    readonly prefix: PrefixStructure | null;
    readonly promptLenTokens?: LengthStats;
  };
  readonly truth: { readonly summary: TruthBlock; readonly stages: ReadonlyMap<number, TruthBlock> };
  /** Name of the per-request CSV next to the experiment file, when there is one. */
  readonly perRequestFile?: string;
  readonly sourceRef?: unknown;
}

/** Lets the integrator's model catalog reject unknown models at parse time. */
export interface ModelCatalogHook {
  has(name: string): boolean;
  names(): readonly string[];
}

export interface ParseExperimentOptions {
  readonly modelCatalog?: ModelCatalogHook;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Reader {
  constructor(readonly file: string) {}

  fail(field: string, message: string, code = 'EXPERIMENT_BAD_FIELD'): never {
    throw new InputError(code, `${this.file}: ${field}`, message);
  }

  obj(o: Obj, key: string, path: string): Obj {
    const v = o[key];
    if (!isObj(v)) this.fail(`${path}${key}`, v === undefined ? 'missing object' : `expected an object, found ${JSON.stringify(v)}`, v === undefined ? 'EXPERIMENT_MISSING_FIELD' : 'EXPERIMENT_BAD_FIELD');
    return v;
  }

  optObj(o: Obj, key: string): Obj | undefined {
    const v = o[key];
    return isObj(v) ? v : undefined;
  }

  str(o: Obj, key: string, path: string): string {
    const v = o[key];
    if (typeof v !== 'string' || v === '') this.fail(`${path}${key}`, v === undefined || v === null ? 'missing (expected a non-empty string)' : `expected a non-empty string, found ${JSON.stringify(v)}`, v === undefined || v === null ? 'EXPERIMENT_MISSING_FIELD' : 'EXPERIMENT_BAD_FIELD');
    return v;
  }

  num(o: Obj, key: string, path: string): number {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`${path}${key}`, v === undefined || v === null ? 'missing (expected a number)' : `expected a number, found ${JSON.stringify(v)}`, v === undefined || v === null ? 'EXPERIMENT_MISSING_FIELD' : 'EXPERIMENT_BAD_FIELD');
    return v;
  }

  /** Null or absent → null ("derive"); a wrong type is an error. */
  nullableNum(o: Obj, key: string, path: string): number | null {
    const v = o[key];
    if (v === null || v === undefined) return null;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) this.fail(`${path}${key}`, `expected a non-negative number or null, found ${JSON.stringify(v)}`);
    return v;
  }

  nullableBool(o: Obj, key: string, path: string): boolean | null {
    const v = o[key];
    if (v === null || v === undefined) return null;
    if (typeof v !== 'boolean') this.fail(`${path}${key}`, `expected true, false or null, found ${JSON.stringify(v)}`);
    return v;
  }
}

function optNum(o: Obj | undefined, key: string): number | undefined {
  const v = o?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function dist(o: Obj | undefined): DistMs | undefined {
  if (!o) return undefined;
  const out: Record<string, number> = {};
  for (const k of ['mean', 'p50', 'p90', 'p95', 'p99', 'min', 'max']) {
    const v = optNum(o, k);
    if (v !== undefined) out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function lengths(o: Obj | undefined): LengthStats | undefined {
  if (!o) return undefined;
  const out: Record<string, number> = {};
  for (const k of ['mean', 'p10', 'p50', 'p90', 'min', 'max']) {
    const v = optNum(o, k);
    if (v !== undefined) out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Drops undefined fields so that "the truth lacks it" is an absent key, never a zero. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const LATENCY_KEYS = ['ttft', 'e2e', 'tpot_from_means', 'itl_sse_event', 'tpot_sse_event'];

function truthBlock(r: Reader, o: Obj, path: string): TruthBlock {
  if (!LATENCY_KEYS.some((k) => isObj(o[k]))) {
    r.fail(path, `no latency metrics (expected at least one of ${LATENCY_KEYS.join(', ')})`, 'EXPERIMENT_STAGE_WITHOUT_METRICS');
  }
  const tpm = r.optObj(o, 'tpot_from_means');
  return compact({
    requestsSent: optNum(o, 'requests_sent'),
    successes: optNum(o, 'successes'),
    failures: optNum(o, 'failures'),
    ttftMs: dist(r.optObj(o, 'ttft')),
    e2eMs: dist(r.optObj(o, 'e2e')),
    tpotMeanMs: optNum(tpm, 'configured_output_len'),
    tpotMeasuredLenMs: optNum(tpm, 'measured_output_len'),
    itlSseEventMs: dist(r.optObj(o, 'itl_sse_event')),
    promptLenTokens: lengths(r.optObj(o, 'prompt_len_tokens')),
  });
}

/** Parses one experiment JSON document; `fileName` names the source in every error. */
export function parseExperiment(json: unknown, fileName: string, opts: ParseExperimentOptions = {}): Experiment {
  const r = new Reader(fileName);
  if (!isObj(json)) return r.fail('(top level)', 'expected a JSON object', 'EXPERIMENT_NOT_OBJECT');
  const sv = json['schema_version'];
  if (sv !== undefined && sv !== 1) r.fail('schema_version', `unsupported schema_version ${JSON.stringify(sv)} (expected 1)`, 'EXPERIMENT_SCHEMA');
  const id = r.str(json, 'id', '');
  const model = r.str(json, 'model', '');
  if (opts.modelCatalog && !opts.modelCatalog.has(model)) {
    const close = closeNames(model, opts.modelCatalog.names());
    r.fail('model', `unknown model '${model}'${close.length > 0 ? `; did you mean ${close.join(', ')}` : ''}`, 'EXPERIMENT_UNKNOWN_MODEL');
  }
  const hfConfig = r.obj(json, 'hf_config', '');
  const hw = r.obj(json, 'hardware', '');
  const hardware = { gpu: r.str(hw, 'gpu', 'hardware.'), numGpus: optNum(hw, 'num_gpus') ?? 1 };
  const tp = r.num(json, 'tp', '');
  if (!Number.isInteger(tp) || tp < 1) r.fail('tp', `expected a positive integer, found ${tp}`);
  const dp = optNum(json, 'dp') ?? 1;

  const v = r.obj(json, 'vllm', '');
  const off = r.optObj(v, 'cpu_offload');
  const engine: EngineKnobs = {
    maxNumSeqs: r.nullableNum(v, 'max_num_seqs', 'vllm.'),
    maxNumBatchedTokens: r.nullableNum(v, 'max_num_batched_tokens', 'vllm.'),
    maxModelLen: r.nullableNum(v, 'max_model_len', 'vllm.'),
    gpuMemoryUtilization: r.nullableNum(v, 'gpu_memory_utilization', 'vllm.'),
    blockSize: r.nullableNum(v, 'block_size', 'vllm.'),
    totalKvBlocksGpu: r.nullableNum(v, 'total_kv_blocks_gpu', 'vllm.'),
    enablePrefixCaching: r.nullableBool(v, 'enable_prefix_caching', 'vllm.'),
    enableChunkedPrefill: r.nullableBool(v, 'enable_chunked_prefill', 'vllm.'),
    cpuKvBlocks: off && off['enabled'] === true ? r.nullableNum(off, 'cpu_kv_blocks', 'vllm.cpu_offload.') : null,
    vllmVersion: typeof v['version'] === 'string' ? v['version'] : null,
  };
  const derive = (Object.keys(engine) as KnobName[]).filter((k) => engine[k] === null && k !== 'cpuKvBlocks' && k !== 'vllmVersion');

  const w = r.obj(json, 'workload', '');
  const stagesRaw = w['stages'];
  if (!Array.isArray(stagesRaw) || stagesRaw.length === 0) return r.fail('workload.stages', 'missing or empty (expected at least one stage)', 'EXPERIMENT_MISSING_FIELD');
  let nextStart = 0;
  const stages: StageSpec[] = stagesRaw.map((s: unknown, i: number): StageSpec => {
    const p = `workload.stages[${i}].`;
    if (!isObj(s)) return r.fail(`workload.stages[${i}]`, 'expected an object');
    const rateRps = r.num(s, 'rate_rps', p);
    const durationS = r.num(s, 'duration_s', p);
    if (rateRps <= 0 || durationS <= 0) r.fail(`${p}rate_rps`, `rate and duration must be positive (found ${rateRps} rps × ${durationS} s)`);
    const startS = optNum(s, 'start_s') ?? nextStart;
    nextStart = startS + durationS;
    const expected = Math.round(rateRps * durationS);
    const given = optNum(s, 'num_requests');
    if (given !== undefined && given !== expected) r.fail(`${p}num_requests`, `${given} differs from rate_rps × duration_s = ${expected} (pitfall 4: exactly rate × duration)`);
    return { index: optNum(s, 'index') ?? i, rateRps, durationS, startS, numRequests: expected };
  });

  const eff = r.optObj(w, 'shared_prefix_effective');
  let prefix: PrefixStructure | null = null;
  if (eff) {
    const numGroups = optNum(eff, 'num_groups') ?? 0;
    const promptsPerGroup = optNum(eff, 'prompts_per_group') ?? optNum(eff, 'num_prompts_per_group') ?? 0;
    prefix = {
      numGroups,
      promptsPerGroup,
      uniquePrompts: optNum(eff, 'unique_prompts') ?? numGroups * promptsPerGroup,
      systemPromptTokens: optNum(eff, 'system_prompt_len') ?? 0,
      questionTokens: optNum(eff, 'question_len') ?? 0,
      multiTurnContextGrowth: eff['multi_turn_context_growth'] === true,
    };
    if (prefix.uniquePrompts <= 0) r.fail('workload.shared_prefix_effective.unique_prompts', 'expected a positive number of unique prompts');
  }
  const outputTokens = optNum(w, 'output_tokens_generated') ?? optNum(eff, 'output_len') ?? null;

  const gt = r.obj(json, 'ground_truth', '');
  const summaryObj = r.obj(gt, 'summary', 'ground_truth.');
  const summary = truthBlock(r, summaryObj, 'ground_truth.summary');
  const truthStages = new Map<number, TruthBlock>();
  const gs = gt['stages'];
  if (gs !== undefined && !Array.isArray(gs)) r.fail('ground_truth.stages', 'expected an array');
  (Array.isArray(gs) ? gs : []).forEach((s, i) => {
    if (!isObj(s)) return r.fail(`ground_truth.stages[${i}]`, 'expected an object');
    const index = optNum(s, 'stage') ?? optNum(s, 'index') ?? i;
    truthStages.set(index, truthBlock(r, s, `ground_truth.stages[${i}]`));
  });
  const perRequestFile = typeof gt['per_request_file'] === 'string' ? gt['per_request_file'] : undefined;

  return compact({
    id,
    file: fileName,
    status: typeof json['status'] === 'string' ? json['status'] : 'active',
    model,
    hfConfig,
    hardware,
    tp,
    dp,
    engine,
    derive,
    workload: compact({
      stages,
      ignoreEos: w['ignore_eos'] === true,
      streaming: w['streaming'] !== false,
      outputTokens,
      prefix,
      promptLenTokens: summary.promptLenTokens,
    }),
    truth: { summary, stages: truthStages },
    perRequestFile,
    sourceRef: json['source_ref'],
  });
}
