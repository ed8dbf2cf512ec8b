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
      warnings: [...this.warnings],
    };
  }
}

/** The summary as short lines for a CLI to print on stderr (the library itself never prints). */
export function describeSummary(s: IngestSummary): string[] {
  const lines = [`${s.emitted} requests from ${s.rows} rows`];
  const skipped = Object.entries(s.skipped);
  if (skipped.length > 0) lines.push(`skipped: ${skipped.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  const adjusted = Object.entries(s.adjusted);
  if (adjusted.length > 0) lines.push(`adjusted: ${adjusted.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  for (const m of s.messages) lines.push(`  ${m}`);
  for (const w of s.warnings ?? []) lines.push(`warning: ${w}`);
  return lines;
}
