/** `blis replay IN`: simulate an ingested trace (any supported format; --format auto sniffs). */
import type { Command } from 'commander';
import type { RequestRecord } from '../cluster/record.js';
import { simulate } from '../cluster/simulate.js';
import { describeClusterConfig } from '../cluster/config.js';
import { describeSummary } from '../ingest/issues.js';
import { openTrace } from '../ingest/open.node.js';
import { addClusterFlags, clusterOptionsFromFlags, createStepTime, resolveCluster } from './cluster-flags.js';
import { resolvePath } from './files.node.js';
import { addIngestFlags, ingestOptionsFromFlags } from './ingest-flags.js';
import type { CliIO } from './io.js';
import { addOutputFlags, createRequestSinks, emitMetrics, progressReporter } from './outputs.js';
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

export function registerReplay(program: Command, io: CliIO): void {
  const cmd = program.command('replay')
    .description('simulate an ingested trace (production logs, benchmark reports, OTel spans)')
    .argument('<trace>', 'trace file (format sniffed unless --format is given)')
    .option('--compare', 'compare simulated against the latencies the trace observed, per request');
  addIngestFlags(cmd);
  addClusterFlags(cmd);
  addSloFlags(cmd);
  addOutputFlags(cmd);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action(async (trace: string) => {
    const o = cmd.opts<Record<string, unknown>>();
    const seed = typeof o['seed'] === 'number' ? o['seed'] : 0;
    const config = resolveCluster({ ...clusterOptionsFromFlags(cmd, io), seed });
    const { stepTime, overheads, name } = createStepTime(config, cmd, io);
    const opened = await openTrace(resolvePath(io.cwd, trace), ingestOptionsFromFlags(cmd, seed));
    io.err(`blis: reading ${opened.path} as ${opened.format}\n`);
    const outputs = createRequestSinks(cmd, io, describeClusterConfig(config));
    const kept: RequestRecord[] = [];
    const compare = o['compare'] === true;
    const progress = progressReporter(cmd, io, null);
    const result = await simulate({
      config: { ...config, latencyModel: name },
      arrivals: opened.requests,
      stepTime,
      overheads,
      detail: outputs.detail,
      ...(outputs.pace ? { pace: outputs.pace } : {}),
      sinks: [...outputs.sinks, ...(compare ? [{ add: (r: RequestRecord) => { kept.push(r); } }] : [])],
      extraConfig: { trace: { file: trace, format: opened.format } },
      slo: sloFromFlags(cmd),
      prices: pricesFromFlags(cmd),
      onProgress: progress.onProgress,
    });
    await outputs.close();
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
