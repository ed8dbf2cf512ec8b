/**
 * `blis sweep SPEC.yaml --out DIR`: one simulation per configuration of a grid or random
 * search, in worker threads, resumable, with results.jsonl, pareto.csv and report.html;
 * `--shard I/N` runs a slice, `blis sweep merge` joins slices, `--emit k8s` prints the
 * Kubernetes Indexed Job that runs the slices on a cluster.
 */
import { availableParallelism } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../kernel/errors.js';
import { CATALOG_PRICES } from '../model/prices.js';
import { expandSweep, sha256, FILE_FLAGS, type Configuration, type FileDigest } from '../plan/configurations.js';
import { rankLines } from '../plan/halving.js';
import { costBasis } from '../plan/pareto.js';
import { dnsName, k8sManifests, manifestYaml } from '../plan/k8s.js';
import { sweepManifest, type SweepManifest } from '../plan/manifest.js';
import { mergeResults, resultLine, sloJudged, sloVerdict, type ResultLine } from '../plan/results.js';
import { parseShard, type Shard } from '../plan/shard.js';
import { atRung, lineKey, runSweep, type SweepExecutor } from '../plan/sweep.js';
import { parseSweepSpec, sloFlag, type SweepSpec } from '../plan/sweep-spec.js';
import { runInWorkersSettled } from '../validate/validate-workers.node.js';
import { compiledWorkerUrl, readText, resolvePath } from './files.node.js';
import { ExitCode, type CliIO } from './io.js';
import { choiceFlag, intFlag } from './parse.js';
import { checkCatalogNames, checkRunFlags, checkRunFlagValues, commandLine } from './run-flags.js';
import { simulateSweepPoint, type SweepOutcome, type SweepPoint } from './sweep-point.js';
import { appendResult, finishDir, prepareDir, readDir, readResults, writeManifest } from './sweep-dir.node.js';
import { msToS } from '../kernel/units.js';

const EXAMPLES = `
Spec (YAML; run flags by their long names without --; docs/capacity.md has the full format):
  base: {model: qwen/qwen3-14b, workload: chatbot, rate: 20, num-requests: 1500, seed: 1}
  grid:
    hardware: [H100, A100-80]
    tp: [1, 2]
    num-instances: [2, 4]
  slo: {ttft_p99: 500}

Examples:
  blis sweep examples/sweep-grid.yaml --out sweep-out --jobs 2
  blis sweep examples/sweep-grid.yaml --out shard-0 --shard 0/2     # one of two disjoint slices
  blis sweep examples/sweep-grid.yaml --out shard-1 --shard 1/2
  blis sweep merge shard-0 shard-1 --out merged                      # join them (reports gaps)
  blis sweep examples/sweep-grid.yaml --emit k8s --shards 4 --image registry.example/blis:0.1.0 > sweep-job.yaml
  # then: kubectl apply -f sweep-job.yaml; when the Job completes, blis sweep merge /results/shard-* --out /results/all
`;

function workerUrl(): URL | undefined {
  return compiledWorkerUrl('sweep-worker.node.js', import.meta.url);
}

/** Where a flag sits in the spec (for error messages). */
function flagWhere(spec: SweepSpec, flag: string): string {
  if (spec.grid.some((g) => g.flag === flag && g.bundles === undefined)) return spec.where(['grid', flag]);
  const bundled = spec.grid.find((g) => g.bundles?.some((b) => b[flag] !== undefined));
  if (bundled !== undefined) return spec.where(['grid', bundled.flag, bundled.bundles!.findIndex((b) => b[flag] !== undefined), flag]);
  if (spec.random?.params.some((p) => p.flag === flag)) return spec.where(['random', 'params', flag]);
  if (flag === 'slo' && spec.slo.length > 0) return spec.where(['slo']);
  return spec.where(['base', flag]);
}

interface LoadedSpec {
  readonly spec: SweepSpec;
  readonly specText: string;
  readonly specPath: string;
  readonly specDir: string;
  readonly configs: Configuration[];
  readonly digest: FileDigest;
}

