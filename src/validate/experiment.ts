/**
 * Ground-truth experiments in the calibration schema (schema_version 1, see
 * baselines/calibration-experiments/README.md): one real vLLM run with its configuration, its
 * workload description and per-stage measured latency statistics. Real files come in sparser
 * forms too (baselines/trainval-experiments/README.md): null knobs, `<knob>_likely` / `_alt`
 * hints, only the benchmark profile as configured, aggregate-only ground truth.
 *
 * `parseExperiment` is a pure function of (json, fileName, options). Unknown knobs (`null`) stay
 * null and are listed in `derive` (knobs.ts derives them by vLLM's rules when the plan is
 * built); the prompt structure is read from the most direct form present
 * (experiment-prefix.ts); everything derived or assumed on the way is listed in
 * `assumptions`, which the reports show. A metric the ground truth lacks is left undefined,
 * never zero; one it states must be a positive number (experiment-truth.ts).
 */
import { closeNames } from '../kernel/errors.js';
import type { Assumption } from './assumptions.js';
import { compact, isObj, Reader, type Obj } from './experiment-reader.js';
import { readPrefix, type PrefixAliasReading, type PrefixStructure } from './experiment-prefix.js';
import { readCpuTierSize, type CpuOffloadSizeReading } from './experiment-cpu-tier.js';
import { derivedTpotNote, truthBlock, withDerivedTpot, type LengthStats, type TruthBlock } from './experiment-truth.js';
import { KNOB_FIELDS, OPTIONAL_KNOBS, type EngineKnobs, type KnobName } from './knobs.js';
import { KV_CACHE_DTYPES } from '../model/kv-sizing.js';
import { stageRequestCount } from '../workload/arrival.js';
import { noteAbsentModelType, noteUnreadVllmKeys, refusePipelineParallel } from './experiment-unread.js';

export type { DistMs, LengthStats, TruthBlock } from './experiment-truth.js';
export type { PrefixStructure, PrefixAliasReading } from './experiment-prefix.js';
export type { EngineKnobs, KnobName } from './knobs.js';

export interface StageSpec {
  readonly index: number;
  readonly rateRps: number;
  readonly durationS: number;
  readonly startS: number;
  /** Exactly rate × duration (pitfall 4). */
  readonly numRequests: number;
}

export interface Experiment {
  readonly id: string;
  /** File name the experiment came from (used in every error message). */
  readonly file: string;
  /** `active`, or `excluded_overload` (kept out of summary MAPE and gate by default). */
  readonly status: string;
  readonly model: string;
  readonly hfConfig: Readonly<Record<string, unknown>>;
  /** The file's `weight_dtype` (else `precision`) text, a hint at the weight format when hf_config declares no quantisation. */
  readonly weightFormat?: string;
  /** `vllm.quantization`, the server's --quantization (plan-weights.ts reads it with hf_config's). */
  readonly vllmQuantization?: string;
  readonly hardware: { readonly gpu: string; readonly numGpus: number };
  readonly tp: number;
  readonly dp: number;
  /** vLLM --enable-expert-parallel (`vllm.enable_expert_parallel`, or a top-level `ep` above 1). */
  readonly expertParallel: boolean;
  /** The field that turned expert parallelism on and its value (for the plan's note). */
  readonly expertParallelFrom: { readonly field: 'vllm.enable_expert_parallel' | 'ep'; readonly value: boolean | number };
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
    /** How each stage's arrivals are spaced (workload.arrival.process; plan.ts generates them). */
    readonly arrivalProcess: ArrivalProcess;
  };
  readonly truth: { readonly summary: TruthBlock; readonly stages: ReadonlyMap<number, TruthBlock> };
  /** Name of the per-request CSV next to the experiment file, when there is one. */
  readonly perRequestFile?: string;
  readonly sourceRef?: unknown;
  /** What parsing derived or assumed (prompt structure, TPOT from means, hints, notes), in file order. */
  readonly assumptions: readonly Assumption[];
}

/**
 * The arrival processes a stage can have: `poisson_fixed_count` (inference-perf's constant load:
 * exactly rate × duration requests, exponential gaps rescaled to the stage), `poisson` (exponential
 * gaps at the rate, not rescaled) and `uniform` (evenly spaced, 1 / rate apart).
 */
