/**
 * `blis calibrate`: fit the fitted step-time model's coefficients to ground-truth experiments
 * by simulation in the loop (src/validate/calibrate.ts), score them on the full runs, optionally
 * cross-validate leave-one-model-family-out (src/validate/cross-validate.ts), and write a
 * coefficients file with its provenance (src/validate/provenance.ts). This file parses flags,
 * reads files and prints.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../kernel/errors.js';
import { coefficientsFromJson } from '../model/fitted.js';
import { calibrate, coefficientsDocument, DEFAULT_FIT_PARAMETERS, SHIPPED_FIT_PARAMETERS, rooflineStart, startFromDocument, startVector, type CalibrationCase, type FitParameter } from '../validate/calibrate.js';
import { crossValidationSummary, familyScores, leaveOneFamilyOut, modelFamily, renderFamilyTable, type FamilyFold } from '../validate/cross-validate.js';
import { PREFIX_ALIAS_READINGS, type PrefixAliasReading } from '../validate/experiment-prefix.js';
import { CPU_OFFLOAD_SIZE_READINGS, type CpuOffloadSizeReading } from '../validate/experiment-cpu-tier.js';
import { loadExperimentPaths, shippedExperimentsDir } from '../validate/load-experiments.node.js';
import { calibrationProvenance, searchWindows } from '../validate/provenance.js';
import type { ArrivalSource } from '../validate/plan.js';
import { HEADLINE_METRICS } from '../validate/report-md.js';
import { prepareExperiment, validateExperiments, type ExperimentSource } from '../validate/validate.js';
import type { MapeEntry } from '../validate/validation.js';
import { planJobRunner } from '../validate/validate-workers.node.js';
import { progressPrinter, validateWorkerUrl } from './cmd-validate.js';
import { ensureDir, readJson, resolvePath, writeTextTo } from './files.node.js';
import { planOutputs } from './output-files.node.js';
import { QUIET_HELP, type CliIO } from './io.js';
import { choiceFlag, intFlag, numFlag } from './parse.js';
import { msToS } from '../kernel/units.js';

const EXAMPLES = `
Examples:
  blis calibrate --out coefficients.json                 # all 28 shipped runs (calibration + trainval)
  blis calibrate --cv --max-evaluations 300 --out c.json # plus leave-one-model-family-out CV, reported per family
  blis calibrate baselines/calibration-experiments --out c.json   # one set only
  blis calibrate --params step,gemm_us --max-evaluations 40 --out c.json \\
    baselines/calibration-experiments/20260217-155451-llama-2-7b-tp1-codegen.json
  blis validate --latency-coefficients coefficients.json # score them on the full runs
`;

function parseParams(v: string | undefined): readonly FitParameter[] {
  const names = (v ?? SHIPPED_FIT_PARAMETERS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new InputError('FLAG_MALFORMED', '--params', `found no parameter name; expected a comma-separated list of ${DEFAULT_FIT_PARAMETERS.map((x) => x.name).join(', ')}`);
  return names.map((n, i) => {
    const p = DEFAULT_FIT_PARAMETERS.find((x) => x.name === n);
    if (!p) throw new InputError('FLAG_MALFORMED', '--params', `unknown parameter '${n}'; known: ${DEFAULT_FIT_PARAMETERS.map((x) => x.name).join(', ')}`);
    if (names.indexOf(n) !== i) throw new InputError('FLAG_MALFORMED', '--params', `'${n}' is named twice; each parameter is fitted once`);
    return p;
  });
}

/** `--start FILE`: a coefficients file (checked as --latency-coefficients is) whose entry for every model (match {}) the search starts from. */
function startFromFile(path: string, io: CliIO): ReturnType<typeof startFromDocument> {
  const doc = readJson(path, 'coefficients file');
  const parsed = coefficientsFromJson(doc, path);
  if (!parsed.entries.some((e) => Object.keys(e.match).length === 0)) {
    throw new InputError('COEFFICIENTS_INVALID', `${path}: entries`, 'no entry for every model (match {}); --start resumes from that entry');
  }
  // The fit is one coefficient set for every model: the entries for particular models are neither searched with nor written.
  const particular = parsed.entries.filter((e) => Object.keys(e.match).length > 0).length;
  if (particular > 0) io.err(`warning: --start ${path}: its ${particular} entr${particular === 1 ? 'y' : 'ies'} for particular models (match with model, hardware or tp) are left out; the fit starts from and writes the entry for every model (match {})\n`);
  return startFromDocument(doc);
}

