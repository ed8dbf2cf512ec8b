import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CpuKvTier } from '../../src/engine/cpu-tier.js';

/**
 * CpuKvTier against a plain reference of vLLM 0.15's LRUOffloadingManager as cpu-tier.ts
 * describes it: an ordered list of blocks (least recently used first), each ready or owned by
 * the request whose store made it, and pinned by loads in flight. The tier keeps the order as an
 * intrusive list with an eviction cursor and fails a store without listing every absent block;
 * none of that may change a result.
 */
class ReferenceTier {
  /** LRU first. */
  private order: { hash: number; owner: number; pins: number }[] = [];
  stores = 0;
  evictions = 0;

  constructor(readonly capacity: number) {}

  get numStored(): number {
    return this.order.length;
  }

  private find(hash: number) {
    return this.order.find((b) => b.hash === hash);
  }

  has(hash: number): boolean {
    return this.find(hash) !== undefined;
  }

  isReady(hash: number): boolean {
    return this.find(hash)?.owner === -1;
  }

  private evictable(): number {
    return this.order.filter((b) => b.owner === -1 && b.pins === 0).length;
  }

  lookup(hashes: number[], from: number, maxBlocks: number): number {
    let i = 0;
    while (i < Math.min(maxBlocks, hashes.length - from)) {
      const b = this.find(hashes[from + i]!);
      if (b === undefined || b.owner !== -1) break;
      i++;
    }
    return i;
  }

  completeStores(hashes: number[], count: number, owner: number): void {
    for (const h of hashes.slice(0, count)) {
      const b = this.find(h);
      if (b !== undefined && b.owner === owner) b.owner = -1;
    }
  }

  pin(hashes: number[], from: number, n: number): void {
    for (const h of hashes.slice(from, from + n)) this.find(h)!.pins++;
  }

  unpin(hashes: number[], from: number, n: number): void {
    for (const h of hashes.slice(from, from + n)) this.find(h)!.pins--;
  }

  touch(hashes: number[], count: number): void {
    for (const h of hashes.slice(0, count).reverse()) {
      const b = this.find(h);
      if (b === undefined) continue;
      this.order = [...this.order.filter((x) => x !== b), b];
    }
  }

  private insert(hash: number, owner: number): void {
    if (this.order.length >= this.capacity) {
      const victim = this.order.findIndex((b) => b.owner === -1 && b.pins === 0);
      this.order.splice(victim, 1);
      this.evictions++;
    }
    this.order.push({ hash, owner, pins: 0 });
    this.stores++;
  }

  store(hash: number): boolean {
    if (this.has(hash)) return false;
    if (this.order.length >= this.capacity && this.evictable() === 0) return false;
    this.insert(hash, -1);
    return true;
  }

  prepareStore(hashes: number[], from: number, to: number, owner: number): number {
    const missing = hashes.slice(from, to).filter((h) => !this.has(h));
    if (missing.length > this.capacity - this.order.length + this.evictable()) return -1;
    for (const h of missing) this.insert(h, owner);
    return missing.length;
  }
}

type Op =
  | { kind: 'prepareStore'; chain: number; from: number; to: number; owner: number }
  | { kind: 'complete'; chain: number; count: number; owner: number }
  | { kind: 'touch'; chain: number; count: number }
  | { kind: 'store'; hash: number }
  | { kind: 'pin'; chain: number; from: number; n: number }
  | { kind: 'unpinOldest' };

