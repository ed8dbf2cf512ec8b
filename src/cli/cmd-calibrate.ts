/**
 * `blis calibrate`: fit the fitted step-time model's coefficients to ground-truth experiments
 * by simulation in the loop (src/validate/calibrate.ts), score them on the full runs, optionally
 * cross-validate leave-one-model-out, and write a coefficients file with its provenance.
 */
import type { Command } from 'commander';
import { InputError } from '../kernel/errors.js';
import { calibrate, CALIBRATION_METRICS, coefficientsDocument, crossValidationSummary, DEFAULT_FIT_PARAMETERS, experimentErrors, SHIPPED_FIT_PARAMETERS, rooflineStart, startFromDocument, startVector, type CalibrationCase, type CrossValidationFold, type FitParameter } from '../validate/calibrate.js';
import { defaultExperimentsDir, loadExperimentPaths } from '../validate/load-experiments.node.js';
import type { ArrivalSource } from '../validate/plan.js';
import { HEADLINE_METRICS } from '../validate/report-md.js';
import { prepareExperiment, validateExperiments, type ExperimentSource } from '../validate/validate.js';
import type { MapeEntry, ValidationExperiment } from '../validate/validation.js';
import { planJobRunner } from '../validate/validate-workers.node.js';
import { progressPrinter, validateWorkerUrl } from './cmd-validate.js';
import { readJson, resolvePath, writeText } from './files.node.js';
import type { CliIO } from './io.js';
import { choiceFlag, intFlag, numFlag } from './parse.js';

const EXAMPLES = `
Examples:
  blis calibrate --out coefficients.json                 # the calibration set, trace arrivals, ~5 min on 2 cores
  blis calibrate --cv --max-evaluations 300 --out c.json # plus leave-one-model-out CV: how the shipped file was made (~30 min)
  blis calibrate --params step,gemm_us --max-evaluations 40 --out c.json \\
    baselines/calibration-experiments/20260217-155451-llama-2-7b-tp1-codegen.json
  blis validate --latency-coefficients coefficients.json # score them on the full runs
`;

