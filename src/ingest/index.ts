/**
 * src/ingest: production traces → arrival streams, and arrival streams → files (`blis replay`,
 * `blis convert`). One file per format in formats/, listed once in registry.ts; transform.ts
 * holds the stream stages (window, speedup, rateScale, sample, limit, clip, reorder); issues.ts
 * the skip-and-count error policy. Read first: types.ts, registry.ts, ingest.ts.
 * File access lives only in open.node.ts and convert.node.ts (import those from the CLI).
 */
export { DURATION_UNITS, TIME_UNITS, type ColumnMapping, type DurationUnit, type FormatEntry, type ReaderContext, type ReaderOptions, type SniffInput, type TimeUnit, type TraceReader } from './types.js';
export { IssueLog, MAX_MESSAGES, describeSummary, type IngestSummary } from './issues.js';
export { BUILTIN_FORMATS, FormatRegistry, MIN_CONFIDENCE, OTLP_FORMAT, createFormatRegistry, isOtlp, type SniffResult } from './registry.js';
export { createIngestSession, ingestChunks, ingestText, type IngestOptions, type IngestSession } from './ingest.js';
export { createPipeline, resolveTransform, type Pipeline, type Transform, type TransformOptions } from './transform.js';
export { parseColumnMapping, parseLatencyUnit, parseTimeUnit } from './formats/mapped-csv.js';
export { parseTraceV2Header } from './formats/tracev2.js';
export { traceV2Names, traceV2OutputPaths } from './paths.js';
export { BUILTIN_WRITERS, WriterRegistry } from './writers/registry.js';
export { DEFAULT_EPOCH_US, TRACEV2_COLUMNS } from './writers/tracev2.js';
export type { TraceWriter, WriterEntry, WriterOptions, WriterSinks } from './writers/types.js';
