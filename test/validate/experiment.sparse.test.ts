/**
 * Experiment files in every real form: prompt structure from `shared_prefix_effective`, else
 * `_as_resolved`, else `_as_configured` (two readings of inference-perf's aliases); null knobs
 * derived by vLLM's rules; `_likely` / `_alt` hints reported, never used; `spec_inferred` noted;
 * ground-truth values strict (a non-positive or non-numeric one names file and field).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/validate/experiment.js';
import { deriveKnobs } from '../../src/validate/knobs.js';
import { buildPlan } from '../../src/validate/plan.js';
import { planClusterOptions } from '../../src/validate/simulate-plan.js';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { errorOf } from './helpers.js';

const TRAINVAL = new URL('../../baselines/trainval-experiments/', import.meta.url);
const CALIBRATION = new URL('../../baselines/calibration-experiments/', import.meta.url);
const QWEN = '64-qwen2-5-7b-instruct-tp1-roleplay-1-1';
const read = (dir: URL, id: string): Record<string, any> => JSON.parse(readFileSync(new URL(`${id}.json`, dir), 'utf8'));

describe('prompt structure from the most direct form present', () => {
  it('shared_prefix_as_configured, default reading: the aliases were ignored, 10 × 10 prompts of system + question tokens', () => {
    const e = parseExperiment(read(TRAINVAL, QWEN), `${QWEN}.json`);
    // The file says 10 system prompts × 5 users, multi-turn; inference-perf's defaults are 10 × 10.
    expect(e.workload.prefix).toEqual({ numGroups: 10, promptsPerGroup: 10, uniquePrompts: 100, systemPromptTokens: 150, questionTokens: 600, multiTurnContextGrowth: false, source: 'shared_prefix_as_configured' });
    const note = e.assumptions.find((a) => a.field === 'workload.shared_prefix')!;
    expect(note).toMatchObject({ kind: 'assumed', value: '10 × 10' });
    expect(note.why).toMatch(/aliases \(10 system prompts × 5 users, multi-turn\) were ignored/);
    const plan = buildPlan(e, { seed: 1, arrivals: 'synthetic' });
    expect(new Set(plan.arrivals.map((a) => a.prefix!.group)).size).toBe(100);
    expect(plan.arrivals.every((a) => a.inputTokens === 750 && a.outputTokens === 251)).toBe(true);
  });

  it('--prefix-aliases honoured: groups × users from the profile, multi-turn growth reported as not simulated', () => {
    const e = parseExperiment(read(TRAINVAL, QWEN), `${QWEN}.json`, { prefixAliases: 'honoured' });
    expect(e.workload.prefix).toMatchObject({ numGroups: 10, promptsPerGroup: 5, uniquePrompts: 50, systemPromptTokens: 150 });
    expect(e.assumptions.find((a) => a.field === 'workload.shared_prefix')!.why).toMatch(/multi-turn chat .* is not simulated/);
    const plan = buildPlan(e, { seed: 1, arrivals: 'synthetic' });
    expect(new Set(plan.arrivals.map((a) => a.prefix!.group)).size).toBe(50);
  });

  it('canonical num_groups / num_prompts_per_group in the profile are honoured in both readings', () => {
    const j = read(TRAINVAL, QWEN);
    j.workload.shared_prefix_as_configured = { num_groups: 3, num_prompts_per_group: 4, system_prompt_len: 32, question_len: 64, output_len: 100 };
    for (const r of ['ignored', 'honoured'] as const) expect(parseExperiment(j, 'c.json', { prefixAliases: r }).workload.prefix).toMatchObject({ numGroups: 3, promptsPerGroup: 4, uniquePrompts: 12 });
  });

  it('shared_prefix_as_resolved wins over _as_configured; _effective wins over both', () => {
    const j = read(TRAINVAL, QWEN);
    j.workload.shared_prefix_as_resolved = { num_groups: 4, num_prompts_per_group: 2, system_prompt_len: 16, question_len: 48, output_len: 251 };
    expect(parseExperiment(j, 'r.json').workload.prefix).toMatchObject({ numGroups: 4, promptsPerGroup: 2, uniquePrompts: 8, source: 'shared_prefix_as_resolved' });
    j.workload.shared_prefix_effective = { num_groups: 1, prompts_per_group: 3, unique_prompts: 3, system_prompt_len: 0, question_len: 10 };
    const e = parseExperiment(j, 'e.json');
    expect(e.workload.prefix).toMatchObject({ uniquePrompts: 3, source: 'shared_prefix_effective' });
    expect(e.assumptions.some((a) => a.field === 'workload.shared_prefix')).toBe(false);
  });

  it('no prefix form at all: every prompt unique, lengths from the ground truth, output from output_len; assumed and said so', () => {
    const j = read(TRAINVAL, QWEN);
    delete j.workload.shared_prefix_as_configured;
    delete j.workload.output_tokens_generated;
    j.ground_truth.summary.prompt_len_tokens = { mean: 400 };
    expect(() => buildPlan(parseExperiment(j, 'n.json'))).toThrow(/n\.json: workload\.output_tokens_generated/);
    j.workload.shared_prefix_as_configured = { output_len: 120 };
    j.workload.shared_prefix_as_configured = undefined;
    j.workload.output_tokens_generated = 120;
    const e = parseExperiment(j, 'n.json');
    expect(e.workload.prefix).toBeNull();
    expect(e.assumptions.find((a) => a.field === 'workload.shared_prefix')!.why).toMatch(/every prompt assumed unique/);
    const plan = buildPlan(e, { seed: 1, arrivals: 'synthetic' });
    expect(new Set(plan.arrivals.map((a) => a.prefix!.group)).size).toBe(7200);
    expect(plan.arrivals.every((a) => a.inputTokens === 400)).toBe(true);
  });

  it('output_len of the prefix form stands in for output_tokens_generated (derived, noted)', () => {
    const j = read(TRAINVAL, QWEN);
    delete j.workload.output_tokens_generated;
    const e = parseExperiment(j, 'o.json');
    expect(e.workload.outputTokens).toBe(251);
    expect(e.assumptions).toContainEqual(expect.objectContaining({ field: 'workload.output_tokens_generated', value: 251, kind: 'derived' }));
  });
});

describe('null knobs by vLLM\'s rules; hints reported, never used', () => {
  const nulls = { maxNumSeqs: null, maxNumBatchedTokens: null, maxModelLen: null, gpuMemoryUtilization: null, blockSize: null, totalKvBlocksGpu: null, enablePrefixCaching: null, enableChunkedPrefill: null, cpuKvBlocks: null, cpuKvGibPerGpu: null, asyncScheduling: null, kvCacheDtype: null, disableHybridKvCacheManager: null, vllmVersion: null };

  it('H100 (80 GB, not an A100): max_num_seqs 1024, max_num_batched_tokens 8192; A100-80 and L40S: 256 and 2048', () => {
    expect(deriveKnobs(nulls).engine).toMatchObject({ maxNumSeqs: null, maxNumBatchedTokens: null, gpuMemoryUtilization: 0.9, blockSize: null, enablePrefixCaching: true, enableChunkedPrefill: true });
    // The batch knobs (their defaults depend on the GPU, on each other, on max_model_len and on
    // chunked prefill), max_model_len, the block size (an MLA backend forces its own) and the KV
    // blocks: the simulator derives them.
    expect(deriveKnobs(nulls).leftToSimulator).toEqual(['maxNumSeqs', 'maxNumBatchedTokens', 'maxModelLen', 'blockSize', 'totalKvBlocksGpu']);
    const gpu = (name: string) => {
      const j = read(TRAINVAL, QWEN);
      j.hardware.gpu = name;
      j.vllm.max_num_seqs = null;
      j.vllm.max_num_batched_tokens = null;
      j.vllm.total_kv_blocks_gpu = null;
      return resolveClusterConfig(planClusterOptions(buildPlan(parseExperiment(j, 'g.json'), { seed: 1, arrivals: 'synthetic' })).options).engine;
    };
    expect(gpu('H100-SXM-80GB')).toMatchObject({ maxNumSeqs: 1024, maxNumBatchedTokens: 8192 });
    expect(gpu('A100-SXM4-80GB')).toMatchObject({ maxNumSeqs: 256, maxNumBatchedTokens: 2048 });
    expect(gpu('L40S')).toMatchObject({ maxNumSeqs: 256, maxNumBatchedTokens: 2048 });
  });

  it('stated knobs are kept; each derived one is listed with its rule', () => {
    const d = deriveKnobs({ ...nulls, maxNumSeqs: 128, maxNumBatchedTokens: 2048, blockSize: 32, totalKvBlocksGpu: 100, enablePrefixCaching: false, enableChunkedPrefill: true });
    expect(d.engine).toMatchObject({ maxNumSeqs: 128, maxNumBatchedTokens: 2048, blockSize: 32, enablePrefixCaching: false });
    expect(d.assumptions.map((a) => a.field)).toEqual(['vllm.gpu_memory_utilization', 'vllm.async_scheduling']);
    expect(d.leftToSimulator).toEqual(['maxModelLen']);
  });

  it('enable_chunked_prefill false is simulated; an unknown max_model_len is then at most the budget, as vLLM requires', () => {
    const j = read(TRAINVAL, QWEN);
    j.vllm.enable_chunked_prefill = false;
    j.vllm.max_num_batched_tokens = 4096;
    const plan = buildPlan(parseExperiment(j, 'c.json'), { seed: 1, arrivals: 'synthetic' });
    expect(plan.engineKnobs.maxModelLen).toBe(4096);
    expect(plan.derive).not.toContain('maxModelLen');
    expect(plan.assumptions).toContainEqual(expect.objectContaining({ field: 'vllm.max_model_len', value: 4096, kind: 'derived' }));
    const options = planClusterOptions(plan).options;
    expect([options.enableChunkedPrefill, options.maxModelLen, options.maxNumBatchedTokens]).toEqual([false, 4096, 4096]);
    // Chunked prefill on (the file's default): nothing changes.
    const on = buildPlan(parseExperiment(read(TRAINVAL, QWEN), 'c.json'), { seed: 1, arrivals: 'synthetic' });
    expect(planClusterOptions(on).options.enableChunkedPrefill).toBeUndefined();
    expect(on.derive).toContain('maxModelLen');
  });

  it("unstated batch knobs follow vLLM's rules with the stated ones: a default max_num_seqs at most a stated budget, a default budget raised to max_model_len without chunked prefill", () => {
    // engine/arg_utils.py _set_default_max_num_seqs_and_batched_tokens_args: the defaults depend on
    // each other and on max_model_len and chunked prefill, so the cluster config derives them.
    const resolved = (edit: (v: Record<string, unknown>) => void) => {
      const j = read(TRAINVAL, QWEN);
      edit(j.vllm);
      return resolveClusterConfig(planClusterOptions(buildPlan(parseExperiment(j, 'b.json'), { seed: 1, arrivals: 'synthetic' })).options).engine;
    };
    // A stated 512-token budget, no max_num_seqs: vLLM runs min(1024, 512) = 512 sequences.
    expect(resolved((v) => { v.max_num_batched_tokens = 512; v.max_num_seqs = null; })).toMatchObject({ maxNumBatchedTokens: 512, maxNumSeqs: 512 });
    // Chunked prefill off, max_model_len 32768, no budget: vLLM raises the budget to 32768.
    expect(resolved((v) => { v.max_num_batched_tokens = null; v.enable_chunked_prefill = false; v.max_model_len = 32768; })).toMatchObject({ maxNumBatchedTokens: 32768, maxModelLen: 32768 });
    // Neither stated (H100): 8192 and 1024, as before.
    expect(resolved((v) => { v.max_num_batched_tokens = null; v.max_num_seqs = null; })).toMatchObject({ maxNumBatchedTokens: 8192, maxNumSeqs: 1024 });
  });

  it("vllm.disable_hybrid_kv_cache_manager: true is simulated; false or absent leaves vLLM's own rule; anything else is refused", () => {
    const j = read(TRAINVAL, QWEN);
    const plan = (v: unknown) => {
      j.vllm.disable_hybrid_kv_cache_manager = v;
      return planClusterOptions(buildPlan(parseExperiment(j, 'h.json'), { seed: 1, arrivals: 'synthetic' })).options;
    };
    expect(plan(true).disableHybridKvCacheManager).toBe(true);
    expect(plan(false).disableHybridKvCacheManager).toBeUndefined();
    expect(plan(null).disableHybridKvCacheManager).toBeUndefined();
    expect(errorOf(() => plan('yes')).message).toMatch(/vllm\.disable_hybrid_kv_cache_manager/);
  });

  it('a CPU tier with no logged block count is sized from cpu_bytes_per_gpu_gib; one with no size at all is noted, not simulated', () => {
    const j = read(TRAINVAL, QWEN);
    j.vllm.cpu_offload = { enabled: true, cpu_kv_blocks: null, cpu_bytes_per_gpu_gib: 8 };
    const e = parseExperiment(j, 'o.json');
    expect(e.assumptions).toContainEqual(expect.objectContaining({ field: 'vllm.cpu_offload.cpu_kv_blocks', kind: 'derived' }));
    expect(planClusterOptions(buildPlan(e, { seed: 1, arrivals: 'synthetic' })).options).toMatchObject({ kvCpuBytes: 8 * 2 ** 30 });
    j.vllm.cpu_offload = { enabled: true, cpu_kv_blocks: 5461, cpu_bytes_per_gpu_gib: 8 };
    const logged = planClusterOptions(buildPlan(parseExperiment(j, 'o.json'), { seed: 1, arrivals: 'synthetic' })).options;
    expect([logged.kvCpuBlocks, logged.kvCpuBytes]).toEqual([5461, undefined]);
    j.vllm.cpu_offload = { enabled: true };
    const none = parseExperiment(j, 'o.json');
    expect(none.assumptions).toContainEqual(expect.objectContaining({ field: 'vllm.cpu_offload', kind: 'noted' }));
    expect(planClusterOptions(buildPlan(none, { seed: 1, arrivals: 'synthetic' })).options.kvCpuBytes).toBeUndefined();
  });

  it('a CPU tier count the file derived is read as vLLM\'s --kv-offloading-size, a total over the TP ranks (--cpu-offload-size per-gpu keeps it); a logged count always stands', () => {
    // Mixtral-8x7B TP2: the file derived 8192 blocks as 8 GiB over 1 MiB per block per GPU.
    const j = read(CALIBRATION, '20260218-130541-mixtral-8x7b-v0-1-tp2-general');
    expect(j.vllm.cpu_offload).toMatchObject({ cpu_kv_blocks: 8192, cpu_bytes_per_gpu_gib: 8, cpu_kv_blocks_source: expect.stringMatching(/^derived/) });
    const total = parseExperiment(j, 'm.json');
    expect([total.engine.cpuKvBlocks, total.engine.cpuKvGibPerGpu]).toEqual([null, 4]);
    expect(total.assumptions).toContainEqual(expect.objectContaining({ field: 'vllm.cpu_offload.cpu_kv_blocks', value: 8192, kind: 'derived', why: expect.stringMatching(/total over the 2 TP ranks/) }));
    expect(total.assumptions.filter((a) => a.field === 'vllm.cpu_offload.cpu_kv_blocks')).toHaveLength(1);
    // The simulator sizes the tier from 4 GiB per GPU as the connector does: 4 GiB / 1 MiB − 1 (cpu-tier-config.ts).
    expect(planClusterOptions(buildPlan(total, { seed: 1, arrivals: 'synthetic' })).options).toMatchObject({ kvCpuBytes: 4 * 2 ** 30 });
    const perGpu = parseExperiment(j, 'm.json', { cpuOffloadSize: 'per-gpu' });
    expect([perGpu.engine.cpuKvBlocks, perGpu.engine.cpuKvGibPerGpu]).toEqual([8192, 8]);
    expect(perGpu.assumptions).toContainEqual(expect.objectContaining({ field: 'vllm.cpu_offload.cpu_kv_blocks', kind: 'assumed' }));
    // A count from the server's log (no "derived" source), or a TP1 run, is kept as stated.
    j.vllm.cpu_offload.cpu_kv_blocks_source = 'vllm.log';
    expect(parseExperiment(j, 'm.json').engine.cpuKvBlocks).toBe(8192);
    const tp1 = read(CALIBRATION, '20260217-155451-llama-2-7b-tp1-codegen');
    tp1.vllm.cpu_offload.cpu_kv_blocks_source = 'derived: 8 GiB / KV bytes per block per GPU';
    expect(parseExperiment(tp1, 't.json').engine.cpuKvBlocks).toBe(1023);
  });

  it('workload.arrival.process: fixed-count Poisson by default, plain Poisson, evenly spaced; another is noted', () => {
    const j = read(TRAINVAL, QWEN);
    const stage = j.workload.stages[0];
    const gapsOf = (process: string | undefined) => {
      if (process === undefined) delete j.workload.arrival;
      else j.workload.arrival = { process };
      const e = parseExperiment(j, 'a.json');
      const plan = buildPlan(e, { seed: 1, arrivals: 'synthetic' });
      const t = plan.arrivals.filter((a) => a.stage === stage.index).map((a) => a.arrivalUs);
      return { e, t, gaps: t.slice(1).map((x, i) => x - t[i]!) };
    };
    const meanGapUs = (stage.duration_s * 1e6) / stage.num_requests;
    const uniform = gapsOf('uniform');
    expect(Math.max(...uniform.gaps) - Math.min(...uniform.gaps)).toBeLessThanOrEqual(1);
    expect(uniform.gaps[0]).toBeCloseTo(meanGapUs, -1);
    const poisson = gapsOf('poisson');
    const mean = poisson.gaps.reduce((a, b) => a + b, 0) / poisson.gaps.length;
    expect(mean / meanGapUs).toBeGreaterThan(0.9);
    expect(mean / meanGapUs).toBeLessThan(1.1);
    // Fixed count: the last arrival falls inside the stage; the default when the file says nothing.
    const fixed = gapsOf(undefined);
    expect(fixed.t[fixed.t.length - 1]! - fixed.t[0]!).toBeLessThan(stage.duration_s * 1e6);
    expect(gapsOf('poisson_fixed_count').t).toEqual(fixed.t);
    const other = gapsOf('gamma');
    expect(other.t).toEqual(fixed.t);
    expect(other.e.assumptions).toContainEqual(expect.objectContaining({ field: 'workload.arrival.process', value: 'gamma', kind: 'noted' }));
  });

  it('hf_config may be left out for a catalogued model; an uncatalogued one without it names the field', () => {
    const j = read(TRAINVAL, QWEN);
    delete j.hf_config;
    const plan = buildPlan(parseExperiment(j, 'h.json'), { seed: 1, arrivals: 'synthetic' });
    expect(planClusterOptions(plan).options.modelSpec!.name).toBe('qwen/qwen2.5-7b-instruct');
    j.model = 'someorg/unknown-7b';
    const e = errorOf(() => buildPlan(parseExperiment(j, 'h.json'), { seed: 1, arrivals: 'synthetic' }));
    expect([e.code, e.where]).toEqual(['EXPERIMENT_MISSING_FIELD', 'h.json: hf_config']);
  });

  it('an uncatalogued model whose hf_config lacks max_position_embeddings takes the stated max_model_len, else the longest request sent', () => {
    const j = read(TRAINVAL, QWEN);
    j.model = 'someorg/unknown-7b';
    delete j.hf_config.max_position_embeddings;
    const longest = (p: ReturnType<typeof buildPlan>): number => Math.max(...p.arrivals.map((a) => a.inputTokens + a.outputTokens));
    const plan = buildPlan(parseExperiment(j, 'm.json'), { seed: 1, arrivals: 'synthetic' });
    // Every request of this file is 750 + 251 tokens.
    expect(longest(plan)).toBe(1001);
    expect(plan.assumptions).toContainEqual(expect.objectContaining({ field: 'hf_config.max_position_embeddings', value: 1001, kind: 'assumed' }));
    const spec = planClusterOptions(plan).options.modelSpec!;
    expect([spec.name, spec.maxPositionEmbeddings]).toEqual(['someorg/unknown-7b', 1001]);
    j.vllm.max_model_len = 4096;
    const stated = buildPlan(parseExperiment(j, 'm.json'), { seed: 1, arrivals: 'synthetic' });
    expect(stated.assumptions).toContainEqual(expect.objectContaining({ field: 'hf_config.max_position_embeddings', value: 4096, kind: 'derived' }));
    // A config that has the field, or a catalogued model, is read as is: no note.
    const whole = buildPlan(parseExperiment(read(TRAINVAL, QWEN), 'w.json'), { seed: 1, arrivals: 'synthetic' });
    expect(whole.assumptions.some((a) => a.field === 'hf_config.max_position_embeddings')).toBe(false);
  });

  it('a GPU count that tp × dp does not use is noted (tp and dp are simulated as stated)', () => {
    const j = read(TRAINVAL, QWEN);
    j.hardware.num_gpus = 4;
    expect(parseExperiment(j, 'g.json').assumptions).toContainEqual(expect.objectContaining({ field: 'hardware.num_gpus', value: 4, kind: 'noted' }));
    j.hardware.num_gpus = j.tp;
    expect(parseExperiment(j, 'g.json').assumptions.some((a) => a.field === 'hardware.num_gpus')).toBe(false);
  });

  it("tp and dp may be given as vLLM's own vllm.tensor_parallel_size / data_parallel_size; both forms must agree", () => {
    const j = read(TRAINVAL, QWEN);
    delete j.tp;
    delete j.dp;
    j.vllm.tensor_parallel_size = 2;
    j.vllm.data_parallel_size = 2;
    const e = parseExperiment(j, 'p.json');
    expect([e.tp, e.dp]).toEqual([2, 2]);
    // Read, so not listed as a key the simulation runs without.
    expect(e.assumptions.some((a) => a.field.startsWith('vllm.tensor_parallel') || a.field.startsWith('vllm.data_parallel'))).toBe(false);
    j.tp = 4;
    expect(errorOf(() => parseExperiment(j, 'p.json')).message).toMatch(/p\.json: tp: 4 differs from vllm\.tensor_parallel_size 2/);
    delete j.tp;
    delete j.vllm.tensor_parallel_size;
    const missing = errorOf(() => parseExperiment(j, 'p.json'));
    expect([missing.code, missing.message]).toEqual(['EXPERIMENT_MISSING_FIELD', expect.stringMatching(/tp: missing \(expected a number, or vllm\.tensor_parallel_size\)/)]);
    j.tp = null;
    expect(errorOf(() => parseExperiment(j, 'p.json')).code).toBe('EXPERIMENT_MISSING_FIELD');
  });

  it('a chat-API run is noted: its template tokens are not simulated', () => {
    const j = read(TRAINVAL, QWEN);
    j.workload.api = 'chat';
    expect(parseExperiment(j, 'c.json').assumptions).toContainEqual(expect.objectContaining({ field: 'workload.api', value: 'chat', kind: 'noted' }));
    expect(parseExperiment(read(TRAINVAL, QWEN), 'c.json').assumptions.some((a) => a.field === 'workload.api')).toBe(false);
  });

  it('async scheduling follows the version: default from vLLM 0.14, synchronous before; a stated value wins', () => {
    const at = (vllmVersion: string | null, asyncScheduling: boolean | null = null) => deriveKnobs({ ...nulls, vllmVersion, asyncScheduling });
    expect(at('0.15.1').engine.asyncScheduling).toBe(true);
    expect(at('v0.14.0').engine.asyncScheduling).toBe(true);
    expect(at('1.0.2').engine.asyncScheduling).toBe(true);
    const old = at('0.11.2');
    expect(old.engine.asyncScheduling).toBe(false);
    expect(old.assumptions).toContainEqual(expect.objectContaining({ field: 'vllm.async_scheduling', value: false, kind: 'derived' }));
    expect(old.assumptions.find((a) => a.field === 'vllm.async_scheduling')!.why).toMatch(/0\.11\.2 predates asynchronous scheduling by default \(0\.14/);
    expect(at(null).assumptions.find((a) => a.field === 'vllm.async_scheduling')!.why).toMatch(/no vllm.version, read as the 0\.15 line/);
    expect(at('0.11.2', true).engine.asyncScheduling).toBe(true);
    expect(at('0.11.2', true).assumptions.some((a) => a.field === 'vllm.async_scheduling')).toBe(false);
    // The simulated engine: an older server runs the synchronous loop.
    const j = read(TRAINVAL, QWEN);
    j.vllm.version = '0.10.1';
    const plan = buildPlan(parseExperiment(j, 'v.json'), { seed: 1, arrivals: 'synthetic' });
    expect(planClusterOptions(plan).options.asyncScheduling).toBe(false);
    j.vllm.version = '0.15.1';
    expect(planClusterOptions(buildPlan(parseExperiment(j, 'v.json'), { seed: 1, arrivals: 'synthetic' })).options.asyncScheduling).toBeUndefined();
  });

  it('_likely and _alt are hints: reported with the value actually used, never simulated', () => {
    const j = read(TRAINVAL, QWEN);
    j.vllm.max_num_seqs = null;
    j.vllm.max_num_seqs_likely = 256;
    const e = parseExperiment(j, 'h.json');
    expect(e.engine.maxNumSeqs).toBeNull();
    expect(e.assumptions).toContainEqual(expect.objectContaining({ field: 'vllm.max_num_seqs_likely', value: 256, kind: 'hint' }));
    expect(e.assumptions).toContainEqual(expect.objectContaining({ field: 'vllm.total_kv_blocks_gpu_alt', value: 65368, kind: 'hint' }));
    const plan = buildPlan(e, { seed: 1, arrivals: 'synthetic' });
    expect(plan.derive).toContain('maxNumSeqs');
    expect(resolveClusterConfig(planClusterOptions(plan).options).engine.maxNumSeqs).toBe(1024); // vLLM's H100 default, not the hint
    expect(plan.engineKnobs.totalKvBlocksGpu).toBe(65352); // the stated value, not the _alt
  });

  it('spec_inferred is noted in the assumptions', () => {
    const j = read(TRAINVAL, QWEN);
    j.workload.spec_inferred = true;
    expect(parseExperiment(j, 's.json').assumptions).toContainEqual(expect.objectContaining({ field: 'workload.spec_inferred', kind: 'noted', why: expect.stringMatching(/inferred from the profile name 'roleplay'/) }));
  });
});

describe('ground truth: strict values, tolerant presence', () => {
  it('a value that is not a positive number names the file and field (EXPERIMENT_BAD_TRUTH)', () => {
    for (const [edit, field] of [
      [(j: any) => { j.ground_truth.summary.ttft.p90 = 'n/a'; }, 'ground_truth.summary.ttft.p90'],
      [(j: any) => { j.ground_truth.stages[0].e2e.mean = 0; }, 'ground_truth.stages[0].e2e.mean'],
      [(j: any) => { j.ground_truth.summary.tpot_from_means.measured_output_len = -3; }, 'ground_truth.summary.tpot_from_means.measured_output_len'],
      [(j: any) => { j.ground_truth.summary.ttft = 42; }, 'ground_truth.summary.ttft'],
    ] as const) {
      const j = read(TRAINVAL, QWEN);
      edit(j);
      const err = errorOf(() => parseExperiment(j, 'bad.json'));
      expect(err.message).toContain(`bad.json: ${field}`);
    }
  });

  it('null statistics are unknown, not zero: absent from the comparison', () => {
    const j = read(TRAINVAL, QWEN);
    j.ground_truth.summary.ttft.p99 = null;
    const e = parseExperiment(j, 'n.json');
    expect('p99' in e.truth.summary.ttftMs!).toBe(false);
    expect(e.truth.summary.ttftMs!.p90).toBe(35.4153);
  });

  it('per-token TPOT from the means reproduces the calibration files\' stated configured_output_len', () => {
    for (const f of readdirSync(CALIBRATION).filter((x) => /^2026.*\.json$/.test(x))) {
      const j = JSON.parse(readFileSync(new URL(f, CALIBRATION), 'utf8'));
      const stated = j.ground_truth.summary.tpot_from_means.configured_output_len as number;
      delete j.ground_truth.summary.tpot_from_means.configured_output_len;
      const e = parseExperiment(j, f);
      expect(e.truth.summary.tpotMeanMs!).toBeCloseTo(stated, 3);
    }
  });

  it('trainval: TPOT (mean E2E − mean TTFT)/(output − 1) per block, one note for the experiment', () => {
    const e = parseExperiment(read(TRAINVAL, QWEN), `${QWEN}.json`);
    // (1771.8 − 26.7162)/250 = 6.98034 ms per token
    expect(e.truth.summary.tpotMeanMs).toBeCloseTo(6.98034, 5);
    expect(e.truth.stages.get(0)!.tpotMeanMs).toBeCloseTo(6.98034, 5);
    expect(e.assumptions.filter((a) => a.field.includes('tpot_from_means'))).toHaveLength(1);
  });

  it('all 12 shipped trainval files parse and plan', () => {
    const files = readdirSync(TRAINVAL).filter((f) => /^\d+-.*\.json$/.test(f));
    expect(files).toHaveLength(12);
    for (const f of files) {
      const plan = buildPlan(parseExperiment(JSON.parse(readFileSync(new URL(f, TRAINVAL), 'utf8')), f), { seed: 1 });
      expect(plan.arrivals.length).toBeGreaterThan(1000);
      expect(plan.assumptions.some((a) => a.field === 'vllm.max_model_len' || a.field === 'vllm.gpu_memory_utilization')).toBe(true);
    }
  });
});

describe('the sampler the runs used', () => {
  it("the plan says the model's generation_config defaults were assumed, and what the sampler does with them", () => {
    const plan = buildPlan(parseExperiment(read(TRAINVAL, QWEN), `${QWEN}.json`), { seed: 1, arrivals: 'synthetic' });
    const note = plan.assumptions.find((a) => a.field === 'sampling')!;
    expect(note.kind).toBe('assumed');
    expect(note.value).toMatch(/top_p 0\.8, top_k 20, repetition_penalty 1\.05 .*full-vocabulary sort \(top-p\) \+ penalty masks/);
    expect(note.why).toMatch(/--generation-config auto/);
  });

  it('a model outside the catalog is simulated with the plain sampler, and the note says so', () => {
    const j = read(TRAINVAL, QWEN);
    j.model = 'someone/unknown-7b';
    const plan = buildPlan(parseExperiment(j, 'u.json'), { seed: 1, arrivals: 'synthetic' });
    expect(plan.assumptions.find((a) => a.field === 'sampling')!.value).toMatch(/no sampling defaults \(none\): plain sampler/);
  });

  it("a model outside the catalog from a release with one generation_config is simulated with the family's, reported as inferred", () => {
    const j = read(TRAINVAL, QWEN);
    j.model = 'Qwen/Qwen2.5-14B-Instruct';
    const plan = buildPlan(parseExperiment(j, 'q14.json'), { seed: 1, arrivals: 'synthetic' });
    expect(plan.assumptions.find((a) => a.field === 'sampling')!.value).toMatch(/top_p 0\.8, top_k 20, repetition_penalty 1\.05 \(inferred from the Qwen2\.5 Instruct family.*full-vocabulary sort/);
    const spec = planClusterOptions(plan).options.modelSpec!;
    expect([spec.generation.topP, spec.generation.repetitionPenalty]).toEqual([0.8, 1.05]);
  });
});