export type ArrivalProcess = 'poisson_fixed_count' | 'poisson' | 'uniform';
const ARRIVAL_PROCESSES: Readonly<Record<string, ArrivalProcess>> = { poisson_fixed_count: 'poisson_fixed_count', poisson: 'poisson', uniform: 'uniform', constant_interval: 'uniform', deterministic: 'uniform' };

/** Lets the integrator's model catalog reject unknown models at parse time. */
export interface ModelCatalogHook {
  has(name: string): boolean;
  names(): readonly string[];
}

export interface ParseExperimentOptions {
  readonly modelCatalog?: ModelCatalogHook;
  /** How to read inference-perf's group aliases in `shared_prefix_as_configured` (default `ignored`). */
  readonly prefixAliases?: PrefixAliasReading;
  /** How to read a CPU tier size the file derived (experiment-cpu-tier.ts; default `total`). */
  readonly cpuOffloadSize?: CpuOffloadSizeReading;
}

const optNum = (r: Reader, o: Obj | undefined, key: string, path: string): number | undefined => r.optNum(o, key, path);

/** The knobs of `vllm` (and `vllm.cpu_offload`) that may carry `_likely` / `_alt` siblings. */
const HINTED: ReadonlyArray<[KnobName, string, 'vllm' | 'cpu_offload']> = [
  ['maxNumSeqs', 'max_num_seqs', 'vllm'], ['maxNumBatchedTokens', 'max_num_batched_tokens', 'vllm'],
  ['maxModelLen', 'max_model_len', 'vllm'], ['gpuMemoryUtilization', 'gpu_memory_utilization', 'vllm'],
  ['blockSize', 'block_size', 'vllm'], ['totalKvBlocksGpu', 'total_kv_blocks_gpu', 'vllm'],
  ['enablePrefixCaching', 'enable_prefix_caching', 'vllm'], ['enableChunkedPrefill', 'enable_chunked_prefill', 'vllm'],
  ['cpuKvBlocks', 'cpu_kv_blocks', 'cpu_offload'],
];

/**
 * `<knob>_likely` (an unconfirmed default) and `<knob>_alt` (another reading of the source) are
 * hints, never facts (trainval README): they are reported next to the value actually used.
 */