/** Hash chains (a request's block hashes): a few shared prefixes, then blocks of their own. */
const CHAINS: number[][] = Array.from({ length: 6 }, (_, c) => Array.from({ length: 12 }, (_, i) => (i < 3 ? (c % 2) * 100 + i : c * 1000 + i)));

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('prepareStore' as const), chain: fc.nat(5), from: fc.nat(11), to: fc.nat(12), owner: fc.integer({ min: -1, max: 2 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('complete' as const), chain: fc.nat(5), count: fc.nat(12), owner: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('touch' as const), chain: fc.nat(5), count: fc.nat(12) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('store' as const), hash: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pin' as const), chain: fc.nat(5), from: fc.nat(11), n: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'unpinOldest' as const }) },
);

describe('CPU tier against a plain LRU reference (vLLM LRUOffloadingManager)', () => {
  it('gives the same results, counts and membership after every operation', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.array(op, { minLength: 1, maxLength: 120, size: 'max' }), (capacity, ops) => {
        const tier = new CpuKvTier(capacity);
        const ref = new ReferenceTier(capacity);
        const pins: { chain: number; from: number; n: number }[] = [];
        for (const o of ops) {
          switch (o.kind) {
            case 'prepareStore': {
              const h = CHAINS[o.chain]!;
              const to = Math.max(o.from, o.to);
              expect(tier.prepareStore(Float64Array.from(h), o.from, to, o.owner)).toBe(ref.prepareStore(h, o.from, to, o.owner));
              break;
            }
            case 'complete':
              tier.completeStores(Float64Array.from(CHAINS[o.chain]!), o.count, o.owner);
              ref.completeStores(CHAINS[o.chain]!, o.count, o.owner);
              break;
            case 'touch':
              tier.touch(Float64Array.from(CHAINS[o.chain]!), o.count);
              ref.touch(CHAINS[o.chain]!, o.count);
              break;
            case 'store':
              expect(tier.store(o.hash)).toBe(ref.store(o.hash));
              break;
            case 'pin': {
              const h = CHAINS[o.chain]!.slice(o.from, o.from + o.n);
              // A load pins ready blocks (the connector's lookup stops at an unready one).
              if (h.length !== o.n || !h.every((x) => ref.isReady(x))) break;
              tier.pin(Float64Array.from(CHAINS[o.chain]!), o.from, o.n);
              ref.pin(CHAINS[o.chain]!, o.from, o.n);
              pins.push(o);
              break;
            }
            case 'unpinOldest': {
              const p = pins.shift();
              if (p === undefined) break;
              tier.unpin(Float64Array.from(CHAINS[p.chain]!), p.from, p.n);
              ref.unpin(CHAINS[p.chain]!, p.from, p.n);
              break;
            }
          }
          expect(tier.numStored).toBe(ref.numStored);
          expect(tier.stores).toBe(ref.stores);
          expect(tier.evictions).toBe(ref.evictions);
          for (const chain of CHAINS) {
            expect(tier.lookup(Float64Array.from(chain), 0, chain.length)).toBe(ref.lookup(chain, 0, chain.length));
            for (const h of chain) expect(tier.has(h)).toBe(ref.has(h));
          }
          for (let h = 0; h <= 40; h++) expect(tier.has(h)).toBe(ref.has(h));
        }
      }),
      // Sequences of every length up to 120 (size 'max'; fast-check's default keeps them under 10).
      { numRuns: 100 },
    );
  });

  it('evicts past a long run of unready blocks to the least recently used ready one, and back when an earlier one becomes ready', () => {
    const tier = new CpuKvTier(4);
    const a = Float64Array.of(1, 2, 3);
    expect(tier.prepareStore(a, 0, 3, 7)).toBe(3); // 1, 2, 3 owned by request 7 (unready)
    expect(tier.store(4)).toBe(true); // ready at once: LRU order 1, 2, 3, 4
    expect(tier.store(5)).toBe(true); // full: 4 is the only evictable block
    expect([tier.has(4), tier.has(5)]).toEqual([false, true]);
    tier.completeStores(a, 1, 7); // 1 becomes ready, before 5 in LRU order
    expect(tier.store(6)).toBe(true);
    expect([tier.has(1), tier.has(5), tier.has(6)]).toEqual([false, true, true]);
    expect(tier.store(7)).toBe(true); // 5 is next
    expect([tier.has(5), tier.has(2), tier.has(3)]).toEqual([false, true, true]);
    expect(tier.prepareStore(Float64Array.of(8, 9, 10), 0, 3, 3)).toBe(-1); // room for two (6 and 7 ready): nothing stored
    expect([tier.has(6), tier.has(7), tier.numStored]).toEqual([true, true, 4]);
  });

  it("counts the Python work vLLM's LRUOffloadingManager does for the same calls (connector-cpu.ts)", () => {
    const tier = new CpuKvTier(4);
    const a = Float64Array.of(1, 2, 3);
    // Room for all three: each hash filtered, nothing to evict, no entry walked.
    expect(tier.prepareStore(a, 0, 3, 7)).toBe(3);
    expect([tier.scanned, tier.filtered, tier.touched, tier.refused]).toEqual([0, 3, 0, 0]);
    // Stored a ready block: the tier is full (1, 2, 3 unready, 4 ready).
    expect(tier.store(4)).toBe(true);
    // Two absent blocks, room for one: prepare_store walks all four entries and returns None.
    expect(tier.prepareStore(Float64Array.of(5, 6), 0, 2, 8)).toBe(-1);
    expect([tier.scanned, tier.filtered, tier.refused]).toEqual([4, 5, 1]);
    // One absent block: vLLM's search would pass the three unready entries to evict the fourth;
    // the tier's starts at its cursor, already on that block, and counts one (a lower bound that
    // only a successful store's walk can miss: a failed one counts every entry).
    expect(tier.prepareStore(Float64Array.of(1, 5), 0, 2, 8)).toBe(1);
    expect([tier.scanned, tier.filtered, tier.has(4), tier.refused]).toEqual([5, 7, false, 1]);
    // touch walks every hash it is given, held or not.
    tier.touch(Float64Array.of(1, 2, 9), 3);
    expect(tier.touched).toBe(3);
  });
});
