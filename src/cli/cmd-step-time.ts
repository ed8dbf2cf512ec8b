/**
 * `blis step-time`: one engine step's time for a batch, term by term (model/step-explain.ts), for a
 * model, GPU and TP resolved as `blis run` resolves them: what each mechanism costs, which side
 * (engine-core CPU or GPU) pays it, and how the terms make the synchronous and the asynchronous step.
 */
import type { Command } from 'commander';
import { InputError } from '../kernel/errors.js';
import { explainBatch, explainStep, type StepExplanation } from '../model/step-explain.js';
import { STEP_TIME_MODELS } from '../model/registry.js';
import { KV_CACHE_DTYPES } from '../model/kv-sizing.js';
import { topStepTimeContext } from '../cluster/moe-parallel-config.js';
import { clusterOptionsFromFlags, resolveCluster } from './cluster-flags.js';
import { QUIET_HELP, note, type CliIO } from './io.js';
import { peakKvBlocks, usableKvBlocks } from '../engine/config.js';
import type { ClusterConfig } from '../cluster/config.js';
import { choiceFlag, intFlag, numFlag } from './parse.js';
import { table } from './summary-format.js';

const EXAMPLES = `
Examples:
  blis step-time --model qwen/qwen3-14b --hardware H100 --decodes 64 --context 2048
  blis step-time --model qwen/qwen3-14b --hardware A100-80 --decodes 64 --context 2048   # the same batch on an A100
  blis step-time --model meta-llama/llama-3.1-70b-instruct --tp 4 --decodes 32 --prefill 2016   # a mixed step: 32 decodes and a 2,016-token chunk
  blis step-time --model mistralai/mixtral-8x7b-v0.1 --tp 2 --decodes 128 --latency-model roofline --output json

The terms are the step-time model's (docs/model.md): the default fitted model is the roofline's
terms times the coefficients blis calibrate fitted; --latency-model roofline gives the raw physics.
`;

/** Largest batch accepted: far above any vLLM max_num_seqs or token budget, small enough to cost quickly. */
const MAX_COUNT = 1_000_000;
const MAX_TOKENS = 100_000_000;

