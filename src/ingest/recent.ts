/**
 * A map that remembers only its most recently added keys, in bounded memory: two generations of
 * `limit / 2` keys each; when the newer fills, the older is dropped whole. Every key among the
 * latest `limit / 2` added is found, some older ones too.
 *
 * Why not one Map forgetting its oldest key (`m.delete(m.keys().next().value)`): V8 leaves a
 * deleted entry's slot in place until the table is rebuilt, and a fresh `keys()` walks those
 * slots from the start, so each eviction cost the number of evictions since the last rebuild
 * and a 2-million-row log took minutes instead of seconds.
 */
export class RecentMap<V> {
  private newer = new Map<string, V>();
  private older = new Map<string, V>();
  private readonly generation: number;

  constructor(limit: number) {
    this.generation = Math.max(1, Math.floor(limit / 2));
  }

  get(key: string): V | undefined {
    return this.newer.get(key) ?? this.older.get(key);
  }

  set(key: string, value: V): void {
    if (this.older.has(key)) this.older.delete(key);
    this.newer.set(key, value);
    if (this.newer.size >= this.generation) {
      this.older = this.newer;
      this.newer = new Map();
    }
  }

  delete(key: string): void {
    if (!this.newer.delete(key)) this.older.delete(key);
  }

  get size(): number {
    return this.newer.size + this.older.size;
  }
}
