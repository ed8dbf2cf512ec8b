/**
 * Units: the clock counts integer microseconds, and names carry their unit (`Us`, `Ms`, `S`,
 * `Bytes`, `GBs`). Every conversion between them goes through here, so that there is one rule:
 * a time that enters the clock is rounded to the nearest microsecond (sToUs, msToUs); a time that
 * leaves it, and any real-valued rate or mean, is converted exactly (usToMs, usToS, or a factor
 * below). Decimal prefixes: GB is 10^9 bytes, as link and memory bandwidths are quoted.
 */
export const US_PER_MS = 1000;
export const US_PER_S = 1_000_000;
export const MS_PER_S = 1000;
export const S_PER_H = 3600;
export const US_PER_H = S_PER_H * US_PER_S;
export const NS_PER_US = 1000;
/** A factor for summaries that scale µs samples to ms (exactly the double 1e-3). */
export const MS_PER_US = 1 / US_PER_MS;
export const BYTES_PER_GB = 1e9;
/** Bytes per GiB (vLLM's memory sizes, e.g. an 8 GiB CPU offload tier). */
export const BYTES_PER_GIB = 2 ** 30;

/** Seconds to integer microseconds, rounded to the nearest microsecond. */
export function sToUs(s: number): number {
  return Math.round(s * US_PER_S);
}
/** Milliseconds to integer microseconds, rounded to the nearest microsecond. */
export function msToUs(ms: number): number {
  return Math.round(ms * US_PER_MS);
}
export function usToMs(us: number): number {
  return us / US_PER_MS;
}
export function usToS(us: number): number {
  return us / US_PER_S;
}
export function msToS(ms: number): number {
  return ms / MS_PER_S;
}
export function sToMs(s: number): number {
  return s * MS_PER_S;
}
