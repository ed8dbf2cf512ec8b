/**
 * `blis validate`: simulate ground-truth experiments (worker threads), compare, write reports,
 * gate on a baseline. The library (src/validate/) does the work; this file parses flags, reads
 * files and prints.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../kernel/errors.js';
import { STEP_TIME_MODELS, resolveStepTime, type StepTimeChoice, type StepTimeOptions } from '../model/registry.js';
import { hardwareSpecFromJson } from '../model/hardware-catalog.js';
import { DEFAULT_SLACK, parseBaseline, updateBaseline, type Baseline, type Slack } from '../validate/baseline.js';
import { renderHtml } from '../validate/report-html.js';
import { renderJunit } from '../validate/junit.js';
import { renderMarkdown } from '../validate/report-md.js';
import { describeFailure, gateLine, renderSummaryText } from '../validate/report-text.js';
import { competitorRuns, scoreCompetitors } from '../validate/competitors.js';
import { defaultExperimentsDir, loadExperimentPaths } from '../validate/load-experiments.node.js';
import type { ArrivalSource } from '../validate/plan.js';
import { prepareExperiment, validateExperiments, type ValidateProgress } from '../validate/validate.js';
import { checkLimits } from '../validate/baseline-limits.js';
import { PREFIX_ALIAS_READINGS, type PrefixAliasReading } from '../validate/experiment-prefix.js';
import { CPU_OFFLOAD_SIZE_READINGS, type CpuOffloadSizeReading } from '../validate/experiment-cpu-tier.js';
import type { ValidationDocument } from '../validate/validation.js';
import { planJobRunner } from '../validate/validate-workers.node.js';
import { compiledWorkerUrl, readJson, resolvePath, writeText } from './files.node.js';
import { ExitCode, QUIET_HELP, note, type CliIO } from './io.js';
import { choiceFlag, intFlag, numFlag, seedFlag } from './parse.js';
import { msToS } from '../kernel/units.js';

const EXAMPLES = `
Exit codes: 0 ok (or not gated), 1 gate failed or a simulation failed, 2 a bad flag or experiment file.

Examples:
  blis validate                                   # the 16 calibration experiments, synthetic arrivals (not gated)
  blis validate --baseline baselines/calibration.json --report-dir reports/validation
  blis validate baselines/trainval-experiments/*.json   # sparse files: the report lists what was derived or assumed
  blis validate baselines/calibration-experiments/*mixtral*   # a glob: each experiment's .requests.csv is read with it
  blis validate baselines/trainval-experiments --prefix-aliases honoured --baseline baselines/trainval.json
  blis validate --cpu-offload-size per-gpu        # read the files' derived CPU tier sizes per GPU, as they state them
  blis validate baselines/calibration-experiments/20260217-155451-llama-2-7b-tp1-codegen.json --arrivals trace
  blis validate --latency-coefficients src/model/coefficients/default.json --output json > validation.json
  blis validate --baseline baselines/calibration.json --update-baseline   # after a deliberate accuracy change
`;

/** The validate worker entry (compiled), or undefined to run in process. */
export function validateWorkerUrl(): URL | undefined {
  return compiledWorkerUrl('validate-worker.node.js', import.meta.url);
}

/**
 * --latency-model / --latency-coefficients → what every plan job runs with (`options`, raw and
 * structured-clone safe for the workers) and what the model registry resolved them to (`choice`:
 * checked here, so that a bad name or file exits 2 before any simulation).
 */
export function latencySelection(o: Record<string, unknown>, io: CliIO): { options: StepTimeOptions; choice: StepTimeChoice } {
  const given = typeof o['latencyCoefficients'] === 'string' ? o['latencyCoefficients'] : undefined;
  const options: StepTimeOptions = {
    ...(typeof o['latencyModel'] === 'string' ? { name: o['latencyModel'] } : {}),
    ...(given !== undefined ? { coefficients: readJson(resolvePath(io.cwd, given), 'coefficients file'), coefficientsSource: given } : {}),
  };
  return { options, choice: resolveStepTime(options) };
}

