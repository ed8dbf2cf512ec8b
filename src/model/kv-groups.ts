/**
 * vLLM's KV cache groups for a model with sliding-window layers (vLLM 0.15
 * v1/core/kv_cache_utils.py `_get_kv_cache_groups_uniform_page_size`, docs/design/
 * hybrid_kv_cache_manager.md). Layers are grouped by attention type into groups of equal layer
 * count (the last group of a type padded); one pool of equal pages serves every group, a page
 * being one block of `block_size` tokens for each layer of a group. A request holds blocks in
 * every group: a full-attention group for all its tokens, a sliding-window group only for the
 * tokens its window still reads. The page is `layersPerGroup` layers deep, so the pool has
 * `available / (layersPerGroup × block bytes per layer)` blocks (`get_num_blocks`).
 */
import type { ModelSpec } from './model-spec.js';

export interface KvCacheGroups {
  /** Layers behind one block of one group (the pool's page depth). */
  readonly layersPerGroup: number;
  /** Full-attention groups (blocks for every token) and sliding-window groups (blocks for the window). */
  readonly fullGroups: number;
  readonly slidingGroups: number;
  /** Tokens a sliding layer attends to (the token itself included, as vLLM's `sliding_window`). */
  readonly slidingWindow: number;
}

/** Why the engine keeps every layer's blocks for whole contexts although some layers slide, or null. */
export type HybridOffReason = 'flag' | 'kv-connector' | null;

/**
 * The groups vLLM forms for `model`, or null when it has a single full-attention group (no
 * sliding layers, or the hybrid manager is off: vLLM's unify_hybrid_kv_cache_specs then treats
 * sliding layers as full attention, one group of every layer).
 *
 * A model whose every layer slides is not hybrid: one sliding-window group whatever the flag
 * (vLLM only unifies specs of mixed types). Such a model behind a KV connector is approximated
 * with whole contexts (`off`), which the engine's CPU tier and P/D transfers assume.
 */
export function kvCacheGroups(model: ModelSpec, off: HybridOffReason = null): KvCacheGroups | null {
  const sliding = model.slidingLayers;
  if (model.slidingWindow <= 0 || sliding <= 0) return null;
  const full = model.numLayers - sliding;
  if (full <= 0) return off === 'kv-connector' ? null : Object.freeze({ layersPerGroup: model.numLayers, fullGroups: 0, slidingGroups: 1, slidingWindow: model.slidingWindow });
  if (off !== null) return null;
  // Groups take the smaller type's layer count (Gemma 3 27B: 10 full, 52 sliding -> 1 + 6 groups of
  // 10, 8 of them padding), unless the larger is under 1.5x it: then the larger (gpt-oss-20b with an
  // EAGLE drafter, 12 + 13: two groups of 13) (vLLM 0.15 kv_cache_utils.py).
  const min = Math.min(full, sliding);
  const max = Math.max(full, sliding);
  const layersPerGroup = max < min * 1.5 ? max : min;
  return Object.freeze({
    layersPerGroup,
    fullGroups: Math.ceil(full / layersPerGroup),
    slidingGroups: Math.ceil(sliding / layersPerGroup),
    slidingWindow: model.slidingWindow,
  });
}

/** Groups in all: each block a request holds in one group is one block of the shared pool. */
export function groupCount(g: KvCacheGroups): number {
  return g.fullGroups + g.slidingGroups;
}