function hints(engine: EngineKnobs, v: Obj, off: Obj | undefined, notes: Assumption[]): void {
  for (const [knob, key, where] of HINTED) {
    const o = where === 'vllm' ? v : off;
    for (const suffix of ['_likely', '_alt'] as const) {
      const h = o?.[`${key}${suffix}`];
      if (h === undefined || h === null) continue;
      const stated = engine[knob];
      notes.push({
        field: `${KNOB_FIELDS[knob]}${suffix}`,
        value: h,
        kind: 'hint',
        why: `${suffix === '_likely' ? 'an unconfirmed default' : 'an alternative reading'} the file offers; not used: ${stated === null ? `the null knob is derived by vLLM's rules instead (${KNOB_FIELDS[knob]})` : `the file's stated ${JSON.stringify(stated)} stands`}`,
      });
    }
  }
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
  // Optional when the model is catalogued (plan.ts requires it otherwise): an empty object stands for it.
  const hfConfig = r.optObj(json, 'hf_config', '') ?? {};
  const hw = r.obj(json, 'hardware', '');
  const statedGpus = optNum(r, hw, 'num_gpus', 'hardware.');
  const hardware = { gpu: r.str(hw, 'gpu', 'hardware.'), numGpus: statedGpus ?? 1 };
  const vllmObj = isObj(json['vllm']) ? json['vllm'] : {};
  const tp = parallelDegree(r, json, vllmObj, 'tp', 'tensor_parallel_size', undefined);
  const dp = parallelDegree(r, json, vllmObj, 'dp', 'data_parallel_size', 1);
  const notes: Assumption[] = [];
  if (statedGpus !== undefined && statedGpus !== tp * dp) {
    notes.push({ field: 'hardware.num_gpus', value: statedGpus, kind: 'noted', why: `tp ${tp} × dp ${dp} = ${tp * dp} GPUs serve: simulated as the file's tp and dp (the other GPUs of the node are not used)` });
  }

  const v = r.obj(json, 'vllm', '');
  const { on: expertParallel, from: expertParallelFrom } = expertParallelOf(r, json, v, tp, dp, notes);
  refusePipelineParallel(r, json, v);
  noteUnreadVllmKeys(v, notes);
  noteAbsentModelType(hfConfig, notes);
  const off = r.optObj(v, 'cpu_offload', 'vllm.');
  const engineStated: EngineKnobs = {
    maxNumSeqs: r.nullableNum(v, 'max_num_seqs', 'vllm.'),
    maxNumBatchedTokens: r.nullableNum(v, 'max_num_batched_tokens', 'vllm.'),
    maxModelLen: r.nullableNum(v, 'max_model_len', 'vllm.'),
    gpuMemoryUtilization: r.nullableNum(v, 'gpu_memory_utilization', 'vllm.'),
    blockSize: r.nullableNum(v, 'block_size', 'vllm.'),
    totalKvBlocksGpu: r.nullableNum(v, 'total_kv_blocks_gpu', 'vllm.'),
    enablePrefixCaching: r.nullableBool(v, 'enable_prefix_caching', 'vllm.'),
    enableChunkedPrefill: r.nullableBool(v, 'enable_chunked_prefill', 'vllm.'),
    cpuKvBlocks: off && off['enabled'] === true ? r.nullableNum(off, 'cpu_kv_blocks', 'vllm.cpu_offload.') : null,
    cpuKvGibPerGpu: off && off['enabled'] === true ? r.nullableNum(off, 'cpu_bytes_per_gpu_gib', 'vllm.cpu_offload.') : null,
    asyncScheduling: r.nullableBool(v, 'async_scheduling', 'vllm.'),
    kvCacheDtype: kvCacheDtypeOf(r, v),
    disableHybridKvCacheManager: r.nullableBool(v, 'disable_hybrid_kv_cache_manager', 'vllm.'),
    vllmVersion: typeof v['version'] === 'string' ? v['version'] : null,
  };
  const cpuTier = readCpuTierSize(engineStated, off?.['cpu_kv_blocks_source'], tp, opts.cpuOffloadSize ?? 'total', notes);
  const engine: EngineKnobs = { ...engineStated, ...cpuTier };
  // async_scheduling is rarely stated: its default follows vllm.version (knobs.ts), not listed as a null knob.
  const derive = (Object.keys(engine) as KnobName[]).filter((k) => engine[k] === null && !OPTIONAL_KNOBS.has(k) && k !== 'asyncScheduling');
  hints(engine, v, off, notes);
  // (A derived count read as a total was explained by readCpuTierSize.)
  if (off && off['enabled'] === true && !(engineStated.cpuKvBlocks !== null && engineStated.cpuKvBlocks > 0)) {
    notes.push(engine.cpuKvGibPerGpu !== null && engine.cpuKvGibPerGpu > 0
      ? { field: 'vllm.cpu_offload.cpu_kv_blocks', value: null, kind: 'derived', why: `unknown: the CPU tier holds what ${engine.cpuKvGibPerGpu} GiB per GPU (cpu_bytes_per_gpu_gib) fits, at the model's KV bytes per block per GPU, as the OffloadingConnector sizes it` }
      : { field: 'vllm.cpu_offload', value: true, kind: 'noted', why: 'enabled without cpu_kv_blocks or cpu_bytes_per_gpu_gib: the tier has no size, so it is not simulated' });
  }

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
    const startS = optNum(r, s, 'start_s', p) ?? nextStart;
    nextStart = startS + durationS;
    const expected = stageRequestCount(rateRps, durationS);
    const given = optNum(r, s, 'num_requests', p);
    if (given !== undefined && (!Number.isInteger(given) || given < 1)) r.fail(`${p}num_requests`, `expected a positive whole number of requests, found ${given}`);
    // inference-perf issues exactly ⌊rate × duration⌋ requests a stage (pitfall 4); a file whose count
    // differs (a rounded rate, a count taken from what was sent) is simulated with the count it
    // states, over the stage's duration, and says so: refusing it would score nothing.
    if (given !== undefined && given !== expected) {
      notes.push({ field: `${p}num_requests`, value: given, kind: 'noted', why: `differs from rate_rps × duration_s = ${expected}: simulated as the ${given} requests the file states, spread over the stage's ${durationS} s (inference-perf's arrivals are rescaled to the stage's length)` });
    }
    return { index: optNum(r, s, 'index', p) ?? i, rateRps, durationS, startS, numRequests: given ?? expected };
  });

  const { prefix, outputLen } = readPrefix(r, w, opts.prefixAliases ?? 'ignored', notes);
  const ignoreEos = w['ignore_eos'] === true;
  let outputTokens = r.optPositive(w, 'output_tokens_generated', 'workload.', 'tokens') ?? null;
  if (outputTokens === null && outputLen !== undefined) {
    outputTokens = outputLen;
    notes.push({ field: 'workload.output_tokens_generated', value: outputLen, kind: 'derived', why: `the ${prefix?.source ?? 'prefix'} output_len: the client asks for max_tokens = output_len` });
  }
  const api = w['api'];
  if (typeof api === 'string' && api !== 'completion') {
    notes.push({ field: 'workload.api', value: api, kind: 'noted', why: "simulated with the prompt lengths as stated: the tokens a chat template adds around each message are not (the calibration runs used the completion API)" });
  }
  if (!ignoreEos && outputTokens !== null) {
    notes.push({ field: 'workload.ignore_eos', value: w['ignore_eos'] ?? null, kind: 'assumed', why: `not true: every request is still simulated with ${outputTokens} output tokens (real lengths depend on where the model stops)` });
  }
  if (w['spec_inferred'] === true) {
    notes.push({ field: 'workload.spec_inferred', value: true, kind: 'noted', why: `the workload was inferred${typeof w['profile_name'] === 'string' ? ` from the profile name '${w['profile_name']}'` : ''}, not recorded with the run` });
  }
  if (prefix?.multiTurnContextGrowth) {
    notes.push({ field: 'workload.shared_prefix_effective.multi_turn_context_growth', value: true, kind: 'noted', why: 'multi-turn context growth is not simulated: every request carries its first-turn prompt' });
  }

  const gt = r.obj(json, 'ground_truth', '');
  const summaryObj = r.obj(gt, 'summary', 'ground_truth.');
  const tpots = new Map<string, number>();
  const truth = (o: Obj, path: string, name: string): TruthBlock => {
    const stated = truthBlock(r, o, path);
    const t = withDerivedTpot(stated, outputTokens, ignoreEos);
    if (t !== stated) tpots.set(name, t.tpotMeanMs!);
    return t;
  };
  const summary = truth(summaryObj, 'ground_truth.summary', 'summary');
  const truthStages = new Map<number, TruthBlock>();
  const gs = gt['stages'];
  if (gs !== undefined && !Array.isArray(gs)) r.fail('ground_truth.stages', 'expected an array');
  (Array.isArray(gs) ? gs : []).forEach((s, i) => {
    if (!isObj(s)) return r.fail(`ground_truth.stages[${i}]`, 'expected an object');
    const path = `ground_truth.stages[${i}]`;
    const index = optNum(r, s, 'stage', `${path}.`) ?? optNum(r, s, 'index', `${path}.`) ?? i;
    truthStages.set(index, truth(s, path, `stage ${index}`));
  });
  const tpotNote = derivedTpotNote(tpots, outputTokens);
  if (tpotNote) notes.push(tpotNote);
  const perRequestFile = typeof gt['per_request_file'] === 'string' ? gt['per_request_file'] : undefined;

  return compact({
    id,
    file: fileName,
    status: typeof json['status'] === 'string' ? json['status'] : 'active',
    model,
    hfConfig,
    vllmQuantization: quantizationOf(r, v),
    weightFormat: typeof json['weight_dtype'] === 'string' ? json['weight_dtype'] : typeof json['precision'] === 'string' ? json['precision'] : undefined,
    hardware,
    tp,
    dp,
    expertParallel,
    expertParallelFrom,
    engine,
    derive,
    workload: compact({
      stages,
      ignoreEos,
      streaming: w['streaming'] !== false,
      outputTokens,
      prefix,
      promptLenTokens: summary.promptLenTokens,
      arrivalProcess: arrivalProcessOf(w, notes),
    }),
    truth: { summary, stages: truthStages },
    perRequestFile,
    sourceRef: json['source_ref'],
    assumptions: notes,
  });
}

