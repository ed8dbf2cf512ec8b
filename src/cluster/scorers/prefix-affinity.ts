import { LazyIndex } from '../../engine/lazy-index.js';
import { grown } from '../../kernel/arrays.js';
import type { RoutingRequest, RouterView } from '../view.js';
import type { Scorer, RoutingObserver, ScorerEntry } from './scorer.js';

/** llm-d approximateprefix/types.go defaultMaxPrefixBlocks. */
const DEFAULT_MAX_PREFIX_BLOCKS = 256;
/**
 * llm-d approximateprefix/types.go defaultLRUCapacityPerServer: the LRU size of a pod whose
 * metrics report no CacheNumBlocks (plugin.go `makeserver`), and lruCapacityPerServer's default.
 */
export const DEFAULT_LRU_CAPACITY_PER_SERVER = 31_250;
/** Table sizes the index starts from; every table doubles as it fills. */
const INITIAL_ENTRIES = 1024;
const NONE = -1;

/**
 * llm-d's approximate prefix-cache-scorer: the router keeps its own record of which prefix blocks
 * it sent to which instance (it does not see the instances' real caches), one LRU per instance,
 * as llm-d-inference-scheduler pkg/epp/framework/plugins/requestcontrol/dataproducer/
 * approximateprefix/ does it:
 * - capacity: an instance's LRU is made at the first request routed to it, sized to its KV cache
 *   (`numGpuBlocks`, vLLM's num_gpu_blocks: `makeserver` takes CacheNumBlocks with autoTune on,
 *   the default) or to the fixed `lruCapacityPerServer`; it is never resized (indexer.go `Add`).
 * - insertion: after the pick (plugin.go `PreRequest`), the request's hashed blocks go to the
 *   chosen instance's LRU in prompt order, each one added or moved to the front (hashicorp
 *   golang-lru `Add`), so its last block is the most recent; past capacity the instance's least
 *   recent block is evicted and that instance only leaves the block's holders (`makeEvictionFn`);
 *   another instance holding the same hash keeps it.
 * - lookup: scoring reads the holders (indexer.go `Get` reads hashToPods) and refreshes nothing.
 * - score (plugin.go `matchLongestPrefix`, scorer/prefix/plugin.go `Score`): the leading blocks
 *   are walked until the first one no instance holds; each instance scores the number of those
 *   blocks it holds (a gap left by its own eviction is skipped, not an end) / the request's
 *   blocks. Both count at most `maxPrefixBlocks` leading blocks (hashing.go `hashPrompt`
 *   truncates to maxPrefixBlocksToMatch, default 256, before hashing; the index learns only those).
 * One difference: llm-d's `Add` evicts before it marks the holders, so a request with more blocks
 * than the LRU holds leaves its evicted first blocks marked as held (a stale entry until the pod
 * goes); here the holders are always what the LRUs hold. Unreachable with real KV sizes, which
 * exceed the 256 hashed blocks.
 *
 * Per request, scoring is O(matched blocks × ceil(instances/32) + instances) and routing
 * O(blocks): one lazily invalidated hash table of block hash → entry (a bitset of the instances
 * holding it, and the list of their nodes) for lookups, and per instance an intrusive LRU list
 * over shared typed arrays of nodes. Adding a new block and evicting an old one is one table
 * probe; a block the instance already holds is found among the block's holders. No Map:
 * evicting a Map's first key costs O(deleted entries) in V8 once the index is full.
 */
