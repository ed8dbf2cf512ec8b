import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { RequestStatus } from '../../src/cluster/record.js';
import { engineRequestFor } from '../../src/engine/engine-request.js';
import { buildRecord, newTracked } from '../../src/cluster/tracked.js';

/** When the request leaves the system (a record's endedUs unless it completed). */
const NOW = 2 ** 31 + 2_000;

/** A served request's gateway state, as the cluster leaves it when the request completes. */
function served(over: Record<string, unknown> = {}) {
  const req = engineRequestFor({ id: 'r7', arrivalUs: 2 ** 31 + 5, inputTokens: 40, outputTokens: 3, ...over }, 7, 16);
  Object.assign(req, { enqueuedUs: 2 ** 31 + 9, firstScheduledUs: 2 ** 31 + 11, firstTokenUs: 2 ** 31 + 400, finishedUs: 2 ** 31 + 900, cachedTokens: 16, preemptions: 1, outputDone: 3 });
  const t = newTracked(req, 0);
  Object.assign(t, { admittedUs: 2 ** 31 + 6, routedUs: 2 ** 31 + 8, instance: 2, pool: 'default' });
  return t;
}

describe('request record', () => {
  it('has the same keys in the same order and the same values whether or not optional fields are present', () => {
    const plain = buildRecord(served(), 'completed', undefined, NOW);
    // An optional field sends the build down the field-by-field path; without it, the same record.
    const t = served();
    t.req.prefillChunks = [];
    const general = buildRecord(t, 'completed', undefined, NOW);
    expect(Object.keys(general).at(-1)).toBe('prefillChunks');
    expect(JSON.stringify(plain)).toBe(JSON.stringify({ ...general, prefillChunks: undefined }));
    expect(plain).toMatchObject({ arrivalUs: 2 ** 31 + 5, finishedUs: 2 ** 31 + 900, cachedTokens: 16, preemptions: 1, producedTokens: 3, instance: 2 });
  });

  it('keeps optional source fields in their place after the token counts', () => {
    const r = buildRecord(served({ sessionId: 's1', priority: 2 }), 'completed', undefined, NOW);
    expect(Object.keys(r).slice(4, 8)).toEqual(['outputTokens', 'sessionId', 'priority', 'status']);
  });

  it('reports a record that did not complete with finishedUs -1 and the time it left as endedUs', () => {
    expect(buildRecord(served(), 'unfinished', undefined, NOW)).toMatchObject({ finishedUs: -1, endedUs: NOW });
    expect(buildRecord(served(), 'completed', undefined, NOW)).not.toHaveProperty('endedUs');
    expect(buildRecord(served(), 'timed_out', 'client-timeout', NOW).reason).toBe('client-timeout');
  });
});

/**
 * The record as record.ts documents it, built the plain way (an object spread in the interface's
 * order, optional fields present exactly when set): the reference buildRecord's two paths (the
 * one-literal fast path and the field-by-field one) must both match, key order included.
 */
function referenceRecord(t: ReturnType<typeof served>, status: RequestStatus, reason: string | undefined): Record<string, unknown> {
  const r = t.req;
  const d = t.decodeReq;
  const src = r.src;
  const client = t.disagg ? d : r;
  const opt = (k: string, v: unknown): Record<string, unknown> => (v === undefined ? {} : { [k]: v });
  return {
    id: src.id, index: r.index, arrivalUs: src.arrivalUs, inputTokens: r.inputTokens, outputTokens: r.outputTokens,
    ...opt('model', src.model), ...opt('tenant', src.tenant), ...opt('sloClass', src.sloClass), ...opt('sessionId', src.sessionId),
    ...opt('priority', src.priority), ...opt('stage', src.stage),
    status, ...opt('reason', reason), admission: t.admission, admittedUs: t.admittedUs, routedUs: t.routedUs, instance: t.instance, pool: t.pool,
    enqueuedUs: r.enqueuedUs, firstScheduledUs: r.firstScheduledUs,
    firstTokenUs: client === null ? -1 : client.firstTokenUs,
    finishedUs: status !== 'completed' ? -1 : (d ?? r).finishedUs,
    ...(status !== 'completed' ? { endedUs: NOW } : {}),
    cachedTokens: Math.max(0, r.cachedTokens),
    ...(r.cpuCachedTokens > 0 ? { cpuCachedTokens: r.cpuCachedTokens } : {}),
    preemptions: r.preemptions + (d?.preemptions ?? 0),
    producedTokens: client === null ? 0 : client.outputDone,
    ...opt('routingScores', t.scores),
    ...(t.disagg ? {
      disagg: {
        prefillInstance: t.instance, decodeInstance: t.decodeInstance, decodeRoutedUs: t.decodeRoutedUs, prefillDoneUs: t.prefillDoneUs,
        transferStartUs: t.transferStartUs, transferEndUs: t.transferEndUs, transferBytes: t.transferBytes, decodeEnqueuedUs: t.decodeEnqueuedUs,
        decodeFirstScheduledUs: d === null ? -1 : d.firstScheduledUs, decodeCachedTokens: d === null ? 0 : Math.max(0, d.cachedTokens),
        decodePool: t.decodePool, ...opt('decodeRoutingScores', t.decodeScores),
      },
    } : {}),
    ...(r.prefillChunks !== null ? { prefillChunks: r.prefillChunks } : {}),
    ...(r.preemptionTimesUs !== null ? { preemptionTimesUs: [...r.preemptionTimesUs, ...(d?.preemptionTimesUs ?? [])] } : {}),
    ...(client !== null && client.tokenTimesUs !== null ? { tokenTimesUs: client.tokenTimesUs } : {}),
    ...opt('observed', src.observed),
  };
}

