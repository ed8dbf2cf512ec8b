/**
 * How many query-key pairs and cached keys a chunk's attention touches when each query sees at most
 * W keys: the last W (sliding window) or the top W the indexer selects (DeepSeek sparse attention).
 * Pure integer arithmetic shared by the roofline's windowed and sparse attention terms.
 */

/** Query-key pairs of a chunk of t tokens after c cached ones when each attends to at most W keys: Σ_{j<t} min(c + j + 1, W). */
export function windowPairs(c: number, t: number, W: number): number {
  if (c + t <= W) return t * c + (t * (t + 1)) / 2;
  if (c + 1 >= W) return t * W;
  // Tokens j < W − c see c + j + 1 ≤ W keys (c + 1 … W); the rest see W.
  const k = W - c;
  return ((c + 1 + W) * k) / 2 + (t - k) * W;
}

/**
 * Distinct cached keys a sparse chunk reads: each query gathers its own top-W from anywhere in its
 * context, so the chunk reads at most all c + t keys and at most W per query (a decode: min(c + 1, W)).
 */
export function sparseKeysRead(c: number, t: number, W: number): number {
  return Math.min(c + t, t * W);
}
