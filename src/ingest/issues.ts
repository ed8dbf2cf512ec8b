/**
 * The row-error policy: skipped rows are counted per code with the first messages kept;
 * `strict` turns the first one into an InputError. Adjustments (clipping, kept failures) are
 * counted separately: they are not errors.
 */
import { InputError } from '../kernel/errors.js';

export const MAX_MESSAGES = 10;

export interface IngestSummary {
  /** Data rows (or JSON records) the reader saw. */
  rows: number;
  /** Requests that left the pipeline. */
  emitted: number;
  /** Skipped rows per code. */
  skipped: Record<string, number>;
  /** Rows changed or dropped on purpose per code (clipping, sampling, windowing, ...). */
  adjusted: Record<string, number>;
  /** The first MAX_MESSAGES skip messages, `file:line: reason`. */
  messages: string[];
  /** Rows kept as they are but worth a look (an arrival years after the rest), first MAX_MESSAGES. */
  warnings: string[];
}

export class IssueLog {
  readonly strict: boolean;
  rows = 0;
  emitted = 0;
  private readonly skippedCounts = new Map<string, number>();
  private readonly adjustedCounts = new Map<string, number>();
  private readonly messages: string[] = [];
  private readonly warnings: string[] = [];
  private duplicateIds = 0;
  private firstDuplicate = '';

  constructor(strict = false) {
    this.strict = strict;
  }

  skip(code: string, where: string, message: string): void {
    if (this.strict) throw new InputError(code, where, message);
    this.skippedCounts.set(code, (this.skippedCounts.get(code) ?? 0) + 1);
    if (this.messages.length < MAX_MESSAGES) this.messages.push(`${where}: ${message} [${code}]`);
  }

  /** Something kept as is but suspicious: reported, never thrown (strict mode included). */
  warn(code: string, where: string, message: string): void {
    if (this.warnings.length < MAX_MESSAGES) this.warnings.push(`${where}: ${message} [${code}]`);
  }

  /**
   * A request whose id an earlier request of the file already had: kept (a trace may repeat an id
   * on purpose), counted, and reported once with the first such row, never thrown.
   */
  duplicateId(id: string, where: string, firstWhere: string): void {
    if (this.duplicateIds++ === 0) this.firstDuplicate = `id '${id}' at ${where} (first at ${firstWhere})`;
  }

  adjust(code: string, count = 1): void {
    this.adjustedCounts.set(code, (this.adjustedCounts.get(code) ?? 0) + count);
  }

  summary(): IngestSummary {
    return {
      rows: this.rows,
      emitted: this.emitted,
      skipped: Object.fromEntries(this.skippedCounts),
      adjusted: Object.fromEntries(this.adjustedCounts),
      messages: [...this.messages],
      warnings: this.duplicateIds === 0 ? [...this.warnings] : [this.duplicateWarning(), ...this.warnings],
    };
  }

  private duplicateWarning(): string {
    // blis keys a request's own KV content by its id (engine/block-hash.ts ownContentKey), so one id is one prompt.
    return `${this.duplicateIds} request(s) reuse an earlier request's id; the first: ${this.firstDuplicate}. `
      + 'Requests sharing an id are simulated as sharing their prompt (prefix-cache hits between them) and share the id in per-request outputs [DUPLICATE_REQUEST_ID]';
  }
}

/**
 * Adjustment codes that remove a row from the stream (windowing, sampling, thinning, rows read
 * past the limit or the window's end), and the one that adds rows (rate-scale copies); the rest
 * (clipping, kept failures) change a row and keep it.
 */
export const DROPPING_CODES: readonly string[] = ['WINDOW_BEFORE', 'WINDOW_AFTER', 'SAMPLED_OUT', 'RATE_THINNED', 'LIMIT_REACHED'];
export const ADDING_CODES: readonly string[] = ['RATE_DUPLICATED'];

export interface IngestAccounting {
  readonly rows: number;
  readonly skipped: number;
  readonly dropped: Record<string, number>;
  readonly added: Record<string, number>;
  readonly changed: Record<string, number>;
  readonly emitted: number;
  /** rows = skipped + Σ dropped − Σ added + emitted: every row read is one of these. */
  readonly balanced: boolean;
}

/** Where every row went: skipped (damaged), dropped on purpose, emitted; copies added. */
export function accountFor(s: IngestSummary): IngestAccounting {
  const dropped: Record<string, number> = {};
  const added: Record<string, number> = {};
  const changed: Record<string, number> = {};
  for (const [code, n] of Object.entries(s.adjusted)) {
    if (DROPPING_CODES.includes(code)) dropped[code] = n;
    else if (ADDING_CODES.includes(code)) added[code] = n;
    else changed[code] = n;
  }
  const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);
  const skipped = sum(s.skipped);
  return { rows: s.rows, skipped, dropped, added, changed, emitted: s.emitted, balanced: s.rows === skipped + sum(dropped) - sum(added) + s.emitted };
}

/** The summary as short lines for a CLI to print on stderr (the library itself never prints). */
export function describeSummary(s: IngestSummary): string[] {
  const lines = [`${s.emitted} requests from ${s.rows} rows`];
  const skipped = Object.entries(s.skipped);
  if (skipped.length > 0) lines.push(`skipped: ${skipped.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  const a = accountFor(s);
  const list = (o: Record<string, number>): string => Object.entries(o).map(([k, n]) => `${k} ${n}`).join(', ');
  if (Object.keys(a.dropped).length > 0) lines.push(`dropped on purpose: ${list(a.dropped)}`);
  if (Object.keys(a.added).length > 0) lines.push(`added: ${list(a.added)}`);
  if (Object.keys(a.changed).length > 0) lines.push(`changed: ${list(a.changed)}`);
  for (const m of s.messages) lines.push(`  ${m}`);
  for (const w of s.warnings ?? []) lines.push(`warning: ${w}`);
  return lines;
}
