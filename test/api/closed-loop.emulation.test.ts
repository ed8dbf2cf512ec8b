import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/index.js';
import type { ArrivalRequest, RequestRecord } from '../../src/index.js';

/** Runs `arrivals` open-loop (their times as given) and returns each request's record by id. */
async function openLoop(arrivals: ArrivalRequest[]): Promise<Map<string, RequestRecord>> {
  const out = new Map<string, RequestRecord>();
  await simulate({ model: 'qwen/qwen3-14b', hardware: 'H100', arrivals, onRecord: (r) => out.set(r.id, r) });
  return out;
}

describe('a closed loop agrees with its fixed-point emulation by open-loop replays', () => {
  it('C clients over fixed shapes: request i >= C arrives at the (i - C + 1)-th answer, as replays iterated to a fixed point say', async () => {
    // The emulation docs/external-checks.md used before --max-concurrency existed: replay, set each
    // later request's arrival to the completion that frees its slot, replay again until nothing moves.
    const shapes = Array.from({ length: 14 }, (_, i) => ({ id: `q${i}`, inputTokens: 200 + 97 * (i % 5), outputTokens: 30 + 41 * (i % 4) }));
    const c = 3;
    let times = shapes.map(() => 0);
    let open = await openLoop(shapes.map((s, i) => ({ ...s, arrivalUs: times[i]! })));
    for (let pass = 0; pass < shapes.length + 2; pass++) {
      const done = shapes.map((s) => Math.ceil(open.get(s.id)!.finishedUs)).sort((a, b) => a - b);
      const next = shapes.map((_, i) => (i < c ? 0 : done[i - c]!));
      if (next.every((t, i) => t === times[i])) break;
      times = next;
      open = await openLoop(shapes.map((s, i) => ({ ...s, arrivalUs: times[i]! })));
    }
    const closed = new Map<string, RequestRecord>();
    await simulate({ model: 'qwen/qwen3-14b', hardware: 'H100', arrivals: shapes.map((s) => ({ ...s, arrivalUs: 0 })), maxConcurrency: c, onRecord: (r) => closed.set(r.id, r) });
    for (const s of shapes) {
      expect([closed.get(s.id)!.arrivalUs, closed.get(s.id)!.finishedUs]).toEqual([open.get(s.id)!.arrivalUs, open.get(s.id)!.finishedUs]);
    }
    // The limit was in effect: later requests waited for answers.
    expect(closed.get('q13')!.arrivalUs).toBeGreaterThan(0);
  });
});

describe('chat sessions under a concurrency limit', () => {
  it('a session sends its next turn only after the previous answer ends; the limit still holds', async () => {
    const records: RequestRecord[] = [];
    await simulate({ model: 'qwen/qwen3-14b', hardware: 'H100', preset: 'chatbot', numRequests: 400, seed: 3, maxConcurrency: 6, onRecord: (r) => records.push(r) });
    expect(records).toHaveLength(400);
    const bySession = new Map<string, RequestRecord[]>();
    for (const r of records) if (r.sessionId !== undefined) bySession.set(r.sessionId, [...(bySession.get(r.sessionId) ?? []), r]);
    let followUps = 0;
    for (const turns of bySession.values()) {
      // Workload order within a session is turn order (turns are sent in it).
      turns.sort((a, b) => a.arrivalUs - b.arrivalUs || a.index - b.index);
      for (let k = 1; k < turns.length; k++) {
        expect(turns[k]!.arrivalUs).toBeGreaterThanOrEqual(Math.ceil(turns[k - 1]!.finishedUs));
        followUps++;
      }
    }
    expect(followUps).toBeGreaterThan(20);
    // Never more than six open.
    const ev = records.flatMap((r) => [[r.arrivalUs, 1], [Math.ceil(r.finishedUs), -1]] as Array<[number, number]>).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let open = 0;
    for (const [, d] of ev) {
      open += d;
      expect(open).toBeLessThanOrEqual(6);
    }
  });
});
