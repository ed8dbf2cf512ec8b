/** The writer registry for `blis convert --to`: one line per output format. */
import { InputError, closeNames } from '../../kernel/errors.js';
import { arrivalCsvWriter } from './arrival-csv.js';
import { arrivalJsonlWriter } from './arrival-jsonl.js';
import { tracev2Writer } from './tracev2.js';
import type { WriterEntry } from './types.js';

export const BUILTIN_WRITERS: readonly WriterEntry[] = [tracev2Writer, arrivalCsvWriter, arrivalJsonlWriter];

export class WriterRegistry {
  private readonly byName = new Map<string, WriterEntry>();
  constructor(entries: readonly WriterEntry[] = BUILTIN_WRITERS) {
    for (const e of entries) this.register(e);
  }
  register(entry: WriterEntry): void {
    if (this.byName.has(entry.name)) throw new Error(`ingest writer '${entry.name}' registered twice`);
    this.byName.set(entry.name, entry);
  }
  names(): string[] {
    return [...this.byName.keys()];
  }
  get(name: string, where = '--to'): WriterEntry {
    const e = this.byName.get(name);
    if (e !== undefined) return e;
    const close = closeNames(name, this.names());
    throw new InputError('UNKNOWN_FORMAT', where, `unknown output format '${name}'; ${close.length > 0 ? `did you mean ${close.join(', ')}? ` : ''}known: ${this.names().join(', ')}`);
  }
  /** The writer for an output path by its name (TraceV2 names first, then .csv, .jsonl). */
  forPath(path: string): WriterEntry {
    for (const e of this.byName.values()) if (e.matches(path)) return e;
    // OTLP spans hold a simulation's timings, which an arrival stream does not: a run or replay writes them.
    const spans = /\.(pb|json)(\.gz)?$/i.test(path) ? '; OTLP spans are written by blis run or blis replay --otlp-out FILE.pb|.json, from a simulation' : '';
    throw new InputError('UNKNOWN_FORMAT', path, `cannot tell the output format from the file name; use .csv, .jsonl or x.trace_data.csv, or pass --to-format (${this.names().join(', ')})${spans}`);
  }
}