export class PrefixAffinityIndex implements Scorer, RoutingObserver {
  private readonly words: number;
  /**
   * Block hash → entry. Invalidated lazily (an entry counts while entryHash[e] is still its hash):
   * a block's last holder evicting it writes entryHash, never deletes from the table, and the
   * table sweeps stale keys when they fill it (engine/lazy-index.ts). Rebuilt when entries grow.
   */
  private entryOf: LazyIndex;
  /** Per entry: its hash (NONE when free), the bitset of instances holding it, and its first node. */
  private entryHash = new Float64Array(INITIAL_ENTRIES).fill(NONE);
  private entryBits: Uint32Array;
  private entryFirst = new Int32Array(INITIAL_ENTRIES).fill(NONE);
  private entriesMade = 0;
  private freeEntries = new Int32Array(INITIAL_ENTRIES);
  private freeCount = 0;
  /**
   * LRU nodes, one per (instance, block) held; node i < numInstances is instance i's sentinel
   * (next = most recent, prev = least recent). Nodes are never freed: a full LRU reuses its tail.
   * The nodes of one entry (its holders') also form a list (sameNext/samePrev), so an instance
   * finds its own node of a block it holds by walking the block's holders, with no table per
   * instance: a block is re-sent far less often than a new one is added and an old one evicted.
   */
  private nodeEntry: Int32Array;
  private nodeInstance: Int32Array;
  private prev: Int32Array;
  private next: Int32Array;
  private sameNext: Int32Array;
  private samePrev: Int32Array;
  private nodesMade: number;
  /** Per instance: LRU capacity (0 until its first routed request) and blocks held. */
  private readonly capacity: Int32Array;
  private readonly held: Int32Array;
  /** Scoring scratch: per bitset word, the holders of the current run of blocks and where it began. */
  private readonly runBits: Uint32Array;
  private readonly runStart: Int32Array;
  private readonly matched: Int32Array;

  /** `lruCapacityPerServer` 0: each instance's LRU holds its KV cache's blocks (view.numGpuBlocks). */
  constructor(private readonly numInstances: number, private readonly lruCapacityPerServer = 0, private readonly maxPrefixBlocks = DEFAULT_MAX_PREFIX_BLOCKS) {
    this.words = Math.max(1, Math.ceil(numInstances / 32));
    this.entryBits = new Uint32Array(INITIAL_ENTRIES * this.words);
    this.entryOf = new LazyIndex(this.entryHash, INITIAL_ENTRIES);
    const nodes = numInstances + INITIAL_ENTRIES;
    this.nodeEntry = new Int32Array(nodes);
    this.nodeInstance = new Int32Array(nodes);
    this.prev = new Int32Array(nodes);
    this.next = new Int32Array(nodes);
    this.sameNext = new Int32Array(nodes);
    this.samePrev = new Int32Array(nodes);
    for (let i = 0; i < numInstances; i++) this.prev[i] = this.next[i] = i;
    this.nodesMade = numInstances;
    this.capacity = new Int32Array(numInstances);
    this.held = new Int32Array(numInstances);
    this.runBits = new Uint32Array(this.words);
    this.runStart = new Int32Array(this.words);
    this.matched = new Int32Array(numInstances);
  }

  /** Distinct blocks some instance holds. */
  get size(): number {
    return this.entriesMade - this.freeCount;
  }

  /** Blocks in `instance`'s LRU. */
  heldBy(instance: number): number {
    return this.held[instance]!;
  }

  /** `instance`'s LRU capacity (0 before its first routed request). */
  capacityOf(instance: number): number {
    return this.capacity[instance]!;
  }

  onRouted(view: RouterView, req: RoutingRequest, instance: number): void {
    if (this.capacity[instance] === 0) this.open(instance, view.numGpuBlocks[instance] ?? 0);
    const hashes = req.blockHashes;
    const blocks = Math.min(hashes.length, this.maxPrefixBlocks);
    for (let k = 0; k < blocks; k++) this.add(instance, hashes[k]!);
  }

  /**
   * The instance left the fleet: its blocks leave their holders (llm-d's CleanUpInactivePods
   * calls indexer.RemovePod for pods no longer active, every podActiveCheckInterval, 2 minutes,
   * in approximateprefix/plugin.go and types.go; here at once). Its nodes are not reused: ids are not.
   */
  onInstanceGone(instance: number): void {
    if (this.capacity[instance] === 0) return;
    const word = instance >>> 5;
    const bit = 1 << (instance & 31);
    for (let node = this.next[instance]!; node !== instance; node = this.next[node]!) this.evict(node, word, bit);
    this.prev[instance] = this.next[instance] = instance;
    this.held[instance] = 0;
  }

