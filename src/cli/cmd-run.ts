/** `blis run`: generate a workload (preset, spec file or flags) and simulate it. */
import { Command } from 'commander';
import { simulate, type SimulateResult, type SimulationProgress } from '../cluster/simulate.js';
import type { ClusterConfig } from '../cluster/config.js';
import { catalogModelName, checkModelClaim, fleetModels } from '../cluster/served-models.js';
import type { ClientSpec } from '../workload/types.js';
import { describeClusterConfig } from '../cluster/config-echo.js';
import { Rng } from '../kernel/rng.js';
import { generateArrivals } from '../workload/generate.js';
import { ARRIVAL_PROCESSES } from '../workload/arrival.js';
import { PRESETS } from '../workload/presets.js';
import { resolveWorkload, type WorkloadOptions } from '../workload/resolve.js';
import { addAutoscalerFlags, autoscalerFromFlags } from './autoscaler-flags.js';
import { addEppFlag, applyEppConfig } from './epp-flags.js';
import { addClusterFlags, clusterOptionsFromFlags, createStepTime, leapFromFlags, resolveCluster } from './cluster-flags.js';
import { readText, resolvePath } from './files.node.js';
import type { CliIO } from './io.js';
import type { OutputFiles } from './output-files.node.js';
import { addOutputFlags, createRequestSinks, emitMetrics, failIfSpansLost, planRunOutputs, progressReporter, type OutputSinks } from './outputs.js';
import { intFlag, numFlag } from './parse.js';
import { userSet } from './config-file.js';
import { addSloFlags, pricesFromFlags, sloFromFlags } from './slo-flags.js';
import { sToUs } from '../kernel/units.js';
import { concurrencyLimit, type ConcurrencyLimit } from '../cluster/closed-loop.js';

const EXAMPLES = `
Examples:
  blis run --model qwen/qwen3-14b --workload chatbot --rate 50 --num-instances 8 --tp 2 \\
    --hardware H100 --routing-policy round-robin
  blis run --model qwen/qwen3-14b --workload chatbot --rate 50 --num-instances 8 --tp 2 \\
    --hardware H100 --routing-policy weighted --routing-scorers "prefix-affinity:2,queue-depth:1"
  blis run --model qwen/qwen3-14b --workload chatbot --rate 50 --num-instances 8 --tp 2 \\
    --slo ttft_p99=200,tpot_p50=30 --gpu-price H100=2.10      # SLO attainment, goodput, cost, regime
  blis run --workload-spec examples/workload-multi-client.yaml --output json
  blis run --model meta-llama/llama-3.1-8b-instruct --workload codegen --rate 20 --duration 600 \\
    --requests-out requests.csv --metrics-out metrics.json
  blis run --model qwen/qwen2.5-7b-instruct --num-requests 500 \\
    --generation-config vllm      # clients set their own sampling: no top-p sort of the model's defaults
  blis run --model qwen/qwen3-14b --rate 10 --num-requests 2000 --max-model-len 8192 \\
    --no-enable-chunked-prefill      # prompts scheduled whole (budget raised to max_model_len)
  blis run --model meta-llama/llama-3.1-8b-instruct --workload chatbot --rate 20 --duration 300 \\
    --kv-cache-dtype fp8      # one byte per KV element: twice the blocks, half the decode KV read
  blis run --model-config test/fixtures/model/gpt-oss-20b/config.json --rate 8 --num-requests 500 \\
    --disable-hybrid-kv-cache-manager      # sliding-window layers keep whole contexts (vLLM's flag)
  blis run --model zai-org/glm-5.2-fp8 --hardware H200 --tp 8 --rate 2 --num-requests 200 \\
    --kv-cache-dtype fp8 --max-model-len 262144      # DeepSeek sparse attention: fp8_ds_mla cache + indexer keys, Hopper/Blackwell only
  blis run --model mistralai/mixtral-8x7b-v0.1 --tp 2 --workload codegen --rate 8 --num-requests 300 \\
    --warm-kernel-cache      # no first-use fused-MoE compiles (a server whose Triton cache is filled)
  blis run --model qwen/qwen3-14b --workload codegen --num-requests 1000 \\
    --max-concurrency 32      # 32 clients in a closed loop, as vllm bench serve --max-concurrency 32
  blis run --num-requests 500 --otlp-out run.jsonl.gz
  blis run --duration 600 --otlp-endpoint http://127.0.0.1:4318 --otlp-header x-scope-orgid=team-a
  OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4317 blis run --otlp-endpoint --otlp-protocol grpc

Exit codes: 0 ok, 2 bad input or usage, 4 spans lost in export (--otlp-best-effort accepts it).
`;

