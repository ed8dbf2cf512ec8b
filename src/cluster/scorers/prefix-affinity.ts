import { HashIndex } from '../../engine/hash-index.js';
import type { RoutingRequest, RouterView } from '../view.js';
import type { Scorer, RoutingObserver, ScorerEntry } from './scorer.js';

/** llm-d approximateprefix/types.go defaultMaxPrefixBlocks. */
const DEFAULT_MAX_PREFIX_BLOCKS = 256;

/**
 * llm-d's approximate prefix-cache-scorer: the router keeps its own index of which instance it
 * sent which prefix blocks to (it does not see the instances' real caches), bounded by an LRU
 * capacity. Score = leading blocks of the request found for that instance / the request's blocks,
 * both counted over at most `maxPrefixBlocks` leading blocks (llm-d-inference-scheduler
 * pkg/epp/framework/plugins/requestcontrol/dataproducer/approximateprefix/hashing.go `hashPrompt`
 * truncates the prompt to maxPrefixBlocksToMatch blocks, default 256 in types.go, before hashing;
 * the index learns only those, plugin.go `PreRequest`), so a 4096-token shared prefix of a longer
 * prompt scores 1, not 4096 / its length.
 * Per request the work is O(matched blocks × ceil(instances/32) + instances), never
 * O(instances × blocks). The LRU is an intrusive list over typed arrays (slots), not a Map in
 * insertion order: evicting a Map's first key costs O(deleted entries) in V8 once the index is full.
 */
export class PrefixAffinityIndex implements Scorer, RoutingObserver {
  private readonly words: number;
  /** Block hash → slot (typed-array open addressing: a Map boxes 53-bit keys and was the hot spot). */
  private slotOf = new HashIndex(1);
  private slotHash = new Float64Array(0);
  private bits = new Uint32Array(0);
  /** Doubly linked LRU over slots; the sentinel is slot `capacityBlocks` (next = most recent). */
  private prev: Int32Array;
  private next: Int32Array;
  private used = 0;
  private readonly sentinel: number;
  private readonly active: Uint32Array;
  private readonly matched: Int32Array;

  constructor(private readonly numInstances: number, private readonly capacityBlocks: number, private readonly maxPrefixBlocks = DEFAULT_MAX_PREFIX_BLOCKS) {
    this.words = Math.max(1, Math.ceil(numInstances / 32));
    this.active = new Uint32Array(this.words);
    this.matched = new Int32Array(numInstances);
    this.sentinel = capacityBlocks;
    this.prev = new Int32Array(0);
    this.next = new Int32Array(0);
    this.grow(Math.min(capacityBlocks, 1024));
  }

  get size(): number {
    return this.slotOf.size;
  }

  onRouted(req: RoutingRequest, instance: number): void {
    const hashes = req.blockHashes;
    const word = instance >>> 5;
    const bit = 1 << (instance & 31);
    const blocks = Math.min(hashes.length, this.maxPrefixBlocks);
    for (let k = 0; k < blocks; k++) {
      const h = hashes[k]!;
      let slot = this.slotOf.get(h);
      if (slot < 0) {
        slot = this.takeSlot();
        this.slotHash[slot] = h;
        this.slotOf.set(h, slot);
      } else {
        this.unlink(slot);
      }
      this.pushFront(slot);
      this.bits[slot * this.words + word]! |= bit;
    }
  }

  score(view: RouterView, req: RoutingRequest, out: Float64Array): void {
    const hashes = req.blockHashes;
    const blocks = Math.min(hashes.length, this.maxPrefixBlocks);
    if (blocks === 0) {
      out.fill(0, 0, this.numInstances);
      return;
    }
    const active = this.active;
    const matched = this.matched;
    const words = this.words;
    active.fill(0);
    for (let i = 0; i < this.numInstances; i++) if (view.eligible[i] !== 0) active[i >>> 5]! |= 1 << (i & 31);
    let k = 0;
    for (; k < blocks; k++) {
      const slot = this.slotOf.get(hashes[k]!);
      if (slot < 0) break;
      const base = slot * words;
      let any = 0;
      for (let w = 0; w < words; w++) {
        const entry = this.bits[base + w]!;
        const dropped = active[w]! & ~entry;
        if (dropped !== 0) markMatched(matched, w, dropped, k);
        active[w] = active[w]! & entry;
        any |= active[w]!;
      }
      if (any === 0) break;
    }
    for (let w = 0; w < words; w++) if (active[w] !== 0) markMatched(matched, w, active[w]!, k);
    for (let i = 0; i < this.numInstances; i++) {
      out[i] = view.eligible[i] !== 0 ? matched[i]! / blocks : 0;
      matched[i] = 0;
    }
  }

  /** A free slot, or the least recently routed one (evicted). */
  private takeSlot(): number {
    if (this.used < this.capacityBlocks) {
      if (this.used === this.slotHash.length) this.grow(Math.min(this.capacityBlocks, this.slotHash.length * 2));
      return this.used++;
    }
    const lru = this.prev[this.sentinel]!;
    this.unlink(lru);
    this.slotOf.delete(this.slotHash[lru]!);
    this.bits.fill(0, lru * this.words, (lru + 1) * this.words);
    return lru;
  }

  private unlink(slot: number): void {
    const p = this.prev[slot]!;
    const n = this.next[slot]!;
    this.next[p] = n;
    this.prev[n] = p;
  }

  private pushFront(slot: number): void {
    const s = this.sentinel;
    const first = this.next[s]!;
    this.next[slot] = first;
    this.prev[slot] = s;
    this.prev[first] = slot;
    this.next[s] = slot;
  }

  private grow(slots: number): void {
    const hash = new Float64Array(slots);
    hash.set(this.slotHash);
    const index = new HashIndex(slots);
    for (let k = 0; k < this.used; k++) index.set(this.slotHash[k]!, k);
    this.slotOf = index;
    const bits = new Uint32Array(slots * this.words);
    bits.set(this.bits);
    // prev/next are indexed up to the sentinel (capacityBlocks): allocate them once, fully.
    if (this.prev.length === 0) {
      this.prev = new Int32Array(this.capacityBlocks + 1);
      this.next = new Int32Array(this.capacityBlocks + 1);
      this.prev[this.sentinel] = this.sentinel;
      this.next[this.sentinel] = this.sentinel;
    }
    this.slotHash = hash;
    this.bits = bits;
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
  describe: "router's own LRU-bounded index of prefix blocks it sent to each instance: matched leading blocks / request blocks, both over at most maxPrefixBlocks",
  options: {
    capacityBlocks: { describe: 'prefix blocks remembered by the router index (LRU)', default: 500_000, unit: 'blocks' },
    maxPrefixBlocks: { describe: "leading prompt blocks hashed, matched and counted (llm-d's maxPrefixBlocksToMatch)", default: DEFAULT_MAX_PREFIX_BLOCKS, unit: 'blocks' },
  },
  create: (ctx, options) => new PrefixAffinityIndex(ctx.numInstances, options?.capacityBlocks ?? 500_000,
    options?.maxPrefixBlocks !== undefined && options.maxPrefixBlocks >= 1 ? Math.floor(options.maxPrefixBlocks) : DEFAULT_MAX_PREFIX_BLOCKS),
};
