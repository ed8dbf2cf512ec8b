import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventPriority } from '../../src/kernel/events.js';
import { Simulator } from '../../src/kernel/sim.js';
import { TransferLink, type TransferFlow } from '../../src/cluster/kv-transfer.js';

interface Flow extends TransferFlow { name: string }

function link(bandwidthBytesPerS: number, latencyUs = 0): { sim: Simulator; l: TransferLink<Flow>; landed: Map<string, number> } {
  const sim = new Simulator();
  const landed = new Map<string, number>();
  const l = new TransferLink<Flow>(sim, bandwidthBytesPerS, latencyUs, { onTransferLanded: (f, t) => landed.set(f.name, t) });
  return { sim, l, landed };
}

function flow(name: string, bytes: number, startUs: number): Flow {
  return { name, bytes, remainingBytes: bytes, startUs };
}

/** Schedules `l.start(f)` at `tUs`. */
function startAt(sim: Simulator, l: TransferLink<Flow>, tUs: number, f: Flow): void {
  sim.schedule(tUs, EventPriority.Arrival, { handle: () => l.start(f) });
}

describe('KV-transfer link (processor sharing)', () => {
  it('a lone transfer takes bytes / bandwidth plus the base latency', () => {
    const { sim, l, landed } = link(1e9, 250); // 1000 bytes/us
    startAt(sim, l, 0, flow('a', 1e6, 0));
    sim.run();
    expect(landed.get('a')).toBe(1000 + 250);
  });

  it('two equal transfers started together each take twice as long', () => {
    const { sim, l, landed } = link(1e9);
    startAt(sim, l, 0, flow('a', 1e6, 0));
    startAt(sim, l, 0, flow('b', 1e6, 0));
    sim.run();
    expect(landed.get('a')).toBe(2000);
    expect(landed.get('b')).toBe(2000);
  });

  it('a transfer starting half-way re-rates the first: 1.5x for the first, then the second finishes alone', () => {
    // a alone for 500 us (half its bytes), then both at half rate: a needs 1000 us more (ends 1500);
    // b has moved 500 kB by then and finishes its remaining 500 kB alone in 500 us (ends 2000).
    const { sim, l, landed } = link(1e9);
    startAt(sim, l, 0, flow('a', 1e6, 0));
    startAt(sim, l, 500, flow('b', 1e6, 500));
    sim.run();
    expect(landed.get('a')).toBe(1500);
    expect(landed.get('b')).toBe(2000);
  });

  it('three transfers of different sizes share fairly until each drains', () => {
    // 300 kB, 600 kB, 900 kB at 1000 B/us: each gets 333.3 B/us → first done at 900 us; then two
    // at 500 B/us: the 300 kB left of the second takes 600 us (1500); the last 300 kB alone: 1800.
    const { sim, l, landed } = link(1e9);
    startAt(sim, l, 0, flow('s', 3e5, 0));
    startAt(sim, l, 0, flow('m', 6e5, 0));
    startAt(sim, l, 0, flow('x', 9e5, 0));
    sim.run();
    expect([landed.get('s'), landed.get('m'), landed.get('x')]).toEqual([900, 1500, 1800]);
  });

  it('lands every flow where continuous processor sharing finishes it, plus the latency, within the integer clock\'s rounding', () => {
    /** Exact processor sharing in real time: n active flows each drain at bandwidth / n. */
    function sharing(starts: { t: number; bytes: number }[], bytesPerUs: number): number[] {
      const left = starts.map((x) => x.bytes);
      const done: number[] = starts.map(() => NaN);
      let t = 0;
      for (;;) {
        const active = starts.map((x, i) => i).filter((i) => starts[i]!.t <= t && Number.isNaN(done[i]!));
        const nextStart = Math.min(...starts.map((x) => x.t).filter((x) => x > t));
        if (active.length === 0) {
          if (!Number.isFinite(nextStart)) return done;
          t = nextStart;
          continue;
        }
        const rate = bytesPerUs / active.length;
        const first = Math.min(...active.map((i) => left[i]!)) / rate;
        const dt = Math.min(first, nextStart - t);
        for (const i of active) left[i]! -= rate * dt;
        t += dt;
        for (const i of active) if (left[i]! <= 1e-6 * starts[i]!.bytes) done[i] = t;
      }
    }
    const flowArb = fc.record({ t: fc.integer({ min: 0, max: 3000 }), bytes: fc.integer({ min: 1, max: 2_000_000 }) });
    fc.assert(
      fc.property(fc.array(flowArb, { minLength: 1, maxLength: 8, size: 'max' }), fc.constantFrom(1e9, 2.5e9, 4.6e10), fc.constantFrom(0, 250), (starts, bw, latencyUs) => {
        const { sim, l, landed } = link(bw, latencyUs);
        starts.forEach((x, i) => startAt(sim, l, x.t, flow(`f${i}`, x.bytes, x.t)));
        sim.run();
        const want = sharing(starts, bw / 1e6);
        starts.forEach((_, i) => {
          const got = landed.get(`f${i}`)! - latencyUs;
          // Each drain event rounds its time up to the next microsecond (one per flow at most), and a
          // flow within half a microsecond of its end lands with the one that drained: so a flow
          // lands at most half a microsecond before the continuous finish and 1 µs per flow after.
          expect(got).toBeGreaterThanOrEqual(want[i]! - 0.5 - 1e-6);
          expect(got).toBeLessThanOrEqual(want[i]! + starts.length);
        });
      }),
      // The first case found with a bound of 'never early': two flows 6 µs apart and a 1-byte one.
      { numRuns: 2000, examples: [[[{ t: 964, bytes: 1_994_267 }, { t: 970, bytes: 1_731_734 }, { t: 0, bytes: 1 }], 4.6e10, 0]] },
    );
  });
});
