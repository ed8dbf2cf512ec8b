/**
 * Admission-policy conformance, run over the whole registry: an answer is "admit" or a stable
 * reason code, the same questions get the same answers, a policy reads only the settings it
 * declares, an idle gateway admits, and a queueable policy (whose refusals flow control holds
 * in the gateway queue) admits again once capacity is back, or the queue would never drain.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ADMISSION_POLICIES, type AdmissionEntry, type AdmissionSettings } from '../../src/cluster/admission/admission.js';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { describeClusterConfig } from '../../src/cluster/config-echo.js';
import { createRouterView, type MutableRouterView } from '../../src/cluster/view.js';

const REQ = { index: 0, inputTokens: 64, outputTokens: 8, blockHashes: new Float64Array(0), priority: 0 };

const settingsArb: fc.Arbitrary<AdmissionSettings> = fc.record({
  queueDepthThreshold: fc.integer({ min: 1, max: 20 }),
  kvCacheUtilThreshold: fc.double({ min: 0.01, max: 1, noNaN: true }),
  metricsStalenessUs: fc.integer({ min: 0, max: 500_000 }),
  tokenBucketRatePerS: fc.double({ min: 0.1, max: 100, noNaN: true }),
  tokenBucketBurst: fc.double({ min: 1, max: 20, noNaN: true }),
});

/** A sequence of questions: the view's signals and the time of each. */
const callsArb = fc.array(fc.record({
  waiting: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 3, maxLength: 3 }),
  kv: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
  inFlight: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 3, maxLength: 3 }),
  eligible: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 3, maxLength: 3 }),
  scrapeAgeUs: fc.integer({ min: 0, max: 400_000 }),
  gapUs: fc.integer({ min: 0, max: 300_000 }),
}), { minLength: 1, maxLength: 25, size: 'max' });

type Call = { waiting: number[]; kv: number[]; inFlight: number[]; eligible: number[]; scrapeAgeUs: number; gapUs: number };

function answers(entry: AdmissionEntry, s: AdmissionSettings, calls: readonly Call[]): (string | null)[] {
  const policy = entry.create(s);
  const view = createRouterView(3);
  let now = 0;
  return calls.map((c) => {
    now += c.gapUs;
    fill(view, c, now);
    return policy.decide(view, REQ, now);
  });
}

function fill(view: MutableRouterView, c: Call, now: number): void {
  view.waiting.set(c.waiting);
  view.kvUtilization.set(c.kv);
  view.inFlight.set(c.inFlight);
  view.eligible.set(c.eligible);
  view.scrapedUs = Math.max(0, now - c.scrapeAgeUs);
}

const IDLE: Call = { waiting: [0, 0, 0], kv: [0, 0, 0], inFlight: [0, 0, 0], eligible: [1, 1, 1], scrapeAgeUs: 0, gapUs: 0 };

describe('admission-policy conformance (every registered policy)', () => {
  for (const entry of ADMISSION_POLICIES) {
    describe(entry.name, () => {
      it('answers null (admit) or a stable kebab-case reason code, the same for the same questions', () => {
        fc.assert(fc.property(settingsArb, callsArb, (s, calls) => {
          const a = answers(entry, s, calls);
          for (const x of a) if (x !== null) expect(x).toMatch(/^[a-z]+(-[a-z]+)*$/);
          expect(answers(entry, s, calls)).toEqual(a);
        }), { numRuns: 150 });
      });

      it('reads only the settings it declares', () => {
        fc.assert(fc.property(settingsArb, settingsArb, callsArb, (s, other, calls) => {
          const mixed = { ...other } as Record<keyof AdmissionSettings, number>;
          for (const k of entry.reads) mixed[k] = s[k];
          expect(answers(entry, mixed, calls)).toEqual(answers(entry, s, calls));
        }), { numRuns: 150 });
      });

      it('admits the first request at an idle gateway with fresh metrics', () => {
        fc.assert(fc.property(settingsArb, (s) => {
          expect(answers(entry, s, [IDLE])).toEqual([null]);
        }), { numRuns: 100 });
      });

      if (entry.queueable) {
        it('admits again once the candidates are idle and freshly scraped, whatever came before (flow control drains)', () => {
          fc.assert(fc.property(settingsArb, callsArb, (s, calls) => {
            expect(answers(entry, s, [...calls, IDLE]).at(-1)).toBeNull();
          }), { numRuns: 150 });
        });
      }

      it('resolves through the cluster config, echoing its own settings there', () => {
        const c = resolveClusterConfig({ admissionPolicy: entry.name, ...(entry.reads.includes('tokenBucketRatePerS') ? { tokenBucketRate: 10 } : {}), totalKvBlocks: 100 });
        expect(c.admissionPolicy).toBe(entry.name);
        const echoed = describeClusterConfig(c);
        for (const [k, v] of Object.entries(entry.echo?.(c.admission) ?? {})) expect(echoed[k]).toBe(v);
      });
    });
  }
});

describe('admission settings each policy checks for itself', () => {
  it('token-bucket needs a rate and a burst of at least one request; the other policies refuse them as unread', () => {
    expect(() => resolveClusterConfig({ admissionPolicy: 'token-bucket', totalKvBlocks: 100 })).toThrowError(/needs a rate > 0/);
    expect(() => resolveClusterConfig({ admissionPolicy: 'token-bucket', tokenBucketRate: 5, tokenBucketBurst: 0.5, totalKvBlocks: 100 })).toThrowError(/expected at least 1 request/);
    expect(resolveClusterConfig({ admissionPolicy: 'token-bucket', tokenBucketRate: 5, totalKvBlocks: 100 }).admission.tokenBucketBurst).toBe(5);
    expect(() => resolveClusterConfig({ admissionPolicy: 'saturation', tokenBucketBurst: 0.5, totalKvBlocks: 100 })).toThrowError(/--token-bucket-burst: the saturation admission policy does not read it/);
  });
});
