/** `blis replay IN`: simulate an ingested trace (any supported format; --format auto sniffs). */
import type { Command } from 'commander';
import type { RequestRecord } from '../cluster/record.js';
import { simulate, type SimulateResult } from '../cluster/simulate.js';
import type { ClusterConfig } from '../cluster/config.js';
import { describeClusterConfig } from '../cluster/config-echo.js';
import type { MetricsDocument } from '../cluster/metrics.js';
import type { RecordSink } from '../cluster/sink.js';
import { basename } from 'node:path';
import { accountFor, type IngestSummary } from '../ingest/issues.js';
import { openTrace, traceFiles, type OpenTraceOptions, type OpenedTrace } from '../ingest/open.node.js';
import { describeTransform } from '../ingest/transform.js';
import { catalogModelName, fleetModels } from '../cluster/served-models.js';
import { peekFirst, TraceModels } from './trace-models.js';
import { addEppFlag, applyEppConfig } from './epp-flags.js';
import { addClusterFlags, clusterOptionsFromFlags, createStepTime, leapFromFlags, resolveCluster } from './cluster-flags.js';
import { resolvePath } from './files.node.js';
import { addIngestFlags, failIfNothingLeft, ingestOptionsFromFlags, printIngestSummary } from './ingest-flags.js';
import { note, type CliIO } from './io.js';
import type { OutputFiles } from './output-files.node.js';
import { addOutputFlags, createRequestSinks, emitMetrics, failIfSpansLost, planRunOutputs, progressReporter } from './outputs.js';
import { compareReplay } from './replay-compare.js';
import type { RunHooks } from './cmd-run.js';
import { addSloFlags, pricesFromFlags, sloFromFlags } from './slo-flags.js';

const EXAMPLES = `
Examples:
  blis replay traces/azure2023-conv.relative.head300.csv --model meta-llama/llama-3.1-8b-instruct
  blis replay traces/burstgpt1-rows0001-0200.csv --speedup 100 --num-instances 4 --routing-policy least-loaded
  blis replay baselines/calibration-experiments/20260217-155451-llama-2-7b-tp1-codegen.requests.csv \\
    --model meta-llama/llama-2-7b-hf --max-num-seqs 128 --max-model-len 4096 --compare
  blis replay traces/tracev2-example.trace_header.yaml --compare   # simulates the model the trace names
  blis run --num-requests 100 --otlp-out run.otlp.json
  blis replay run.otlp.json --format otlp          # spans blis or vLLM emitted
  blis run --num-requests 100 --otlp-out spans.pb.gz --otlp-framing u32be
  blis replay spans.pb.gz                          # gzipped, Collector file-exporter framing: detected
  blis replay traces/burstgpt1-rows0001-0200.csv --config examples/replay-config.yaml   # flags from a config file
  blis replay traces/azure2023-code.relative.head300.csv --columns arrival=arrived_at,input=num_prefill_tokens,output=num_decode_tokens
`;

/** The flags of `blis replay` that shape the simulation (everything but the output flags). */
export function addReplayFlags(cmd: Command): Command {
  cmd.option('--compare', 'compare simulated against the latencies the trace observed, per request');
  addIngestFlags(cmd);
  addClusterFlags(cmd);
  addEppFlag(cmd);
  addSloFlags(cmd);
  return cmd;
}

export function registerReplay(program: Command, io: CliIO): void {
  const cmd = addReplayFlags(program.command('replay')
    .description('simulate an ingested trace (production logs, benchmark reports, OTel spans)')
    .argument('<trace>', 'trace file (format sniffed unless --format is given)'));
  addOutputFlags(cmd);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action(async (trace: string) => {
    const files = planRunOutputs(cmd, io, await traceFiles(resolvePath(io.cwd, trace)));
    await files.run(() => replayAction(cmd, io, files, trace));
  });
}

export interface ReplayRun {
  readonly result: SimulateResult;
  /** The metrics with `config.trace` (what was read and how). */
  readonly metrics: MetricsDocument;
  readonly summary: IngestSummary;
  readonly models: TraceModels;
  /** The trace's output lengths are re-tokenised counts (FormatEntry.countedOutputTokens). */
  readonly countedOutputTokens: boolean;
}

