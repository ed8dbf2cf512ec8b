/**
 * The KV pool's free queue (vLLM 0.15 v1/core/kv_cache_utils.py FreeKVCacheBlockQueue): free
 * blocks in the order they were freed; allocation takes the head (least recently freed), a freed
 * block joins the tail, and a prefix hit on a free block takes it out of the middle.
 *
 * vLLM keeps a doubly linked list; here the queue is a ring of block ids in that order, where a
 * block taken out of the middle leaves a hole that the head skips when it gets there. The order
 * is the same, but allocation reads the ring in memory order: with a linked list each allocation
 * first had to load the previous block's `next` (block ids come off the queue scattered, so each
 * was a cache miss the next allocation waited for), and now the loads of successive allocations
 * are independent. The ring holds twice the pool; when freed blocks and holes fill it, one pass
 * packs the blocks together (at least half the ring was holes: amortised O(1) per hole).
 */
const HOLE = -1;

export class FreeQueue {
  /** Block ids in queue order from `head` (inclusive) to `tail` (exclusive), modulo the ring's length; HOLE where a block left the middle. */
  private readonly ring: Int32Array;
  /** Each free block's slot in the ring (stale while the block is in use). */
  private readonly slotOf: Int32Array;
  private head = 0;
  private tail = 0;
  /** Slots between head and tail, holes included. */
  private slots = 0;
  private count = 0;

  /** Every block of the pool is free, in index order (vLLM's initial queue). */
  constructor(totalBlocks: number) {
    this.ring = new Int32Array(2 * totalBlocks);
    this.slotOf = new Int32Array(totalBlocks);
    for (let b = 0; b < totalBlocks; b++) this.push(b);
  }

  /** Free blocks. */
  get size(): number {
    return this.count;
  }

  /** Takes the head (the least recently freed block), or -1 when none is free. */
  shift(): number {
    if (this.count === 0) return -1;
    const ring = this.ring;
    let h = this.head;
    let b = ring[h]!;
    while (b === HOLE) {
      if (++h === ring.length) h = 0;
      this.slots--;
      b = ring[h]!;
    }
    if (++h === ring.length) h = 0;
    this.head = h;
    this.slots--;
    this.count--;
    return b;
  }

  /** A freed block joins the tail. */
  push(b: number): void {
    const ring = this.ring;
    if (this.slots === ring.length) this.pack();
    const t = this.tail;
    ring[t] = b;
    this.slotOf[b] = t;
    this.tail = t + 1 === ring.length ? 0 : t + 1;
    this.slots++;
    this.count++;
  }

  /** Takes free block b out of the queue wherever it is. */
  remove(b: number): void {
    this.ring[this.slotOf[b]!] = HOLE;
    this.count--;
  }

  /** Calls f with every free block in queue order (tests; O(ring)). */
  forEach(f: (b: number) => void): void {
    const ring = this.ring;
    for (let k = 0, s = this.head; k < this.slots; k++, s = s + 1 === ring.length ? 0 : s + 1) {
      if (ring[s] !== HOLE) f(ring[s]!);
    }
  }

  /**
   * Packs the blocks together from the head in queue order, dropping the holes (the ring is full:
   * slots === length). In place: the write position never passes the read position.
   */
  private pack(): void {
    const ring = this.ring;
    const len = ring.length;
    let w = this.head;
    for (let k = 0, r = this.head; k < this.slots; k++) {
      const b = ring[r]!;
      if (b !== HOLE) {
        ring[w] = b;
        this.slotOf[b] = w;
        if (++w === len) w = 0;
      }
      if (++r === len) r = 0;
    }
    this.tail = w;
    this.slots = this.count;
  }
}
