/** Time units: the clock counts integer microseconds; names carry their unit (`Us`, `Ms`, `S`). */
export const US_PER_MS = 1000;
export const US_PER_S = 1_000_000;

/** Seconds (or milliseconds) to integer microseconds, rounded to the nearest microsecond. */
export function sToUs(s: number): number {
  return Math.round(s * US_PER_S);
}
export function msToUs(ms: number): number {
  return Math.round(ms * US_PER_MS);
}
export function usToMs(us: number): number {
  return us / US_PER_MS;
}
export function usToS(us: number): number {
  return us / US_PER_S;
}
