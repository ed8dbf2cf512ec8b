import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateArrivals } from '../../src/workload/generate.js';
import type { ArrivalRequest } from '../../src/workload/request.js';
import { resolveWorkload, type WorkloadOptions } from '../../src/workload/resolve.js';
import { parseWorkloadSpec } from '../../src/workload/spec.js';
import { Rng } from '../../src/kernel/rng.js';

function gen(options: WorkloadOptions, seed = 1): ArrivalRequest[] {
  return [...generateArrivals(resolveWorkload(options), new Rng(seed))];
}

function spec(text: string): WorkloadOptions {
  return { spec: parseWorkloadSpec(text, 'test.yaml') };
}

describe('generator', () => {
  it('numbers requests r0, r1, ... in non-decreasing integer arrival order', () => {
    const rs = gen({ preset: 'chatbot', rate: 20, numRequests: 2000 });
    expect(rs).toHaveLength(2000);
    rs.forEach((r, i) => {
      expect(r.id).toBe(`r${i}`);
      expect(Number.isInteger(r.arrivalUs)).toBe(true);
      if (i > 0) expect(r.arrivalUs).toBeGreaterThanOrEqual(rs[i - 1]!.arrivalUs);
    });
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = gen({ preset: 'chatbot', rate: 20, numRequests: 500 }, 4);
    expect(gen({ preset: 'chatbot', rate: 20, numRequests: 500 }, 4)).toEqual(a);
    expect(gen({ preset: 'chatbot', rate: 20, numRequests: 500 }, 5)).not.toEqual(a);
  });

  it('prefix groups: requests of a group share the system prompt, which counts in the input', () => {
    const rs = gen({ preset: 'codegen', rate: 10, numRequests: 400 });
    const groups = new Set(rs.map((r) => r.prefix!.group));
    expect(groups.size).toBe(4);
    for (const r of rs) {
      expect(r.prefix!.tokens).toBe(2000);
      expect(r.inputTokens).toBeGreaterThan(2000);
    }
  });

  it('round-robin selection visits the groups in turn', () => {
    const rs = gen(spec('rate: 10\nnum_requests: 9\nclients:\n  - {name: c, input: 10, output: 5, prefix: {groups: 3, tokens: 50, select: round-robin}}\n'));
    expect(rs.map((r) => r.prefix!.group)).toEqual(['c/sys0', 'c/sys1', 'c/sys2', 'c/sys0', 'c/sys1', 'c/sys2', 'c/sys0', 'c/sys1', 'c/sys2']);
    expect(rs.every((r) => r.inputTokens === 60)).toBe(true);
  });

  it('sessions: each turn prompt starts with the previous prompt and its output, under the session group', () => {
    const rs = gen(spec('rate: 5\nnum_requests: 3000\nclients:\n  - name: chat\n    input: {dist: uniform, min: 10, max: 50}\n    output: 40\n    prefix: {groups: 2, tokens: 100}\n    sessions: {turns: 4, think_time_s: 10}\n'));
    const bySession = new Map<string, ArrivalRequest[]>();
    for (const r of rs) {
      if (!bySession.has(r.sessionId!)) bySession.set(r.sessionId!, []);
      bySession.get(r.sessionId!)!.push(r);
    }
    let complete = 0;
    let fresh = 0;
    for (const turns of bySession.values()) {
      // Sessions in progress when the stream opens (stationary start) continue from turn ≥ 2.
      const first = turns[0]!.turn!;
      expect(first > 1).toBe(turns[0]!.sessionId!.startsWith('chat-w'));
      if (first === 1) fresh++;
      turns.forEach((r, i) => {
        expect(r.turn).toBe(first + i);
        expect(r.prefix!.group).toBe(`session:${r.sessionId}`);
        expect(r.prefix!.tokens).toBe(r.inputTokens);
        expect(r.prefix!.parent!.tokens).toBe(100);
        if (i === 0 && first === 1) expect(r.inputTokens).toBeGreaterThanOrEqual(110);
        else if (i === 0) expect(r.inputTokens).toBeGreaterThanOrEqual(110 + 40 + 10);
        else {
          const prev = turns[i - 1]!;
          expect(r.inputTokens - prev.inputTokens - prev.outputTokens).toBeGreaterThanOrEqual(10);
          expect(r.inputTokens - prev.inputTokens - prev.outputTokens).toBeLessThanOrEqual(50);
          expect(r.arrivalUs).toBeGreaterThanOrEqual(prev.arrivalUs);
          expect(r.prefix!.parent).toBe(prev.prefix!.parent);
        }
      });
      if (first === 1 && turns.length === 4) complete++;
    }
    expect(complete).toBeGreaterThan(fresh * 0.9);
    // Sessions start at rate / turns, so requests still arrive at the configured rate.
    expect(3000 / (rs[rs.length - 1]!.arrivalUs / 1e6)).toBeGreaterThan(4.7);
    expect(3000 / (rs[rs.length - 1]!.arrivalUs / 1e6)).toBeLessThan(5.3);
  });

  it('cycled prompts reproduce the calibration pattern: 100 full prompts recurring every 100 requests', () => {
    const rs = gen(spec('arrival: exact-count\nclients:\n  - {name: ip, input: 466, output: 247, prefix: {groups: 10, prompts_per_group: 10, tokens: 100, select: cycled}}\nstages:\n  - {rate: 5, duration_s: 600}\n  - {rate: 10, duration_s: 600}\n'));
    expect(rs).toHaveLength(9000);
    expect(rs.filter((r) => r.stage === 0)).toHaveLength(3000);
    expect(rs.filter((r) => r.stage === 1)).toHaveLength(6000);
    const first = rs.slice(0, 100).map((r) => r.prefix!.group);
    expect(new Set(first).size).toBe(100);
    for (let i = 100; i < rs.length; i++) expect(rs[i]!.prefix).toBe(rs[i - 100]!.prefix);
    for (const r of rs) {
      expect(r.inputTokens).toBe(566);
      expect(r.outputTokens).toBe(247);
      expect(r.prefix!.tokens).toBe(566);
      expect(r.prefix!.parent!.tokens).toBe(100);
      expect(r.prefix!.group.startsWith(r.prefix!.parent!.group + '/')).toBe(true);
    }
    expect(new Set(rs.map((r) => r.prefix!.parent!.group)).size).toBe(10);
  });

  it('cycled prompts start their cycle afresh at every stage, as inference-perf\'s run_stage does', () => {
    const rs = gen(spec('arrival: exact-count\nclients:\n  - {name: ip, input: 50, output: 10, prefix: {groups: 2, prompts_per_group: 5, tokens: 20, select: cycled}}\nstages:\n  - {rate: 5, duration_s: 3}\n  - {rate: 4, duration_s: 5}\n'));
    const first = rs.findIndex((r) => r.stage === 1);
    expect(first).toBe(15);
    for (let k = 0; k < 20; k++) expect(rs[first + k]!.prefix).toBe(rs[k % 10]!.prefix);
  });

  it('stages: requests carry the stage they arrive in and each stage runs at its rate', () => {
    const rs = gen(spec('rate: 10\nclients:\n  - {name: c, input: 10, output: 5}\nstages:\n  - {scale: 1, duration_s: 200}\n  - {rate: 40, duration_s: 100}\n  - {scale: 0, duration_s: 50}\n  - {scale: 0.5, duration_s: 200}\n'));
    const bounds = [[0, 200], [200, 300], [300, 350], [350, 550]];
    const rates = [10, 40, 0, 5];
    bounds.forEach(([lo, hi], s) => {
      const inStage = rs.filter((r) => r.stage === s);
      for (const r of inStage) {
        expect(r.arrivalUs).toBeGreaterThanOrEqual(lo! * 1e6);
        expect(r.arrivalUs).toBeLessThan(hi! * 1e6);
      }
      const expected = rates[s]! * (hi! - lo!);
      expect(Math.abs(inStage.length - expected)).toBeLessThanOrEqual(Math.max(1, 4 * Math.sqrt(expected)));
    });
  });

  it('has no stage field without stages, and stops at the duration', () => {
    const rs = gen({ preset: 'reasoning', rate: 10, durationS: 30 });
    expect(rs.every((r) => r.stage === undefined && r.arrivalUs < 30e6)).toBe(true);
    expect(rs.length).toBeGreaterThan(200);
  });

  it('multi-client specs interleave clients by their rate shares and copy their labels', () => {
    const rs = gen(spec('rate: 100\nduration_s: 100\nclients:\n  - {name: a, input: 10, output: 5, rate_fraction: 0.75, tenant: t1, slo_class: interactive, priority: 0, model: m1}\n  - {name: b, input: 20, output: 5, rate_fraction: 0.25, tenant: t2, priority: 5}\n'));
    const a = rs.filter((r) => r.tenant === 't1');
    const b = rs.filter((r) => r.tenant === 't2');
    expect(a.length / rs.length).toBeGreaterThan(0.72);
    expect(a.length / rs.length).toBeLessThan(0.78);
    expect(a.every((r) => r.inputTokens === 10 && r.sloClass === 'interactive' && r.model === 'm1' && r.priority === 0)).toBe(true);
    expect(b.every((r) => r.inputTokens === 20 && r.sloClass === undefined && r.priority === 5)).toBe(true);
  });

  it('property: arrivals are non-decreasing and a count-bounded workload yields exactly its count', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('poisson', 'gamma:cv=3', 'constant', 'exact-count'),
        fc.constantFrom('chatbot', 'codegen', 'summarization', 'reasoning'),
        fc.double({ min: 0.5, max: 200, noNaN: true }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (arrival, preset, rate, numRequests, seed) => {
          const rs = gen({ preset, arrival, rate, numRequests }, seed);
          for (let i = 1; i < rs.length; i++) if (rs[i]!.arrivalUs < rs[i - 1]!.arrivalUs) return false;
          // exact-count with sessions: later turns may fall after the derived stage end
          // (numRequests / rate seconds), so the count is at most the cap.
          if (arrival === 'exact-count' && preset === 'chatbot') return rs.length <= numRequests;
          return rs.length === numRequests;
        },
      ),
      { numRuns: 60 },
    );
  });

  it('exact-count clients share a stage\'s floor(rate x duration) requests, each getting the floor or the ceiling of its share', () => {
    const three = 'arrival: exact-count\nclients:\n  - {name: a, input: 1, output: 1, tenant: a}\n  - {name: b, input: 1, output: 1, tenant: b}\n  - {name: c, input: 1, output: 1, tenant: c}\n';
    const rs = gen(spec(`${three}rate: 10\nduration_s: 1\n`));
    expect(rs).toHaveLength(10);
    expect(['a', 'b', 'c'].map((t) => rs.filter((r) => r.tenant === t).length).sort()).toEqual([3, 3, 4]);
    // A count-only workload becomes one stage of count / rate seconds: it yields its count.
    for (const n of [7, 10, 1000]) expect(gen({ ...spec(three), rate: 5, numRequests: n })).toHaveLength(n);
    // Unequal shares (0.5, 0.3, 0.2 of 7 req/s for 3 s = 21): 10.5, 6.3, 4.2 give 11, 6, 4.
    const shares = 'arrival: exact-count\nrate: 7\nduration_s: 3\nclients:\n  - {name: a, input: 1, output: 1, tenant: a, rate_fraction: 0.5}\n  - {name: b, input: 1, output: 1, tenant: b, rate_fraction: 0.3}\n  - {name: c, input: 1, output: 1, tenant: c, rate_fraction: 0.2}\n';
    const us = gen(spec(shares));
    expect(['a', 'b', 'c'].map((t) => us.filter((r) => r.tenant === t).length)).toEqual([11, 6, 4]);
  });

  it('property: exact-count stages hold exactly floor(rate x duration) requests each', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ rate: fc.integer({ min: 0, max: 50 }), dur: fc.integer({ min: 1, max: 60 }) }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 1000 }),
        (stages, seed) => {
          const text = 'arrival: exact-count\nclients:\n  - {name: c, input: 10, output: 5}\nstages:\n'
            + stages.map((s) => `  - {rate: ${s.rate}, duration_s: ${s.dur}}\n`).join('');
          const rs = gen(spec(text), seed);
          return stages.every((s, i) => rs.filter((r) => r.stage === i).length === Math.floor(s.rate * s.dur));
        },
      ),
      { numRuns: 40 },
    );
  });
});
