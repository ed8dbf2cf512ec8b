/**
 * A sweep's output directory: results.jsonl (appended as configurations finish, rewritten in
 * index order at the end), pareto.csv, report.html, sweep.json (what the directory holds) and
 * sweep.yaml (the spec as run). Written through a temporary file and a rename, so a reader
 * never sees half a file and a killed sweep leaves at most a truncated last line to drop.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../kernel/errors.js';
import { parseManifest, type SweepManifest } from '../plan/manifest.js';
import { paretoCsv, paretoPoints } from '../plan/pareto.js';
import { reportHtml } from '../plan/report-html.js';
import { compareLines, parseResults, serializeLine, type ResultLine } from '../plan/results.js';

export const RESULTS_FILE = 'results.jsonl';
export const MANIFEST_FILE = 'sweep.json';
export const SPEC_COPY = 'sweep.yaml';

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Lines an earlier run left (a truncated last line is dropped: that configuration runs again). */
export function readResults(dir: string): { lines: ResultLine[]; truncated: boolean } {
  const path = join(dir, RESULTS_FILE);
  if (!existsSync(path)) return { lines: [], truncated: false };
  const text = readFileSync(path, 'utf8');
  const parsed = parseResults(text, path);
  // Rewrite without the torn line, so appends start on a line of their own.
  if (parsed.truncated) writeAtomic(path, parsed.lines.map((l) => serializeLine(l) + '\n').join(''));
  return parsed;
}

export function appendResult(dir: string, line: ResultLine): void {
  appendFileSync(join(dir, RESULTS_FILE), serializeLine(line) + '\n');
}

export function prepareDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

/** Written when a sweep starts, so merge can read a shard that was stopped half way. */
export function writeManifest(dir: string, manifest: SweepManifest): void {
  writeAtomic(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 1) + '\n');
}

export interface DirContents {
  readonly lines: readonly ResultLine[];
  readonly manifest: SweepManifest;
  readonly specText: string;
  readonly title: string;
  readonly costUnit: string;
}

/** Writes every file of a finished directory; returns how many configurations are on a Pareto front. */
export function finishDir(dir: string, c: DirContents): number {
  prepareDir(dir);
  const lines = [...c.lines].sort(compareLines);
  writeAtomic(join(dir, RESULTS_FILE), lines.map((l) => serializeLine(l) + '\n').join(''));
  writeManifest(dir, c.manifest);
  writeAtomic(join(dir, SPEC_COPY), c.specText);
  const points = paretoPoints(lines);
  const axes = c.manifest.axes.map((a) => a.flag);
  writeAtomic(join(dir, 'pareto.csv'), paretoCsv(points, axes));
  writeAtomic(join(dir, 'report.html'), reportHtml({ title: c.title, lines, points, axes: c.manifest.axes, sloText: c.manifest.slo, costUnit: c.costUnit }));
  return points.filter((p) => p.onAttainmentFront || p.onTtftFront).length;
}

/** A finished (or partial) directory, for merge. */
export function readDir(dir: string): { lines: ResultLine[]; manifest: SweepManifest; specText: string } {
  const m = join(dir, MANIFEST_FILE);
  if (!existsSync(m)) throw new InputError('SWEEP_NOT_A_RESULTS_DIR', dir, `no ${MANIFEST_FILE}; expected a directory a blis sweep --out wrote`);
  const manifest = parseManifest(readFileSync(m, 'utf8'), m);
  const spec = join(dir, SPEC_COPY);
  return { lines: readResults(dir).lines, manifest, specText: existsSync(spec) ? readFileSync(spec, 'utf8') : '' };
}
