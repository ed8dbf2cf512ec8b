/**
 * The reader contract: a format turns byte/text chunks into ArrivalRequests, push-style
 * (`push(chunk)` / `end()`), reporting records and row problems through its context.
 */
import type { ArrivalRequest } from '../workload/request.js';

export const TIME_UNITS = ['ns', 'us', 'ms', 's', 'iso'] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];
/** Units of a mapped duration column (ttft, e2e). */
export const DURATION_UNITS = ['ns', 'us', 'ms', 's'] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];

/** `--columns arrival=ts,input=prompt_tokens,...`: our field → the source column name. */
export interface ColumnMapping {
  readonly arrival: string;
  readonly input: string;
  readonly output: string;
  readonly id?: string;
  readonly ttft?: string;
  readonly e2e?: string;
  /** The time of the first token (the arrival's unit): TTFT = first_token − arrival. */
  readonly first_token?: string;
  /** The time the response ended (the arrival's unit): E2E = end − arrival. */
  readonly end?: string;
  readonly session?: string;
  readonly model?: string;
  /** A request's outcome: HTTP status or a word (mapping.ts, `requestFailed`); failed rows are skipped unless keepFailed. */
  readonly status?: string;
}

/** What a reader may be told besides the bytes (all optional; each format reads what it needs). */
export interface ReaderOptions {
  /** Column mapping for the generic `csv` format. */
  readonly columns?: ColumnMapping;
  /** Unit of the arrival column (generic `csv`/`jsonl`), and of ttft/e2e columns unless `latencyUnit`. */
  readonly timeUnit?: TimeUnit;
  /** Unit of mapped ttft/e2e columns (default: `timeUnit`'s, seconds when it is iso). */
  readonly latencyUnit?: DurationUnit;
  /** Keep rows the source marks as failed (BurstGPT zero response, calibration error=1). */
  readonly keepFailed?: boolean;
  /** Field delimiter for CSV formats; sniffed from the header line when absent. */
  readonly delimiter?: string;
  /** TraceV2: the text of the sibling `*.trace_header.yaml`. */
  readonly traceHeader?: string;
}

/** Where records and row problems go. Implemented by the ingest session (issues.ts). */
export interface ReaderContext {
  /** File name used in messages (`file:line`). */
  readonly source: string;
  /**
   * `idFromData` false: the reader made the id up (a row number), so it cannot repeat; ids read
   * from the data (the default) are checked for repeats (DUPLICATE_REQUEST_ID). `order`: the
   * request's place in its source's own arrival order, when the row states it (blis's request
   * records carry `index`, and list requests as they finished): it orders requests that arrive
   * at the same microsecond, which otherwise keep the order they were read in.
   */
  emit(request: ArrivalRequest, idFromData?: boolean, order?: number): void;
  /**
   * A row that cannot become a request: skipped and counted (or thrown in strict mode).
   * `at` is a line number (`file:line`) or a label such as `record 12`.
   */
  skip(code: string, at: number | string, message: string): void;
  /** A row kept on purpose though the source flags it (counted, never thrown). */
  note(code: string): void;
  /**
   * The row being read (a line number or a label such as `record 12`), set by the reader cores
   * before they hand a row to the format: a request emitted from it that cannot be simulated
   * (requestProblem) is skipped under this location.
   */
  locate?(at: number | string): void;
}

export interface TraceReader {
  push(chunk: string | Uint8Array): void;
  end(): void;
}

/** What sniffing sees: the first bytes of the file as text, and the file name. */
export interface SniffInput {
  readonly head: string;
  readonly fileName: string;
}

export interface FormatEntry {
  readonly name: string;
  readonly describe: string;
  /**
   * `absolute`: arrival times count from an epoch or an unrelated origin, so by default the
   * stream is rebased to first arrival = 0. `relative`: times are already since stream start.
   */
  readonly timeBase: 'absolute' | 'relative';
  /** `completion`: rows are not in arrival order (TraceV2); the stream is fully sorted. */
  readonly order: 'arrival' | 'completion';
  /**
   * Every request's id is the reader's own row count (`r0`, `r1`, ...), never read from the data,
   * so no two requests of a file share one (the transforms keep that: a duplicate is `<id>#k`).
   * A replay then defers each request's private KV registration (EngineRequest.deferPrivate).
   */
  readonly numbersRequests?: boolean;
  /**
   * The output lengths it reads are the client's re-tokenised counts of the text, not the lengths
   * the server decoded (the calibration CSV's output_tokens_counted under-counts: its README,
   * pitfall 2): an observed decode time spans more tokens than them, so `replay --compare`
   * derives no per-token time (TPOT, ITL) from the pair.
   */
  readonly countedOutputTokens?: boolean;
  /** The ReaderOptions this format reads, each with a one-line meaning and default (for --help). */
  readonly options?: Readonly<Partial<Record<keyof ReaderOptions, string>>>;
  /** Confidence in [0, 1] that the head is this format (0 = no). */
  sniff(input: SniffInput): number;
  create(ctx: ReaderContext, options: ReaderOptions): TraceReader;
}
