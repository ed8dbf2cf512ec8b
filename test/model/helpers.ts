import type { BatchShape } from '../../src/model/step-time.js';

/** A batch from [newTokens, contextTokens, isPrefill] triples. */
export function batchOf(reqs: ReadonlyArray<readonly [number, number, 0 | 1]>): BatchShape {
  const n = reqs.length;
  const b: BatchShape = { size: n, newTokens: new Int32Array(n), contextTokens: new Int32Array(n), isPrefill: new Uint8Array(n), totalNewTokens: 0, numPrefill: 0 };
  reqs.forEach(([t, c, p], i) => {
    b.newTokens[i] = t;
    b.contextTokens[i] = c;
    b.isPrefill[i] = p;
    b.totalNewTokens += t;
    b.numPrefill += p;
  });
  return b;
}

/** k decodes, each with `context` tokens already cached. */
export function decodes(k: number, context: number): BatchShape {
  return batchOf(Array.from({ length: k }, () => [1, context, 0] as const));
}
