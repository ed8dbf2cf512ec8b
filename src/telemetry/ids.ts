/**
 * Deterministic trace and span ids: a function of (seed, request index, span number) only, so
 * the same run writes byte-identical files. 32-bit integer mixing (the finaliser of
 * "lowbias32", Wellons 2018) keeps this allocation-light and BigInt-free; ids are never all-zero
 * (OTLP treats an all-zero id as invalid).
 */

function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A 32-bit word determined by (seed, index, lane, word). Seeds above 2^32 keep their high bits. */
export function idWord(seed: number, index: number, lane: number, word: number): number {
  const seedLo = seed >>> 0;
  const seedHi = Math.floor(seed / 4294967296) >>> 0;
  let h = mix32(seedLo ^ 0x9e3779b9);
  h = mix32(h ^ seedHi);
  h = mix32(h ^ (index >>> 0));
  h = mix32(h ^ (Math.floor(index / 4294967296) >>> 0) ^ 0x85ebca6b);
  h = mix32(h ^ Math.imul(lane + 1, 0xc2b2ae35));
  return mix32(h ^ Math.imul(word + 1, 0x27d4eb2f));
}

function fill(out: Uint8Array, seed: number, index: number, lane: number): Uint8Array {
  let any = 0;
  for (let w = 0; w < out.length / 4; w++) {
    const v = idWord(seed, index, lane, w);
    any |= v;
    out[w * 4] = v >>> 24;
    out[w * 4 + 1] = (v >>> 16) & 0xff;
    out[w * 4 + 2] = (v >>> 8) & 0xff;
    out[w * 4 + 3] = v & 0xff;
  }
  if (any === 0) out[out.length - 1] = 1;
  return out;
}

/** The 16-byte trace id of request `index`. */
export function traceIdFor(seed: number, index: number): Uint8Array {
  return fill(new Uint8Array(16), seed, index, 0xffff);
}

/** The 8-byte id of span number `spanNo` (0 = root) of request `index`. */
export function spanIdFor(seed: number, index: number, spanNo: number): Uint8Array {
  return fill(new Uint8Array(8), seed, index, spanNo);
}

/** Uniform in [0, 1) from (seed, index): the head-sampling coin of request `index`. */
export function sampleCoin(seed: number, index: number): number {
  return idWord(seed, index, 0x5a17, 0) / 4294967296;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!];
  return s;
}

