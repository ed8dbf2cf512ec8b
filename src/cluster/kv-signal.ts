/**
 * The router's delayed view of the instances' prefix caches, fed by the engines' KV events
 * (vLLM's KVEventBatch BlockStored / BlockRemoved, which llm-d's kv-cache-manager consumes over
 * ZMQ to build its index). An event becomes visible to routing only once it is at least
 * `delayUs` old: events wait in a FIFO and are applied, in order, when they mature.
 *
 * Bounded and cheap: the index holds, per block hash, a bitset of the instances that had it
 * (at most the instances' total KV blocks entries; a typed-array hash table to slots, since a Map
 * boxes 53-bit keys), and the FIFO holds only the events of the last `delayUs`. A lookup walks the request's leading blocks once with a bitset of still-matching
 * instances: O(matched blocks × ceil(instances/32) + instances), never O(instances × blocks).
 */
import { HashIndex } from '../engine/hash-index.js';

export class DelayedKvIndex {
  private readonly words: number;
  /** Hash → slot; a slot's bitset is bits[slot·words .. +words). */
  private index = new HashIndex(256);
  private slotHash = new Float64Array(256);
  private bits: Uint32Array;
  private readonly freeSlots: number[] = [];
  private usedSlots = 0;
  private readonly active: Uint32Array;
  // Pending events (ring buffer of parallel arrays).
  private evInstance = new Int32Array(64);
  private evStored = new Uint8Array(64);
  private evHash = new Float64Array(64);
  private evTimeUs = new Float64Array(64);
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number, readonly delayUs: number) {
    this.words = Math.max(1, Math.ceil(capacity / 32));
    this.active = new Uint32Array(this.words);
    this.bits = new Uint32Array(256 * this.words);
  }

  /** Hashes currently visible to the router (any instance). */
  get size(): number {
    return this.index.size;
  }


  /** Events not yet visible. */
  get pending(): number {
    return this.count;
  }

  /** An instance stored (`stored` = true) or evicted a block hash at `tUs`. */
  record(instance: number, stored: boolean, hash: number, tUs: number): void {
    if (this.delayUs <= 0) {
      this.apply(instance, stored, hash);
      return;
    }
    if (this.count === this.evHash.length) this.grow();
    const k = (this.head + this.count) % this.evHash.length;
    this.evInstance[k] = instance;
    this.evStored[k] = stored ? 1 : 0;
    this.evHash[k] = hash;
    this.evTimeUs[k] = tUs;
    this.count++;
  }

  /** Applies every event that is at least `delayUs` old at `nowUs`. */
  advance(nowUs: number): void {
    const limit = nowUs - this.delayUs;
    const cap = this.evHash.length;
    while (this.count > 0 && this.evTimeUs[this.head]! <= limit) {
      const k = this.head;
      this.apply(this.evInstance[k]!, this.evStored[k] === 1, this.evHash[k]!);
      this.head = (k + 1) % cap;
      this.count--;
    }
  }

  /** Forgets everything known about an instance (it left the cluster). */
  forgetInstance(instance: number): void {
    const word = instance >>> 5;
    const mask = ~(1 << (instance & 31));
    for (let slot = 0; slot < this.usedSlots; slot++) {
      const base = slot * this.words;
      if (this.bits[base + word] === 0) continue;
      this.bits[base + word]! &= mask;
      if (this.isEmpty(base)) this.freeSlot(slot);
    }
  }

  /**
   * Writes into `out[i]` how many leading blocks of `hashes` instance i holds (as visible now),
   * for the eligible instances (0 for the others). Call `advance` first.
   */
  matchedBlocks(hashes: Float64Array, eligible: Uint8Array, numInstances: number, out: Float64Array): void {
    out.fill(0, 0, numInstances);
    if (hashes.length === 0 || this.index.size === 0) return;
    const active = this.active;
    active.fill(0);
    let any = 0;
    for (let i = 0; i < numInstances; i++) if (eligible[i] !== 0) { active[i >>> 5]! |= 1 << (i & 31); any = 1; }
    for (let k = 0; k < hashes.length && any !== 0; k++) {
      const slot = this.index.get(hashes[k]!);
      const base = slot * this.words;
      any = 0;
      for (let w = 0; w < this.words; w++) {
        const a = slot < 0 ? 0 : active[w]! & this.bits[base + w]!;
        active[w] = a;
        any |= a;
        let b = a >>> 0;
        while (b !== 0) {
          const low = b & -b;
          out[w * 32 + (31 - Math.clz32(low))] = k + 1;
          b = (b ^ low) >>> 0;
        }
      }
    }
  }

  private apply(instance: number, stored: boolean, hash: number): void {
    const word = instance >>> 5;
    const bit = 1 << (instance & 31);
    let slot = this.index.get(hash);
    if (stored) {
      if (slot < 0) {
        slot = this.newSlot(hash);
        this.index.set(hash, slot);
      }
      this.bits[slot * this.words + word]! |= bit;
    } else if (slot >= 0) {
      const base = slot * this.words;
      this.bits[base + word]! &= ~bit;
      if (this.isEmpty(base)) this.freeSlot(slot);
    }
  }

  private newSlot(hash: number): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      if (this.usedSlots === this.slotHash.length) this.growSlots();
      slot = this.usedSlots++;
    }
    this.slotHash[slot] = hash;
    return slot;
  }

  private freeSlot(slot: number): void {
    this.index.delete(this.slotHash[slot]!);
    this.slotHash[slot] = -1;
    this.freeSlots.push(slot);
  }

  private isEmpty(base: number): boolean {
    for (let w = 0; w < this.words; w++) if (this.bits[base + w] !== 0) return false;
    return true;
  }

  /** Doubles the slots and rebuilds the hash table for them. */
  private growSlots(): void {
    const n = this.slotHash.length * 2;
    const hashes = new Float64Array(n).fill(-1);
    hashes.set(this.slotHash);
    const bits = new Uint32Array(n * this.words);
    bits.set(this.bits);
    const index = new HashIndex(n);
    for (let k = 0; k < this.usedSlots; k++) if (hashes[k]! >= 0) index.set(hashes[k]!, k);
    this.slotHash = hashes;
    this.bits = bits;
    this.index = index;
  }

  private grow(): void {
    const n = this.evHash.length;
    const inst = new Int32Array(n * 2);
    const stored = new Uint8Array(n * 2);
    const hash = new Float64Array(n * 2);
    const time = new Float64Array(n * 2);
    for (let j = 0; j < this.count; j++) {
      const k = (this.head + j) % n;
      inst[j] = this.evInstance[k]!;
      stored[j] = this.evStored[k]!;
      hash[j] = this.evHash[k]!;
      time[j] = this.evTimeUs[k]!;
    }
    this.evInstance = inst;
    this.evStored = stored;
    this.evHash = hash;
    this.evTimeUs = time;
    this.head = 0;
  }
}

