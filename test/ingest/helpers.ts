import { existsSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ArrivalRequest } from '../../src/workload/request.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TRACES = `${ROOT}traces/`;
export const FIXTURES = `${ROOT}test/fixtures/ingest/`;
export const SHARED = `${ROOT}../shared/`;
/** ../shared is beside the checkout in development and CI; tests of its unlicensed samples skip without it. */
export const SHARED_PRESENT = existsSync(SHARED);
/** The project's own copy of the calibration experiments (baselines/calibration-experiments/README.md). */
export const CALIBRATION = `${ROOT}baselines/calibration-experiments/`;

/** A naive, independent CSV parse for unquoted files: header → rows of strings. */
export function naiveCsv(path: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
  return { header: lines[0]!.split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

export function col(t: { header: string[]; rows: string[][] }, name: string): string[] {
  const i = t.header.indexOf(name);
  if (i < 0) throw new Error(`no column ${name}`);
  return t.rows.map((r) => r[i]!);
}

export const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** What each writer's format carries of a request (TraceV2 has no column for hash_ids or stage); every writer is listed. */
export const CARRIED: Readonly<Record<string, (r: ArrivalRequest) => ArrivalRequest>> = {
  'arrival-csv': (r) => r,
  'arrival-jsonl': (r) => r,
  // TraceV2 input_tokens excludes the prefix, so a prefix longer than the prompt is written clipped to it.
  tracev2: ({ hashIds: _h, stage: _s, ...rest }) =>
    rest.prefix !== undefined && rest.prefix.tokens > rest.inputTokens ? { ...rest, prefix: { ...rest.prefix, tokens: rest.inputTokens } } : rest,
};