/** Simulates the trace a parsed `replay` command (or one built from flags) names. */
export async function simulateReplay(cmd: Command, io: CliIO, trace: string,
  prepare: (config: ClusterConfig) => Promise<RunHooks & { sinks?: RecordSink[] }> | RunHooks & { sinks?: RecordSink[] } = () => ({})): Promise<ReplayRun> {
  const o = cmd.opts<Record<string, unknown>>();
  const seed = typeof o['seed'] === 'number' ? o['seed'] : 0;
  const ingest = ingestOptionsFromFlags(cmd, seed);
  const opened = await openTrace(resolvePath(io.cwd, trace), ingest);
  const quiet = o['quiet'] === true;
  note(quiet, io, `blis: reading ${opened.path} as ${opened.format}\n`);
  const { first, stream } = await peekFirst(opened.requests);
  const clusterOptions = clusterOptionsFromFlags(cmd, io);
  await applyEppConfig(cmd, io, clusterOptions);
  // Without --model, simulate the model the trace names (when blis knows it).
  const traceModel = first?.model !== undefined ? catalogModelName(first.model) : undefined;
  if (clusterOptions.model === undefined && clusterOptions.modelSpec === undefined && traceModel !== undefined) {
    clusterOptions.model = traceModel;
    note(quiet, io, `blis: simulating ${traceModel}, the model the trace names (--model to choose)\n`);
  }
  const config = resolveCluster({ ...clusterOptions, seed });
  const { stepTime, overheads } = createStepTime(config);
  const models = new TraceModels({ served: fleetModels(config), allowMismatch: o['allowModelMismatch'] === true }, basename(opened.path));
  const hooks = await prepare(config);
  const outputs = hooks.outputs;
  const result = await simulate({
    config,
    arrivals: models.check(stream),
    uniqueIds: opened.uniqueIds,
    stepTime,
    overheads,
    ...(outputs ? { detail: outputs.detail, ...(outputs.pace ? { pace: outputs.pace } : {}) } : {}),
    leap: leapFromFlags(cmd),
    sinks: [...(outputs?.sinks ?? []), ...(hooks.sinks ?? [])],
    slo: sloFromFlags(cmd),
    prices: pricesFromFlags(cmd),
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
  });
  const summary = opened.summary();
  const metrics = { ...result.metrics, config: { ...(result.metrics.config as object), trace: describeTraceRun(trace, opened, ingest, summary, models) } };
  return { result, metrics, summary, models, countedOutputTokens: opened.countedOutputTokens };
}

async function replayAction(cmd: Command, io: CliIO, files: OutputFiles, trace: string): Promise<void> {
  const o = cmd.opts<Record<string, unknown>>();
  const quiet = o['quiet'] === true;
  const kept: RequestRecord[] = [];
  const compare = o['compare'] === true;
  const progress = progressReporter(cmd, io, null);
  let outputs: Awaited<ReturnType<typeof createRequestSinks>> | undefined;
  const { result, metrics, summary, models, countedOutputTokens } = await simulateReplay(cmd, io, trace, async (config) => {
    outputs = await createRequestSinks(cmd, io, files, describeClusterConfig(config));
    return { outputs, onProgress: progress.onProgress, sinks: compare ? [{ add: (r: RequestRecord) => { kept.push(r); } }] : [] };
  });
  const exported = await outputs!.close();
  progress.done(`${result.metrics.requests.injected} requests replayed`);
  for (const m of models.notes) note(quiet, io, `blis: ${m}\n`);
  printIngestSummary(summary, quiet, io);
  const comparison = compare ? compareReplay(kept, countedOutputTokens) : null;
  if (compare && comparison === null) io.err('blis: --compare: the trace carries no observed latencies (TTFT/E2E); nothing to compare\n');
  if (comparison !== null && o['output'] === 'json') {
    emitMetrics(cmd, io, files, { ...metrics, comparison: comparison.json });
  } else {
    emitMetrics(cmd, io, files, metrics);
    if (comparison !== null) io.out(comparison.text);
  }
  failIfSpansLost(cmd, exported);
  failIfNothingLeft(summary, 'request to simulate');
}

/** The metrics JSON's `config.trace`: what was read, how it was transformed, where every row went. */
function describeTraceRun(file: string, opened: OpenedTrace, ingest: OpenTraceOptions, summary: IngestSummary, models: TraceModels): Record<string, unknown> {
  const a = accountFor(summary);
  return {
    file,
    format: opened.format,
    ...(opened.headerPath !== undefined ? { header: basename(opened.headerPath) } : {}),
    transformations: describeTransform(ingest),
    rows: a.rows,
    skipped: summary.skipped,
    dropped: a.dropped,
    added: a.added,
    changed: a.changed,
    replayed: a.emitted,
    ...(summary.messages.length > 0 ? { messages: summary.messages } : {}),
    ...(summary.warnings.length > 0 ? { warnings: summary.warnings } : {}),
    ...(models.counts.size > 0 ? { models: Object.fromEntries(models.counts) } : {}),
  };
}
