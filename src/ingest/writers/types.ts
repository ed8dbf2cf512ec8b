/** The writer contract for `blis convert`: requests in, text chunks out through sinks. */
import type { ArrivalRequest } from '../../workload/request.js';

export interface WriterSinks {
  /** The main (or only) file. */
  data(chunk: string): void;
  /** A second file, for formats written as two (TraceV2's header YAML). */
  header?(text: string): void;
}

export interface WriterOptions {
  /** TraceV2: the absolute Unix µs that relative time 0 maps to (send times are absolute). */
  readonly epochUs?: number;
  /** Arrival CSV: the field separator (default ','; convert passes a tab for a `.tsv` name). */
  readonly fieldSeparator?: ',' | '\t';
}

export interface TraceWriter {
  write(request: ArrivalRequest): void;
  end(): void;
}

export interface WriterEntry {
  readonly name: string;
  readonly describe: string;
  /** True when this writer is the natural choice for an output path. */
  matches(path: string): boolean;
  create(sinks: WriterSinks, options: WriterOptions): TraceWriter;
}

/** Buffers small strings and flushes ~64 KiB at a time (one sink call per many rows). */
export function bufferedSink(sink: (chunk: string) => void): { add(s: string): void; flush(): void } {
  let parts: string[] = [];
  let size = 0;
  return {
    add(s) {
      parts.push(s);
      size += s.length;
      if (size >= 65536) {
        sink(parts.join(''));
        parts = [];
        size = 0;
      }
    },
    flush() {
      if (parts.length > 0) sink(parts.join(''));
      parts = [];
      size = 0;
    },
  };
}

/** A CSV field, quoted when it holds the separator (',' unless given), a quote or a newline. */
export function csvField(v: string | number | undefined, separator = ','): string {
  if (v === undefined) return '';
  const s = String(v);
  return /["\r\n]/.test(s) || s.includes(separator) ? `"${s.replace(/"/g, '""')}"` : s;
}
