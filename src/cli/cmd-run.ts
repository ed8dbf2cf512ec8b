/** `blis run`: generate a workload (preset, spec file or flags) and simulate it. */
import { Command } from 'commander';
import { simulate, type SimulateResult, type SimulationProgress } from '../cluster/simulate.js';
import { describeClusterConfig, type ClusterConfig } from '../cluster/config.js';
import { Rng } from '../kernel/rng.js';
import { generateArrivals } from '../workload/generate.js';
import { PRESETS } from '../workload/presets.js';
import { resolveWorkload, type WorkloadOptions } from '../workload/resolve.js';
import { parseWorkloadSpec } from '../workload/spec.js';
import { addAutoscalerFlags, autoscalerFromFlags } from './autoscaler-flags.js';
import { addClusterFlags, clusterOptionsFromFlags, createStepTime, resolveCluster } from './cluster-flags.js';
import { readText, resolvePath } from './files.node.js';
import type { CliIO } from './io.js';
import { addOutputFlags, createRequestSinks, emitMetrics, progressReporter, type OutputSinks } from './outputs.js';
import { intFlag, numFlag } from './parse.js';
import { addSloFlags, pricesFromFlags, sloFromFlags } from './slo-flags.js';

const EXAMPLES = `
Examples:
  blis run --model qwen/qwen3-14b --workload chatbot --rate 50 --num-instances 8 --tp 2 \\
    --hardware H100 --routing-policy round-robin
  blis run --model qwen/qwen3-14b --workload chatbot --rate 50 --num-instances 8 --tp 2 \\
    --hardware H100 --routing-policy weighted --routing-scorers "prefix-affinity:2,queue-depth:1"
  blis run --model qwen/qwen3-14b --workload chatbot --rate 50 --num-instances 8 --tp 2 \
    --slo ttft_p99=200,tpot_p50=30 --gpu-price H100=2.10      # SLO attainment, goodput, cost, regime
  blis run --workload-spec examples/workload-multi-client.yaml --output json
  blis run --model meta-llama/llama-3.1-8b-instruct --workload codegen --rate 20 --duration 600 \\
    --requests-out requests.csv --metrics-out metrics.json
`;

export function workloadOptionsFromFlags(cmd: Command, io: CliIO): WorkloadOptions {
  const o = cmd.opts<Record<string, unknown>>();
  const out: Record<string, unknown> = {};
  if (typeof o['workload'] === 'string') out['preset'] = o['workload'];
  if (typeof o['workloadSpec'] === 'string') {
    const path = resolvePath(io.cwd, o['workloadSpec']);
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
    .option('--arrival <process>', 'arrival process: poisson, gamma:cv=2, constant, exact-count');
  addClusterFlags(cmd);
  addAutoscalerFlags(cmd);
  addSloFlags(cmd);
  if (cmd !== target) for (const o of cmd.options) if (!except.includes((o.long ?? '').replace(/^--/, ''))) target.addOption(o);
  return target;
}

/** What the `run` command adds around a simulation once the configuration is resolved. */
export interface RunHooks {
  readonly outputs?: OutputSinks;
  readonly onProgress?: (p: SimulationProgress) => void;
}

/** Simulates what a parsed `run` command (or one built from flags) describes. */
export async function simulateRun(cmd: Command, io: CliIO, prepare: (config: ClusterConfig, totalRequests: number | null) => RunHooks = () => ({})): Promise<SimulateResult> {
  const workload = resolveWorkload(workloadOptionsFromFlags(cmd, io));
  const autoscale = autoscalerFromFlags(cmd, io);
  const clusterOptions = autoscale.clusterOptions(clusterOptionsFromFlags(cmd, io));
  const config = resolveCluster({ ...clusterOptions, seed: workload.seed }, cmd.getOptionValueSource('seed') === 'cli' ? {} : { seed: 'default' });
  const { stepTime, overheads } = createStepTime(config);
  const slo = sloFromFlags(cmd, workload.sloClasses);
  const hooks = prepare(config, workload.numRequests);
  const outputs = hooks.outputs;
  const rng = new Rng(workload.seed);
  const result = await simulate(autoscale.wrap({
    config,
    arrivals: generateArrivals(workload, rng.fork('workload')),
    stepTime,
    overheads,
    ...(outputs ? { sinks: outputs.sinks, detail: outputs.detail, ...(outputs.pace ? { pace: outputs.pace } : {}) } : {}),
    stages: workload.stages.map((s) => ({ index: s.index, startUs: Math.round(s.startS * 1e6), endUs: Math.round((s.startS + s.durationS) * 1e6) })),
    extraConfig: { workload: describeWorkload(workload) },
    slo,
    prices: pricesFromFlags(cmd),
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
  }));
  autoscale.finish(result);
  return result;
}

export function registerRun(program: Command, io: CliIO): void {
  const cmd = addRunFlags(program.command('run')
    .description('generate a workload (preset, spec file or flags) and simulate it'));
  addOutputFlags(cmd);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action(async () => {
    let outputs: OutputSinks | undefined;
    let progress: ReturnType<typeof progressReporter> | undefined;
    const result = await simulateRun(cmd, io, (config, total) => {
      outputs = createRequestSinks(cmd, io, describeClusterConfig(config));
      progress = progressReporter(cmd, io, total);
      return { outputs, onProgress: progress.onProgress };
    });
    await outputs!.close();
    progress!.done(`${result.metrics.requests.injected} requests`);
    emitMetrics(cmd, io, result.metrics);
  });
}

function describeWorkload(w: ReturnType<typeof resolveWorkload>): Record<string, unknown> {
  return {
    seed: w.seed,
    rate_rps: w.rateRps,
    num_requests: w.numRequests,
    duration_s: w.durationS,
    clients: w.clients,
    stages: w.stages,
    sources: w.sources,
  };
}