export async function workloadOptionsFromFlags(cmd: Command, io: CliIO): Promise<WorkloadOptions> {
  const o = cmd.opts<Record<string, unknown>>();
  const out: Record<string, unknown> = {};
  if (typeof o['workload'] === 'string') out['preset'] = o['workload'];
  if (typeof o['workloadSpec'] === 'string') {
    const path = resolvePath(io.cwd, o['workloadSpec']);
    // The YAML reader loads only for runs that have a spec file.
    const { parseWorkloadSpec } = await import('../workload/spec.js');
    out['spec'] = parseWorkloadSpec(readText(path, 'workload spec'), path);
  }
  if (o['rate'] !== undefined) out['rate'] = o['rate'];
  if (o['numRequests'] !== undefined) out['numRequests'] = o['numRequests'];
  if (o['duration'] !== undefined) out['durationS'] = o['duration'];
  if (o['arrival'] !== undefined) out['arrival'] = o['arrival'];
  if (o['seed'] !== undefined) out['seed'] = o['seed'];
  return out as WorkloadOptions;
}

/**
 * The flags of `blis run` that shape the simulation (everything but the output flags);
 * `except` leaves some out for a command that redefines them (capacity's lists).
 */
export function addRunFlags(target: Command, except: readonly string[] = []): Command {
  const cmd = except.length === 0 ? target : new Command('flags');
  cmd
    .option('--workload <preset>', `workload preset: ${PRESETS.map((p) => p.name).join(', ')} (default chatbot)`)
    .option('--workload-spec <file>', 'YAML workload spec with clients and stages (docs/workloads.md)')
    .option('--rate <rps>', 'total request rate, requests/s (default 10)', numFlag('--rate'))
    .option('--num-requests <n>', 'number of requests (default 1000 when no duration is given)', intFlag('--num-requests'))
    .option('--duration <s>', 'generate arrivals for this many seconds', numFlag('--duration'))
    .option('--arrival <process>', `arrival process for every client: ${ARRIVAL_PROCESSES.map((a) => a.name).join(', ')}, options after a colon, e.g. gamma:cv=2 (default: each client's own, else the spec's, else poisson)`)
    .option('--max-concurrency <n>', 'clients hold at most n requests open: a request waits for an answer to end (vllm bench serve --max-concurrency); without --rate a closed loop, each answer sends the next request', intFlag('--max-concurrency'));
  addClusterFlags(cmd);
  addEppFlag(cmd);
  addAutoscalerFlags(cmd);
  addSloFlags(cmd);
  if (cmd !== target) for (const o of cmd.options) if (!except.includes((o.long ?? '').replace(/^--/, ''))) target.addOption(o);
  return target;
}

export function registerRun(program: Command, io: CliIO): void {
  const cmd = addRunFlags(program.command('run')
    .description('generate a workload (preset, spec file or flags) and simulate it'));
  addOutputFlags(cmd);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action(async () => {
    const files = planRunOutputs(cmd, io);
    await files.run(() => runAction(cmd, io, files));
  });
}

/** What a command adds around a simulation once the configuration is resolved (none for a probe or sweep point). */
export interface RunHooks {
  readonly outputs?: OutputSinks;
  readonly onProgress?: (p: SimulationProgress) => void;
  /** Where the autoscaler writes its timeline (`--timeline-out`). */
  readonly files?: OutputFiles;
}

/** What a parsed `run` command describes, resolved and not yet simulated. */
export interface ResolvedRun {
  readonly workloadOptions: WorkloadOptions;
  readonly workload: ReturnType<typeof resolveWorkload>;
  readonly autoscale: Awaited<ReturnType<typeof autoscalerFromFlags>>;
  /** The fleet as it starts: pools with their GPUs, TP degrees and instance counts. */
  readonly config: ClusterConfig;
}

/** Resolves what a parsed `run` command describes without simulating it (blis capacity prices its candidate fleets this way). */
export async function resolveRun(cmd: Command, io: CliIO): Promise<ResolvedRun> {
  const workloadOptions = await workloadOptionsFromFlags(cmd, io);
  const workload = resolveWorkload(workloadOptions);
  const autoscale = await autoscalerFromFlags(cmd, io);
  const flags = clusterOptionsFromFlags(cmd, io);
  await applyEppConfig(cmd, io, flags);
  // Without --model, a spec whose clients all name one catalogued model simulates that model.
  const named = [...new Set((workloadOptions.spec?.clients ?? []).map((c) => (c.model !== undefined ? catalogModelName(c.model) ?? c.model : undefined)))];
  if (flags.model === undefined && flags.modelSpec === undefined && named.length === 1 && named[0] !== undefined && catalogModelName(named[0]) !== undefined
    && cmd.opts<Record<string, unknown>>()['autoscalerConfig'] === undefined) {
    flags.model = named[0];
    io.err(`blis: simulating ${named[0]}, the model the workload spec names (--model to choose)\n`);
  }
  const clusterOptions = autoscale.clusterOptions(flags);
  const config = resolveCluster({ ...clusterOptions, seed: workload.seed }, { ...autoscale.derivedSources(), ...(userSet(cmd, 'seed') ? {} : { seed: 'default' as const }) });
  return { workloadOptions, workload, autoscale, config };
}