function loadSpec(io: CliIO, path: string): LoadedSpec {
  const specPath = resolvePath(io.cwd, path);
  const specText = readText(specPath, 'sweep spec');
  const spec = parseSweepSpec(specText, path);
  const specDir = dirname(specPath);
  const digests = new Map<string, string>();
  const digest: FileDigest = (p, flag) => {
    const full = resolve(specDir, p);
    let d = digests.get(full);
    if (d === undefined) {
      try {
        d = sha256(readText(full, `--${flag} file`));
      } catch (e) {
        if (e instanceof InputError) throw new InputError(e.code, flagWhere(spec, flag), e.message);
        throw e;
      }
      digests.set(full, d);
    }
    return d;
  };
  const configs = expandSweep(spec, digest);
  // Every flag any configuration sets (bundles differ between configurations).
  if (configs.length > 0) checkRunFlags(Object.assign({}, ...configs.map((c) => c.flags)), (f) => flagWhere(spec, f));
  for (const c of configs) {
    checkRunFlagValues(c.flags, (f) => flagWhere(spec, f));
    checkCatalogNames(c.flags, (f) => flagWhere(spec, f));
  }
  return { spec, specText, specPath, specDir, configs, digest };
}

function describeAxes(c: { axes: Readonly<Record<string, unknown>> }): string {
  return Object.entries(c.axes).map(([k, v]) => `${k}=${String(v)}`).join(' ');
}

function progressLine(line: ResultLine, n: number, total: number, elapsedS: number): string {
  const head = `blis sweep: [${String(n).padStart(String(total).length)}/${total}]${line.rung > 0 ? ` rung ${line.rung}` : ''} ${describeAxes(line)}`;
  if (line.error !== undefined) return `${head}: cannot run: ${line.error}`;
  const p99 = (line.metrics?.['ttft_ms'] as { p99?: number } | undefined)?.p99;
  const slo = line.slo ? `, SLO ${sloVerdict(line)!} (${line.slo.attainment.attainment === null ? '-' : (line.slo.attainment.attainment * 100).toFixed(1)}%)` : '';
  const eta = n < total ? `, about ${Math.ceil((elapsedS / n) * (total - n))} s to go` : '';
  return `${head}: TTFT p99 ${typeof p99 === 'number' ? p99.toFixed(1) : '-'} ms${slo}, ${line.regime?.state ?? '?'} (${elapsedS.toFixed(1)} s${eta})`;
}

/** Runs configurations in `jobs` worker threads (in process when 1 or when no compiled worker exists). */
function executor(io: CliIO, specDir: string, jobs: number, onFailure: (c: Configuration, error: string) => void): SweepExecutor {
  return async (configs, onLine) => {
    const points: SweepPoint[] = configs.map((c) => ({ flags: c.flags, cwd: specDir }));
    const toLine = (i: number, o: SweepOutcome): void => {
      const c = configs[i]!;
      onLine(resultLine(c, commandLine(c.flags), o));
    };
    const url = workerUrl();
    if (jobs <= 1 || url === undefined) {
      for (let i = 0; i < points.length; i++) {
        try {
          toLine(i, await simulateSweepPoint(points[i]!));
        } catch (e) {
          onFailure(configs[i]!, e instanceof Error ? e.message : String(e));
        }
      }
      return;
    }
    await runInWorkersSettled<SweepPoint, SweepOutcome>(url, points, jobs, (i, r) => {
      if (r.ok) toLine(i, r.value);
      else onFailure(configs[i]!, r.error);
    });
  };
}

/** --shards, --image and --results-claim shape the manifests; --out and --shard a local run: never both. */
function checkEmitFlags(o: Record<string, unknown>): void {
  const emit = o['emit'] !== undefined;
  for (const [key, flag] of [['shards', '--shards'], ['image', '--image'], ['resultsClaim', '--results-claim']] as const) {
    if (o[key] !== undefined && !emit) throw new InputError('FLAG_CONFLICT', flag, 'needs --emit k8s (it shapes the Kubernetes Job); to run one slice here, use --shard I/N');
  }
  for (const [key, flag] of [['out', '--out'], ['shard', '--shard']] as const) {
    if (o[key] !== undefined && emit) throw new InputError('FLAG_CONFLICT', flag, 'does not apply with --emit k8s (the manifests are printed; each pod runs its own shard into /results)');
  }
}

