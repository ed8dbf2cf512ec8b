/**
 * P/D decider conformance, run over the whole registry: a request with nothing to decode is
 * never split, a decider that says it never disaggregates never does, one that ignores the KV
 * view or the threshold is not moved by them, and more cached prompt never turns "serve it
 * whole" into "move it".
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { describeClusterConfig } from '../../src/cluster/config-echo.js';
import { PD_DECIDERS } from '../../src/cluster/pd-decider.js';

const decisionArb = fc.record({
  inputTokens: fc.integer({ min: 1, max: 20_000 }),
  outputTokens: fc.integer({ min: 1, max: 2_000 }),
  cachedFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  threshold: fc.integer({ min: 0, max: 4_096 }),
}).map((d) => ({ inputTokens: d.inputTokens, outputTokens: d.outputTokens, cachedTokens: Math.floor(d.inputTokens * d.cachedFraction), threshold: d.threshold }));

describe('P/D decider conformance (every registered decider)', () => {
  for (const entry of PD_DECIDERS) {
    describe(entry.name, () => {
      it('answers a boolean, the same for the same question, and never splits a request with nothing to decode', () => {
        fc.assert(fc.property(decisionArb, (d) => {
          const a = entry.create(d.threshold)(d);
          expect(typeof a).toBe('boolean');
          expect(entry.create(d.threshold)(d)).toBe(a);
          expect(entry.create(d.threshold)({ ...d, outputTokens: 1 })).toBe(false);
        }), { numRuns: 300 });
      });

      it(entry.disaggregates ? 'splits some request (it needs prefill pools)' : 'splits no request (it needs no prefill pool)', () => {
        const anySplit = fc.sample(decisionArb, { numRuns: 500, seed: 1 }).some((d) => entry.create(d.threshold)(d));
        expect(anySplit).toBe(entry.disaggregates);
        const pd = { numInstances: 2, prefillInstances: 1, decodeInstances: 1, totalKvBlocks: 100 };
        if (entry.disaggregates) {
          expect(() => resolveClusterConfig({ pdDecider: entry.name, totalKvBlocks: 100 })).toThrowError(/no prefill pool/);
        } else {
          expect(resolveClusterConfig({ pdDecider: entry.name, totalKvBlocks: 100 }).pdDecider).toBe(entry.name);
        }
        expect(resolveClusterConfig({ ...pd, pdDecider: entry.name }).pdDecider).toBe(entry.name);
      });

      it('is moved by the KV view only if it asks for one, and by the threshold only if it reads one', () => {
        fc.assert(fc.property(decisionArb, fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 4_096 }), (d, otherCached, otherThreshold) => {
          const decide = entry.create(d.threshold);
          if (!entry.needsCacheView) expect(decide({ ...d, cachedTokens: Math.min(otherCached, d.inputTokens) })).toBe(decide(d));
          if (!entry.readsThreshold) expect(entry.create(otherThreshold)(d)).toBe(decide(d));
        }), { numRuns: 300 });
      });

      it('never moves a request because more of its prompt is cached on the decode instance', () => {
        fc.assert(fc.property(decisionArb, fc.double({ min: 0, max: 1, noNaN: true }), (d, more) => {
          const decide = entry.create(d.threshold);
          const moreCached = { ...d, cachedTokens: d.cachedTokens + Math.floor((d.inputTokens - d.cachedTokens) * more) };
          if (decide(moreCached)) expect(decide(d)).toBe(true);
        }), { numRuns: 300 });
      });

      it('echoes the threshold in the metrics config exactly when it reads it', () => {
        const config = describeClusterConfig(resolveClusterConfig({ numInstances: 2, prefillInstances: 1, decodeInstances: 1, totalKvBlocks: 100, pdDecider: entry.name }));
        expect('pd_prefix_threshold_tokens' in config).toBe(entry.readsThreshold);
      });
    });
  }
});

describe('prefix-threshold decider (llm-d prefix_based_pd_decider.go disaggregate)', () => {
  it('splits when the uncached prompt reaches the threshold (decode only while nonCachedTokens < NonCachedTokens)', () => {
    const decide = PD_DECIDERS.find((d) => d.name === 'prefix-threshold')!.create(256);
    expect(decide({ inputTokens: 1000, outputTokens: 10, cachedTokens: 745 })).toBe(false); // 255 uncached
    expect(decide({ inputTokens: 1000, outputTokens: 10, cachedTokens: 744 })).toBe(true); // 256 uncached
    expect(decide({ inputTokens: 255, outputTokens: 10, cachedTokens: 0 })).toBe(false); // inputTokens < threshold
  });

  it('never splits at threshold 0 (llm-d: "A value of 0 disables disaggregation")', () => {
    const decide = PD_DECIDERS.find((d) => d.name === 'prefix-threshold')!.create(0);
    expect(decide({ inputTokens: 100_000, outputTokens: 10, cachedTokens: 0 })).toBe(false);
  });
});

describe('P/D decider lookup', () => {
  it('reads names as typed (case, surrounding spaces) and names the close ones when it cannot', async () => {
    const { findPdDecider } = await import('../../src/cluster/pd-decider.js');
    expect(findPdDecider('  Prefix-Threshold ').name).toBe('prefix-threshold');
    expect(findPdDecider('NEVER').name).toBe('never');
    expect(() => findPdDecider('prefix-treshold')).toThrow(/unknown P\/D decider 'prefix-treshold' \(did you mean prefix-threshold\?\); known: never, always, prefix-threshold/);
    try {
      findPdDecider('zzz');
    } catch (e) {
      expect((e as { code: string; where: string; message: string }).code).toBe('UNKNOWN_PD_DECIDER');
      expect((e as { where: string }).where).toBe('--pd-decider');
      expect((e as Error).message).toMatch(/unknown P\/D decider 'zzz'; known: never, always, prefix-threshold$/);
      return;
    }
    throw new Error('findPdDecider accepted an unknown name');
  });
});