export function registerStepTime(program: Command, io: CliIO): void {
  const cmd = program.command('step-time')
    .description("one engine step's time for a batch, term by term: what each mechanism of the step-time model costs, on the engine core's CPU or the GPU")
    .option('--model <name>', 'model from the catalog (blis models) (default qwen/qwen3-14b)')
    .option('--model-config <file>', 'Hugging Face config.json of a model not in the catalog')
    .option('--generation-config <source>', "the model's default sampling parameters: auto, vllm or a generation_config.json, as blis run (default auto)")
    .option('--hardware <gpu>', 'GPU from the catalog (blis hardware) (default H100)')
    .option('--hardware-config <file>', "JSON with a GPU's datasheet figures (see docs/model.md)")
    .option('--tp <n>', 'tensor-parallel degree (default 1)', intFlag('--tp'))
    .option('--data-parallel-size <n>', "vLLM --data-parallel-size: an MoE model's experts spread over n x TP GPUs, its MoE layers run on every rank's tokens (this batch on each rank); a dense model's ranks are independent engines (default 1)", intFlag('--data-parallel-size'))
    .option('--enable-expert-parallel', "vLLM --enable-expert-parallel: whole experts per GPU (default off)")
    .option('--kv-cache-dtype <dtype>', `KV cache element type: ${Object.keys(KV_CACHE_DTYPES).join(', ')} (default auto)`, choiceFlag('--kv-cache-dtype', Object.keys(KV_CACHE_DTYPES)))
    .option('--max-model-len <tokens>', "longest prompt + output, as blis run: vLLM refuses to start (and so does this) when the KV cache cannot hold one request this long (default: the model config's)", intFlag('--max-model-len'))
    .option('--gpu-memory-utilization <f>', 'fraction of GPU memory vLLM may use, as blis run (default 0.9)', numFlag('--gpu-memory-utilization'))
    .option('--latency-model <name>', `step-time model: ${STEP_TIME_MODELS.map((e) => e.name).join(', ')} (default fitted)`)
    .option('--latency-coefficients <file>', "coefficients file (fitted), or a JSON object of the linear or roofline model's options, as blis run")
    .option('--decodes <n>', 'requests decoding one token each (default 1, or 0 with --prefill)', intFlag('--decodes'))
    .option('--context <tokens>', "tokens in each decoding request's KV cache before the step, at most --max-model-len - 2 (default 1024)", intFlag('--context'))
    .option('--prefill <tokens>', 'one prefill chunk of this many prompt tokens in the step, ending at most at --max-model-len - 1 with --prefill-context (default none)', intFlag('--prefill'))
    .option('--prefill-context <tokens>', "tokens of the chunk's request already in its KV cache (a cached prefix or earlier chunks) (default 0)", intFlag('--prefill-context'))
    .option('--output <format>', 'stdout: human (table) or json (default human)', choiceFlag('--output', ['human', 'json']))
    .option('--quiet', QUIET_HELP);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action(() => {
    const o = cmd.opts<Record<string, unknown>>();
    const count = (flag: string, key: string, fallback: number, max: number): number => {
      const v = o[key] === undefined ? fallback : (o[key] as number);
      if (v < 0 || v > max) throw new InputError('FLAG_OUT_OF_RANGE', flag, `found ${v}; expected 0 to ${max}`);
      return v;
    };
    const prefill = count('--prefill', 'prefill', 0, MAX_TOKENS);
    const decodes = count('--decodes', 'decodes', prefill > 0 ? 0 : 1, MAX_COUNT);
    const context = count('--context', 'context', 1024, MAX_TOKENS);
    const prefillContext = count('--prefill-context', 'prefillContext', 0, MAX_TOKENS);
    if (decodes === 0 && prefill === 0) throw new InputError('FLAG_OUT_OF_RANGE', '--decodes', 'found 0 with no --prefill; expected a batch of at least one request');
    if (prefill === 0 && o['prefillContext'] !== undefined) throw new InputError('FLAG_CONFLICT', '--prefill-context', 'given without --prefill');
    const config = resolveCluster(clusterOptionsFromFlags(cmd, io));
    withinMaxModelLen(config.engine.maxModelLen, decodes, context, prefill, prefillContext);
    for (const text of beyondRunLimits(config.engine, config.hardware.name, decodes, context, prefill, prefillContext)) note(o['quiet'] === true, io, `blis step-time: note: ${text}\n`);
    const ctx = topStepTimeContext(config);
    const explained = explainStep(config.stepTime, ctx, explainBatch(decodes, context, prefill, prefillContext));
    const batch = { decodes, context, prefill_tokens: prefill, prefill_context: prefillContext };
    const head = { model: config.model.name, hardware: config.hardware.name, tp: config.tp, data_parallel_size: config.dataParallelSize, coefficients: config.stepTime.coefficientsSource ?? null };
    if (o['output'] === 'json') io.out(JSON.stringify({ schema: 'blis.step-time/v1', ...head, batch, ...explained }, null, 2) + '\n');
    else io.out(human(head, config.moeParallel !== null, batch, explained));
  });
}

/**
 * A step the simulator can run: a request's prompt + output is at most max-model-len (as blis run
 * drops a longer one, vLLM rejects it), so a decoding request holds at most max-model-len − 2
 * tokens before a step (the step's input token and the one it samples make max-model-len), and a
 * chunk ends at most at max-model-len − 1 (a prompt leaves room for one output token; a preempted
 * request recomputes no more than its tokens so far).
 */
function withinMaxModelLen(maxModelLen: number, decodes: number, context: number, prefill: number, prefillContext: number): void {
  const why = `(--max-model-len ${maxModelLen}: a request's prompt + output is at most that)`;
  if (decodes > 0 && context > maxModelLen - 2) throw new InputError('FLAG_OUT_OF_RANGE', '--context', `found ${context}; a decoding request holds at most max-model-len - 2 = ${maxModelLen - 2} tokens before a step ${why}`);
  if (prefill > 0 && prefillContext + prefill > maxModelLen - 1) {
    throw new InputError('FLAG_OUT_OF_RANGE', '--prefill', `found ${prefill} after --prefill-context ${prefillContext}, a chunk ending at token ${prefillContext + prefill}; a chunk ends at most at max-model-len - 1 = ${maxModelLen - 1}, a prompt leaving room for one output token ${why}`);
  }
}

