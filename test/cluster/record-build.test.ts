import { describe, expect, it } from 'vitest';
import { engineRequestFor } from '../../src/engine/engine-request.js';
import { buildRecord, newTracked } from '../../src/cluster/tracked.js';

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
    const plain = buildRecord(served(), 'completed', undefined);
    // An optional field sends the build down the field-by-field path; without it, the same record.
    const t = served();
    t.req.prefillChunks = [];
    const general = buildRecord(t, 'completed', undefined);
    expect(Object.keys(general).at(-1)).toBe('prefillChunks');
    expect(JSON.stringify(plain)).toBe(JSON.stringify({ ...general, prefillChunks: undefined }));
    expect(plain).toMatchObject({ arrivalUs: 2 ** 31 + 5, finishedUs: 2 ** 31 + 900, cachedTokens: 16, preemptions: 1, producedTokens: 3, instance: 2 });
  });

  it('keeps optional source fields in their place after the token counts', () => {
    const r = buildRecord(served({ sessionId: 's1', priority: 2 }), 'completed', undefined);
    expect(Object.keys(r).slice(4, 8)).toEqual(['outputTokens', 'sessionId', 'priority', 'status']);
  });

  it('reports a record that did not complete with finishedUs -1', () => {
    expect(buildRecord(served(), 'unfinished', undefined).finishedUs).toBe(-1);
    expect(buildRecord(served(), 'timed_out', 'client-timeout').reason).toBe('client-timeout');
  });
});
