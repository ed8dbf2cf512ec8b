/**
 * `results.jsonl`: one line per configuration (and rung), written as each finishes and put in
 * index order when the sweep ends, so the same spec gives the same bytes however the work was
 * split. A line carries the configuration (flags, axes, content hash, the command that
 * reproduces it), its metrics without the per-instance rows, and the SLO, cost and regime
 * blocks; or, for a configuration that cannot run, the input error. Merge joins the files of
 * several shards and says which configurations are missing or duplicated.
 */
import type { MetricsDocument } from '../cluster/metrics.js';
import { InputError } from '../kernel/errors.js';
import { canonicalJson, type Configuration } from './configurations.js';
import type { SweepValue } from './sweep-spec.js';

export const RESULTS_SCHEMA = 'blis.sweep-result/v1';

export interface ResultLine {
  schema: typeof RESULTS_SCHEMA;
  index: number;
  rung: number;
  hash: string;
  axes: Record<string, SweepValue>;
  flags: Record<string, SweepValue>;
  command: string;
  /** Present when the configuration ran. */
  metrics?: Record<string, unknown>;
  slo?: MetricsDocument['slo'];
  cost?: Record<string, unknown>;
  regime?: MetricsDocument['regime'];
  /** Present when it could not run: `[CODE] message`. */
  error?: string;
}

export function resultLine(c: Configuration, command: string, outcome: { doc: MetricsDocument } | { error: string }): ResultLine {
  const head = { schema: RESULTS_SCHEMA, index: c.index, rung: c.rung, hash: c.hash, axes: { ...c.axes }, flags: { ...c.flags }, command } as const;
  if ('error' in outcome) return { ...head, error: outcome.error };
  const { instances: _instances, slo, regime, cost, schema: _schema, config, ...metrics } = outcome.doc as MetricsDocument & { cost?: Record<string, unknown> };
  return {
    ...head,
    metrics: { config, ...metrics },
    ...(slo !== undefined ? { slo } : {}),
    ...(cost !== undefined ? { cost } : {}),
    ...(regime !== undefined ? { regime } : {}),
  };
}

/**
 * Whether the line's SLO judged any request. With none judged (none arrived within a short
 * duration, or no target covers the SLO classes the requests carry) every check holds vacuously
 * (src/cluster/slo.ts), which says nothing about the configuration.
 */
export function sloJudged(l: ResultLine): boolean {
  return l.slo !== undefined && l.slo.attainment.attainment !== null;
}

/** What the line says of its SLO: holds, missed, judged no request; null without targets. */
export function sloVerdict(l: ResultLine): 'holds' | 'missed' | 'judged no request' | null {
  if (l.slo === undefined) return null;
  if (!sloJudged(l)) return 'judged no request';
  return l.slo.holds ? 'holds' : 'missed';
}

/** One line of the file (no trailing newline). Keys keep the order above: the bytes depend on the inputs only. */
export function serializeLine(l: ResultLine): string {
  return JSON.stringify(l);
}

/** Index order, rungs after the first: the order of a finished results.jsonl. */
export function compareLines(a: ResultLine, b: ResultLine): number {
  return a.rung - b.rung || a.index - b.index;
}

/** Parses results.jsonl; a truncated last line (a killed run) is dropped and reported, any other bad line is an error. */
export function parseResults(text: string, fileName: string): { lines: ResultLine[]; truncated: boolean } {
  const lines: ResultLine[] = [];
  const rows = text.split('\n');
  let truncated = false;
  rows.forEach((row, i) => {
    if (row.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(row);
    } catch {
      if (i === rows.length - 1) {
        truncated = true;
        return;
      }
      throw new InputError('RESULTS_MALFORMED', `${fileName}:${i + 1}`, 'expected one JSON object per line');
    }
    const l = v as Partial<ResultLine>;
    if (l.schema !== RESULTS_SCHEMA || typeof l.hash !== 'string' || typeof l.index !== 'number') {
      throw new InputError('RESULTS_MALFORMED', `${fileName}:${i + 1}`, `expected a ${RESULTS_SCHEMA} line with index and hash`);
    }
    lines.push(l as ResultLine);
  });
  return { lines, truncated };
}

export interface MergeReport {
  /** One line per (rung, hash), in index order. */
  readonly lines: ResultLine[];
  /** Configurations of the spec no input had. */
  readonly missing: Array<{ index: number; hash: string }>;
  /** (rung, hash) keys found more than once, with where; `differs` when the copies are not identical. */
  readonly duplicates: Array<{ hash: string; rung: number; index: number; sources: string[]; differs: boolean }>;
  /** Lines whose hash is not a configuration of the spec (another spec's results). */
  readonly foreign: Array<{ hash: string; source: string }>;
}

/** Merges result sets against the spec's rung-0 configurations. */
export function mergeResults(expected: ReadonlyArray<{ index: number; hash: string }>, inputs: ReadonlyArray<{ source: string; lines: readonly ResultLine[] }>): MergeReport {
  const known = new Set(expected.map((c) => c.hash));
  const byKey = new Map<string, { line: ResultLine; sources: string[]; differs: boolean }>();
  const foreign: MergeReport['foreign'] = [];
  for (const { source, lines } of inputs) {
    for (const l of lines) {
      if (l.rung === 0 && !known.has(l.hash)) {
        foreign.push({ hash: l.hash, source });
        continue;
      }
      const key = `${l.rung}:${l.hash}`;
      const seen = byKey.get(key);
      if (seen === undefined) byKey.set(key, { line: l, sources: [source], differs: false });
      else {
        seen.sources.push(source);
        if (canonicalJson(seen.line) !== canonicalJson(l)) seen.differs = true;
      }
    }
  }
  const have = new Set([...byKey.values()].filter((v) => v.line.rung === 0).map((v) => v.line.hash));
  return {
    lines: [...byKey.values()].map((v) => v.line).sort(compareLines),
    missing: expected.filter((c) => !have.has(c.hash)),
    duplicates: [...byKey.values()].filter((v) => v.sources.length > 1)
      .map((v) => ({ hash: v.line.hash, rung: v.line.rung, index: v.line.index, sources: v.sources, differs: v.differs })),
    foreign,
  };
}
