/**
 * One step's time term by term: what each term of the chosen step-time model costs for a batch,
 * the mechanism it stands for, and how the terms add up to the step the engine runs (synchronous:
 * CPU then GPU; asynchronous, vLLM's default from 0.14: the CPU part overlapped with the GPU's,
 * StepCostSplit in ./step-time.ts). The same parts the models are built from (fittedParts,
 * rooflineParts, linearCoefficients), so the terms sum to the model's own stepTimeUs; `blis
 * step-time` prints it. Not in a step's time, so not here: first-use fused-MoE compiles (the
 * engine's, ./moe-jit.ts) and the CPU tier connector's bookkeeping (engine/connector-cpu.ts).
 */
import type { BatchShape, StepTimeContext } from './step-time.js';
import { BASIS_SIZE, CPU_BASIS, ROOFLINE_BASIS, type RooflineBasisName, rooflineParts } from './roofline.js';
import { fittedParts } from './fitted.js';
import { linearCoefficients } from './linear.js';
import { createStepTimeModel, type StepTimeChoice } from './registry.js';

/** What each basis term costs, in the words of ./roofline.ts ROOFLINE_BASIS and docs/model.md. */
const MEANING: Readonly<Record<RooflineBasisName, string>> = Object.freeze({
  step: 'engine-core CPU per step: schedule, prepare inputs, process outputs',
  gemm_us: "dense GEMMs of every layer (attention projections, MLP or shared expert) at M = the step's tokens, at the GPU's measured GEMM rate and memory bandwidth",
  attn_prefill_us: "prefill attention: the chunks' causal FLOPs and KV reads",
  attn_decode_us: "decode attention: each decoding request's KV read",
  lm_head_us: 'lm head GEMM at M = requests in the step',
  allreduce_us: "TP all-reduces (2 a layer and the embedding's) as vLLM runs them: a latency and two-shot bus traffic; with data-parallel MoE ranks, each MoE layer's dispatch and combine",
  requests: 'engine-core CPU per scheduled request',
  prefill_tokens: 'per prompt token computed (beyond the roofline)',
  decode_tokens: 'per decoding request (beyond the roofline)',
  moe_us: "fused-MoE expert GEMMs: the weights of the distinct experts the step's tokens touch, tokens padded per expert; where vLLM ships no tuned tile file for the shape, calls above E tokens at its default tiles' measured rate",
  act_us: 'elementwise traffic: norms, rotary, cache write, activation, MoE sum, fp8 activation quantisation',
  sampling_us: "logits over vocabulary x requests: the sampler's passes and the TP logits gather",
  kernels_us: 'kernels in the step x the per-kernel duration floor (launch and tail of each small kernel), the small non-GEMM ones at this GPU\'s multiple of it',
  filter_us: "sampler filters the model's default sampling parameters turn on: top-p sort, top-k, penalties",
});

/** Basis terms that count something (their coefficient is µs per unit); the others are µs already. */
const UNITS: Partial<Record<RooflineBasisName, string>> = { step: 'steps', requests: 'requests', prefill_tokens: 'tokens', decode_tokens: 'requests' };

export interface StepTerm {
  readonly term: string;
  /** Which part of the step pays it: the engine core's CPU or the GPU. */
  readonly side: 'cpu' | 'gpu';
  /** The term's basis value: µs at coefficient 1, or a count (`unit`). */
  readonly basis: number;
  readonly unit: string;
  readonly coefficient: number;
  /** coefficient × basis. */
  readonly us: number;
  readonly meaning: string;
}

export interface StepExplanation {
  readonly latencyModel: string;
  readonly terms: readonly StepTerm[];
  readonly gpuUs: number;
  readonly cpuUs: number;
  /** The model's step time (max(1, round(gpu + cpu))): CPU and GPU back to back, as --no-async-scheduling runs. */
  readonly synchronousStepUs: number;
  /** µs an overlapped step adds beyond max(GPU, CPU). */
  readonly asyncSyncUs: number;
  /**
   * A step of the asynchronous loop in steady state: max(GPU, CPU) + asyncSyncUs, rounded to
   * integer µs (at least 1) as the engine rounds every step (engine/batch-queue.ts launch; there
   * the CPU part is the next step's, the same when it schedules as many requests).
   */
  readonly asynchronousStepUs: number;
  /** The request overheads of the model (first token etc.), when it has any. */
  readonly firstTokenUs: number | null;
}