/**
 * What keeps a run with vLLM's defaults for this GPU from forming the batch (the step is still the
 * model's, for a run given larger knobs or a larger cache): more requests than max_num_seqs, more
 * tokens than max_num_batched_tokens, more KV blocks than the cache holds (each decode's context
 * and the token it writes, the chunk's tokens; engine/config.ts peakKvBlocks).
 */
function beyondRunLimits(engine: ClusterConfig['engine'], gpu: string, decodes: number, context: number, prefill: number, prefillContext: number): string[] {
  const notes: string[] = [];
  const requests = decodes + (prefill > 0 ? 1 : 0);
  const fmt = (x: number): string => x.toLocaleString('en-US');
  if (requests > engine.maxNumSeqs) notes.push(`${fmt(requests)} requests in one step; a run schedules at most max_num_seqs ${fmt(engine.maxNumSeqs)} (vLLM's default on ${gpu}; blis run --max-num-seqs)`);
  if (decodes + prefill > engine.maxNumBatchedTokens) notes.push(`${fmt(decodes + prefill)} tokens in one step; a run schedules at most max_num_batched_tokens ${fmt(engine.maxNumBatchedTokens)} (vLLM's default on ${gpu}; blis run --max-num-batched-tokens)`);
  const blocks = decodes * peakKvBlocks(engine, context + 1) + (prefill > 0 ? peakKvBlocks(engine, prefillContext + prefill) : 0);
  if (blocks > usableKvBlocks(engine)) notes.push(`the batch's KV needs ${fmt(blocks)} blocks of ${engine.blockSize} tokens; the cache holds ${fmt(usableKvBlocks(engine))} (a run would preempt requests rather than form this step)`);
  return notes;
}

function human(head: { model: string; hardware: string; tp: number; data_parallel_size: number; coefficients: string | null }, moeRanks: boolean, batch: { decodes: number; context: number; prefill_tokens: number; prefill_context: number }, e: StepExplanation): string {
  const n = (x: number, d = 1): string => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  // Four significant digits, but µs-sized ones (a step's fixed cost) as the µs column writes them, not as 1.186e+4.
  const coefficient = (x: number): string => (Math.abs(x) >= 1000 ? n(x) : x.toPrecision(4));
  // An MoE model's ranks step together (its MoE layers run on every rank's tokens); a dense model's are independent engines.
  const dp = head.data_parallel_size > 1 ? `, ${head.data_parallel_size} data-parallel ranks${moeRanks ? '' : ', each its own engine'}` : '';
  const parts = [
    batch.decodes > 0 ? `${n(batch.decodes, 0)} decode${batch.decodes === 1 ? '' : 's'} at ${n(batch.context, 0)} tokens of context` : '',
    batch.prefill_tokens > 0 ? `a ${n(batch.prefill_tokens, 0)}-token prefill chunk after ${n(batch.prefill_context, 0)} tokens in its KV cache` : '',
  ].filter((s) => s !== '');
  const lines = [
    `${head.model} on ${head.hardware}, TP ${head.tp}${dp}; step-time model ${e.latencyModel}${head.coefficients !== null ? ` (${head.coefficients})` : ''}`,
    `batch: ${parts.join(' and ')}`,
    '',
  ];
  const rows = [['term', 'side', 'basis', 'unit', 'coefficient', 'µs', 'what it is']];
  for (const t of e.terms) rows.push([t.term, t.side.toUpperCase(), n(t.basis, t.unit === 'µs' ? 1 : 0), t.unit, coefficient(t.coefficient), n(t.us), t.meaning]);
  const overlap = e.asynchronousStepUs === e.synchronousStepUs ? '' : ` = max(GPU, CPU) + ${n(e.asyncSyncUs)}, rounded`;
  return lines.join('\n') + '\n' + table(rows, true) + [
    '',
    `GPU ${n(e.gpuUs)} µs, engine-core CPU ${n(e.cpuUs)} µs`,
    `synchronous step (--no-async-scheduling: CPU, then GPU): ${n(e.synchronousStepUs, 0)} µs`,
    `asynchronous step (the default: the next step's CPU work overlaps this step's GPU work): ${n(e.asynchronousStepUs, 0)} µs${overlap}`,
    ...(e.firstTokenUs !== null ? [`first-token overhead per request (API server and output path, beside the steps): ${n(e.firstTokenUs, 0)} µs`] : []),
    '',
  ].join('\n');
}
