import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MetricsCollector, type MetricsDocument } from '../../src/cluster/metrics.js';
import type { RequestRecord, RequestStatus } from '../../src/cluster/record.js';

const MODELS = [undefined, 'm1', 'm2'] as const;

/** A record as the cluster emits it (times in µs, -1: did not happen). */
function record(i: number, model: string | undefined, status: RequestStatus, ttftUs: number, e2eUs: number, tokens: number): RequestRecord {
  const arrivalUs = 1000 * i;
  const done = status === 'completed';
  return {
    id: `r${i}`, index: i, arrivalUs, inputTokens: 100 + i, outputTokens: tokens, ...(model !== undefined ? { model } : {}),
    status, ...(done ? {} : { reason: 'client-timeout' }), admission: 'admitted', admittedUs: arrivalUs, routedUs: arrivalUs, instance: -1, pool: '',
    enqueuedUs: arrivalUs, firstScheduledUs: arrivalUs + 7 * i, firstTokenUs: done ? arrivalUs + ttftUs : -1, finishedUs: done ? arrivalUs + ttftUs + e2eUs : -1,
    cachedTokens: i % 3 === 0 ? 16 : 0, preemptions: i % 5 === 0 ? 1 : 0, producedTokens: done ? tokens : 0,
  };
}

function document(records: RequestRecord[]): MetricsDocument {
  const c = new MetricsCollector(1, [], { pools: [] }, { defaultModel: 'm0' });
  for (const r of records) c.addRecord(r);
  return c.document({}, { simulatedUs: 10 ** 9, events: 0 });
}

/** The figures a model's block and a run's own block share. */
function figures(b: Record<string, unknown>) {
  const { requests, ttft_ms, tpot_ms, e2e_ms, queue_ms, throughput, kv, reasons } = b;
  return { requests, ttft_ms, tpot_ms, e2e_ms, queue_ms, throughput, kv, reasons };
}

describe('metrics by model', () => {
  it('reports each model as a run of only its records would, however late a second model appears', () => {
    const arb = fc.array(fc.record({
      model: fc.constantFrom(...MODELS),
      done: fc.boolean(),
      ttftUs: fc.integer({ min: 1, max: 50_000 }),
      e2eUs: fc.integer({ min: 1, max: 900_000 }),
      tokens: fc.integer({ min: 1, max: 40 }),
    }), { minLength: 1, maxLength: 60, size: 'max' });
    fc.assert(fc.property(arb, fc.nat(60), (specs, soloFirst) => {
      // The first `soloFirst` records are all of the first record's model (a run that starts with one model).
      const records = specs.map((s, i) => record(i, i < soloFirst ? specs[0]!.model : s.model, s.done ? 'completed' : 'timed_out', s.ttftUs, s.e2eUs, s.tokens));
      const doc = document(records) as MetricsDocument & { models?: Record<string, Record<string, unknown>> };
      const names = [...new Set(records.map((r) => r.model ?? 'm0'))];
      if (names.length < 2) {
        expect(doc.models).toBeUndefined();
        return;
      }
      expect(Object.keys(doc.models!).sort()).toEqual([...names].sort());
      for (const m of names) {
        const alone = document(records.filter((r) => (r.model ?? 'm0') === m)) as unknown as Record<string, unknown>;
        expect(figures(doc.models![m]!)).toEqual(figures(alone));
      }
    }), { numRuns: 150 });
  });
});