function emitK8s(cmd: Command, io: CliIO, l: LoadedSpec): void {
  const o = cmd.opts<Record<string, unknown>>();
  if (typeof o['shards'] !== 'number') throw new InputError('FLAG_MISSING', '--shards', 'how many pods (shards) the Indexed Job runs, e.g. --shards 4');
  const files = new Map<string, string>();
  for (const c of l.configs) {
    for (const f of FILE_FLAGS) {
      const p = c.flags[f];
      if (p === undefined) continue;
      const rel = relative(l.specDir, resolve(l.specDir, String(p))).split('\\').join('/');
      files.set(rel, readText(resolve(l.specDir, String(p)), `--${f} file`));
    }
  }
  const name = dnsName(`blis-sweep-${basename(l.specPath).replace(/\.[^.]*$/, '')}-${sha256(l.specText).slice(0, 8)}`);
  const claim = typeof o['resultsClaim'] === 'string' ? o['resultsClaim'] : `${name}-results`;
  const m = k8sManifests({
    name, shards: o['shards'], image: typeof o['image'] === 'string' ? o['image'] : 'blis:0.1.0',
    specName: basename(l.specPath), specText: l.specText, files: [...files.entries()].map(([path, content]) => ({ path, content })),
    resultsClaim: claim,
    jobsPerPod: typeof o['jobs'] === 'number' ? o['jobs'] : 1,
  });
  io.out(manifestYaml(m, [
    `blis sweep ${basename(l.specPath)}: ${l.configs.length} configurations in ${o['shards']} shards (Kubernetes Indexed Job).`,
    `Needs a ReadWriteMany PersistentVolumeClaim '${claim}' for /results (each pod writes /results/shard-<index>).`,
    'When the Job completes: blis sweep merge /results/shard-* --out /results/all',
  ].join('\n')));
}

function finish(io: CliIO, dir: string, l: { specText: string; title: string }, manifest: SweepManifest, lines: readonly ResultLine[]): void {
  const front = finishDir(dir, { lines, manifest, specText: l.specText, title: l.title, costUnit: CATALOG_PRICES.unit.split(' per ')[0]! });
  const best = rankLines(lines.filter((x) => x.rung === Math.max(...lines.map((y) => y.rung))), costBasis(lines))[0];
  let out = `${lines.length} results in ${join(dir, 'results.jsonl')}; ${front} on a Pareto front (${join(dir, 'pareto.csv')}); report ${join(dir, 'report.html')}\n`;
  if (best !== undefined && best.error === undefined) out += `best: ${describeAxes(best)}${best.slo ? ` (SLO ${sloVerdict(best)!})` : ''}\n  ${best.command}\n`;
  io.out(out);
  const unjudged = lines.filter((x) => x.slo !== undefined && !sloJudged(x));
  if (unjudged.length > 0) {
    io.err(`blis sweep: warning: ${unjudged.length} of ${lines.length} configuration(s) judged no request against the SLO (none arrived within the run, or no target covers the SLO classes their requests carry): their SLO holds vacuously, so they rank after the judged ones; the first: #${unjudged[0]!.index} ${describeAxes(unjudged[0]!)}\n`);
  }
}

/**
 * Configurations that cannot run (bad input: the model does not fit, an unknown GPU): some of
 * them is a finding, so a warning; every one of them is a spec that simulated nothing, which is
 * bad input, exit 2 (README, exit codes), with the count and the first error.
 */