/** Simulates what a parsed `run` command (or one built from flags) describes. */
export async function simulateRun(cmd: Command, io: CliIO, prepare: (config: ClusterConfig, totalRequests: number | null) => Promise<RunHooks> | RunHooks = () => ({})): Promise<SimulateResult> {
  const { workloadOptions, workload, autoscale, config } = await resolveRun(cmd, io);
  const { stepTime, overheads } = createStepTime(config);
  checkSpecModels(workloadOptions.spec?.clients ?? [], config, cmd, io);
  const slo = sloFromFlags(cmd, workload.sloClasses);
  const concurrency = concurrencyFromFlags(cmd, workload);
  const hooks = await prepare(config, workload.numRequests);
  const outputs = hooks.outputs;
  const rng = new Rng(workload.seed);
  const result = await simulate(autoscale.wrap({
    config,
    arrivals: generateArrivals(workload, rng.fork('workload')),
    // generateArrivals numbers its requests r0, r1, ...: no id repeats.
    uniqueIds: true,
    stepTime,
    overheads,
    ...(outputs ? { sinks: outputs.sinks, detail: outputs.detail, ...(outputs.pace ? { pace: outputs.pace } : {}) } : {}),
    leap: leapFromFlags(cmd),
    stages: workload.stages.map((s) => ({ index: s.index, startUs: sToUs(s.startS), endUs: sToUs(s.startS + s.durationS) })),
    extraConfig: { workload: describeWorkload(workload, concurrency) },
    ...(concurrency !== undefined ? { concurrency } : {}),
    slo,
    prices: pricesFromFlags(cmd),
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
  }));
  autoscale.finish(result, hooks.files);
  return result;
}

async function runAction(cmd: Command, io: CliIO, files: OutputFiles): Promise<void> {
  let outputs: OutputSinks | undefined;
  let progress: ReturnType<typeof progressReporter> | undefined;
  const result = await simulateRun(cmd, io, async (config, total) => {
    outputs = await createRequestSinks(cmd, io, files, describeClusterConfig(config));
    progress = progressReporter(cmd, io, total);
    return { outputs, onProgress: progress.onProgress, files };
  });
  const exported = await outputs!.close();
  progress!.done(`${result.metrics.requests.injected} requests`);
  emitMetrics(cmd, io, files, result.metrics);
  failIfSpansLost(cmd, exported);
}

/** Every model a spec's clients name must be one the fleet serves (else an error at the spec's line). */
function checkSpecModels(clients: readonly ClientSpec[], config: ClusterConfig, cmd: Command, io: CliIO): void {
  const fleet = { served: fleetModels(config), allowMismatch: cmd.opts<Record<string, unknown>>()['allowModelMismatch'] === true };
  for (const c of clients) {
    if (c.model === undefined) continue;
    const note = checkModelClaim({ name: c.model, where: c.modelAt ?? `client ${c.name ?? ''}`, source: 'spec' }, fleet);
    if (note !== null) io.err(`blis: ${note}\n`);
  }
}

/** `--max-concurrency N` (closed-loop.ts concurrencyLimit), or undefined. */
function concurrencyFromFlags(cmd: Command, w: ReturnType<typeof resolveWorkload>): ConcurrencyLimit | undefined {
  const n = cmd.opts<Record<string, unknown>>()['maxConcurrency'];
  return n === undefined ? undefined : concurrencyLimit(n, w);
}

function describeWorkload(w: ReturnType<typeof resolveWorkload>, concurrency?: ConcurrencyLimit): Record<string, unknown> {
  return {
    seed: w.seed,
    rate_rps: concurrency?.closedLoop === true ? null : w.rateRps,
    ...(concurrency !== undefined ? { max_concurrency: concurrency.maxConcurrency, closed_loop: concurrency.closedLoop } : {}),
    num_requests: w.numRequests,
    duration_s: w.durationS,
    clients: w.clients,
    stages: w.stages,
    sources: w.sources,
  };
}
