import type { ScorerEntry } from './scorer.js';

/**
 * llm-d's precise-prefix-cache-scorer (llm-d-inference-scheduler pkg/plugins/scorer/
 * precise_prefix_cache.go): the kv-cache-manager index, built from the instances' own KV events,
 * gives each pod its count m of leading prompt blocks it holds; scores are min-max normalised
 * over the pods with m ≥ 1 (pkg/plugins/scorer/utils.go indexedScoresToNormalizedScoredPods):
 * (m − min)/(max − min), 1 when they are all equal, 0 for pods holding none of the prefix.
 * Here the index is the router view's DelayedKvIndex, so it only knows events older than
 * --cache-signal-delay.
 */
export const precisePrefixCache: ScorerEntry = {
  name: 'precise-prefix-cache',
  aliases: ['precise-prefix-cache-scorer', 'kvcache-aware-scorer'],
  describe: 'instances\' real KV contents seen through --cache-signal-delay: leading blocks m held, min-max normalised over instances with m ≥ 1 (1 if all equal), 0 when m = 0',
  options: {},
  needsCacheView: true,
  create: (ctx) => {
    const matched = new Float64Array(ctx.numInstances);
    return {
      score(view, req, out) {
        const n = view.numInstances;
        view.kvIndex.matchedBlocks(req.blockHashes, view.eligible, n, matched);
        let min = Infinity;
        let max = 0;
        for (let i = 0; i < n; i++) {
          const m = matched[i]!;
          if (m <= 0) continue;
          if (m < min) min = m;
          if (m > max) max = m;
        }
        for (let i = 0; i < n; i++) {
          const m = matched[i]!;
          out[i] = m <= 0 ? 0 : max === min ? 1 : (m - min) / (max - min);
        }
      },
    };
  },
};
