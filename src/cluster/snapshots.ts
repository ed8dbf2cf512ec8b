/**
 * What the gateway knows of its instances, and when: llm-d's endpoint picker scrapes each
 * model server's metrics every refresh interval (GIE datastore refresh), so routing reads a view
 * up to one interval stale. Interval 0 means a live view, refreshed by the cluster at every
 * arrival and departure. Scrapes run only while there is work, on a grid anchored at (and
 * scraped at) the first arrival, so shifting a whole trace in time (replay rebases to first arrival = 0) leaves every
 * routing decision unchanged. While no request is in the system nothing a scrape reads can
 * change, so scrapes stop after the first idle one and resume at the next arrival: a catch-up
 * refresh stamped with the last grid point (what the skipped scrapes would all have read), then
 * the grid again. Ten idle years cost one event, not 6 billion.
 */
import { EventPriority, type EventHandler } from '../kernel/events.js';
import type { Simulator } from '../kernel/sim.js';
import type { InstanceView } from '../engine/instance.js';
import type { MutableRouterView } from './view.js';

export interface ScrapeOwner {
  /** A scrape just refreshed the view (capacity may have freed for queued work). */
  onScraped(): void;
  /** Whether a request is in the system (anything a scrape reads may still change). */
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
    /** The gateway's in-flight counts, which a scrape makes visible (the request ledger zeroes them). */
    private readonly inFlight: { scraped(): void },
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
    }
    this.inFlight.scraped();
    v.scrapedUs = this.sim.nowUs;
  }

  /** Schedules the next scrape on the grid unless one is pending (or the view is live). */
  ensure(): void {
    if (this.intervalUs === 0 || this.scheduled) return;
    this.scheduled = true;
    const now = this.sim.nowUs;
    if (this.anchorUs < 0) {
      // The grid's first point is the first arrival: a scrape there, as the EPP's own (which run
      // from its start) would be at most an interval old. Without it the view kept the time 0 of
      // an unscraped pool, and a first arrival more than --metrics-staleness-threshold after 0
      // found every pod stale: the saturation policy refused it as `saturated`.
      this.anchorUs = now;
      this.refresh();
    }
    const k = Math.floor((now - this.anchorUs) / this.intervalUs);
    // Waking from an idle stretch: the grid scrapes it skipped (Scrape runs before Arrival at an
    // equal instant, so a grid point at `now` counts) would each have read this same idle state.
    const lastGridUs = this.anchorUs + k * this.intervalUs;
    if (lastGridUs > this.view.scrapedUs && k > 0) {
      this.refresh();
      this.view.scrapedUs = lastGridUs;
    }
    this.sim.schedule(this.anchorUs + (k + 1) * this.intervalUs, EventPriority.Scrape, this);
  }

  handle(): void {
    this.scheduled = false;
    this.refresh();
    this.owner.onScraped();
    if (this.owner.hasWork()) this.ensure();
  }
}
