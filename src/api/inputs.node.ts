/**
 * Reading what a run consumes, for library callers: traces in any supported format (OTLP
 * included; gzipped or not), YAML workload specs, and generated arrival streams.
 */
import { readFile } from 'node:fs/promises';
import { createFormatRegistry } from '../ingest/registry.js';
import { openTrace as openWith, readTrace as readWith, type OpenTraceOptions, type OpenedTrace } from '../ingest/open.node.js';
import type { IngestSummary } from '../ingest/issues.js';
import { InputError } from '../kernel/errors.js';
import { Rng } from '../kernel/rng.js';
import { otlpFormat } from '../telemetry/otlp-reader.node.js';
import { generateArrivals } from '../workload/generate.js';
import type { ArrivalRequest } from '../workload/request.js';
import { resolveWorkload, type WorkloadOptions } from '../workload/resolve.js';
import { parseWorkloadSpec } from '../workload/spec.js';
import { WORKLOAD_OPTION_KINDS, checkOptions } from './check-options.js';
import type { WorkloadSpec } from '../workload/types.js';

export type TraceOptions = Omit<OpenTraceOptions, 'registry'>;

/** Streams a trace file as arrivals (bounded memory): `for await (const r of (await openTrace(p)).requests)`. */
export function openTrace(path: string, options: TraceOptions = {}): Promise<OpenedTrace> {
  return openWith(path, { ...options, registry: createFormatRegistry([otlpFormat]) });
}

/** A whole trace file in memory, format sniffed unless `format` is given. */
export function readTrace(path: string, options: TraceOptions = {}): Promise<{ format: string; requests: ArrivalRequest[]; summary: IngestSummary }> {
  return readWith(path, { ...options, registry: createFormatRegistry([otlpFormat]) });
}

/** A YAML workload spec (docs/workloads.md), validated; pass it to simulate({ spec }). */
export async function loadWorkload(path: string): Promise<WorkloadSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new InputError('FILE_UNREADABLE', path, `cannot read workload spec: ${(e as Error).message}`);
  }
  return parseWorkloadSpec(text, path);
}

/** The arrival stream `simulate` would generate for these options (lazy, seeded). */
export function generateWorkload(options: WorkloadOptions = {}): Iterable<ArrivalRequest> {
  checkOptions('generateWorkload', options, WORKLOAD_OPTION_KINDS);
  const w = resolveWorkload(options);
  return generateArrivals(w, new Rng(w.seed).fork('workload'));
}
