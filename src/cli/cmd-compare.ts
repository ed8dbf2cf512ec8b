/**
 * `blis compare`: score one simulated result (metrics JSON or per-request records) against
 * ground truth (an experiment file, a per-request CSV/JSONL or an inference-perf lifecycle JSON).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../kernel/errors.js';
import { parseBaseline } from '../validate/baseline.js';
import { comparabilityProblems, predictionFacts, truthFacts } from '../validate/comparability.js';
import { compareToDocument, readPrediction, readTruth, type TruthInput } from '../validate/compare-files.js';
import { observedRow, type LatencyRow } from '../validate/requests.js';
import { gateLine, renderComparisonText } from '../validate/report-text.js';
import { readJson, readText, resolvePath } from './files.node.js';
import { ExitCode, QUIET_HELP, type CliIO } from './io.js';
import { choiceFlag } from './parse.js';

const EXAMPLES = `
Examples:
  blis replay baselines/calibration-experiments/20260217-155451-llama-2-7b-tp1-codegen.requests.csv \\
    --model meta-llama/llama-2-7b-hf --max-num-seqs 128 --requests-out sim.csv --metrics-out sim.json
  blis compare --sim sim.csv --truth baselines/calibration-experiments/20260217-155451-llama-2-7b-tp1-codegen.json
  blis compare --sim sim.json --truth baselines/calibration-experiments/20260217-155451-llama-2-7b-tp1-codegen.requests.csv --output json
  blis compare --sim sim.csv --truth baselines/calibration-experiments/20260217-155451-llama-2-7b-tp1-codegen.json \\
    --baseline baselines/calibration.json   # exit 1 past the baseline's limits
  blis run --num-requests 200 --metrics-out qwen.json
  blis compare --sim qwen.json --truth baselines/calibration-experiments/20260217-155451-llama-2-7b-tp1-codegen.json \\
    --allow-mismatch   # another model and workload: scored with a warning (refused, exit 2, without the flag)
  blis compare --sim qwen.json --truth traces/vllm-bench-serve-qwen3-8b-fp8-smoke.json --allow-mismatch
                       # a load test's summary report as the truth (also inference-perf summary_lifecycle_metrics.json)
`;

/** An experiment JSON's per-request CSV: --truth-requests, else ground_truth.per_request_file or <id>.requests.csv beside it. */
function experimentRequests(truthPath: string, text: string, explicit: string | undefined): { requestsText?: string; requestsFile?: string } {
  if (explicit) return { requestsText: readText(explicit, 'per-request truth'), requestsFile: explicit };
  if (!/\.json$/i.test(truthPath)) return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  if (Array.isArray(json) || typeof json !== 'object' || json === null) return {};
  const gt = (json as Record<string, unknown>)['ground_truth'] as Record<string, unknown> | undefined;
  const named = typeof gt?.['per_request_file'] === 'string' ? gt['per_request_file'] : basename(truthPath).replace(/\.json$/i, '.requests.csv');
  const p = join(dirname(truthPath), named);
  return existsSync(p) ? { requestsText: readText(p, 'per-request truth'), requestsFile: p } : {};
}

/**
 * Trace formats whose records carry observed latencies and that the per-request table reader
 * does not take (their columns are not arrival_us/ttft_us/e2e_us): what `blis replay --compare`
 * reads. A file in any other format keeps the table reader's error (a damaged row is the table's
 * problem, not a cue to read the file another way).
 */
const OBSERVED_TRACE_FORMATS: readonly string[] = ['tracev2', 'otlp', 'vllm-bench'];

/**
 * A trace in one of OBSERVED_TRACE_FORMATS as per-request truth, or undefined when the file is
 * no such trace. Rows the reader skips as failed requests (REQUEST_FAILED) count as failures;
 * any other skipped row is reported on stderr, as replay reports it.
 */
async function truthFromTrace(path: string, io: CliIO, quiet: boolean): Promise<TruthInput | undefined> {
  const { openTrace } = await import('../ingest/open.node.js');
  const { formatRegistry } = await import('./ingest-flags.js');
  const rows: LatencyRow[] = [];
  let format: string;
  let skipped: Record<string, number>;
  try {
    const opened = await openTrace(path, { registry: formatRegistry() });
    format = opened.format;
    if (!OBSERVED_TRACE_FORMATS.includes(format)) return undefined;
    for await (const r of opened.requests) rows.push(observedRow(rows.length, r, r.stage));
    skipped = opened.summary().skipped;
  } catch {
    return undefined;
  }
  if (!rows.some((r) => !r.error)) return undefined;
  // Failed requests (a status other than ok): latencies excluded, counted as failures.
  const failed = skipped['REQUEST_FAILED'] ?? 0;
  for (let i = 0; i < failed; i++) rows.push({ index: rows.length, arrivalUs: 0, inputTokens: 0, outputTokens: 0, ttftUs: -1, e2eUs: -1, error: true });
  if (!quiet) io.err(`blis compare: --truth read as a trace (${format}): ${rows.length} requests, ${rows.filter((r) => !r.error).length} with observed latencies, ${failed} failed\n`);
  const other = Object.entries(skipped).filter(([code]) => code !== 'REQUEST_FAILED');
  if (other.length > 0) io.err(`blis: warning: --truth: rows skipped and not scored: ${other.map(([code, n]) => `${code} ${n}`).join(', ')}\n`);
  return { kind: 'rows', rows };
}

