/**
 * Reads experiment files from disk into `ExperimentSource`s (pure parsing happens later, per
 * experiment, so that one unreadable file becomes one errored experiment, not a crash).
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExperimentSource } from './validate.js';
import { jsonParseProblem } from '../kernel/errors.js';

/** Files in an experiment directory that are not experiments. */
const NOT_EXPERIMENTS = new Set(['index.json', 'competitors.json']);

/** The experiments shipped with the project (baselines/calibration-experiments/). */
export function defaultExperimentsDir(): string {
  return shippedExperimentsDir('calibration');
}

/** A shipped experiment set: `calibration` (16 runs with per-request CSVs) or `trainval` (12 sparse runs). */
export function shippedExperimentsDir(set: 'calibration' | 'trainval'): string {
  // src/validate/ or dist/validate/ → project root
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'baselines', `${set}-experiments`);
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** Loads one experiment file and its per-request CSV (from `ground_truth.per_request_file` or `<id>.requests.csv`). */
export async function loadExperimentFile(path: string, opts: { withRequests?: boolean } = {}): Promise<ExperimentSource> {
  const file = basename(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return { file, loadError: `cannot read: ${(e as Error).message}`, readFrom: [path] };
  }
  let json: unknown;
  try {
    // A byte order mark (editors on Windows write one) is not JSON.
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    return { file, loadError: `not valid JSON: ${jsonParseProblem(text, e)}`, readFrom: [path] };
  }
  if (opts.withRequests === false) return { file, json, readFrom: [path] };
  const gt = (json as Record<string, Record<string, unknown>> | null)?.['ground_truth'];
  const named = typeof gt?.['per_request_file'] === 'string' ? (gt['per_request_file'] as string) : file.replace(/\.json$/i, '.requests.csv');
  const csvPath = join(dirname(path), named);
  if (!(await exists(csvPath))) return { file, json, readFrom: [path] };
  return { file, json, requests: await readFile(csvPath, 'utf8'), requestsFile: named, readFrom: [path, csvPath] };
}

/** Loads every experiment in a directory (sorted by name), or the given files. */
export async function loadExperiments(pathOrFiles: string | readonly string[], opts: { withRequests?: boolean; only?: (id: string) => boolean } = {}): Promise<ExperimentSource[]> {
  let files: string[];
  if (typeof pathOrFiles === 'string' && (await stat(pathOrFiles)).isDirectory()) {
    files = (await readdir(pathOrFiles)).filter((f) => f.endsWith('.json') && !NOT_EXPERIMENTS.has(f)).sort().map((f) => join(pathOrFiles, f));
  } else {
    files = typeof pathOrFiles === 'string' ? [pathOrFiles] : [...pathOrFiles];
  }
  if (opts.only) files = files.filter((f) => opts.only!(basename(f).replace(/\.json$/i, '')));
  return Promise.all(files.map((f) => loadExperimentFile(f, opts)));
}

/** competitors.json next to the experiments, if present (for the report's comparison columns). */
export async function loadCompetitors(dir: string): Promise<unknown | undefined> {
  const p = join(dir, 'competitors.json');
  if (!(await exists(p))) return undefined;
  return JSON.parse(await readFile(p, 'utf8')) as unknown;
}

/**
 * Loads experiments from a mix of directories and files (each directory's experiments sorted by
 * name), plus the first competitors.json for the report: the one of the first directory, or one
 * named among the files. A set's `index.json` and `competitors.json` named as files (a shell glob
 * `set/*.json` names them) are recognised by name, not read as experiments, and listed in
 * `skipped`, as is an experiment's `<id>.requests.csv` (read with its experiment, which it stands
 * for when only the CSV is named); every other file is an experiment (a broken one is reported,
 * never dropped).
 */
export async function loadExperimentPaths(paths: readonly string[], opts: { withRequests?: boolean } = {}): Promise<{ sources: ExperimentSource[]; competitors?: unknown; skipped: string[] }> {
  const sources: ExperimentSource[] = [];
  const skipped: string[] = [];
  let competitors: unknown;
  // An experiment's per-request CSV named as a file (`set/*general*` names both) stands for its
  // experiment, read once: the CSV is loaded with it.
  const wanted: string[] = [];
  for (const p of paths) {
    const experiment = p.replace(/\.requests\.csv$/i, '.json');
    if (experiment !== p && (await exists(experiment))) {
      skipped.push(p);
      if (!wanted.includes(experiment) && !paths.includes(experiment)) wanted.push(experiment);
    } else if (!wanted.includes(p)) {
      wanted.push(p);
    }
  }
  for (const p of wanted) {
    let isDir = false;
    try {
      isDir = (await stat(p)).isDirectory();
    } catch {
      sources.push({ file: basename(p), loadError: 'cannot read: no such file or directory' });
      continue;
    }
    if (isDir) {
      sources.push(...(await loadExperiments(p, opts)));
      if (competitors === undefined) competitors = await loadCompetitors(p);
    } else if (NOT_EXPERIMENTS.has(basename(p))) {
      skipped.push(p);
      if (basename(p) === 'competitors.json' && competitors === undefined) competitors = await loadCompetitors(dirname(p));
    } else {
      sources.push(await loadExperimentFile(p, opts));
    }
  }
  return { sources, skipped, ...(competitors !== undefined ? { competitors } : {}) };
}
