/**
 * Experiment → simulation plan: the arrival stream and engine knobs that reproduce one
 * ground-truth run (calibration README, pitfalls 2–4).
 *
 * - Arrivals, `synthetic`: each stage issues exactly rate × duration requests; exponential gaps
 *   are drawn and rescaled so that they sum to the stage length, the first request at the stage
 *   start (inference-perf load.type=constant; its own first request comes one gap after the start
 *   and its last at the end, the same gaps read the other way round, docs/workloads.md). `trace`: the recorded arrival times of the
 *   per-request CSV (the same process's realisation; removes sampling noise from the tails).
 * - Prompts: the effective workload is groups × prompts-per-group unique prompts, served
 *   round-robin over a shuffled list, so the i-th request of a stage carries prompt slot i mod
 *   unique (the cycle restarts each stage, as inference-perf's does). A prompt is
 *   identical whenever it recurs: `prefix = {group: 'p<k>', tokens: its full length}`. The
 *   group's system prompt is shared by its prompts (inference-perf's shared_prefix generator:
 *   each prompt is its group's system prompt followed by its own question): the prefix's `parent`
 *   `{group: 'g<g>', tokens: system_prompt_len}`, so the full blocks inside the system prompt hash
 *   alike across the group (engine/block-hash.ts takes the outermost level covering a block).
 * - Output: ignore_eos → every request decodes `output_tokens_generated` (pitfall 2).
 * - Client timeout: requests unfinished 300 s after arrival count as failed.
 */
import { InputError } from '../kernel/errors.js';
import type { ArrivalRequest } from '../workload/request.js';
import { exponential, type Random } from '../kernel/random.js';
import { Rng } from '../kernel/rng.js';
import type { Assumption } from './assumptions.js';
import { describeGeneration, findModel } from '../model/index.js';
import { configVocabSize, familyGenerationDefaults } from '../model/generation-families.js';
import { configContextLength, languageConfig } from '../model/hf-config.js';
import type { ArrivalProcess, EngineKnobs, Experiment, KnobName, LengthStats } from './experiment.js';
import { findHardware, hardwareAlternatives, hardwareNameKey } from '../model/hardware-catalog.js';
import type { HardwareSpec } from '../model/hardware.js';
import { deriveKnobs } from './knobs.js';
import { weightFormat } from './plan-weights.js';
import type { LatencyRow } from './requests.js';
import { sToUs } from '../kernel/units.js';

export type ArrivalSource = 'synthetic' | 'trace';

export interface PlanOptions {
  /** Default 1. Ignored when `random` is given. */
  readonly seed?: number;
  readonly random?: Random;
  /** Default: `trace` when `requests` are given, else `synthetic`. */
  readonly arrivals?: ArrivalSource;
  /** The experiment's per-request ground truth (calibration CSV rows), if any. */
  readonly requests?: readonly LatencyRow[];
  /** inference-perf's client timeout; default 300 s. */
  readonly clientTimeoutUs?: number;
  /** GPUs described by files (validate --hardware-config): an experiment whose hardware.gpu names one, by its name or an alias, runs on it. */
  readonly hardwareSpecs?: readonly HardwareSpec[];
}

export interface PlanStage {
  readonly index: number;
  readonly startUs: number;
  readonly endUs: number;
}

export interface ExperimentPlan {
  readonly id: string;
  readonly file: string;
  /** `quantizationConfig`: a quantisation the file declares for a model the catalog holds as 16-bit (plan-weights.ts); its spec is re-read with it. */
  readonly model: { readonly name: string; readonly hfConfig: Readonly<Record<string, unknown>>; readonly quantizationConfig?: Readonly<Record<string, unknown>> };
  readonly hardware: { readonly gpu: string; readonly numGpus: number };
  /** The GPU from a --hardware-config file that hardware.gpu names (else the catalog's part is simulated). */
  readonly hardwareSpec?: HardwareSpec;
  readonly tp: number;
  /** Engine instances (the experiment's data-parallel degree, usually 1). */
  readonly numInstances: number;
  /** vLLM --enable-expert-parallel as the file states it. */
  readonly expertParallel: boolean;
  /** The experiment's knobs with the null ones vLLM's default rules decide filled in (knobs.ts). */
  readonly engineKnobs: EngineKnobs;
  /** Null knobs the simulator must derive from model and GPU (and report in `derived`). */
  readonly derive: readonly KnobName[];
  /** Everything derived or assumed so far (parse + knob rules); the simulator's derivations are added after. */
  readonly assumptions: readonly Assumption[];
  readonly arrivals: ArrivalRequest[];
  readonly arrivalSource: ArrivalSource;
  readonly clientTimeoutUs: number;
  readonly stages: readonly PlanStage[];
  /** Token length of each unique prompt slot (slot = request index within its stage mod unique prompts). */
  readonly promptSlotTokens: readonly number[];
}

