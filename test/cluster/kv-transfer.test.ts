import { describe, expect, it } from 'vitest';
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
});
