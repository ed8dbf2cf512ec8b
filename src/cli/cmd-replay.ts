/** `blis replay IN`: simulate an ingested trace (any supported format; --format auto sniffs). */
import type { Command } from 'commander';
import type { RequestRecord } from '../cluster/record.js';
import { simulate, type SimulateResult } from '../cluster/simulate.js';
import { describeClusterConfig, type ClusterConfig } from '../cluster/config.js';
import type { RecordSink } from '../cluster/sink.js';
import type { RunHooks } from './cmd-run.js';
import { describeSummary } from '../ingest/issues.js';
import { openTrace, type OpenedTrace } from '../ingest/open.node.js';
import { addClusterFlags, clusterOptionsFromFlags, createStepTime, resolveCluster } from './cluster-flags.js';
import { resolvePath } from './files.node.js';
import { addIngestFlags, ingestOptionsFromFlags } from './ingest-flags.js';
import type { CliIO } from './io.js';
import { addOutputFlags, createRequestSinks, emitMetrics, progressReporter, type OutputSinks } from './outputs.js';
import { compareReplay } from './replay-compare.js';
import { addSloFlags, pricesFromFlags, sloFromFlags } from './slo-flags.js';

const EXAMPLES = `
Examples:
  blis replay traces/azure2023-conv.relative.head300.csv --model meta-llama/llama-3.1-8b-instruct
  blis replay traces/burstgpt1.head200.csv --speedup 100 --num-instances 4 --routing-policy least-loaded
  blis replay baselines/calibration-experiments/20260217-155451-llama-2-7b-tp1-codegen.requests.csv \\
    --model meta-llama/llama-2-7b-hf --max-num-seqs 128 --max-model-len 4096 --compare
  blis replay run.otlp.json --format otlp          # spans blis or vLLM emitted
`;

/** The flags of `blis replay` that shape the simulation (everything but the output flags). */
export function addReplayFlags(cmd: Command): Command {
  cmd.option('--compare', 'compare simulated against the latencies the trace observed, per request');
  addIngestFlags(cmd);
  addClusterFlags(cmd);
  addSloFlags(cmd);
  return cmd;
}

export interface ReplayRun {
  readonly result: SimulateResult;
  readonly opened: OpenedTrace;
}

/** Simulates the trace a parsed `replay` command (or one built from flags) names. */
export async function simulateReplay(cmd: Command, io: CliIO, trace: string, prepare: (config: ClusterConfig, opened: OpenedTrace) => RunHooks & { sinks?: RecordSink[] } = () => ({})): Promise<ReplayRun> {
  const o = cmd.opts<Record<string, unknown>>();
  const seed = typeof o['seed'] === 'number' ? o['seed'] : 0;
  const config = resolveCluster({ ...clusterOptionsFromFlags(cmd, io), seed });
  const { stepTime, overheads } = createStepTime(config);
  const opened = await openTrace(resolvePath(io.cwd, trace), ingestOptionsFromFlags(cmd, seed));
  const hooks = prepare(config, opened);
  const outputs = hooks.outputs;
  const result = await simulate({
    config,
    arrivals: opened.requests,
    stepTime,
    overheads,
    ...(outputs ? { detail: outputs.detail, ...(outputs.pace ? { pace: outputs.pace } : {}) } : {}),
    sinks: [...(outputs?.sinks ?? []), ...(hooks.sinks ?? [])],
    extraConfig: { trace: { file: trace, format: opened.format } },
    slo: sloFromFlags(cmd),
    prices: pricesFromFlags(cmd),
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
  });
  return { result, opened };
}

export function registerReplay(program: Command, io: CliIO): void {
  const cmd = addReplayFlags(program.command('replay')
    .description('simulate an ingested trace (production logs, benchmark reports, OTel spans)')
    .argument('<trace>', 'trace file (format sniffed unless --format is given)'));
  addOutputFlags(cmd);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action(async (trace: string) => {
    const o = cmd.opts<Record<string, unknown>>();
    const kept: RequestRecord[] = [];
    const compare = o['compare'] === true;
    let outputs: OutputSinks | undefined;
    const progress = progressReporter(cmd, io, null);
    const { result, opened } = await simulateReplay(cmd, io, trace, (config, trace) => {
      io.err(`blis: reading ${trace.path} as ${trace.format}\n`);
      outputs = createRequestSinks(cmd, io, describeClusterConfig(config));
      return { outputs, onProgress: progress.onProgress, sinks: compare ? [{ add: (r: RequestRecord) => { kept.push(r); } }] : [] };
    });
    await outputs!.close();
    const summary = opened.summary();
    progress.done(`${result.metrics.requests.injected} requests replayed`);
    for (const line of describeSummary(summary)) io.err(`blis: ${line}\n`);
    const comparison = compare ? compareReplay(kept) : null;
    if (compare && comparison === null) io.err('blis: --compare: the trace carries no observed latencies (TTFT/E2E); nothing to compare\n');
    if (comparison !== null && o['output'] === 'json') {
      emitMetrics(cmd, io, { ...result.metrics, comparison: comparison.json });
    } else {
      emitMetrics(cmd, io, result.metrics);
      if (comparison !== null) io.out(comparison.text);
    }
  });
}
