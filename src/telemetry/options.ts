/**
 * Telemetry options (what flags and files may set) and the resolved, frozen config.
 * CLI flags: --trace-sample P, --trace-slowest N, --trace-epoch DATE|NS, --trace-token-every N,
 * plus the run's seed and config summary.
 */
import { InputError, checkSeed } from '../kernel/errors.js';
import { parseTraceEpoch } from './time.js';

/** A flat summary of the run's configuration, emitted as `blis.config.<key>` resource attributes. */
export type ConfigSummary = Readonly<Record<string, string | number | boolean | undefined>>;

export interface TelemetryOptions {
  /** `service.name` resource attribute. Default `blis-sim`. */
  readonly serviceName?: string;
  /** Seed of ids and head sampling (use the run's seed). Default 0. */
  readonly seed?: number;
  /** Simulated time 0 maps to this instant (ISO date, ns integer or bigint). Default 2026-01-01T00:00:00Z. */
  readonly traceEpoch?: string | number | bigint;
  /** Head-sampling probability in [0, 1], by request index (deterministic). Default 1. */
  readonly traceSample?: number;
  /** Also keep the N slowest requests by E2E whatever the sampling said. Default 0. */
  readonly traceSlowest?: number;
  /**
   * The engine recorded every Nth output token (RequestRecord.tokenTimesUs); each becomes a
   * `token` event on the decode span. 0 = no token events (the first-token event stays). Default 0.
   */
  readonly traceTokenEvery?: number;
  /**
   * A phase that took no simulated time: `event` (default) records it as an event on the root
   * span, `span` keeps it as a zero-length child span.
   */
  readonly instantPhases?: InstantPhases;
  /** Traces per exported message (ExportTraceServiceRequest). Default 512. */
  readonly batchTraces?: number;
  readonly config?: ConfigSummary;
  /** blis version, for the instrumentation scope. */
  readonly version?: string;
}

export type InstantPhases = 'event' | 'span';
export const INSTANT_PHASES: readonly InstantPhases[] = ['event', 'span'];

export interface Telemetry {
  readonly serviceName: string;
  readonly seed: number;
  readonly traceEpochNs: bigint;
  readonly traceSample: number;
  readonly traceSlowest: number;
  readonly traceTokenEvery: number;
  readonly instantPhases: InstantPhases;
  readonly batchTraces: number;
  readonly config: ConfigSummary;
  readonly version: string;
}

function nonNegInt(v: number | undefined, dflt: number, flag: string): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 0) throw new InputError('FLAG_OUT_OF_RANGE', flag, `'${v}' is not a non-negative integer`);
  return v;
}

function instantPhases(v: string | undefined): InstantPhases {
  if (v === undefined) return 'event';
  if (!(INSTANT_PHASES as readonly string[]).includes(v)) throw new InputError('FLAG_BAD_VALUE', '--trace-instant-phases', `'${v}'; expected ${INSTANT_PHASES.join(' or ')}`);
  return v as InstantPhases;
}

export function resolveTelemetry(o: TelemetryOptions = {}): Telemetry {
  const sample = o.traceSample ?? 1;
  if (!(sample >= 0 && sample <= 1)) throw new InputError('FLAG_OUT_OF_RANGE', '--trace-sample', `'${sample}' is not a probability in [0, 1]`);
  const batch = nonNegInt(o.batchTraces, 512, 'batchTraces');
  if (batch === 0) throw new InputError('FLAG_OUT_OF_RANGE', 'batchTraces', 'must be at least 1');
  const seed = checkSeed(o.seed ?? 0, '--seed');
  const resolved = {
    serviceName: o.serviceName ?? 'blis-sim',
    seed,
    traceEpochNs: parseTraceEpoch(o.traceEpoch),
    traceSample: sample,
    traceSlowest: nonNegInt(o.traceSlowest, 0, '--trace-slowest'),
    traceTokenEvery: nonNegInt(o.traceTokenEvery, 0, '--trace-token-every'),
    instantPhases: instantPhases(o.instantPhases),
    batchTraces: batch,
    config: Object.freeze({ ...(o.config ?? {}) }),
    version: o.version ?? '0.1.0',
  } satisfies Record<keyof Telemetry, unknown>;
  return Object.freeze(resolved);
}
