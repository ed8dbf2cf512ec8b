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
import { otlpFormat } from '../telemetry/otlp-format.node.js';
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

/**
 * A workload spec from YAML text, or from a plain object in the file's schema (docs/workloads.md:
 * `clients`, `rate_fraction`, `duration_s` ...), validated as loadWorkload validates a file; pass
 * it to simulate({ spec }). `name` stands for the file in error messages.
 */
export function parseWorkload(source: string | Readonly<Record<string, unknown>>, name = 'workload spec'): WorkloadSpec {
  if (typeof source === 'string') return parseWorkloadSpec(source, name);
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    throw new InputError('OPTION_INVALID', name, `expected YAML text or an object in the workload spec schema; found ${source === null ? 'null' : Array.isArray(source) ? 'an array' : typeof source}`);
  }
  // JSON is YAML: the object goes through the file parser, so it is checked field by field alike.
  // Its messages then say `name:line field`; the line is of a text the caller never saw, so it goes.
  try {
    return parseWorkloadSpec(JSON.stringify(source, null, 2), name);
  } catch (e) {
    if (!(e instanceof InputError) || !e.where.startsWith(`${name}:`)) throw e;
    const where = e.where.replace(/^(.*):\d+(?= |$)/, '$1');
    throw new InputError(e.code, where, e.message.slice(e.where.length + 2));
  }
}

/** The arrival stream `simulate` would generate for these options (lazy, seeded). */
export function generateWorkload(options: WorkloadOptions = {}): Iterable<ArrivalRequest> {
  checkOptions('generateWorkload', options, WORKLOAD_OPTION_KINDS);
  const w = resolveWorkload(options);
  return generateArrivals(w, new Rng(w.seed).fork('workload'));
}
