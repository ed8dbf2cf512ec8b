/**
 * The simulator's contract, hand-checked: run bounds and early returns, cancellation guards,
 * inline clock advances, and the data-plane bookkeeping the stall guard reads (scrapes and
 * control decisions observe the system; everything else moves it).
 */
import { describe, expect, it } from 'vitest';
import { EventHeap, EventPriority, SimEvent, isControlPlane, type EventHandler } from '../../src/kernel/events.js';
import { Simulator } from '../../src/kernel/sim.js';

const noop: EventHandler = { handle: () => {} };

describe('simulator', () => {
  it('says which priorities are control plane: scrapes and control decisions only', () => {
    expect(Object.entries(EventPriority).filter(([, p]) => isControlPlane(p)).map(([k]) => k)).toEqual(['Scrape', 'Control']);
  });

  it('tracks pending data-plane events and the time of the last one handled', () => {
    const sim = new Simulator();
    expect(sim.onlyControlPlanePending).toBe(true);
    sim.schedule(10, EventPriority.Scrape, noop);
    expect(sim.onlyControlPlanePending).toBe(true);
    const step = sim.schedule(20, EventPriority.StepEnd, noop);
    sim.schedule(30, EventPriority.Control, noop);
    expect([sim.onlyControlPlanePending, sim.pending]).toEqual([false, 3]);
    sim.run(25);
    expect([sim.onlyControlPlanePending, sim.lastDataPlaneUs, sim.nowUs, sim.pending]).toEqual([true, 20, 25, 1]);
    sim.run();
    // A control decision at 30 is not data-plane progress.
    expect([sim.lastDataPlaneUs, sim.nowUs, sim.eventsProcessed]).toEqual([20, 30, 3]);
    expect(step.handler).toBeNull();
  });

  it('a cancelled data-plane event is no progress and is not counted as handled', () => {
    const sim = new Simulator();
    const ev = sim.schedule(10, EventPriority.Arrival, noop);
    expect(sim.cancel(ev, ev.seq)).toBe(true);
    expect(sim.cancel(ev, ev.seq)).toBe(false);
    sim.run();
    expect([sim.lastDataPlaneUs, sim.eventsProcessed, sim.onlyControlPlanePending]).toEqual([0, 0, true]);
  });

  it('refuses to cancel a recycled event (its seq changed) or one already handled', () => {
    const sim = new Simulator();
    const ev = sim.schedule(1, EventPriority.Arrival, noop);
    const seq = ev.seq;
    sim.run();
    expect(sim.cancel(ev, seq)).toBe(false);
    const again = sim.schedule(2, EventPriority.Arrival, noop);
    expect(again).toBe(ev);
    expect(sim.cancel(again, seq)).toBe(false);
    expect(sim.cancel(again, again.seq)).toBe(true);
  });

  it('handles an event exactly at the bound, and moves the clock to the bound', () => {
    const sim = new Simulator();
    let seen = 0;
    sim.schedule(50, EventPriority.Arrival, { handle: () => seen++ });
    sim.schedule(51, EventPriority.Arrival, { handle: () => seen++ });
    expect(sim.run(50)).toBe(true);
    expect([seen, sim.nowUs]).toEqual([1, 50]);
    expect(sim.run(40)).toBe(true);
    expect(sim.nowUs).toBe(50);
  });

  it('returns false after maxEvents with the clock at the last event handled, then resumes', () => {
    const sim = new Simulator();
    for (const t of [5, 6, 7]) sim.schedule(t, EventPriority.Arrival, noop);
    expect(sim.run(100, 2)).toBe(false);
    expect([sim.nowUs, sim.eventsProcessed]).toEqual([6, 2]);
    expect(sim.run(100, 2)).toBe(true);
    expect([sim.nowUs, sim.eventsProcessed]).toEqual([100, 3]);
  });

  it('restores an unbounded horizon after a bounded run, even when a handler throws', () => {
    const sim = new Simulator();
    sim.schedule(1, EventPriority.Arrival, { handle: () => { throw new Error('boom'); } });
    expect(() => sim.run(10)).toThrowError('boom');
    expect(sim.advanceTo(1000)).toBe(true);
  });

  it('lets a handler advance inline up to run()\'s bound, not past it', () => {
    const sim = new Simulator();
    const seen: boolean[] = [];
    sim.schedule(10, EventPriority.StepEnd, { handle: () => { seen.push(sim.advanceTo(40), sim.advanceTo(41)); } });
    sim.run(40);
    expect(seen).toEqual([true, false]);
  });

  it('advances inline only to a time >= now, before the next event and within the bound', () => {
    const sim = new Simulator();
    sim.schedule(100, EventPriority.Arrival, noop);
    expect(sim.advanceTo(0)).toBe(true);
    expect(sim.advanceTo(99)).toBe(true);
    expect(sim.advanceTo(98)).toBe(false);
    expect(sim.advanceTo(100)).toBe(false);
    expect([sim.nowUs, sim.lastDataPlaneUs]).toEqual([99, 99]);
  });

  it('schedules and advances by a duration exactly as at now plus that duration, past 2^31 µs too', () => {
    const sim = new Simulator();
    sim.schedule(2 ** 33, EventPriority.Scrape, noop);
    expect(sim.advanceBy(2 ** 31 + 7)).toBe(true);
    expect(sim.nowUs).toBe(2 ** 31 + 7);
    expect(sim.scheduleAfter(5, EventPriority.StepEnd, noop).timeUs).toBe(2 ** 31 + 12);
    expect(sim.advanceBy(5)).toBe(false); // an event is due then
    expect(sim.advanceBy(4)).toBe(true);
    expect(() => sim.scheduleAfter(-1, EventPriority.StepEnd, noop)).toThrowError(/must be an integer >= now/);
    expect(() => sim.scheduleAfter(0.5, EventPriority.StepEnd, noop)).toThrowError(/must be an integer >= now/);
  });

  it('says whether an event is due at the current time, and never advances to infinity', () => {
    const sim = new Simulator();
    expect(sim.eventDueNow).toBe(false);
    expect(sim.advanceTo(Infinity)).toBe(false);
    sim.schedule(5, EventPriority.Arrival, noop);
    expect(sim.eventDueNow).toBe(false);
    expect(sim.advanceTo(4)).toBe(true);
    expect(sim.eventDueNow).toBe(false);
    sim.scheduleInOrder(4, EventPriority.Arrival, noop);
    expect(sim.eventDueNow).toBe(true);
    expect(sim.advanceTo(4)).toBe(false);
  });

  it('names the time and the clock when an event is scheduled in the past or between microseconds', () => {
    const sim = new Simulator();
    sim.run(10);
    expect(() => sim.schedule(9, EventPriority.Arrival, noop)).toThrowError('schedule at 9us: must be an integer >= now (10us)');
    expect(() => sim.schedule(10.5, EventPriority.Arrival, noop)).toThrowError(/10\.5us/);
  });

  it('accepts exactly the integer times from now on, in both queues, past the 2^31 µs of a small integer too', () => {
    const sim = new Simulator();
    sim.run(10);
    for (const t of [Infinity, NaN, -Infinity, 2 ** 31 + 0.5, 9.999999]) {
      expect(() => sim.schedule(t, EventPriority.Arrival, noop)).toThrowError(/must be an integer >= now/);
      expect(() => sim.scheduleInOrder(t, EventPriority.Arrival, noop)).toThrowError(/must be an integer >= now/);
    }
    for (const t of [10, 2 ** 31, 2 ** 40 + 1]) {
      expect(sim.schedule(t, EventPriority.Arrival, noop).timeUs).toBe(t);
      expect(sim.scheduleInOrder(t, EventPriority.Arrival, noop).timeUs).toBe(t);
    }
    expect(sim.pending).toBe(6);
  });
});

describe('event heap', () => {
  it('pops in (time, priority, seq) order and counts its events', () => {
    const heap = new EventHeap();
    const mk = (t: number, p: EventPriority, seq: number): SimEvent => Object.assign(new SimEvent(), { timeUs: t, priority: p, seq });
    const evs = [mk(3, EventPriority.Arrival, 0), mk(1, EventPriority.Timeout, 1), mk(1, EventPriority.StepEnd, 2), mk(3, EventPriority.Arrival, 3), mk(2, EventPriority.Scrape, 4)];
    for (const e of evs) heap.push(e);
    expect(heap.size).toBe(5);
    const order: number[] = [];
    for (let e = heap.pop(); e !== undefined; e = heap.pop()) order.push(e.seq);
    expect(order).toEqual([2, 1, 4, 0, 3]);
    expect([heap.size, heap.peek()]).toEqual([0, undefined]);
  });
});
