/**
 * The gateway's metric scrapes (src/cluster/snapshots.ts), hand-computed: a grid anchored at the
 * first request, scrapes only while there is work, and on waking from idle one catch-up refresh
 * stamped with the last grid point the skipped scrapes would have read.
 */
import { describe, expect, it } from 'vitest';
import { Snapshotter, type ScrapeOwner } from '../../src/cluster/snapshots.js';
import { createRouterView } from '../../src/cluster/view.js';
import { EventPriority, type EventHandler } from '../../src/kernel/events.js';
import { Simulator } from '../../src/kernel/sim.js';
import type { InstanceView } from '../../src/engine/instance-listener.js';

function instance(id: number, waitingCount: number, runningCount: number, kvUsedBlocks: number): InstanceView {
  return { id, waitingCount, runningCount, kvUsedBlocks, kvTotalBlocks: 100, cachedPrefixBlocks: () => 0 };
}

function setup(intervalUs: number) {
  const sim = new Simulator();
  const view = createRouterView(2);
  const fleet = { instances: [instance(0, 1, 2, 10), instance(1, 0, 5, 50)] };
  const scrapes: number[] = [];
  let work = true;
  let inFlightZeroed = 0;
  const owner: ScrapeOwner = { onScraped: () => scrapes.push(sim.nowUs), hasWork: () => work };
  const snap = new Snapshotter(sim, view, fleet, intervalUs, owner, { scraped: () => inFlightZeroed++ });
  /** An arrival at `tUs` (it asks for the next scrape, as the cluster's onArrival does). */
  const arriveAt = (tUs: number): void => {
    const h: EventHandler = { handle: () => snap.ensure() };
    sim.schedule(tUs, EventPriority.Arrival, h);
  };
  /** A first arrival, work until `busyUntilUs`, idle until `idleUntilUs`, then an arrival at `wakeUs`. */
  const idleThenWake = (firstUs: number, busyUntilUs: number, idleUntilUs: number, wakeUs: number): void => {
    arriveAt(firstUs);
    sim.run(busyUntilUs);
    work = false;
    sim.run(idleUntilUs);
    work = true;
    arriveAt(wakeUs);
  };
  return { sim, view, fleet, scrapes, snap, arriveAt, idleThenWake, setWork: (w: boolean) => (work = w), zeroed: () => inFlightZeroed };
}

describe('metric scrapes (Snapshotter)', () => {
  it('scrapes on a grid anchored at the first arrival while there is work, copying queue, batch and KV use', () => {
    const s = setup(10_000);
    s.arriveAt(3_000);
    s.arriveAt(7_000); // a second arrival before the first scrape schedules nothing more
    // The first arrival is the grid's first point: the view is scraped there (else it kept the
    // scrape time 0, and a staleness check at 3 ms + 200 ms found a never-scraped pool stale).
    s.sim.run(5_000);
    expect([s.view.scrapedUs, s.zeroed(), [...s.view.waiting.slice(0, 2)]]).toEqual([3_000, 1, [1, 0]]);
    s.sim.run(35_000);
    expect(s.scrapes).toEqual([13_000, 23_000, 33_000]);
    expect([...s.view.waiting.slice(0, 2)]).toEqual([1, 0]);
    expect([...s.view.running.slice(0, 2)]).toEqual([2, 5]);
    expect([...s.view.kvUtilization.slice(0, 2)]).toEqual([0.1, 0.5]);
    expect(s.view.scrapedUs).toBe(33_000);
    expect(s.zeroed()).toBe(4); // at the first arrival, then 13, 23 and 33 ms
  });

  it('stops after the first idle scrape and, on the next arrival, stamps a catch-up refresh with the last grid point', () => {
    const s = setup(10_000);
    s.arriveAt(3_000);
    s.sim.run(25_000);
    s.setWork(false);
    s.sim.run(1_000_000);
    // 13 and 23 ms with work; 33 ms finds none and schedules nothing more.
    expect(s.scrapes).toEqual([13_000, 23_000, 33_000]);
    expect(s.sim.pending).toBe(0);
    s.fleet.instances[0] = instance(0, 4, 0, 0);
    s.setWork(true);
    s.arriveAt(1_000_500);
    s.sim.run(1_020_000);
    // Woken at 1,000.5 ms: the last grid point is 3 + 99 × 10 = 993 ms, which every skipped scrape
    // would have read; the grid goes on at 1,003 and 1,013 ms.
    expect(s.scrapes).toEqual([13_000, 23_000, 33_000, 1_003_000, 1_013_000]);
    expect(s.zeroed()).toBe(7); // the first arrival's, five grid scrapes and the catch-up
    expect(s.view.waiting[0]).toBe(4);
  });

  it('the catch-up stamp is the grid point itself when the arrival lands on one', () => {
    const s = setup(10_000);
    // The wake-up at 53 ms is on the grid: a scrape there would have run first (Scrape before Arrival).
    s.idleThenWake(3_000, 15_000, 40_000, 53_000);
    s.sim.run(53_000);
    expect(s.view.scrapedUs).toBe(53_000);
    expect(s.scrapes).toEqual([13_000, 23_000]);
    s.sim.run(63_000);
    expect(s.scrapes).toEqual([13_000, 23_000, 63_000]);
  });

  it('a first arrival at time 0 anchors the grid at 0 for good (a trace rebased to start at 0)', () => {
    const s = setup(10_000);
    s.idleThenWake(0, 5_000, 20_000, 25_000);
    s.sim.run(40_000);
    expect(s.scrapes).toEqual([10_000, 30_000, 40_000]);
  });

  it('with interval 0 the view is live: no scrape is ever scheduled', () => {
    const s = setup(0);
    expect(s.snap.live).toBe(true);
    s.arriveAt(3_000);
    s.sim.run(1_000_000);
    expect(s.scrapes).toEqual([]);
    s.snap.refresh();
    expect(s.view.scrapedUs).toBe(1_000_000);
    expect(s.zeroed()).toBe(1);
  });
});
