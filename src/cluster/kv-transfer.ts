/**
 * A KV-transfer link shared by concurrent flows with processor sharing: n active flows each get
 * bandwidth/n. Whenever a flow starts or drains, every flow's remaining bytes are advanced at the
 * old rate and the next drain is re-planned, so contention evolves through time instead of being
 * fixed when a transfer starts. A drained flow lands `latencyUs` later (the link's base latency:
 * NIXL/RDMA setup and completion notification).
 */
import { EventPriority, type EventHandler, type SimEvent } from '../kernel/events.js';
import type { Simulator } from '../kernel/sim.js';
import { US_PER_S } from '../kernel/units.js';

export interface TransferFlow {
  remainingBytes: number;
  readonly bytes: number;
  readonly startUs: number;
}

export interface TransferListener<F extends TransferFlow> {
  /** The flow's last byte arrived and the base latency passed. */
  onTransferLanded(flow: F, tUs: number): void;
}

const EV_DRAIN = 0;
const EV_LAND = 1;

export class TransferLink<F extends TransferFlow> implements EventHandler {
  private readonly flows: F[] = [];
  private lastUs = 0;
  private next: SimEvent | null = null;
  private nextSeq = -1;
  /** Bytes per microsecond. */
  private readonly bytesPerUs: number;

  constructor(
    private readonly sim: Simulator,
    bandwidthBytesPerS: number,
    private readonly latencyUs: number,
    private readonly listener: TransferListener<F>,
  ) {
    this.bytesPerUs = bandwidthBytesPerS / US_PER_S;
  }

  get activeFlows(): number {
    return this.flows.length;
  }

  start(flow: F): void {
    this.advance();
    if (flow.remainingBytes <= 0) {
      this.land(flow);
      return;
    }
    this.flows.push(flow);
    this.plan();
  }

  handle(ev: SimEvent): void {
    if (ev.a === EV_LAND) {
      this.listener.onTransferLanded(ev.b as F, this.sim.nowUs);
      return;
    }
    this.next = null;
    this.advance();
    // Flows within half a microsecond's share of the end are done (integer clock).
    const eps = this.flows.length > 0 ? this.bytesPerUs / this.flows.length : 0;
    let w = 0;
    for (let k = 0; k < this.flows.length; k++) {
      const f = this.flows[k]!;
      if (f.remainingBytes <= eps * 0.5 + 1e-9) this.land(f);
      else this.flows[w++] = f;
    }
    this.flows.length = w;
    this.plan();
  }

  private advance(): void {
    const now = this.sim.nowUs;
    const n = this.flows.length;
    if (n > 0 && now > this.lastUs) {
      const each = ((now - this.lastUs) * this.bytesPerUs) / n;
      for (let k = 0; k < n; k++) this.flows[k]!.remainingBytes = Math.max(0, this.flows[k]!.remainingBytes - each);
    }
    this.lastUs = now;
  }

  private plan(): void {
    if (this.next !== null) {
      this.sim.cancel(this.next, this.nextSeq);
      this.next = null;
    }
    const n = this.flows.length;
    if (n === 0) return;
    let min = Infinity;
    for (let k = 0; k < n; k++) if (this.flows[k]!.remainingBytes < min) min = this.flows[k]!.remainingBytes;
    const dt = Math.max(1, Math.ceil((min * n) / this.bytesPerUs - 1e-9));
    this.next = this.sim.schedule(this.sim.nowUs + dt, EventPriority.TransferEnd, this, EV_DRAIN);
    this.nextSeq = this.next.seq;
  }

  private land(flow: F): void {
    flow.remainingBytes = 0;
    if (this.latencyUs > 0) this.sim.schedule(this.sim.nowUs + this.latencyUs, EventPriority.TransferEnd, this, EV_LAND, flow);
    else this.listener.onTransferLanded(flow, this.sim.nowUs);
  }
}