  score(view: RouterView, req: RoutingRequest, out: Float64Array): void {
    const hashes = req.blockHashes;
    const blocks = Math.min(hashes.length, this.maxPrefixBlocks);
    if (blocks === 0) {
      out.fill(0, 0, this.numInstances);
      return;
    }
    const words = this.words;
    const bits = this.entryBits;
    const runBits = this.runBits;
    const runStart = this.runStart;
    const matched = this.matched;
    runBits.fill(0);
    // Consecutive blocks mostly have the same holders: count per run of equal bitsets, not per block.
    let k = 0;
    for (; k < blocks; k++) {
      const e = this.entryOf.get(hashes[k]!);
      if (e < 0) break;
      const base = e * words;
      for (let w = 0; w < words; w++) {
        const b = bits[base + w]!;
        if (b === runBits[w]) continue;
        if (runBits[w] !== 0) addRun(matched, w, runBits[w]!, k - runStart[w]!);
        runBits[w] = b;
        runStart[w] = k;
      }
    }
    for (let w = 0; w < words; w++) if (runBits[w] !== 0) addRun(matched, w, runBits[w]!, k - runStart[w]!);
    for (let i = 0; i < this.numInstances; i++) {
      out[i] = view.eligible[i] !== 0 ? matched[i]! / blocks : 0;
      matched[i] = 0;
    }
  }

  /**
   * The request's leading blocks `instance` holds, as the score counts them (what llm-d's
   * PrefixCacheMatchInfo carries as MatchBlocks for a pod). `scratch` holds a score per instance.
   */
  matchedBlocks(view: RouterView, req: RoutingRequest, instance: number, scratch: Float64Array): number {
    this.score(view, req, scratch);
    return Math.round(scratch[instance]! * Math.min(req.blockHashes.length, this.maxPrefixBlocks));
  }

  /** Makes `instance`'s LRU (llm-d makes it at the pod's first Add, sized then). */
  private open(instance: number, numGpuBlocks: number): void {
    this.capacity[instance] = this.lruCapacityPerServer > 0 ? this.lruCapacityPerServer : numGpuBlocks > 0 ? numGpuBlocks : DEFAULT_LRU_CAPACITY_PER_SERVER;
  }

  /** golang-lru `Add` on `instance`'s LRU: to the front, evicting its least recent block when full. */
  private add(instance: number, h: number): void {
    const word = instance >>> 5;
    const bit = 1 << (instance & 31);
    let e = this.entryOf.get(h);
    if (e >= 0 && (this.entryBits[e * this.words + word]! & bit) !== 0) {
      let node = this.entryFirst[e]!;
      while (this.nodeInstance[node] !== instance) node = this.sameNext[node]!;
      this.unlink(node);
      this.pushFront(instance, node);
      return;
    }
    let node: number;
    if (this.held[instance]! < this.capacity[instance]!) {
      node = this.newNode();
      this.nodeInstance[node] = instance;
      this.held[instance]!++;
    } else {
      // Its least recent block leaves it; that block's entry is not e (e is not held here).
      node = this.prev[instance]!;
      this.unlink(node);
      this.evict(node, word, bit);
    }
    if (e < 0) e = this.newEntry(h);
    this.entryBits[e * this.words + word]! |= bit;
    this.nodeEntry[node] = e;
    const first = this.entryFirst[e]!;
    this.sameNext[node] = first;
    this.samePrev[node] = NONE;
    if (first !== NONE) this.samePrev[first] = node;
    this.entryFirst[e] = node;
    this.pushFront(instance, node);
  }

  /** The instance of `node` forgets its block; the block's entry goes when no instance holds it. */
  private evict(node: number, word: number, bit: number): void {
    const e = this.nodeEntry[node]!;
    const p = this.samePrev[node]!;
    const n = this.sameNext[node]!;
    if (p === NONE) this.entryFirst[e] = n;
    else this.sameNext[p] = n;
    if (n !== NONE) this.samePrev[n] = p;
    const base = e * this.words;
    this.entryBits[base + word]! &= ~bit;
    if (this.entryFirst[e] !== NONE) return;
    // The last holder: the entry's table key goes stale (LazyIndex) and the entry is reused.
    this.entryHash[e] = NONE;
    this.freeEntries[this.freeCount++] = e;
  }