function reportUnrunnable(io: CliIO, lines: readonly ResultLine[]): void {
  const failed = lines.filter((x) => x.error !== undefined);
  if (failed.length === 0) return;
  const first = `#${failed[0]!.index} ${describeAxes(failed[0]!)}: ${failed[0]!.error!}`;
  if (failed.length === lines.length) throw new ExitCode(2, `all ${lines.length} configuration(s) cannot run; nothing was simulated (each error is in results.jsonl). The first: ${first}`);
  io.err(`blis sweep: warning: ${failed.length} of ${lines.length} configuration(s) cannot run (each error is in results.jsonl); the first: ${first}\n`);
}

export function registerSweep(program: Command, io: CliIO): void {
  const sweep = program.command('sweep')
    // Options after `merge` are merge's own (its --out is not the sweep's).
    .enablePositionalOptions()
    .description('simulate every configuration of a grid or random search (worker threads, resumable); results.jsonl, pareto.csv, report.html')
    .argument('<spec>', 'sweep spec (YAML): base, grid and/or random, slo, halving')
    .option('--out <dir>', 'output directory (results.jsonl, pareto.csv, report.html); rerunning resumes')
    .option('--jobs <n>', 'worker threads (default: the core count, os.availableParallelism())', intFlag('--jobs'))
    .option('--shard <I/N>', 'run only the I-th of N disjoint slices (0-based, e.g. $JOB_COMPLETION_INDEX/4)')
    .option('--emit <what>', 'print manifests instead of running: k8s (a ConfigMap and a batch/v1 Indexed Job)', choiceFlag('--emit', ['k8s']))
    .option('--shards <n>', 'with --emit k8s: pods (shards) of the Indexed Job', intFlag('--shards'))
    .option('--image <image>', 'with --emit k8s: container image with blis on its PATH (default blis:0.1.0)')
    .option('--results-claim <name>', 'with --emit k8s: PersistentVolumeClaim mounted at /results (default <job name>-results)')
    .option('--quiet', 'no progress on stderr');
  sweep.addHelpText('after', EXAMPLES);
  sweep.action(async (specArg: string) => {
    const o = sweep.opts<Record<string, unknown>>();
    checkEmitFlags(o);
    const l = loadSpec(io, specArg);
    if (o['emit'] === 'k8s') return emitK8s(sweep, io, l);
    if (typeof o['out'] !== 'string') throw new InputError('FLAG_MISSING', '--out', 'the output directory (results.jsonl, pareto.csv, report.html), e.g. --out sweep-out');
    const dir = resolvePath(io.cwd, o['out']);
    const shard: Shard | null = typeof o['shard'] === 'string' ? parseShard(o['shard']) : null;
    if (shard !== null && l.spec.halving !== null) throw new InputError('FLAG_CONFLICT', '--shard', 'successive halving ranks all configurations between rungs; run it on one machine (or shard a plain grid)');
    const jobs = typeof o['jobs'] === 'number' ? o['jobs'] : availableParallelism();
    if (jobs < 1) throw new InputError('FLAG_OUT_OF_RANGE', '--jobs', `expected at least 1; found ${jobs}`);
    const quiet = o['quiet'] === true;
    const say = (s: string): void => { if (!quiet) io.err(`${s}\n`); };
    const manifest = sweepManifest(l.spec, sha256(l.specText), atRung(l.spec, l.configs, 0, l.digest), shard, sloFlag(l.spec.slo) ?? null);
    prepareDir(dir);
    writeManifest(dir, manifest);
    const existing = readResults(dir);
    if (existing.truncated) say('blis sweep: dropped a truncated last line of results.jsonl (that configuration runs again)');
    const failures: string[] = [];
    const start = Date.now();
    let n = 0;
    let total = 0;
    let rungStart = start;
    const kept = await runSweep({
      spec: l.spec, configs: l.configs, shard, existing: existing.lines, digest: l.digest,
      onRung: (rung, count, skipped) => {
        total = count - skipped;
        n = 0;
        rungStart = Date.now();
        say(`blis sweep: ${l.spec.halving ? `rung ${rung}: ` : ''}${count} configurations${shard ? ` (shard ${shard.index}/${shard.count})` : ''}, ${skipped} already done, ${Math.min(jobs, Math.max(1, total))} worker${jobs > 1 ? 's' : ''}`);
      },
      execute: async (configs, onLine) => executor(io, l.specDir, jobs, (c, e) => failures.push(`#${c.index} ${describeAxes(c)}: ${e}`))(configs, (line) => {
        appendResult(dir, line);
        onLine(line);
        n++;
        say(progressLine(line, n, total, msToS(Date.now() - rungStart)));
      }),
    });
    const keptKeys = new Set(kept.map(lineKey));
    const dropped = existing.lines.filter((x) => !keptKeys.has(lineKey(x))).length;
    // A warning, not progress: results are lost from the directory, so --quiet still prints it.
    if (dropped > 0) io.err(`blis sweep: warning: left out ${dropped} earlier line(s) of ${dir}/results.jsonl whose configurations this spec no longer has (the spec changed; use another --out to keep them)\n`);
    const wall = msToS(Date.now() - start);
    say(`blis sweep: done in ${wall.toFixed(1)} s wall`);
    finish(io, dir, { specText: l.specText, title: `blis sweep ${basename(l.specPath)}${shard ? ` (shard ${shard.index}/${shard.count})` : ''}` }, manifest, kept);
    // Not input errors (those are results): a bug in the simulator, exit 3 (README, exit codes; 1 is an accuracy gate only).
    if (failures.length > 0) throw new ExitCode(3, `${failures.length} configuration(s) failed to simulate, an internal error (please report it; not written, rerun to retry):\n  ${failures.join('\n  ')}`);
    reportUnrunnable(io, kept);
  });

  sweep.command('merge')
    .description('merge the results of sweep shards (or partial runs) into one directory; reports missing and duplicated configurations')
    .argument('<dirs...>', 'output directories of blis sweep --out')
    .requiredOption('--out <dir>', 'directory for the merged results.jsonl, pareto.csv and report.html')
    .addHelpText('after', `
Examples:
  blis sweep merge shard-0 shard-1 --out merged
  blis sweep merge /results/shard-* --out /results/all      # the shards of an --emit k8s Job

Exit codes: 0 every configuration present, 1 some missing (named; the merged files are written), 2 bad input.
`)
    .action((dirs: string[], opts: { out: string }) => {
      const inputs = dirs.map((d) => ({ dir: d, ...readDir(resolvePath(io.cwd, d)) }));
      const first = inputs[0]!;
      for (const i of inputs.slice(1)) {
        if (i.manifest.spec_sha256 !== first.manifest.spec_sha256) {
          throw new InputError('SWEEP_MERGE_MISMATCH', i.dir, `results of another spec (sha256 ${i.manifest.spec_sha256.slice(0, 12)}, ${first.dir} has ${first.manifest.spec_sha256.slice(0, 12)}); expected shards of one spec`);
        }
      }
      const report = mergeResults(first.manifest.configurations, inputs.map((i) => ({ source: i.dir, lines: i.lines })));
      const manifest: SweepManifest = { ...first.manifest, shard: null };
      const dir = resolvePath(io.cwd, opts.out);
      finish(io, dir, { specText: first.specText, title: `blis sweep merge (${dirs.length} directories)` }, manifest, report.lines);
      for (const d of report.duplicates) io.err(`blis sweep merge: configuration #${d.index} (${d.hash}${d.rung > 0 ? `, rung ${d.rung}` : ''}) appears in ${d.sources.join(', ')}${d.differs ? ' with DIFFERENT results (kept the first)' : ' (identical; kept one)'}\n`);
      for (const f of report.foreign) io.err(`blis sweep merge: ${f.source} has a result (${f.hash}) that is no configuration of the spec; left out\n`);
      if (report.missing.length > 0) {
        const list = report.missing.slice(0, 20).map((m) => `#${m.index}`).join(', ');
        throw new ExitCode(1, `${report.missing.length} of ${first.manifest.configurations.length} configurations missing from the inputs: ${list}${report.missing.length > 20 ? ', ...' : ''}`);
      }
      io.err(`blis sweep merge: all ${first.manifest.configurations.length} configurations present\n`);
    });
}