describe('request record against its documented shape', () => {
  const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const times = fc.array(fc.integer({ min: 0, max: 9_999 }), { maxLength: 3 });
  const state = fc.record({
    model: maybe(fc.constantFrom('m1', 'm2')), tenant: maybe(fc.constant('t')), sloClass: maybe(fc.constant('gold')), sessionId: maybe(fc.constant('s1')),
    priority: maybe(fc.integer({ min: -2, max: 2 })), stage: maybe(fc.integer({ min: 0, max: 3 })), observed: maybe(fc.constant({ ttftUs: 5, e2eUs: 9 })),
    status: fc.constantFrom('completed', 'rejected', 'timed_out', 'dropped', 'unfinished'), reason: maybe(fc.constantFrom('client-timeout', 'unknown-model')),
    scores: maybe(fc.constant({ 'queue-depth': 0.25 })), cpuCached: fc.constantFrom(0, 16), cached: fc.constantFrom(-1, 0, 48),
    chunks: fc.boolean(), preemptTimes: fc.option(times, { nil: null }), tokenTimes: fc.option(times, { nil: null }),
    disagg: fc.boolean(), decode: fc.boolean(), decodePreemptTimes: fc.option(times, { nil: null }), decodeTokenTimes: fc.option(times, { nil: null }),
    decodeScores: maybe(fc.constant({ 'prefix-affinity': 1 })), decodeCached: fc.constantFrom(-1, 0, 32),
  });

  it('matches the reference field for field and key for key, on both build paths', () => {
    fc.assert(fc.property(state, (s) => {
      const over: Record<string, unknown> = {};
      for (const k of ['model', 'tenant', 'sloClass', 'sessionId', 'priority', 'stage', 'observed'] as const) if (s[k] !== undefined) over[k] = s[k];
      const t = served(over);
      Object.assign(t.req, { cpuCachedTokens: s.cpuCached, cachedTokens: s.cached, prefillChunks: s.chunks ? [{ startUs: 1, endUs: 2, tokens: 40 }] : null, preemptionTimesUs: s.preemptTimes, tokenTimesUs: s.tokenTimes });
      if (s.scores !== undefined) t.scores = s.scores;
      // A disaggregated request may leave before a decode side exists (no client tokens then).
      if (s.disagg) t.disagg = true;
      if (s.decode) {
        const d = engineRequestFor({ id: 'r7', arrivalUs: 2 ** 31 + 5, inputTokens: 40, outputTokens: 3 }, 7, 16);
        Object.assign(d, { firstScheduledUs: 2 ** 31 + 600, firstTokenUs: 2 ** 31 + 700, finishedUs: 2 ** 31 + 1_500, cachedTokens: s.decodeCached, preemptions: 2, outputDone: 2, preemptionTimesUs: s.decodePreemptTimes, tokenTimesUs: s.decodeTokenTimes });
        Object.assign(t, { decodeReq: d, decodeInstance: 5, decodePool: 'decode', decodeRoutedUs: 2 ** 31 + 550, prefillDoneUs: 2 ** 31 + 500, transferStartUs: 2 ** 31 + 510, transferEndUs: 2 ** 31 + 590, transferBytes: 1_048_576, decodeEnqueuedUs: 2 ** 31 + 520 });
        if (s.decodeScores !== undefined) t.decodeScores = s.decodeScores;
      }
      const got = buildRecord(t, s.status as RequestStatus, s.reason, NOW);
      const want = referenceRecord(t, s.status as RequestStatus, s.reason);
      expect(got).toEqual(want);
      expect(Object.keys(got)).toEqual(Object.keys(want));
      if (got.disagg !== undefined) expect(Object.keys(got.disagg)).toEqual(Object.keys(want['disagg'] as object));
    }), { numRuns: 400 });
  });

  it('each optional field alone leaves the one-literal path and appears (the rest plain)', () => {
    const cases: Array<[string, (t: ReturnType<typeof served>) => void, string | undefined]> = [
      ['model', () => {}, undefined], ['tenant', () => {}, undefined], ['sloClass', () => {}, undefined], ['sessionId', () => {}, undefined],
      ['priority', () => {}, undefined], ['stage', () => {}, undefined], ['observed', () => {}, undefined],
      ['reason', () => {}, 'client-timeout'],
      ['routingScores', (t) => { t.scores = { 'queue-depth': 1 }; }, undefined],
      ['cpuCachedTokens', (t) => { t.req.cpuCachedTokens = 16; }, undefined],
      ['prefillChunks', (t) => { t.req.prefillChunks = []; }, undefined],
      ['preemptionTimesUs', (t) => { t.req.preemptionTimesUs = [5]; }, undefined],
      ['tokenTimesUs', (t) => { t.req.tokenTimesUs = [6]; }, undefined],
      ['disagg', (t) => { t.disagg = true; }, undefined],
    ];
    const srcValue: Record<string, unknown> = { model: 'm1', tenant: 't', sloClass: 'gold', sessionId: 's1', priority: 0, stage: 0, observed: { ttftUs: 5, e2eUs: 9 } };
    for (const [key, set, reason] of cases) {
      const t = served(key in srcValue ? { [key]: srcValue[key] } : {});
      set(t);
      const rec = buildRecord(t, 'completed', reason, NOW) as unknown as Record<string, unknown>;
      expect(Object.keys(rec), key).toContain(key);
      expect(rec, key).toEqual(referenceRecord(t, 'completed', reason));
    }
  });

  it('a decode side alone (not yet disaggregated on the record) or a P/D request without one also leave the one-literal path', () => {
    const withDecode = served();
    withDecode.decodeReq = engineRequestFor({ id: 'r7', arrivalUs: 2 ** 31 + 5, inputTokens: 40, outputTokens: 3 }, 7, 16);
    withDecode.decodeReq.preemptions = 4;
    expect(buildRecord(withDecode, 'completed', undefined, NOW)).toEqual(referenceRecord(withDecode, 'completed', undefined));
    expect(buildRecord(withDecode, 'completed', undefined, NOW).preemptions).toBe(5);
    const noDecode = served();
    noDecode.disagg = true;
    expect(buildRecord(noDecode, 'rejected', undefined, NOW)).toMatchObject({ firstTokenUs: -1, producedTokens: 0, disagg: { decodeFirstScheduledUs: -1, decodeCachedTokens: 0 } });
  });

  it('a disaggregated record merges both halves\' preemptions and takes the client-facing token times from the decode side', () => {
    const t = served();
    t.req.preemptionTimesUs = [10, 20];
    const d = engineRequestFor({ id: 'r7', arrivalUs: 2 ** 31 + 5, inputTokens: 40, outputTokens: 3 }, 7, 16);
    Object.assign(d, { firstTokenUs: 2 ** 31 + 700, finishedUs: 2 ** 31 + 1_500, preemptions: 2, outputDone: 3, preemptionTimesUs: [30], tokenTimesUs: [2 ** 31 + 700] });
    Object.assign(t, { disagg: true, decodeReq: d });
    const rec = buildRecord(t, 'completed', undefined, NOW);
    expect(rec).toMatchObject({ firstTokenUs: 2 ** 31 + 700, finishedUs: 2 ** 31 + 1_500, preemptions: 3, producedTokens: 3, preemptionTimesUs: [10, 20, 30], tokenTimesUs: [2 ** 31 + 700] });
    // The prefill side's own list is not extended in place.
    expect(t.req.preemptionTimesUs).toEqual([10, 20]);
  });
});
