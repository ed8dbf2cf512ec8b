/**
 * What the gateway knows of its instances, and when: llm-d's endpoint picker scrapes each
 * model server's metrics every refresh interval (GIE datastore refresh), so routing reads a view
 * up to one interval stale. Interval 0 means a live view, refreshed by the cluster at every
 * arrival and departure. Scrapes run only while there is work, on a grid anchored at the first
 * arrival, so shifting a whole trace in time (replay rebases to first arrival = 0) leaves every
 * routing decision unchanged.
 */
import { EventPriority, type EventHandler } from '../kernel/events.js';
import type { Simulator } from '../kernel/sim.js';
import type { InstanceView } from '../engine/instance.js';
import type { MutableRouterView } from './view.js';

export interface ScrapeOwner {
  /** A scrape just refreshed the view (capacity may have freed for queued work). */
  onScraped(): void;
  /** Whether scrapes should go on (requests in the system or still to arrive). */
  hasWork(): boolean;
}

export class Snapshotter implements EventHandler {
  private scheduled = false;
  private anchorUs = -1;

  constructor(
    private readonly sim: Simulator,
    private readonly view: MutableRouterView,
    private readonly fleet: { readonly instances: readonly InstanceView[] },
    private readonly intervalUs: number,
    private readonly owner: ScrapeOwner,
  ) {}

  /** True when routing reads live state (no scrapes). */
  get live(): boolean {
    return this.intervalUs === 0;
  }

  /** Copies the instances' current state into the router's view (one scrape). */
  refresh(): void {
    const v = this.view;
    const inst = this.fleet.instances;
    for (let i = 0; i < inst.length; i++) {
      const x = inst[i]!;
      v.waiting[i] = x.waitingCount;
      v.running[i] = x.runningCount;
      v.kvUtilization[i] = x.kvUsedBlocks / x.kvTotalBlocks;
      v.inFlight[i] = 0;
    }
    v.scrapedUs = this.sim.nowUs;
  }

  /** Schedules the next scrape on the grid unless one is pending (or the view is live). */
  ensure(): void {
    if (this.intervalUs === 0 || this.scheduled) return;
    this.scheduled = true;
    if (this.anchorUs < 0) this.anchorUs = this.sim.nowUs;
    const next = this.anchorUs + (Math.floor((this.sim.nowUs - this.anchorUs) / this.intervalUs) + 1) * this.intervalUs;
    this.sim.schedule(next, EventPriority.Scrape, this);
  }

  handle(): void {
    this.scheduled = false;
    this.refresh();
    this.owner.onScraped();
    if (this.owner.hasWork()) this.ensure();
  }
}