export const CLIENT_TIMEOUT_US = 300_000_000;

/** Builds the plan; throws InputError naming the experiment file and the missing field. */
export function buildPlan(exp: Experiment, opts: PlanOptions = {}): ExperimentPlan {
  const random = opts.random ?? new Rng(opts.seed ?? 1);
  const source: ArrivalSource = opts.arrivals ?? (opts.requests && opts.requests.length > 0 ? 'trace' : 'synthetic');
  if (source === 'trace' && (!opts.requests || opts.requests.length === 0)) {
    throw new InputError('PLAN_NO_TRACE', `${exp.file}: ground_truth.per_request_file`, 'trace arrivals need the per-request CSV');
  }
  const outputTokens = exp.workload.outputTokens;
  if (outputTokens === null || outputTokens < 1) {
    throw new InputError('EXPERIMENT_MISSING_FIELD', `${exp.file}: workload.output_tokens_generated`, 'missing (needed as every request\'s decode length under ignore_eos)');
  }
  const px = exp.workload.prefix;
  // Without a prefix structure every prompt is unique (experiment-prefix.ts): one slot per request.
  const unique = px ? px.uniquePrompts : Math.max(1, source === 'trace' ? opts.requests!.length : exp.workload.stages.reduce((a, s) => a + s.numRequests, 0));
  const perGroup = px && px.promptsPerGroup > 0 ? px.promptsPerGroup : unique;
  const slotTokens = promptSlotLengths(exp, unique, random, opts.requests);
  // The shuffled list: slot j serves unique prompt order[j] (Fisher–Yates, seeded).
  const order = Array.from({ length: unique }, (_, k) => k);
  for (let j = unique - 1; j > 0; j--) {
    const k = Math.floor(random.next() * (j + 1));
    [order[j], order[k]] = [order[k]!, order[j]!];
  }
  const sysTokens = px ? px.systemPromptTokens : 0;
  const makeRequest = (i: number, slot: number, arrivalUs: number, stage: number, inputTokens: number, observed?: LatencyRow): ArrivalRequest => {
    const prompt = order[slot]!;
    const group = Math.floor(prompt / perGroup);
    const system = sysTokens > 0 ? { parent: { group: `g${group}`, tokens: Math.min(sysTokens, inputTokens) } } : {};
    const req: ArrivalRequest = {
      id: `r${i}`,
      arrivalUs,
      inputTokens,
      outputTokens,
      prefix: { group: `p${prompt}`, tokens: inputTokens, ...system },
      model: exp.model,
      stage,
      ...(observed && !observed.error ? { observed: { ttftUs: observed.ttftUs, e2eUs: observed.e2eUs } } : {}),
    };
    return req;
  };

  const arrivals: ArrivalRequest[] = [];
  let stages: PlanStage[];
  if (source === 'synthetic') {
    stages = exp.workload.stages.map((s) => ({ index: s.index, startUs: sToUs(s.startS), endUs: sToUs(s.startS + s.durationS) }));
    exp.workload.stages.forEach((s, si) => {
      const st = stages[si]!;
      const times = stageArrivals(exp.workload.arrivalProcess, s.numRequests, st.startUs, st.endUs - st.startUs, random);
      times.forEach((t, k) => {
        // The cycle restarts each stage (cyclePositions).
        arrivals.push(makeRequest(arrivals.length, k % unique, t, s.index, slotTokens[k % unique]!));
      });
    });
  } else {
    const rows = [...opts.requests!].sort((a, b) => a.index - b.index);
    const positions = cyclePositions(rows);
    rows.forEach((row, i) => {
      const slot = positions[i]! % unique;
      // Failed rows lost their counts (zero): they carry their slot's prompt.
      const input = row.inputTokens > 0 ? row.inputTokens : slotTokens[slot]!;
      arrivals.push(makeRequest(i, slot, row.arrivalUs, row.stage ?? 0, input, row));
    });
    arrivals.sort((a, b) => a.arrivalUs - b.arrivalUs);
    stages = exp.workload.stages.map((s, si) => {
      const mine = arrivals.filter((a) => a.stage === s.index);
      const startUs = mine.length > 0 ? mine[0]!.arrivalUs : sToUs(s.startS);
      return { index: s.index, startUs, endUs: startUs + sToUs(s.durationS) };
    });
  }
  const described = describedGpu(exp.hardware.gpu, opts.hardwareSpecs ?? []);
  const knobs = deriveKnobs(exp.engine);
  const assumptions: Assumption[] = [...exp.assumptions, ...knobs.assumptions];
  const spec = findModel(exp.model);
  if (spec === undefined && Object.keys(exp.hfConfig).length === 0) {
    throw new InputError('EXPERIMENT_MISSING_FIELD', `${exp.file}: hf_config`, `missing, and '${exp.model}' is not in the model catalog: the file must carry the model's config.json facts (hidden_size, num_hidden_layers, ...)`);
  }
  let engineKnobs = knobs.engine;
  let leftToSimulator = knobs.leftToSimulator;
  const budget = engineKnobs.maxNumBatchedTokens;
  if (exp.engine.enableChunkedPrefill === false && engineKnobs.maxModelLen === null && budget !== null) {
    // vLLM refuses max_model_len above the budget without chunked prefill, so a server that ran had at most that.
    const modelMax = spec?.maxModelLen ?? configContextLength(exp.hfConfig)?.maxModelLen ?? Number.NaN;
    if (modelMax > budget) {
      engineKnobs = { ...engineKnobs, maxModelLen: budget };
      leftToSimulator = leftToSimulator.filter((k) => k !== 'maxModelLen');
      assumptions.push({ field: 'vllm.max_model_len', value: budget, kind: 'derived', why: `chunked prefill off: vLLM refuses a max_model_len above max_num_batched_tokens (config/scheduler.py verify_max_model_len), and the model allows ${modelMax}, so the server ran with at most ${budget}` });
    }
  }
  const weights = weightFormat(exp, spec, described);
  if (weights.note !== undefined) assumptions.push(weights.note);
  const context = spec === undefined ? withContextLength(weights.hfConfig, engineKnobs.maxModelLen, arrivals) : { hfConfig: weights.hfConfig };
  if (context.note !== undefined) assumptions.push(context.note);
  assumptions.push({
    field: 'sampling',
    value: spec ? describeGeneration(spec.generation, spec.vocabSize) : describeGeneration(familyGenerationDefaults(exp.model, exp.hfConfig), configVocabSize(exp.hfConfig)),
    kind: 'assumed',
    why: "the client sets no sampling parameters (inference-perf's completion body is model, prompt, max_tokens, ignore_eos, stream), so vLLM (--generation-config auto) samples with the model's generation_config defaults",
  });
  // A name that fits several catalogued parts ("A100", "NVIDIA H100 80GB HBM3") is read as one of them: said.
  const hw = findHardware(exp.hardware.gpu);
  const alternatives = hardwareAlternatives(exp.hardware.gpu);
  if (described !== undefined) {
    assumptions.push({ field: 'hardware.gpu', value: described.name, kind: 'noted', why: `'${exp.hardware.gpu}' is not in the catalog: simulated as the GPU --hardware-config describes (${described.source})` });
  } else if (hw !== undefined && alternatives.length > 0) {
    assumptions.push({ field: 'hardware.gpu', value: hw.name, kind: 'assumed', why: `'${exp.hardware.gpu}' fits ${[hw.name, ...alternatives].join(', ')}: read as ${hw.name} (${hw.source}); a name with the form factor and memory size ('A100-SXM4-40GB', 'H100 PCIe') picks another` });
  }
  if (exp.dp > 1) {
    assumptions.push({ field: 'dp', value: exp.dp, kind: 'assumed', why: `${exp.dp} engine instances, each request sent to the rank vLLM's data-parallel balancer picks (lowest 4 x waiting + running, from counts published every 100 ms plus the requests sent since, behind vLLM's default ${exp.dp} API servers, one a request)${(spec?.numExperts ?? configExperts(exp.hfConfig)) > 1 ? `; an MoE model's ranks share its routed experts (${exp.expertParallel ? 'whole experts' : 'each expert sharded'} over ${exp.dp} x ${exp.tp} GPUs) and run its MoE layers on every rank's tokens in lockstep, each step as long as the slowest rank's (model/moe-parallel.ts, engine/lockstep.ts)` : ''}` });
  }
  if (exp.expertParallel) assumptions.push({ field: exp.expertParallelFrom.field, value: exp.expertParallelFrom.value, kind: 'noted', why: 'whole experts per GPU: each MoE layer waits for the GPU whose experts the step touches most (model/moe-parallel.ts)' });
  return {
    id: exp.id,
    file: exp.file,
    model: { name: exp.model, hfConfig: context.hfConfig, ...(weights.quantizationConfig !== undefined ? { quantizationConfig: weights.quantizationConfig } : {}) },
    hardware: exp.hardware,
    ...(described !== undefined ? { hardwareSpec: described } : {}),
    tp: exp.tp,
    numInstances: exp.dp,
    expertParallel: exp.expertParallel,
    engineKnobs,
    derive: leftToSimulator,
    assumptions,
    arrivals,
    arrivalSource: source,
    clientTimeoutUs: opts.clientTimeoutUs ?? CLIENT_TIMEOUT_US,
    stages,
    promptSlotTokens: slotTokens,
  };
}

/** A stage's `n` arrival times by its process (ArrivalProcess): integer µs, non-decreasing, from `startUs`. */
export function stageArrivals(process: ArrivalProcess, n: number, startUs: number, durationUs: number, random: Random): number[] {
  if (process === 'poisson_fixed_count') return rescaledExponentialArrivals(n, startUs, durationUs, random);
  const out = new Array<number>(n);
  const meanGapUs = n > 0 ? durationUs / n : 0;
  let t = 0;
  for (let i = 0; i < n; i++) {
    out[i] = startUs + Math.floor(t);
    t += process === 'uniform' ? meanGapUs : exponential(random) * meanGapUs;
  }
  return out;
}

/**
 * Exactly `n` arrival times in [startUs, startUs + durationUs): the first at the start, then
 * exponential gaps scaled so that all n gaps sum to the duration. Integer µs, non-decreasing.
 */
export function rescaledExponentialArrivals(n: number, startUs: number, durationUs: number, random: Random): number[] {
  const gaps = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    gaps[i] = exponential(random);
    total += gaps[i]!;
  }
  const out = new Array<number>(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    out[i] = startUs + Math.floor((acc / total) * durationUs);
    acc += gaps[i]!;
  }
  return out;
}

/**
 * Each row's place in inference-perf's prompt cycle: its index within its stage. run_stage asks
 * the data generator for a fresh get_data() every stage, which counts from 0, and the shared-prefix
 * generator serves prompt data_index % prompts (inference-perf loadgen/load_generator.py run_stage,
 * datagen/shared_prefix_datagen.py get_data and load_lazy_data, Feb 2026 and since).
 */
function cyclePositions(rows: readonly LatencyRow[]): number[] {
  const seen = new Map<number, number>();
  return rows.map((r) => {
    const k = seen.get(r.stage ?? 0) ?? 0;
    seen.set(r.stage ?? 0, k + 1);
    return k;
  });
}

/**
 * Token length of each prompt slot. From the trace when there is one: the most common counted
 * length among successful requests in that slot (the cycle is visible: ~98% of rows repeat the
 * length of the row 100 earlier). Otherwise drawn from the ground truth's prompt-length quantiles
 * (piecewise linear through min, p10, p50, p90, max), else system + question length.
 */
export function promptSlotLengths(exp: Experiment, unique: number, random: Random, rows?: readonly LatencyRow[]): number[] {
  const fallback = fallbackLength(exp);
  const fromStats = (): number => sampleLength(exp.workload.promptLenTokens, random.next()) ?? fallback;
  const out = new Array<number>(unique);
  if (rows && rows.length > 0) {
    const counts = Array.from({ length: unique }, () => new Map<number, number>());
    const sorted = [...rows].sort((a, b) => a.index - b.index);
    const positions = cyclePositions(sorted);
    sorted.forEach((r, i) => {
      if (r.error || r.inputTokens <= 0) return;
      const m = counts[positions[i]! % unique]!;
      m.set(r.inputTokens, (m.get(r.inputTokens) ?? 0) + 1);
    });
    for (let s = 0; s < unique; s++) {
      let best = -1;
      let bestCount = 0;
      for (const [len, c] of counts[s]!) if (c > bestCount || (c === bestCount && len < best)) [best, bestCount] = [len, c];
      out[s] = best > 0 ? best : fromStats();
    }
    return out;
  }
  for (let s = 0; s < unique; s++) out[s] = fromStats();
  return out;
}

function fallbackLength(exp: Experiment): number {
  const px = exp.workload.prefix;
  const n = px ? px.systemPromptTokens + px.questionTokens : 0;
  if (n > 0) return n;
  const mean = exp.workload.promptLenTokens?.mean;
  if (mean !== undefined && mean > 0) return Math.round(mean);
  throw new InputError('EXPERIMENT_MISSING_FIELD', `${exp.file}: workload.shared_prefix_effective`, 'no prompt length (need system_prompt_len + question_len in workload.shared_prefix_effective, _as_resolved or _as_configured, or ground_truth.summary.prompt_len_tokens)');
}

/** Inverse CDF through the known quantiles of a length distribution; undefined when too sparse. */
export function sampleLength(st: LengthStats | undefined, u: number): number | undefined {
  if (!st) return undefined;
  const pts: Array<[number, number]> = [];
  const add = (q: number, v: number | undefined): void => {
    if (v !== undefined) pts.push([q, v]);
  };
  add(0, st.min);
  add(0.1, st.p10);
  add(0.5, st.p50);
  add(0.9, st.p90);
  add(1, st.max);
  if (pts.length < 2) return st.mean !== undefined ? Math.round(st.mean) : undefined;
  if (u <= pts[0]![0]) return Math.round(pts[0]![1]);
  for (let i = 1; i < pts.length; i++) {
    const [q1, v1] = pts[i]!;
    const [q0, v0] = pts[i - 1]!;
    if (u <= q1) return Math.round(v0 + ((v1 - v0) * (u - q0)) / (q1 - q0));
  }
  return Math.round(pts[pts.length - 1]![1]);
}

/**
 * A trimmed hf_config without `max_position_embeddings` (a model outside the catalog): vLLM reads
 * the model's maximum context from its config.json (ModelConfig _get_and_verify_max_len), which
 * the file does not carry. The stated `max_model_len` stands in for it (the server ran with that
 * context); without one, the longest request the run sent (prompt + output), since the server
 * accepted every request, so nothing is refused for length that vLLM served.
 */
function withContextLength(hf: Readonly<Record<string, unknown>>, statedMaxModelLen: number | null, arrivals: readonly ArrivalRequest[]): { hfConfig: Readonly<Record<string, unknown>>; note?: Assumption } {
  // A length the config class supplies (Gemma 3's text_config) or another length key counts: vLLM reads those too.
  if (configContextLength(hf) !== undefined) return { hfConfig: hf };
  const lang = languageConfig(hf);
  let value = statedMaxModelLen ?? 0;
  if (value <= 0) for (const a of arrivals) value = Math.max(value, a.inputTokens + a.outputTokens);
  if (value <= 0) return { hfConfig: hf }; // nothing to go by: the model reader names the missing field
  const filled = { ...lang, max_position_embeddings: value };
  const why = statedMaxModelLen !== null
    ? 'hf_config has no max_position_embeddings (vLLM reads the model\'s maximum context from config.json); the stated vllm.max_model_len stands in for it'
    : 'hf_config has no max_position_embeddings and the file states no max_model_len: the longest request the run sent (prompt + output), so every request the server accepted fits';
  return {
    hfConfig: lang === hf ? filled : { ...hf, text_config: filled },
    note: { field: 'hf_config.max_position_embeddings', value, kind: statedMaxModelLen !== null ? 'derived' : 'assumed', why },
  };
}

/**
 * The --hardware-config GPU a file's hardware.gpu names, its `name` read as the catalog reads
 * names (hardwareNameKey: case, separators and vendor words aside); none when the catalog holds
 * the name (the catalog's measured part is simulated) or no file describes it.
 */
function describedGpu(gpu: string, specs: readonly HardwareSpec[]): HardwareSpec | undefined {
  if (specs.length === 0 || findHardware(gpu) !== undefined) return undefined;
  const key = hardwareNameKey(gpu);
  return specs.find((h) => hardwareNameKey(h.name) === key);
}

/** Routed experts the file's hf_config names (its language part: hf-config.ts reads the same keys), 0 for none. */
function configExperts(hf: Readonly<Record<string, unknown>>): number {
  const c = languageConfig(hf as Record<string, unknown>);
  const n = c['num_local_experts'] ?? c['n_routed_experts'] ?? c['num_experts'];
  return typeof n === 'number' ? n : 0;
}