/**
 * The top-level `tp` / `dp`, else vLLM's own `vllm.tensor_parallel_size` / `data_parallel_size`
 * (the server's flags, as a file copied from a launch config carries them); both given must agree.
 * `fallback` stands in when neither is (dp: 1); tp has none.
 */
function parallelDegree(r: Reader, json: Obj, v: Obj, key: 'tp' | 'dp', vllmKey: string, fallback: number | undefined): number {
  const top = r.optNum(json, key, '');
  const flag = r.optNum(v, vllmKey, 'vllm.');
  if (top !== undefined && flag !== undefined && top !== flag) r.fail(key, `${top} differs from vllm.${vllmKey} ${flag}; expected one degree`);
  const n = top ?? flag ?? fallback;
  if (n === undefined) return r.fail(key, `missing (expected a number, or vllm.${vllmKey})`, 'EXPERIMENT_MISSING_FIELD');
  if (!Number.isInteger(n) || n < 1) r.fail(top !== undefined ? key : `vllm.${vllmKey}`, `expected a positive integer, found ${n}`);
  return n;
}

/** vLLM --enable-expert-parallel: `vllm.enable_expert_parallel` (true, false or null), else a top-level `ep` (the expert-parallel group's size; above 1 is on). */
function expertParallelOf(r: Reader, json: Obj, v: Obj, tp: number, dp: number, notes: Assumption[]): { on: boolean; from: Experiment['expertParallelFrom'] } {
  const flag = v['enable_expert_parallel'];
  if (flag !== undefined && flag !== null && typeof flag !== 'boolean') r.fail('vllm.enable_expert_parallel', `expected true, false or null, found ${JSON.stringify(flag)}`);
  const ep = r.optNum(json, 'ep', '');
  if (ep !== undefined && (!Number.isInteger(ep) || ep < 1)) r.fail('ep', `expected a positive integer, found ${ep}`);
  const on = flag === true || (flag !== false && ep !== undefined && ep > 1);
  // vLLM forms the expert-parallel group from all dp x tp GPUs (FusedMoEParallelConfig.make: ep_size
  // = dp x tp); it has no flag for another size. An ep that says otherwise is noted, not simulated.
  const gpus = dp * tp;
  if (ep !== undefined && ep !== (on ? gpus : 1)) {
    const why = on
      ? `vLLM's expert-parallel group is dp ${dp} x tp ${tp} = ${gpus} GPUs (it has no flag for another size): simulated over ${gpus}, not ${ep}`
      : `vllm.enable_expert_parallel is false: each expert sharded over dp ${dp} x tp ${tp} = ${gpus} GPUs, not spread over ${ep} whole`;
    notes.push({ field: 'ep', value: ep, kind: 'noted', why });
  }
  return { on, from: flag === true || ep === undefined ? { field: 'vllm.enable_expert_parallel', value: flag === true } : { field: 'ep', value: ep } };
}

