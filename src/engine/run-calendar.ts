/**
 * The decode run's calendars (run-slots.ts): cells grouped by phase (a formation or commit count
 * mod blockSize), each phase's cells in join order, in one array with the phases' start offsets,
 * so a formation visits only the cells whose block boundary can fall on it.
 */

export function mod(x: number, m: number): number {
  const r = x % m;
  return r < 0 ? r + m : r;
}

/** Appends cell k (later to join than every cell in it) to phase p's bucket of a calendar. */
export function appendToCalendar(order: Int32Array, start: Int32Array, bs: number, k: number, p: number): void {
  const at = start[p + 1]!;
  order.copyWithin(at + 1, at, start[bs]!);
  order[at] = k;
  for (let q = p + 1; q <= bs; q++) start[q]!++;
}

/** Drops cell k from phase p's bucket of a calendar. */
export function dropFromBucket(order: Int32Array, start: Int32Array, bs: number, k: number, p: number): void {
  const total = start[bs]!;
  let i = start[p]!;
  const end = start[p + 1]!;
  while (i < end && order[i] !== k) i++;
  if (i === end) throw new Error(`decode run: cell ${k} missing from its calendar bucket ${p}`);
  order.copyWithin(i, i + 1, total);
  for (let q = p + 1; q <= bs; q++) start[q]!--;
}
