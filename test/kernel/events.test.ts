import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventPriority, type EventHandler, type SimEvent } from '../../src/kernel/events.js';
import { Simulator } from '../../src/kernel/sim.js';

class Recorder implements EventHandler {
  log: Array<[number, number, number]> = [];
  handle(ev: SimEvent): void {
    this.log.push([ev.timeUs, ev.priority, ev.a]);
  }
}

describe('event queue', () => {
  it('orders by time, then priority, then insertion order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.constantFrom(...Object.values(EventPriority))), { maxLength: 200, size: 'max' }), (evs) => {
        const sim = new Simulator();
        const rec = new Recorder();
        evs.forEach(([t, p], i) => sim.schedule(t, p, rec, i));
        sim.run();
        const expected = evs.map(([t, p], i) => [t, p, i] as [number, number, number]);
        expected.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
        expect(rec.log).toEqual(expected);
        expect(sim.eventsProcessed).toBe(evs.length);
      }),
    );
  });

  it('keeps the same order when events come through the in-order queue, handlers scheduling more as they run', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.constantFrom(...Object.values(EventPriority)), fc.boolean(), fc.integer({ min: 0, max: 5 })), { maxLength: 150, size: 'max' }), (evs) => {
        const run = (inOrder: boolean): Array<[number, number, number]> => {
          const sim = new Simulator();
          const log: Array<[number, number, number]> = [];
          // Each handled event may schedule a follow-up (a step end, a dispatch) through the heap.
          const h: EventHandler = { handle: (ev) => { log.push([ev.timeUs, ev.priority, ev.a]); if (ev.a < 1000 && ev.a % 3 === 0) sim.schedule(ev.timeUs + (ev.a % 4), EventPriority.StepEnd, h, ev.a + 1000); } };
          let t = 0;
          evs.forEach(([dt, p, ordered, cancelAt], i) => {
            t += dt % 4;
            const ev = inOrder && ordered ? sim.scheduleInOrder(t, p, h, i) : sim.schedule(t, p, h, i);
            if (cancelAt === 0) sim.cancel(ev, ev.seq);
          });
          sim.run();
          return log;
        };
        expect(run(true)).toEqual(run(false));
      }),
    );
  });

  it('runs a step end before an arrival at the same instant', () => {
    const sim = new Simulator();
    const rec = new Recorder();
    sim.schedule(5, EventPriority.Arrival, rec, 1);
    sim.schedule(5, EventPriority.StepEnd, rec, 2);
    sim.run();
    expect(rec.log.map((x) => x[2])).toEqual([2, 1]);
  });

  it('rejects scheduling in the past and skips cancelled events', () => {
    const sim = new Simulator();
    const rec = new Recorder();
    sim.schedule(10, EventPriority.StepEnd, rec, 1);
    const ev = sim.schedule(20, EventPriority.StepEnd, rec, 2);
    sim.run(15);
    expect(sim.nowUs).toBe(15);
    expect(() => sim.schedule(3, EventPriority.StepEnd, rec)).toThrow();
    expect(sim.cancel(ev, ev.seq)).toBe(true);
    sim.run();
    expect(rec.log.map((x) => x[2])).toEqual([1]);
    expect(sim.eventsProcessed).toBe(1);
  });

  it('handlers may schedule more events while running', () => {
    const sim = new Simulator();
    let count = 0;
    const h: EventHandler = { handle: (ev) => { count++; if (ev.a < 5) sim.schedule(sim.nowUs + 1, EventPriority.StepEnd, h, ev.a + 1); } };
    sim.schedule(0, EventPriority.StepEnd, h, 0);
    sim.run();
    expect(count).toBe(6);
    expect(sim.nowUs).toBe(5);
  });
});

describe('advanceTo', () => {
  it('moves the clock only when no event is due first and never past run()\'s bound', () => {
    const sim = new Simulator();
    const seen: boolean[] = [];
    const h: EventHandler = { handle: () => { seen.push(sim.advanceTo(30), sim.advanceTo(60)); } };
    sim.schedule(10, EventPriority.StepEnd, h);
    sim.schedule(50, EventPriority.StepEnd, { handle: () => {} });
    sim.run(40);
    expect(seen).toEqual([true, false]);
    expect(sim.nowUs).toBe(40);
  });
});

describe('event priorities', () => {
  it('are the named levels only: a bare number does not type-check', () => {
    const sim = new Simulator();
    // @ts-expect-error a bare integer is not an EventPriority
    sim.schedule(0, 3, { handle: () => {} });
    expect(Object.values(EventPriority)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
