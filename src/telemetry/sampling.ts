/**
 * Trace sampling, deterministic by request index: head sampling with probability P (a seeded
 * coin per index, so the same requests are traced in every run with that seed), plus "keep the
 * N slowest by E2E" whatever the coin said (a bounded min-heap of size N; those are emitted at
 * close, in index order).
 */
import type { RequestRecord } from '../cluster/record.js';
import type { ArrivalRequest } from '../workload/request.js';
import { sampleCoin } from './ids.js';
import type { Telemetry } from './options.js';
import { isBackpressured, type Backpressured, type TraceSink, type TraceSinkSummary } from './sink.js';

interface Kept {
  readonly e2eUs: number;
  readonly record: RequestRecord;
  readonly request: ArrivalRequest | undefined;
  readonly emitted: boolean;
}

/** E2E for ranking; requests that never finished rank by the time they spent in the system. */
function e2eOf(r: RequestRecord): number {
  return r.finishedUs >= 0 ? r.finishedUs - r.arrivalUs : -1;
}

/** Min-heap on (e2e, -index): the root is the least slow, evicted first. */
class SlowestHeap {
  readonly items: Kept[] = [];
  constructor(private readonly capacity: number) {}

  private less(a: Kept, b: Kept): boolean {
    return a.e2eUs < b.e2eUs || (a.e2eUs === b.e2eUs && a.record.index > b.record.index);
  }

  offer(k: Kept): void {
    const h = this.items;
    if (h.length < this.capacity) {
      h.push(k);
      let i = h.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.less(h[i]!, h[p]!)) break;
        [h[i], h[p]] = [h[p]!, h[i]!];
        i = p;
      }
      return;
    }
    if (!this.less(h[0]!, k)) return;
    h[0] = k;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

/** Wraps a sink with head sampling and slowest-N retention. Pass-through when P = 1 and N = 0. */
export class SamplingSink implements TraceSink, Backpressured {
  private readonly heap: SlowestHeap | undefined;
  private headSampled = 0;
  private seen = 0;

  constructor(private readonly inner: TraceSink, private readonly t: Telemetry) {
    this.heap = t.traceSlowest > 0 ? new SlowestHeap(t.traceSlowest) : undefined;
  }

  /** Whether head sampling keeps request `index`. */
  static keeps(t: Telemetry, index: number): boolean {
    return t.traceSample >= 1 || (t.traceSample > 0 && sampleCoin(t.seed, index) < t.traceSample);
  }

  add(record: RequestRecord, request?: ArrivalRequest): void {
    this.seen++;
    const keep = SamplingSink.keeps(this.t, record.index);
    if (keep) {
      this.headSampled++;
      this.inner.add(record, request);
    }
    if (this.heap) {
      const e2e = e2eOf(record);
      if (e2e >= 0) this.heap.offer({ e2eUs: e2e, record, request, emitted: keep });
    }
  }

  async drain(): Promise<void> {
    if (isBackpressured(this.inner)) await this.inner.drain();
  }

  async close(): Promise<readonly TraceSinkSummary[]> {
    let extra = 0;
    if (this.heap) {
      const late = this.heap.items.filter((k) => !k.emitted).sort((a, b) => a.record.index - b.record.index);
      for (const k of late) this.inner.add(k.record, k.request);
      extra = late.length;
    }
    const sampledOut = this.seen - this.headSampled - extra;
    const summaries = await this.inner.close();
    return summaries.map((s) => ({ ...s, sampledOutTraces: s.sampledOutTraces + sampledOut }));
  }
}
