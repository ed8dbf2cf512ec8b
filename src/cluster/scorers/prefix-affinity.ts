import type { RoutingRequest, RouterView } from '../view.js';
import type { Scorer, RoutingObserver, ScorerEntry } from './scorer.js';

/**
 * llm-d's approximate prefix-cache-scorer: the router keeps its own index of which instance it
 * sent which prefix blocks to (it does not see the instances' real caches), bounded by an LRU
 * capacity. Score = leading blocks of the request found for that instance / the request's blocks.
 * Per request the work is O(matched blocks × ceil(instances/32) + instances), never
 * O(instances × blocks).
 */
export class PrefixAffinityIndex implements Scorer, RoutingObserver {
  private readonly words: number;
  private readonly index = new Map<number, Uint32Array>();
  private readonly active: Uint32Array;
  private readonly matched: Int32Array;

  constructor(private readonly numInstances: number, private readonly capacityBlocks: number) {
    this.words = Math.ceil(numInstances / 32);
    this.active = new Uint32Array(this.words);
    this.matched = new Int32Array(numInstances);
  }

  get size(): number {
    return this.index.size;
  }

  onRouted(req: RoutingRequest, instance: number): void {
    const hashes = req.blockHashes;
    const word = instance >>> 5;
    const bit = 1 << (instance & 31);
    for (let k = 0; k < hashes.length; k++) {
      const h = hashes[k]!;
      let entry = this.index.get(h);
      if (entry !== undefined) {
        this.index.delete(h);
      } else {
        if (this.index.size >= this.capacityBlocks) {
          const oldest = this.index.keys().next().value as number;
          this.index.delete(oldest);
        }
        entry = new Uint32Array(this.words);
      }
      entry[word]! |= bit;
      this.index.set(h, entry);
    }
  }

  score(view: RouterView, req: RoutingRequest, out: Float64Array): void {
    const hashes = req.blockHashes;
    const blocks = hashes.length;
    if (blocks === 0) {
      out.fill(0, 0, this.numInstances);
      return;
    }
    const active = this.active;
    const matched = this.matched;
    active.fill(0);
    for (let i = 0; i < this.numInstances; i++) if (view.eligible[i] !== 0) active[i >>> 5]! |= 1 << (i & 31);
    let k = 0;
    for (; k < blocks; k++) {
      const entry = this.index.get(hashes[k]!);
      if (entry === undefined) break;
      let any = 0;
      for (let w = 0; w < this.words; w++) {
        const dropped = active[w]! & ~entry[w]!;
        if (dropped !== 0) markMatched(matched, w, dropped, k);
        active[w] = active[w]! & entry[w]!;
        any |= active[w]!;
      }
      if (any === 0) break;
    }
    for (let w = 0; w < this.words; w++) if (active[w] !== 0) markMatched(matched, w, active[w]!, k);
    for (let i = 0; i < this.numInstances; i++) {
      out[i] = view.eligible[i] !== 0 ? matched[i]! / blocks : 0;
      matched[i] = 0;
    }
  }
}

function markMatched(matched: Int32Array, word: number, bits: number, count: number): void {
  let b = bits >>> 0;
  while (b !== 0) {
    const low = b & -b;
    const i = word * 32 + (31 - Math.clz32(low));
    matched[i] = count;
    b = (b ^ low) >>> 0;
  }
}

export const prefixAffinity: ScorerEntry = {
  name: 'prefix-affinity',
  aliases: ['prefix-cache-scorer'],
  describe: "router's own LRU-bounded index of prefix blocks it sent to each instance: matched leading blocks / request blocks",
  options: {
    capacityBlocks: { describe: 'prefix blocks remembered by the router index (LRU)', default: 500_000, unit: 'blocks' },
  },
  create: (ctx, options) => new PrefixAffinityIndex(ctx.numInstances, options?.capacityBlocks ?? 500_000),
};
