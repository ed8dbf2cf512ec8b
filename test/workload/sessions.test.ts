/**
 * Sessions open in their stationary state: the offered request rate is the configured one from
 * the first second, not rate / mean turns rising over a few think times.
 */
import { describe, expect, it } from 'vitest';
import { generateArrivals } from '../../src/workload/generate.js';
import type { ArrivalRequest } from '../../src/workload/request.js';
import { resolveWorkload, type WorkloadOptions } from '../../src/workload/resolve.js';
import { parseWorkloadSpec } from '../../src/workload/spec.js';
import { runCli } from '../cli/helpers.js';
import { Rng } from '../../src/kernel/rng.js';

const gen = (options: WorkloadOptions, seed = 1): ArrivalRequest[] => [...generateArrivals(resolveWorkload(options), new Rng(seed))];

/** Requests per second in consecutive windows of `windowS` seconds over [0, spanS). */
function windowRates(rs: readonly ArrivalRequest[], windowS: number, spanS: number): number[] {
  const counts = new Array<number>(Math.floor(spanS / windowS)).fill(0);
  for (const r of rs) {
    const w = Math.floor(r.arrivalUs / (windowS * 1e6));
    if (w < counts.length) counts[w]!++;
  }
  return counts.map((n) => n / windowS);
}

describe('chatbot sessions start in their stationary state', () => {
  it('the offered rate is within ±5 % of --rate in every 20 s window, the first included', () => {
    // 500 req/s: 10,000 requests a window, so Poisson noise (about 1.4 % with the turns' clustering) stays well inside 5 %.
    const rs = gen({ preset: 'chatbot', rate: 500, durationS: 200 });
    const rates = windowRates(rs, 20, 200);
    expect(rates).toHaveLength(10);
    for (const r of rates) expect(Math.abs(r / 500 - 1)).toBeLessThan(0.05);
  });

  it('an empty start (sessions.start: empty) reproduces the ramp: the first window offers about rate / mean turns', () => {
    const spec = parseWorkloadSpec(`rate: 500
duration_s: 200
clients:
  - {preset: chatbot, sessions: {turns: {dist: uniform, min: 1, max: 3}, think_time_s: 20, start: empty}}
`, 'empty.yaml');
    const rates = windowRates(gen({ spec }), 20, 200);
    expect(rates[0]! / 500).toBeLessThan(0.8);
    expect(Math.abs(rates[9]! / 500 - 1)).toBeLessThan(0.05);
  });

  it('continuing sessions carry their context: later turns extend the earlier prompt', () => {
    const rs = gen({ preset: 'chatbot', rate: 50, numRequests: 400 });
    const continuing = rs.filter((r) => r.sessionId!.includes('-w'));
    expect(continuing.length).toBeGreaterThan(50);
    for (const r of continuing) {
      expect(r.turn).toBeGreaterThanOrEqual(2);
      // a second turn's prompt holds the first turn's prompt and answer: well over the 200-token system prompt
      expect(r.inputTokens).toBeGreaterThan(200);
      expect(r.prefix!.group).toBe(`session:${r.sessionId}`);
      expect(r.prefix!.parent!.group).toMatch(/^chatbot\/sys\d$/);
    }
  });

  it('blis run --duration 20 --rate 50 offers about 1,000 requests (it offered 626 from an empty start)', async () => {
    let total = 0;
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const r = await runCli(['run', '--workload', 'chatbot', '--duration', '20', '--rate', '50', '--num-instances', '4', '--seed', String(seed), '--output', 'json', '--quiet']);
      expect(r.code, r.err).toBe(0);
      total += JSON.parse(r.out).requests.injected;
    }
    // 8 × 1,000 expected; the standard deviation of the sum is about 110.
    expect(Math.abs(total / 8000 - 1)).toBeLessThan(0.05);
  }, 60_000);
});

describe('a request cap holds only the sessions in progress that can open the stream', () => {
  // generate.ts keeps the `numRequests` earliest sessions in progress at t = 0 and draws the rest
  // without holding them: the capped stream must be the first numRequests of a stream with no cap
  // (a duration instead: every session in progress held), tie order included, whether or not the
  // cap bites (at 3,000 req/s tens of thousands of sessions are in progress).
  for (const [rate, n, durationS] of [[50, 300, 30], [3_000, 40, 0.2], [3_000, 1, 0.2]] as const) {
    it(`at ${rate} req/s, a cap of ${n} gives the first ${n} requests of the uncapped stream`, () => {
      for (const seed of [1, 2, 3]) {
        const capped = gen({ preset: 'chatbot', rate, numRequests: n }, seed);
        const uncapped = gen({ preset: 'chatbot', rate, durationS }, seed);
        expect(uncapped.length).toBeGreaterThan(n);
        expect(capped).toEqual(uncapped.slice(0, n));
      }
    });
  }

  it('two arrivals at the same microsecond keep the order of the uncapped stream', () => {
    // Two clients at a high rate: some turns land on the same µs after flooring.
    const spec = (head: string) => parseWorkloadSpec(`rate: 20000
${head}
clients:
  - {preset: chatbot, rate_fraction: 0.5}
  - {preset: chatbot, rate_fraction: 0.5, name: other}
`, 'two.yaml');
    const capped = gen({ spec: spec('') , numRequests: 500 }, 2);
    const uncapped = gen({ spec: spec('duration_s: 0.1') }, 2);
    const sameUs = capped.filter((r, i) => i > 0 && r.arrivalUs === capped[i - 1]!.arrivalUs).length;
    expect(sameUs).toBeGreaterThan(0);
    expect(capped).toEqual(uncapped.slice(0, 500));
  });
});

describe("a session's last turn is marked final (PrefixRef.final, a speed hint)", () => {
  it('no request after a final one carries its group, and a session run to its last turn ends with one', () => {
    // 120 s at 20 req/s: sessions opened in their stationary state and after, many cut off by the horizon.
    const rs = gen({ preset: 'chatbot', rate: 20, durationS: 120 }, 7);
    const lastOf = new Map<string, number>();
    rs.forEach((r, k) => lastOf.set(r.prefix!.group, k));
    let finals = 0;
    let turnsOfFinal = 0;
    rs.forEach((r, k) => {
      const p = r.prefix!;
      expect(p.exclusive).toBe(true);
      if (p.final !== true) return;
      finals++;
      expect(lastOf.get(p.group)).toBe(k);
      if (r.turn! > 1) turnsOfFinal++;
    });
    // Uniform 1-3 turns: some 2/3 of the sessions end inside two minutes (the think time is 20 s on average).
    expect(finals).toBeGreaterThan(lastOf.size / 2);
    expect(turnsOfFinal).toBeGreaterThan(0);
    // A session's turns come in order (turn 1 first unless opened in progress); the turn a final
    // carries is its session's number of turns, so a turn past it never comes.
    const maxTurn = new Map<string, number>();
    for (const r of rs) maxTurn.set(r.prefix!.group, Math.max(maxTurn.get(r.prefix!.group) ?? 0, r.turn!));
    for (const r of rs) if (r.prefix!.final === true) expect(r.turn).toBe(maxTurn.get(r.prefix!.group));
  });
});