function parseParams(v: string | undefined): readonly FitParameter[] {
  const names = (v ?? SHIPPED_FIT_PARAMETERS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  return names.map((n) => {
    const p = DEFAULT_FIT_PARAMETERS.find((x) => x.name === n);
    if (!p) throw new InputError('FLAG_MALFORMED', '--params', `unknown parameter '${n}'; known: ${DEFAULT_FIT_PARAMETERS.map((x) => x.name).join(', ')}`);
    return p;
  });
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

function failures(exps: readonly ValidationExperiment[]): Record<string, { predicted_failed: number | null; actual_failed: number | null }> {
  const out: Record<string, { predicted_failed: number | null; actual_failed: number | null }> = {};
  for (const e of exps) {
    const r = e.stages.find((s) => s.index === 'summary')?.requests;
    if (e.truth_status === 'excluded_overload' || (r?.actual?.failed ?? 0) > 0) out[e.id] = { predicted_failed: r?.predicted?.failed ?? null, actual_failed: r?.actual?.failed ?? null };
  }
  return out;
}

export function registerCalibrate(program: Command, io: CliIO): void {
  const cmd = program.command('calibrate')
    .description('fit step-time coefficients (fitted model) to ground-truth experiments by simulation in the loop')
    .argument('[paths...]', 'experiment files or directories (default: baselines/calibration-experiments)')
    .option('--out <file>', 'write the coefficients file here (default: stdout)')
    .option('--cv', 'also cross-validate leave-one-model-out (fit on the other models, score the held-out one)')
    .option('--params <list>', `parameters to fit, the others keep their start values: ${DEFAULT_FIT_PARAMETERS.map((p) => p.name).join(', ')} (default: the shipped set, ${SHIPPED_FIT_PARAMETERS.join(',')})`)
    .option('--start <file>', 'coefficients file to start from and keep unfitted terms of (default: the raw roofline, parameters at their priors)')
    .option('--fraction <f>', 'share of each stage simulated during the search (default 0.15; 1 = whole runs)', numFlag('--fraction'))
    .option('--max-evaluations <n>', 'simulations of the training set per fit (default 200)', intFlag('--max-evaluations'))
    .option('--arrivals <source>', 'trace (default where the per-request CSV exists) or synthetic', choiceFlag('--arrivals', ['synthetic', 'trace']))
    .option('--include-overload', 'also fit on experiments marked excluded_overload')
    .option('--jobs <n>', 'worker threads (default 2)', intFlag('--jobs'))
    .option('--quiet', 'no progress on stderr');
  cmd.addHelpText('after', EXAMPLES);
  cmd.action(async (paths: string[]) => {
    const o = cmd.opts<Record<string, unknown>>();
    const quiet = o['quiet'] === true;
    const jobs = typeof o['jobs'] === 'number' ? o['jobs'] : 2;
    const fraction = typeof o['fraction'] === 'number' ? o['fraction'] : 0.15;
    if (!(fraction > 0 && fraction <= 1)) throw new InputError('FLAG_OUT_OF_RANGE', '--fraction', `found ${fraction}; expected a number in (0, 1]`);
    const params = parseParams(o['params'] as string | undefined);
    const base = typeof o['start'] === 'string' ? startFromDocument(readJson(resolvePath(io.cwd, o['start']), 'coefficients file')) : rooflineStart();
    const maxEvaluations = typeof o['maxEvaluations'] === 'number' ? o['maxEvaluations'] : 200;
    const arrivals = o['arrivals'] as ArrivalSource | undefined;
    const workerUrl = validateWorkerUrl();
    const runnerFor = (coefficients: Record<string, unknown>) => planJobRunner(workerUrl, jobs, { latencyModel: 'fitted', coefficients });

    const inputs = paths.length > 0 ? paths.map((p) => resolvePath(io.cwd, p)) : [defaultExperimentsDir()];
    const { sources } = await loadExperimentPaths(inputs);
    const cases: Array<CalibrationCase & { source: ExperimentSource }> = [];
    for (const s of sources) {
      try {
        const p = prepareExperiment(s, { plan: arrivals ? { arrivals } : {} });
        if (p.exp.status === 'active' || o['includeOverload']) cases.push({ ...p, source: s });
      } catch (e) {
        io.err(`skipped: ${(e as Error).message}\n`);
      }
    }
    if (cases.length === 0) throw new InputError('NO_EXPERIMENTS', inputs.join(', '), 'no usable experiment to fit on');

    const fit = async (train: readonly CalibrationCase[], label: string) => {
      const started = Date.now();
      if (!quiet) io.err(`${label}: fitting ${params.length} parameters on ${train.length} experiments (${(fraction * 100).toFixed(0)}% of each stage during the search)\n`);
      const r = await calibrate(train, {
        runnerFor, params, base, fraction,
        ...(typeof o['start'] === 'string' ? { x0: startVector(params, base) } : {}),
        maxEvaluations,
        onEvaluation: (ev) => {
          if (!quiet && ev.evaluations % 10 === 0) io.err(`${label}: ${ev.evaluations} evaluations, best loss ${ev.best.toFixed(4)} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
        },
      });
      if (!quiet) io.err(`${label}: loss ${r.loss.toFixed(4)} after ${r.evaluations} evaluations: ${params.map((p, i) => `${p.name}=${r.x[i]!.toPrecision(4)}`).join(' ')}\n`);
      return r;
    };
    const score = async (doc: Record<string, unknown>, srcs: readonly ExperimentSource[]) =>
      validateExperiments(srcs, { runPlans: runnerFor(doc), plan: arrivals ? { arrivals } : {}, onProgress: progressPrinter(io, true) });

    const result = await fit(cases, 'fit');
    const scored = await score(result.document, sources);
    const metrics = [...CALIBRATION_METRICS];
    const perExperiment: Record<string, Record<string, number | null>> = {};
    for (const e of scored.document.experiments) if (e.status === 'ok') perExperiment[e.id] = experimentErrors(e, metrics);
    let cv: Record<string, unknown> | undefined;
    if (o['cv']) {
      const models = [...new Set(cases.map((c) => c.exp.model))];
      const folds: CrossValidationFold[] = [];
      for (const held of models) {
        const train = cases.filter((c) => c.exp.model !== held);
        if (train.length === 0) continue;
        const r = await fit(train, `cv ${held}`);
        const test = sources.filter((s) => cases.find((c) => c.source === s)?.exp.model === held || modelOf(s) === held);
        const t = await score(r.document, test);
        folds.push({ heldOut: held, trainedOn: [...new Set(train.map((c) => c.exp.model))], x: r.x, loss: r.loss, experiments: t.document.experiments });
      }
      const summary = crossValidationSummary(folds);
      io.err(`\n${mapeTable(summary, 'leave-one-model-out')}`);
      cv = {
        method: 'leave-one-model-out: fit on the other models, score the held-out model on its full runs',
        summary,
        folds: folds.map((f) => ({ held_out: f.heldOut, trained_on: f.trainedOn, loss: f.loss, parameters: Object.fromEntries(params.map((p, i) => [p.name, f.x[i]])), experiments: Object.fromEntries(f.experiments.filter((e) => e.status === 'ok').map((e) => [e.id, experimentErrors(e, metrics)])) })),
      };
    }
    const provenance = {
      status: 'fitted',
      source: `blis calibrate over ${inputs.map((p) => p.replace(/^.*\/(baselines\/)/, '$1')).join(', ')} (${arrivals ?? 'trace where available'} arrivals, search on ${(fraction * 100).toFixed(0)}% of each stage, ${result.evaluations} evaluations)`,
      date: new Date().toISOString().slice(0, 10),
      inputs: cases.map((c) => c.exp.id),
      objective: `mean |ln(predicted/actual)| over ${metrics.join(', ')} (whole runs) + 0.5 × mean KS of per-request TTFT and E2E; loss ${result.loss.toFixed(4)}`,
      parameters: Object.fromEntries(params.map((p, i) => [p.name, result.x[i]])),
      in_sample: scored.document.summary,
      overload: failures(scored.document.experiments),
      per_experiment_error_pct: perExperiment,
      ...(cv ? { cross_validation: cv } : {}),
    };
    const doc = coefficientsDocument(result.x, params, base, provenance);
    const text = `${JSON.stringify(doc, null, 1)}\n`;
    io.err(`\n${mapeTable(scored.document.summary, 'in-sample')}`);
    if (typeof o['out'] === 'string') {
      writeText(resolvePath(io.cwd, o['out']), text);
      if (!quiet) io.err(`coefficients written to ${o['out']}\n`);
    } else {
      io.out(text);
    }
  });
}

function modelOf(s: ExperimentSource): string | undefined {
  const m = (s.json as Record<string, unknown> | undefined)?.['model'];
  return typeof m === 'string' ? m : undefined;
}
