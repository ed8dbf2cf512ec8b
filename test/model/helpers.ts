import type { BatchShape } from '../../src/model/step-time.js';
import type { ModelSpec } from '../../src/model/model-spec.js';

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

/** Smallest TP valid for the model that leaves room on an 80 GB GPU. */
export function tpFor(m: ModelSpec): number {
  for (const tp of [1, 2, 4, 8]) {
    if (m.numAttentionHeads % tp === 0 && (m.totalParams * m.weightBytes) / tp < 60e9) return tp;
  }
  return 8;
}
