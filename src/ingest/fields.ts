/** Field parsing shared by the readers: numbers, token counts and timestamps in µs. */
import type { TimeUnit } from './types.js';
import { US_PER_MS, US_PER_S, sToUs } from '../kernel/units.js';

/** A row problem: thrown by field parsers, caught by the row loop and turned into a skip. */
export class RowError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export function parseNumber(s: string | undefined, field: string): number {
  if (s === undefined || s === '') throw new RowError('FIELD_EMPTY', `${field} is empty`);
  const n = +s;
  if (!Number.isFinite(n)) throw new RowError('FIELD_NOT_NUMBER', `${field} is '${clip(s)}', expected a number`);
  return n;
}

/** A token count: a non-negative integer (`12.0` accepted). */
export function parseTokens(s: string | undefined, field: string): number {
  const n = parseNumber(s, field);
  if (n < 0 || !Number.isInteger(n)) throw new RowError('FIELD_BAD_TOKENS', `${field} is '${clip(s!)}', expected a non-negative integer`);
  return n;
}

export function optionalNumber(s: string | undefined, field: string): number | undefined {
  return s === undefined || s === '' ? undefined : parseNumber(s, field);
}

// ns: epoch nanoseconds as Loki, OpenTelemetry and Go loggers write them (~1.8e18, above 2^53, so
// the double read is exact to 256 ns: far inside the µs the stream keeps).
const UNIT_US: Record<Exclude<TimeUnit, 'iso'>, number> = { ns: 1 / 1000, us: 1, ms: US_PER_MS, s: US_PER_S };

/** A time value in `unit` → integer µs (epoch µs for `iso`). */
export function parseTimeUs(s: string | undefined, unit: TimeUnit, field: string): number {
  if (unit === 'iso') return parseIsoUs(s, field);
  return Math.round(parseNumber(s, field) * UNIT_US[unit]);
}

// The zone may also be written UTC or GMT: BigQuery's CSV export and many SQL clients print
// timestamps as `2026-03-01 10:00:00.123456 UTC`.
const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * ISO-like date-times → epoch µs without losing sub-millisecond digits (Date.parse would):
 * Azure 2023 `2023-11-16 18:17:03.9799600` (7 digits, no zone = UTC) and Azure 2024
 * `2024-05-10 00:00:00.009930+00:00`.
 */
export function parseIsoUs(s: string | undefined, field: string): number {
  if (s === undefined || s === '') throw new RowError('FIELD_EMPTY', `${field} is empty`);
  const m = ISO.exec(s);
  if (m === null) throw new RowError('FIELD_BAD_TIME', `${field} is '${clip(s)}', expected a date-time like 2023-11-16 18:17:03.9799600`);
  const [year, month, day, hour, minute, second] = [+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!];
  // Date.UTC rolls impossible fields over (Feb 30 → Mar 2, 25:61 → the next day): check them first.
  // Second 60 is a leap second (it follows 59 as POSIX time does); hour 24 is not accepted.
  const impossible = month < 1 || month > 12 ? `month ${month}`
    : day < 1 || day > daysInMonth(year, month) ? `day ${day} of ${year}-${m[2]}`
      : hour > 23 ? `hour ${hour}` : minute > 59 ? `minute ${minute}` : second > 60 ? `second ${second}` : null;
  if (impossible !== null) throw new RowError('FIELD_BAD_TIME', `${field} is '${clip(s)}': there is no ${impossible}`);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (!Number.isFinite(ms)) throw new RowError('FIELD_BAD_TIME', `${field} is '${clip(s)}', not a valid date-time`);
  let fracUs = 0;
  const frac = m[7];
  if (frac !== undefined) fracUs = sToUs(Number(`0.${frac}`));
  let offsetUs = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'UTC' && zone !== 'GMT') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const hours = +digits.slice(0, 2);
    const minutes = digits.length > 2 ? +digits.slice(2, 4) : 0;
    if (hours > 23 || minutes > 59) throw new RowError('FIELD_BAD_TIME', `${field} is '${clip(s)}': zone offset ${zone} is not a valid offset`);
    offsetUs = sign * (hours * 60 + minutes) * 60 * US_PER_S;
  }
  return ms * US_PER_MS + fracUs - offsetUs;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

export function clip(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
