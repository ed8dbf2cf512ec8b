/**
 * OTLP times are unsigned 64-bit nanoseconds since the Unix epoch. Near 2026 that is ~1.8e18,
 * beyond a double's exact range (2^53), so times travel as {low, high} 32-bit halves (the
 * Long-like shape protobufjs writes for fixed64) and are built with exact integer arithmetic.
 */
import { InputError } from '../kernel/errors.js';
import { NS_PER_US } from '../kernel/units.js';

/** Unsigned 64-bit nanoseconds as 32-bit halves; accepted by protobufjs as a fixed64 value. */
export interface Nanos64 {
  readonly low: number;
  readonly high: number;
  readonly unsigned: true;
}

const TWO32 = 4294967296;

/** 2026-01-01T00:00:00Z: the default trace epoch, fixed so that output is deterministic. */
export const DEFAULT_TRACE_EPOCH_NS = 1767225600000000000n;

export function nanosToBigInt(n: { low: number; high: number }): bigint {
  return (BigInt(n.high >>> 0) << 32n) | BigInt(n.low >>> 0);
}

/** Epoch + simulated microseconds, exactly, without BigInt on the hot path. */
export class SimClock {
  private readonly epochLow: number;
  private readonly epochHigh: number;

  constructor(readonly epochNs: bigint) {
    this.epochLow = Number(epochNs & 0xffffffffn);
    this.epochHigh = Number(epochNs >> 32n);
  }

  /** `us` is a non-negative integer number of simulated microseconds (< 2^53 / 1000). */
  at(us: number): Nanos64 {
    const add = us * NS_PER_US;
    const addHigh = Math.floor(add / TWO32);
    let low = this.epochLow + (add - addHigh * TWO32);
    let high = this.epochHigh + addHigh;
    if (low >= TWO32) {
      low -= TWO32;
      high += 1;
    }
    return { low, high, unsigned: true };
  }
}

/**
 * `--trace-epoch`: an ISO-8601 date (`2026-01-01T00:00:00Z`), or integer nanoseconds, or a
 * bigint. Undefined gives DEFAULT_TRACE_EPOCH_NS.
 */
export function parseTraceEpoch(value: string | number | bigint | undefined, where = '--trace-epoch'): bigint {
  if (value === undefined) return DEFAULT_TRACE_EPOCH_NS;
  if (typeof value === 'bigint') {
    if (value < 0n) throw new InputError('FLAG_OUT_OF_RANGE', where, `negative epoch ${value}; expected ns ≥ 0`);
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new InputError('FLAG_OUT_OF_RANGE', where, `'${value}' is not a safe non-negative integer; pass nanoseconds as a string or an ISO date`);
    }
    return BigInt(value);
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) return BigInt(text);
  // A date-time without a zone is UTC, as blis reads every trace's times (ingest/fields.ts), not
  // the machine's local time as Date.parse would have it: the same flag gives the same trace anywhere.
  const zoneless = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text);
  const ms = Date.parse(zoneless ? `${text.replace(' ', 'T')}Z` : text);
  if (!Number.isFinite(ms) || !/^\d{4}-\d{2}-\d{2}/.test(text)) {
    throw new InputError('FLAG_BAD_VALUE', where, `'${value}' is neither an ISO-8601 date nor integer nanoseconds`);
  }
  if (ms < 0) throw new InputError('FLAG_OUT_OF_RANGE', where, `'${value}' is before 1970`);
  return BigInt(ms) * 1000000n;
}