/** `vllm.quantization`: absent or null is none; otherwise the method's name. */
function quantizationOf(r: Reader, v: Record<string, unknown>): string | undefined {
  const q = v['quantization'];
  if (q === undefined || q === null) return undefined;
  if (typeof q !== 'string' || q.trim() === '') return r.fail('vllm.quantization', `found ${JSON.stringify(q)}; expected a vLLM --quantization method name or null`);
  return q.trim();
}

/** `vllm.kv_cache_dtype`: absent or null is vLLM's auto; any other value must be one the simulator models. */
function kvCacheDtypeOf(r: Reader, v: Record<string, unknown>): string | null {
  const d = v['kv_cache_dtype'];
  if (d === undefined || d === null) return null;
  if (typeof d !== 'string' || KV_CACHE_DTYPES[d] === undefined) {
    return r.fail('vllm.kv_cache_dtype', `found ${JSON.stringify(d)}; expected one of ${Object.keys(KV_CACHE_DTYPES).join(', ')} or null`);
  }
  return d;
}

/** `workload.arrival.process`; absent is the calibration set's `poisson_fixed_count`; one not simulated is noted and read as it. */
function arrivalProcessOf(w: Record<string, unknown>, notes: Assumption[]): ArrivalProcess {
  const arrival = w['arrival'];
  const given = isObj(arrival) ? arrival['process'] : undefined;
  if (given === undefined || given === null) return 'poisson_fixed_count';
  const known = typeof given === 'string' ? ARRIVAL_PROCESSES[given] : undefined;
  if (known !== undefined) return known;
  notes.push({ field: 'workload.arrival.process', value: given, kind: 'noted', why: `not a process the harness generates (${Object.keys(ARRIVAL_PROCESSES).join(', ')}): simulated as poisson_fixed_count` });
  return 'poisson_fixed_count';
}