export function registerCompare(program: Command, io: CliIO): void {
  const cmd = program.command('compare')
    .description('score simulated results against ground truth (per-percentile errors, KS and Wasserstein distances)')
    .requiredOption('--sim <file>', 'simulated result: metrics JSON (blis.metrics/v1) or per-request records (--requests-out .csv/.jsonl)')
    .requiredOption('--truth <file>', 'ground truth: experiment JSON (calibration schema), per-request CSV/JSONL, inference-perf per_request_lifecycle_metrics.json, a summary report (inference-perf summary_lifecycle_metrics.json, vllm bench serve result JSON), or any trace with observed latencies (TraceV2, OTLP spans, vllm bench --save-detailed)')
    .option('--truth-requests <file>', 'per-request CSV of an experiment --truth (default: the one named in it or beside it)')
    .option('--id <name>', 'name of this comparison in the output (default: the experiment id)')
    .option('--output <format>', 'stdout: human (tables) or json (blis.validation/v1) (default human)', choiceFlag('--output', ['human', 'json']))
    .option('--baseline <file>', 'gate: exit 1 when an error exceeds this baseline\'s limits (blis.baseline/v1)')
    .option('--allow-mismatch', 'score sides that describe different experiments (model, request count, stages, token means) with a warning, instead of refusing')
    .option('--quiet', QUIET_HELP);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action(async () => {
    const o = cmd.opts<Record<string, unknown>>();
    const simPath = resolvePath(io.cwd, o['sim'] as string);
    const truthPath = resolvePath(io.cwd, o['truth'] as string);
    const prediction = readPrediction(simPath, readText(simPath, '--sim file'));
    const truthText = readText(truthPath, '--truth file');
    const req = experimentRequests(truthPath, truthText, typeof o['truthRequests'] === 'string' ? resolvePath(io.cwd, o['truthRequests']) : undefined);
    let truth: TruthInput;
    try {
      truth = readTruth(truthPath, truthText, req);
    } catch (e) {
      // Not an experiment, per-request table or summary report: perhaps a trace with observed latencies.
      const fromTrace = e instanceof InputError ? await truthFromTrace(truthPath, io, o['quiet'] === true) : undefined;
      if (fromTrace === undefined) throw e;
      truth = fromTrace;
    }
    if (typeof o['truthRequests'] === 'string' && truth.kind !== 'experiment') {
      // Only an experiment JSON takes a per-request CSV beside its aggregates; anything else would drop it unread.
      throw new InputError('FLAG_CONFLICT', '--truth-requests', `given with a --truth that is no experiment JSON (${o['truth'] as string} was read as ${truth.kind === 'summary' ? truth.summary.format : 'per-request records'}); pass the per-request file itself as --truth`);
    }
    for (const w of [...(prediction.kind === 'rows' ? prediction.warnings ?? [] : []), ...(truth.warnings ?? [])]) io.err(`blis: warning: ${w}\n`);
    const baseline = typeof o['baseline'] === 'string' ? parseBaseline(readJson(resolvePath(io.cwd, o['baseline']), 'baseline'), o['baseline']) : undefined;
    const doc = compareToDocument(prediction, truth, { ...(typeof o['id'] === 'string' ? { id: o['id'] } : {}), ...(baseline ? { baseline } : {}) });
    const summary = doc.experiments[0]?.stages.find((s) => s.index === 'summary');
    if (!summary || Object.keys(summary.metrics).length === 0) {
      // Say how many successes each side holds: a truth whose rows all read as failed has no statistic either.
      const count = (c: { ok: number; failed: number } | undefined): string => (c ? `${c.ok} successful of ${c.ok + c.failed} requests` : 'no request counts');
      const hint = truth.kind === 'rows' ? ' (a per-request row with no ttft_us and no error or status column reads as failed; error=0 marks a success sent without streaming)' : '';
      const counts = summary?.requests ? `; predicted: ${count(summary.requests.predicted)}, truth: ${count(summary.requests.actual)}${hint}` : '';
      throw new InputError('COMPARE_NOTHING_IN_COMMON', `${o['sim'] as string} vs ${o['truth'] as string}`, `no latency statistic present on both sides (check that the files hold TTFT/E2E)${counts}`);
    }
    const problems = comparabilityProblems(predictionFacts(prediction), truthFacts(truth));
    if (problems.length > 0) {
      if (o['allowMismatch'] !== true) {
        throw new InputError('COMPARE_MISMATCH', `${o['sim'] as string} vs ${o['truth'] as string}`,
          `the two sides describe different experiments: ${problems.join('; ')}. Errors between them would measure the difference of the experiments, not the simulator (--allow-mismatch scores them anyway)`);
      }
      for (const p of problems) io.err(`blis: warning: ${p}: the errors below compare different experiments (--allow-mismatch)\n`);
    }
    if (o['output'] === 'json') io.out(`${JSON.stringify(problems.length > 0 ? { ...doc, mismatches: problems } : doc, null, 1)}\n`);
    else io.out(renderComparisonText(doc));
    if (baseline) {
      if (!doc.gate.passed) throw new ExitCode(1, gateLine(doc.gate));
      if (o['output'] !== 'json') io.out(`${gateLine(doc.gate)}\n`);
    }
  });
}
