/**
 * The gateway's flow-control queue (after GIE's FlowController, pkg/epp/flowcontrol): requests
 * that found every candidate saturated wait here in priority bands, FIFO within a band, and are
 * dispatched when a scrape shows capacity again. Bands are ordered like the rest of blis:
 * a lower `priority` value is more urgent (vLLM's convention; GIE's InferenceObjective counts
 * the other way). Items expire after their TTL (removed lazily: an expired item is skipped when
 * it reaches a band's head). Bounded by a total size; 0 = unbounded.
 */
export interface QueueItem {
  readonly priority: number;
  /** Set when the item left the queue by expiry (lazy removal). */
  removed: boolean;
}

class Band<T extends QueueItem> {
  items: T[] = [];
  head = 0;
  constructor(readonly priority: number) {}
  peek(): T | undefined {
    this.skipRemoved();
    return this.items[this.head];
  }
  shift(): T | undefined {
    this.skipRemoved();
    const it = this.items[this.head];
    if (it !== undefined) this.items[this.head++] = undefined as unknown as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return it;
  }
  private skipRemoved(): void {
    while (this.head < this.items.length && this.items[this.head]!.removed) this.items[this.head++] = undefined as unknown as T;
  }
}

export class GatewayQueue<T extends QueueItem> {
  /** Bands in dispatch order (ascending priority value). */
  private readonly bands: Band<T>[] = [];
  private count = 0;

  constructor(readonly maxSize: number) {}

  /** Items waiting (expired ones excluded). */
  get size(): number {
    return this.count;
  }

  /** False when the queue is full (the caller rejects the request). */
  push(item: T): boolean {
    if (this.maxSize > 0 && this.count >= this.maxSize) return false;
    let b = this.bands.find((x) => x.priority === item.priority);
    if (b === undefined) {
      b = new Band<T>(item.priority);
      let at = 0;
      while (at < this.bands.length && this.bands[at]!.priority < item.priority) at++;
      this.bands.splice(at, 0, b);
    }
    b.items.push(item);
    this.count++;
    return true;
  }

  /** Marks an item gone (TTL expiry); it is skipped when it reaches its band's head. */
  remove(item: T): void {
    if (item.removed) return;
    item.removed = true;
    this.count--;
  }

  /**
   * Dispatches heads in band order while `canGo(head)`: each leaves the queue, then `go(head)`.
   * A head that cannot go blocks its own band (FIFO) but not the later bands (their candidates
   * may differ, e.g. another model). Not re-entrant: `go` must not drain again.
   */
  drain(canGo: (item: T) => boolean, go: (item: T) => void): void {
    if (this.count === 0) return;
    for (const b of this.bands) {
      for (let it = b.peek(); it !== undefined; it = b.peek()) {
        if (!canGo(it)) break;
        b.shift();
        this.count--;
        go(it);
      }
    }
  }
}