/** "fitted", or "fitted from c.json" when a coefficients file was given. */
export function describeStepTime(choice: StepTimeChoice): string {
  return `${choice.name}${choice.coefficientsSource !== undefined ? ` from ${choice.coefficientsSource}` : ''}`;
}

/**
 * Experiment files that are themselves bad (unreadable, malformed, a ground-truth value that is
 * not a positive number): one line naming each file and field, for exit code 2. They are still
 * rows of every report (status error), never dropped.
 */
export function malformedExperiments(doc: ValidationDocument): string | undefined {
  const bad = doc.experiments.filter((e) => e.status === 'error' && e.error_code !== undefined);
  if (bad.length === 0) return undefined;
  return `${bad.length} experiment file${bad.length === 1 ? '' : 's'} could not be used: ${bad.map((e) => `[${e.error_code}] ${e.error}`).join('; ')}`;
}

export function progressPrinter(io: CliIO, quiet: boolean): (ev: ValidateProgress) => void {
  return (ev) => {
    if (quiet && ev.kind !== 'failed') return;
    if (ev.kind === 'planned') io.err(`planned ${ev.id} (${ev.requests} requests)\n`);
    else if (ev.kind === 'simulated') io.err(`${ev.ok ? 'simulated' : 'FAILED'} ${ev.id}\n`);
    else io.err(`error: ${ev.error}\n`);
  };
}

/**
 * Limits are measured × (1 + relative) + absolute (baseline.ts limitFor): a negative slack would
 * write limits below this very run, a baseline that fails the run that wrote it.
 */
function readSlack(o: Record<string, unknown>, fallback: Slack): Slack {
  for (const [key, flag] of [['slackRelative', '--slack-relative'], ['slackAbsolute', '--slack-absolute']] as const) {
    const v = o[key];
    if (typeof v === 'number' && v < 0) throw new InputError('FLAG_OUT_OF_RANGE', flag, `found ${v}; expected a number >= 0 (limit = measured × (1 + relative) + absolute points)`);
  }
  return {
    relative: typeof o['slackRelative'] === 'number' ? o['slackRelative'] : fallback.relative,
    absolute_pct: typeof o['slackAbsolute'] === 'number' ? o['slackAbsolute'] : fallback.absolute_pct,
  };
}

