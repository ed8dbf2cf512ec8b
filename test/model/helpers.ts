import type { BatchShape } from '../../src/model/step-time.js';
import type { ModelSpec } from '../../src/model/model-spec.js';
import { getModel } from '../../src/model/catalog.js';
import { getHardware } from '../../src/model/hardware-catalog.js';
import { BASIS_SIZE, ROOFLINE_BASIS, rooflineBasis } from '../../src/model/roofline.js';

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

/** The roofline's kernels_us term (kernels × floors) of 8 decodes at 1,000 tokens of context: what a per-GPU floor ratio moves. */
export function kernelsTermUs(model: string, gpu: string, tp = 1): number {
  const out = new Float64Array(BASIS_SIZE);
  rooflineBasis({ model: getModel(model), hardware: getHardware(gpu), tp })(decodes(8, 1000), out);
  return out[ROOFLINE_BASIS.indexOf('kernels_us')]!;
}