/** The step of `batch` under `choice` for `ctx`, term by term. */
export function explainStep(choice: StepTimeChoice, ctx: StepTimeContext, batch: BatchShape): StepExplanation {
  const model = createStepTimeModel(choice, ctx);
  const options = choice.options as Record<string, unknown>;
  const terms: StepTerm[] = [];
  let asyncSyncUs = 0;
  // basisSplit's extra GPU µs (the fitted per-model constants), which it adds before the basis terms.
  let gpuExtraUs = 0;
  let summedTerms = -1;
  if (choice.name === 'linear') {
    const c = linearCoefficients(ctx, options);
    let pre = 0;
    let dec = 0;
    let context = 0;
    for (let i = 0; i < batch.size; i++) {
      if (batch.isPrefill[i] === 1) pre += batch.newTokens[i]!;
      else dec += batch.newTokens[i]!;
      context += batch.contextTokens[i]!;
    }
    // No CPU/GPU split: the engine runs the whole step as GPU time (engine/step-cost.ts).
    const add = (term: string, basis: number, unit: string, coefficient: number, meaning: string): void => {
      terms.push({ term, side: 'gpu', basis, unit, coefficient, us: coefficient * basis, meaning });
    };
    add('alpha0', 1, 'steps', c.alpha0Us, 'fixed cost per step');
    add('alpha1', pre, 'tokens', c.alpha1UsPerPrefillToken, 'per prompt token computed');
    add('alpha2', dec, 'tokens', c.alpha2UsPerDecodeToken, 'per decode token');
    add('alpha3', context, 'tokens', c.alpha3UsPerContextToken, "per token already in the batch's KV");
  } else if (choice.name === 'fitted' || choice.name === 'roofline') {
    const f = choice.name === 'fitted' ? fittedParts(ctx, options) : null;
    const r = f === null ? rooflineParts(ctx, options) : null;
    const basis = f?.basis ?? r!.basis;
    const coefficients = f?.entry.coefficients ?? r!.coefficients;
    asyncSyncUs = f?.asyncSyncUs ?? r!.asyncSyncUs;
    const values = new Float64Array(BASIS_SIZE);
    basis(batch, values);
    ROOFLINE_BASIS.forEach((name, i) => {
      const unit = UNITS[name] ?? 'µs';
      terms.push({ term: name, side: (CPU_BASIS as readonly string[]).includes(name) ? 'cpu' : 'gpu', basis: values[i]!, unit, coefficient: coefficients[i]!, us: coefficients[i]! * values[i]!, meaning: MEANING[name] });
    });
    summedTerms = terms.length;
    gpuExtraUs = f === null ? 0 : f.layersUs + f.hopsUs;
    if (f !== null && f.layersUs !== 0) terms.push({ term: 'layers', side: 'gpu', basis: ctx.model.numLayers, unit: 'layers', coefficient: f.entry.layerUs, us: f.layersUs, meaning: 'per layer per step (a floor the roofline misses)' });
    if (f !== null && f.hopsUs !== 0) terms.push({ term: 'allreduce_hops', side: 'gpu', basis: f.hopsUs / f.entry.hopUs, unit: 'hops', coefficient: f.entry.hopUs, us: f.hopsUs, meaning: 'per ring hop of the TP all-reduces, 2(tp - 1) a collective' });
  } else {
    // A model registered by a library user: only its total is known.
    const us = model.stepTimeUs(batch);
    terms.push({ term: 'step', side: 'gpu', basis: 1, unit: 'steps', coefficient: us, us, meaning: `the ${choice.name} model's step time (no terms)` });
  }
  // Summed in the models' order (basisSplit: the per-model GPU constants first, then the basis),
  // each side apart, so the totals are theirs to the bit.
  let gpu = gpuExtraUs;
  let cpu = 0;
  for (const t of terms.slice(0, summedTerms < 0 ? terms.length : summedTerms)) {
    if (t.side === 'cpu') cpu += t.us;
    else gpu += t.us;
  }
  gpu = Math.max(0, gpu);
  cpu = Math.max(0, cpu);
  const synchronousStepUs = model.stepTimeUs(batch);
  const overheads = (model as { overheads?: { firstTokenUs: number } }).overheads;
  return {
    latencyModel: choice.name,
    terms,
    gpuUs: gpu,
    cpuUs: cpu,
    synchronousStepUs,
    asyncSyncUs,
    asynchronousStepUs: model.split !== undefined ? Math.max(1, Math.round(Math.max(gpu, cpu) + asyncSyncUs)) : synchronousStepUs,
    firstTokenUs: overheads !== undefined ? overheads.firstTokenUs : null,
  };
}

/** A batch of `decodes` one-token decodes at `context` tokens each, then, when `prefillTokens` > 0, one prefill chunk of that many tokens after `prefillContext` cached ones (vLLM schedules the running requests first). */
export function explainBatch(decodes: number, context: number, prefillTokens: number, prefillContext: number): BatchShape {
  const n = decodes + (prefillTokens > 0 ? 1 : 0);
  const newTokens = new Int32Array(n).fill(1);
  const contextTokens = new Int32Array(n).fill(context);
  const isPrefill = new Uint8Array(n);
  if (prefillTokens > 0) {
    newTokens[n - 1] = prefillTokens;
    contextTokens[n - 1] = prefillContext;
    isPrefill[n - 1] = 1;
  }
  return { size: n, newTokens, contextTokens, isPrefill, totalNewTokens: decodes + prefillTokens, numPrefill: prefillTokens > 0 ? 1 : 0 };
}