function mapeTable(summary: Readonly<Record<string, MapeEntry>>, title: string): string {
  const rows = [[title, 'median', 'mean', 'n']];
  for (const m of HEADLINE_METRICS) {
    const s = summary[m];
    if (s) rows.push([m, `${s.mape_median.toFixed(1)}%`, `${s.mape_mean.toFixed(1)}%`, String(s.n)]);
  }
  const w = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  return `${rows.map((r) => r.map((c, j) => (j === 0 ? c.padEnd(w[j]!) : c.padStart(w[j]!))).join('  ')).join('\n')}\n`;
}

export function registerCalibrate(program: Command, io: CliIO): void {
  const cmd = program.command('calibrate')
    .description('fit step-time coefficients (fitted model) to ground-truth experiments by simulation in the loop')
    .argument('[paths...]', 'experiment files or directories (default: baselines/calibration-experiments and baselines/trainval-experiments, the 28 shipped runs)')
    .option('--out <file>', 'write the coefficients file here (default: stdout)')
    .option('--cv', 'also cross-validate leave-one-model-family-out (fit on the other families, score the held-out one; a family is a model, whatever set its runs are in)')
    .option('--prefix-aliases <reading>', 'reading of files with only shared_prefix_as_configured: ignored (default) or honoured (as blis validate)', choiceFlag('--prefix-aliases', [...PREFIX_ALIAS_READINGS]))
    .option('--cpu-offload-size <reading>', 'reading of a CPU offload size a file derived: total (default) or per-gpu (as blis validate)', choiceFlag('--cpu-offload-size', [...CPU_OFFLOAD_SIZE_READINGS]))
    .option('--params <list>', `parameters to fit, the others keep their start values: ${DEFAULT_FIT_PARAMETERS.map((p) => p.name).join(', ')} (default: the shipped set, ${SHIPPED_FIT_PARAMETERS.join(',')})`)
    .option('--start <file>', 'coefficients file to start from and keep unfitted terms of (default: the raw roofline, parameters at their priors)')
    .option('--fraction <f>', 'share of each stage simulated during the search, for runs with per-request data (default 0.15; 1 = whole runs)', numFlag('--fraction'))
    .option('--aggregate-fraction <f>', 'the same for runs with aggregate ground truth only (default 1: whole runs, compared like for like; below 1 assumes each stage is in a steady state)', numFlag('--aggregate-fraction'))
    .option('--max-evaluations <n>', 'simulations of the training set per fit (default 200)', intFlag('--max-evaluations'))
    .option('--arrivals <source>', 'trace (default where the per-request CSV exists) or synthetic', choiceFlag('--arrivals', ['synthetic', 'trace']))
    .option('--include-overload', 'also fit on experiments marked excluded_overload')
    .option('--jobs <n>', 'worker threads (default 2)', intFlag('--jobs'))
    .option('--quiet', QUIET_HELP);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action(async (paths: string[]) => {
    const o = cmd.opts<Record<string, unknown>>();
    const quiet = o['quiet'] === true;
    const jobs = typeof o['jobs'] === 'number' ? o['jobs'] : 2;
    if (jobs < 1) throw new InputError('FLAG_OUT_OF_RANGE', '--jobs', `found ${jobs}; expected at least 1`);
    const fraction = typeof o['fraction'] === 'number' ? o['fraction'] : 0.15;
    if (!(fraction > 0 && fraction <= 1)) throw new InputError('FLAG_OUT_OF_RANGE', '--fraction', `found ${fraction}; expected a number in (0, 1]`);
    const aggregateFraction = typeof o['aggregateFraction'] === 'number' ? o['aggregateFraction'] : 1;
    if (!(aggregateFraction > 0 && aggregateFraction <= 1)) throw new InputError('FLAG_OUT_OF_RANGE', '--aggregate-fraction', `found ${aggregateFraction}; expected a number in (0, 1]`);
    const params = parseParams(o['params'] as string | undefined);
    const base = typeof o['start'] === 'string' ? startFromFile(resolvePath(io.cwd, o['start']), io) : rooflineStart();
    const maxEvaluations = typeof o['maxEvaluations'] === 'number' ? o['maxEvaluations'] : 200;
    if (maxEvaluations < 1) throw new InputError('FLAG_OUT_OF_RANGE', '--max-evaluations', `found ${maxEvaluations}; expected at least 1 simulation of the training set`);
    const arrivals = o['arrivals'] as ArrivalSource | undefined;
    // searchCase cuts a run by --fraction only when it replays the run's recorded requests.
    if (arrivals === 'synthetic' && typeof o['fraction'] === 'number') {
      throw new InputError('FLAG_CONFLICT', '--fraction', 'applies to runs replayed at their recorded arrivals; with --arrivals synthetic every run is compared with its whole-stage statistics and cut by --aggregate-fraction');
    }
    const workerUrl = validateWorkerUrl();
    const runnerFor = (coefficients: Record<string, unknown>) => planJobRunner(workerUrl, jobs, { name: 'fitted', coefficients });

    const inputs = paths.length > 0 ? paths.map((p) => resolvePath(io.cwd, p)) : [shippedExperimentsDir('calibration'), shippedExperimentsDir('trainval')];
    // Checked before the fit (minutes): the file written must not be an experiment it reads.
    const out = typeof o['out'] === 'string' ? resolvePath(io.cwd, o['out']) : undefined;
    if (out !== undefined && inputs.some((p) => out === p || (dirname(out) === p && existsSync(out)))) {
      throw new InputError('OUTPUT_IS_INPUT', '--out', `${out} is an experiment this fit reads; writing the coefficients there would destroy it: choose another file`);
    }
    // Nor the start: the fit's record (provenance.source) names that file, and comparing the two is how a refit is judged.
    if (out !== undefined && typeof o['start'] === 'string' && out === resolvePath(io.cwd, o['start'])) {
      throw new InputError('OUTPUT_IS_INPUT', '--out', `${out} is the --start file this fit starts from; writing the coefficients there would replace it: choose another file`);
    }
    const prefixAliases = o['prefixAliases'] as PrefixAliasReading | undefined;
    const cpuOffloadSize = o['cpuOffloadSize'] as CpuOffloadSizeReading | undefined;
    const prepare = { plan: arrivals ? { arrivals } : {}, ...(prefixAliases ? { prefixAliases } : {}), ...(cpuOffloadSize ? { cpuOffloadSize } : {}) };
    const { sources } = await loadExperimentPaths(inputs);
    // A per-request CSV is read beside its experiment (or where per_request_file points), not only from the paths given.
    if (out !== undefined && sources.some((s) => s.readFrom?.includes(out))) {
      throw new InputError('OUTPUT_IS_INPUT', '--out', `${out} is a file this fit reads (an experiment or its per-request CSV); writing the coefficients there would destroy it: choose another file`);
    }
    // Opened before the fit (minutes; half an hour with --cv): an --out that cannot be written, or
    // that is an input under another name (a link), fails now, and a failed fit leaves no file.
    const files = out !== undefined ? planOutputs(cmd, io.cwd, sources.flatMap((s) => s.readFrom ?? []), [['--out', out]]) : undefined;
    if (out !== undefined) ensureDir(dirname(out));
    files?.prepare();
    try {
      const cases: Array<CalibrationCase & { source: ExperimentSource }> = [];
      const leftOut: string[] = [];
      for (const s of sources) {
        try {
          const p = prepareExperiment(s, prepare);
          // Only what --include-overload names: the loss counts active and excluded_overload runs, nothing else.
          if (p.exp.status === 'active' || (o['includeOverload'] === true && p.exp.status === 'excluded_overload')) cases.push({ ...p, source: s });
          else leftOut.push(`${p.exp.id} (${p.exp.status})`);
        } catch (e) {
          io.err(`skipped: ${(e as Error).message}\n`);
        }
      }
      // Scored with the rest (provenance.overload) but not fitted on: said, so that a smaller fit is not a surprise.
      if (!quiet && leftOut.length > 0) io.err(`not fitted on (scored only; --include-overload fits on excluded_overload runs too): ${leftOut.join(', ')}\n`);
      if (cases.length === 0) throw new InputError('NO_EXPERIMENTS', inputs.join(', '), 'no usable experiment to fit on');
      const families = [...new Set(cases.map((c) => modelFamily(c.exp)))];
      // Checked before the fit: with one family there is no fold, and the record would be an empty cross-validation.
      if (o['cv'] && families.length < 2) throw new InputError('FLAG_CONFLICT', '--cv', `the runs to fit on are all of one model family (${families[0]}); leaving one family out needs runs of at least two`);
      if (!quiet) {
        const aggregateOnly = cases.filter((c) => !c.rows).length;
        io.err(`${cases.length} runs to fit on (${aggregateOnly} with aggregate ground truth only), ${families.length} model families\n`);
      }

      const fit = async (train: readonly CalibrationCase[], label: string) => {
        const started = Date.now();
        if (!quiet) io.err(`${label}: fitting ${params.length} parameters on ${train.length} experiments (search on ${searchWindows(arrivals ?? 'trace where available', fraction, aggregateFraction)})\n`);
        const r = await calibrate(train, {
          runnerFor, params, base, fraction, aggregateFraction,
          ...(typeof o['start'] === 'string' ? { x0: startVector(params, base) } : {}),
          maxEvaluations,
          onEvaluation: (ev) => {
            if (!quiet && ev.evaluations % 10 === 0) io.err(`${label}: ${ev.evaluations} evaluations, best loss ${ev.best.toFixed(4)} (${msToS(Date.now() - started).toFixed(0)} s)\n`);
          },
        });
        if (!quiet) io.err(`${label}: loss ${r.loss.toFixed(4)} after ${r.evaluations} evaluations: ${params.map((p, i) => `${p.name}=${r.x[i]!.toPrecision(4)}`).join(' ')}\n`);
        return r;
      };
      const score = async (doc: Record<string, unknown>, srcs: readonly ExperimentSource[]) =>
        validateExperiments(srcs, { runPlans: runnerFor(doc), ...prepare, onProgress: progressPrinter(io, true) });

      const result = await fit(cases, 'fit');
      const scored = await score(result.document, sources);
      let folds: FamilyFold[] | undefined;
      if (o['cv']) {
        // Held-out scoring covers every run of the family, also those left out of the fit (overload).
        const familyOfSource = (s: ExperimentSource): string | undefined => {
          const m = (s.json as Record<string, unknown> | undefined)?.['model'];
          return typeof m === 'string' ? modelFamily({ model: m }) : undefined;
        };
        folds = await leaveOneFamilyOut(cases, {
          fit,
          score: async (doc, family) => (await score(doc, sources.filter((s) => familyOfSource(s) === family))).document.experiments,
        });
        io.err(`\n${mapeTable(crossValidationSummary(folds), 'leave-one-family-out')}\n${renderFamilyTable(familyScores(folds), HEADLINE_METRICS)}`);
      }
      const provenance = calibrationProvenance({
        inputs: inputs.map((p) => p.replace(/^.*\/(baselines\/)/, '$1')),
        fittedOn: cases.map((c) => c.exp.id),
        arrivals: arrivals ?? 'trace where available',
        fraction,
        aggregateFraction,
        params,
        ...(typeof o['start'] === 'string' ? { start: o['start'] } : {}),
        includeOverload: o['includeOverload'] === true,
        readings: [...(prefixAliases ? [`--prefix-aliases ${prefixAliases}`] : []), ...(cpuOffloadSize ? [`--cpu-offload-size ${cpuOffloadSize}`] : [])],
        result,
        scored: scored.document,
        ...(folds ? { folds } : {}),
        date: new Date().toISOString().slice(0, 10),
      });
      const doc = coefficientsDocument(result.x, params, base, provenance);
      const text = `${JSON.stringify(doc, null, 1)}\n`;
      io.err(`\n${mapeTable(scored.document.summary, 'in-sample')}`);
      if (files !== undefined && out !== undefined) {
        writeTextTo(files.writePathFor(out), text, out);
        files.commit();
        if (!quiet) io.err(`coefficients written to ${o['out']}\n`);
      } else {
        io.out(text);
      }
    } catch (e) {
      files?.abort();
      throw e;
    }
  });
}