export function registerValidate(program: Command, io: CliIO): void {
  const cmd = program.command('validate')
    .description('simulate ground-truth experiments, compare per percentile, write reports, gate on a baseline')
    .argument('[paths...]', 'experiment files or directories (default: baselines/calibration-experiments)')
    .option('--arrivals <source>', 'synthetic: regenerate each stage\'s arrival process (default); trace: replay the recorded arrival times', choiceFlag('--arrivals', ['synthetic', 'trace']))
    .option('--prefix-aliases <reading>', `how to read inference-perf's group aliases in a file that has only workload.shared_prefix_as_configured: ignored (default: the calibration set's evidence, 10 groups × 10 prompts) or honoured (the profile's system prompts × users)`, choiceFlag('--prefix-aliases', [...PREFIX_ALIAS_READINGS]))
    .option('--cpu-offload-size <reading>', `how to read a CPU offload size the file derived (vllm.cpu_offload.cpu_kv_blocks_source 'derived…'): total (default: vLLM's --kv-offloading-size, summed over the TP ranks; the calibration set's evidence) or per-gpu (the file's derived count)`, choiceFlag('--cpu-offload-size', [...CPU_OFFLOAD_SIZE_READINGS]))
    .option('--hardware-config <file>', "a GPU the catalog does not hold, described as for blis run (JSON datasheet figures, docs/model.md): experiments whose hardware.gpu is its name run on it; repeat for several", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--seed <n>', 'seed of the synthetic arrivals (default 1)', seedFlag('--seed'))
    .option('--jobs <n>', 'worker threads simulating experiments in parallel (default 2)', intFlag('--jobs'))
    .option('--latency-model <name>', `step-time model: ${STEP_TIME_MODELS.map((e) => e.name).join(', ')} (default: fitted when fitted coefficients ship, else roofline)`)
    .option('--latency-coefficients <file>', 'coefficients file (blis.step-coefficients/v1, from blis calibrate) for the fitted model; with --latency-model linear or roofline, a JSON object of that model\'s options')
    .option('--report-dir <dir>', 'write report.md, report.html, junit.xml and validation.json here')
    .option('--output <format>', 'stdout: human (summary table) or json (validation.json) (default human)', choiceFlag('--output', ['human', 'json']))
    .option('--baseline <file>', 'gate: exit 1 when a metric regresses past this baseline\'s limits')
    .option('--update-baseline', 'rewrite --baseline from this run (limits = measured × (1 + relative) + absolute)')
    .option('--slack-relative <f>', `with --update-baseline: relative slack (default: the baseline's, else ${DEFAULT_SLACK.relative})`, numFlag('--slack-relative'))
    .option('--slack-absolute <pct>', `with --update-baseline: slack in percentage points (default: the baseline's, else ${DEFAULT_SLACK.absolute_pct})`, numFlag('--slack-absolute'))
    .option('--note <text>', 'with --update-baseline: the baseline\'s note (how and why it was made)')
    .option('--title <text>', 'report title')
    .option('--quiet', QUIET_HELP);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action(async (paths: string[]) => {
    const o = cmd.opts<Record<string, unknown>>();
    const quiet = o['quiet'] === true;
    const jobs = typeof o['jobs'] === 'number' ? o['jobs'] : 2;
    if (jobs < 1) throw new InputError('FLAG_OUT_OF_RANGE', '--jobs', `found ${jobs}; expected at least 1`);
    const latency = latencySelection(o, io);
    const baselinePath = typeof o['baseline'] === 'string' ? resolvePath(io.cwd, o['baseline']) : undefined;
    if (o['updateBaseline'] && !baselinePath) throw new InputError('FLAG_MISSING', '--update-baseline', 'needs --baseline FILE (the file to write)');
    if (o['note'] !== undefined && !o['updateBaseline']) throw new InputError('FLAG_CONFLICT', '--note', 'needs --update-baseline (it is the note of the baseline written)');
    let baseline: Baseline | undefined;
    if (baselinePath && !(o['updateBaseline'] && !existsSync(baselinePath))) baseline = parseBaseline(readJson(baselinePath, 'baseline'), baselinePath);
    // Checked before anything is simulated, not after the run it would be written from.
    const slack = readSlack(o, baseline?.slack ?? DEFAULT_SLACK);

    const inputs = paths.length > 0 ? paths.map((p) => resolvePath(io.cwd, p)) : [defaultExperimentsDir()];
    const { sources, competitors, skipped } = await loadExperimentPaths(inputs);
    if (!quiet) {
      for (const f of skipped) {
        io.err(/\.requests\.csv$/i.test(f) ? `read with its experiment (per-request ground truth): ${f}\n` : `not an experiment (a set's ${f.replace(/^.*\//, '')}): ${f}\n`);
      }
    }
    if (sources.length === 0) throw new InputError('NO_EXPERIMENTS', inputs.join(', '), 'no experiment files found (expected *.json in the calibration schema)');
    const arrivals = (o['arrivals'] as ArrivalSource | undefined) ?? 'synthetic';
    const hardwareSpecs = ((o['hardwareConfig'] as string[] | undefined) ?? []).map((f) => {
      const path = resolvePath(io.cwd, f);
      return hardwareSpecFromJson(readJson(path, 'hardware config'), path);
    });
    const plan = { arrivals, ...(typeof o['seed'] === 'number' ? { seed: o['seed'] } : {}), ...(hardwareSpecs.length > 0 ? { hardwareSpecs } : {}) };
    const prefixAliases = o['prefixAliases'] as PrefixAliasReading | undefined;
    const cpuOffloadSize = o['cpuOffloadSize'] as CpuOffloadSizeReading | undefined;
    const readings = { ...(prefixAliases ? { prefixAliases } : {}), ...(cpuOffloadSize ? { cpuOffloadSize } : {}) };
    const started = Date.now();
    if (!quiet) io.err(`validating ${sources.length} experiment${sources.length === 1 ? '' : 's'} (${arrivals} arrivals, step time ${describeStepTime(latency.choice)}, ${jobs} jobs)\n`);
    const run = await validateExperiments(sources, {
      runPlans: planJobRunner(validateWorkerUrl(), jobs, latency.options),
      plan,
      ...readings,
      ...(baseline && !o['updateBaseline'] ? { baseline } : {}),
      onProgress: progressPrinter(io, quiet),
    });
    if (!quiet) io.err(`done in ${msToS(Date.now() - started).toFixed(1)} s\n`);
    const doc = run.document;

    const experiments = sources.flatMap((s) => {
      try {
        return [prepareExperiment(s, { plan, ...readings }).exp];
      } catch {
        return [];
      }
    });
    const title = typeof o['title'] === 'string' ? o['title'] : `blis validation (step time: ${describeStepTime(latency.choice)}; ${arrivals} arrivals)`;
    const report = {
      document: doc,
      details: run.details,
      title,
      ...(baseline && !o['updateBaseline'] ? { baseline } : {}),
      ...(competitors !== undefined ? { competitors: scoreCompetitors(competitors, experiments) } : {}),
      ...(competitors !== undefined ? { competitorRuns: competitorRuns(competitors, experiments) } : {}),
    };
    if (typeof o['reportDir'] === 'string') {
      const dir = resolvePath(io.cwd, o['reportDir']);
      writeText(join(dir, 'validation.json'), `${JSON.stringify(doc, null, 1)}\n`);
      writeText(join(dir, 'report.md'), renderMarkdown(report));
      writeText(join(dir, 'report.html'), renderHtml(report));
      writeText(join(dir, 'junit.xml'), renderJunit(doc));
      note(quiet, io, `reports written to ${dir}\n`);
    }
    // The absolute limits are kept by an update, so a run that breaks them cannot become the new baseline.
    const limitFailures = o['updateBaseline'] && baseline?.limits ? checkLimits(doc, baseline.limits) : [];
    const writeBaseline = Boolean(o['updateBaseline'] && baselinePath && doc.gate.passed && limitFailures.length === 0);
    if (writeBaseline && baselinePath) {
      const note = typeof o['note'] === 'string' ? o['note'] : `Written by blis validate --update-baseline on ${new Date().toISOString().slice(0, 10)}: step time ${describeStepTime(latency.choice)}, ${arrivals} arrivals, ${sources.length} experiments.`;
      writeText(baselinePath, `${JSON.stringify(updateBaseline(doc, slack, { note, ...(baseline?.limits ? { limits: baseline.limits } : {}) }), null, 1)}\n`);
      if (!quiet) io.err(`baseline written to ${baselinePath} (this run sets the new ratchet)\n`);
    }
    if (o['output'] === 'json') io.out(`${JSON.stringify(doc, null, 1)}\n`);
    else io.out(renderSummaryText(doc, report.baseline));
    const bad = malformedExperiments(doc);
    if (bad) throw new ExitCode(2, bad);
    if (!doc.gate.passed) throw new ExitCode(1, `${gateLine(doc.gate)}${o['updateBaseline'] ? ' (baseline not written)' : ''}`);
    if (limitFailures.length > 0) throw new ExitCode(1, `baseline not written: the run breaks the baseline's absolute limits: ${limitFailures.map(describeFailure).join('; ')}`);
  });
}