  private newEntry(h: number): number {
    let e: number;
    if (this.freeCount > 0) e = this.freeEntries[--this.freeCount]!;
    else {
      if (this.entriesMade === this.entryHash.length) this.growEntries();
      e = this.entriesMade++;
    }
    this.entryHash[e] = h;
    this.entryFirst[e] = NONE;
    this.entryOf.set(h, e);
    return e;
  }

  private newNode(): number {
    if (this.nodesMade === this.nodeEntry.length) {
      const n = this.nodeEntry.length * 2;
      this.nodeEntry = grown(this.nodeEntry, n);
      this.nodeInstance = grown(this.nodeInstance, n);
      this.prev = grown(this.prev, n);
      this.next = grown(this.next, n);
      this.sameNext = grown(this.sameNext, n);
      this.samePrev = grown(this.samePrev, n);
    }
    return this.nodesMade++;
  }

  /** Twice the entries: arrays copied, the hash index rebuilt over the new hash array from the live entries. */
  private growEntries(): void {
    const n = this.entryHash.length * 2;
    const hash = new Float64Array(n).fill(NONE);
    hash.set(this.entryHash);
    this.entryHash = hash;
    this.entryBits = grown(this.entryBits, n * this.words);
    const first = new Int32Array(n).fill(NONE);
    first.set(this.entryFirst);
    this.entryFirst = first;
    this.freeEntries = grown(this.freeEntries, n);
    const index = new LazyIndex(hash, n);
    for (let e = 0; e < this.entriesMade; e++) if (hash[e] !== NONE) index.set(hash[e]!, e);
    this.entryOf = index;
  }

  private unlink(node: number): void {
    const p = this.prev[node]!;
    const n = this.next[node]!;
    this.next[p] = n;
    this.prev[n] = p;
  }

  private pushFront(sentinel: number, node: number): void {
    const first = this.next[sentinel]!;
    this.next[node] = first;
    this.prev[node] = sentinel;
    this.prev[first] = node;
    this.next[sentinel] = node;
  }
}

/** Adds `count` matched blocks to every instance in word `word`'s bitset `bits`. */
function addRun(matched: Int32Array, word: number, bits: number, count: number): void {
  let b = bits >>> 0;
  while (b !== 0) {
    const low = b & -b;
    matched[word * 32 + (31 - Math.clz32(low))]! += count;
    b = (b ^ low) >>> 0;
  }
}

export const prefixAffinity: ScorerEntry = {
  name: 'prefix-affinity',
  aliases: ['prefix-cache-scorer'],
  describe: "router's own per-instance LRUs of the prefix blocks it sent there: blocks each instance holds of the request's leading run (up to the first block none holds) / request blocks, both over at most maxPrefixBlocks",
  options: {
    lruCapacityPerServer: { describe: "blocks each instance's LRU remembers; 0 (default) = that instance's KV cache size, vLLM's num_gpu_blocks (llm-d's autoTune)", default: 0, unit: 'blocks' },
    maxPrefixBlocks: { describe: "leading prompt blocks hashed, matched and counted (llm-d's maxPrefixBlocksToMatch)", default: DEFAULT_MAX_PREFIX_BLOCKS, unit: 'blocks' },
  },
  retired: {
    capacityBlocks: 'was one LRU over all instances; the index now keeps one LRU per instance, as llm-d does: use lruCapacityPerServer (blocks per instance; 0, the default, = each instance\'s KV cache size)',
  },
  create: (ctx, options) => {
    const perServer = options?.lruCapacityPerServer;
    const max = options?.maxPrefixBlocks;
    return new PrefixAffinityIndex(ctx.numInstances, perServer !== undefined && perServer >= 1 ? Math.floor(perServer) : 0,
      max !== undefined && max >= 1 ? Math.floor(max) : DEFAULT_MAX_PREFIX_BLOCKS);
  },
};
