import type { ScorerEntry } from './scorer.js';

/**
 * llm-d's precise-prefix-cache-scorer (llm-d-inference-scheduler pkg/epp/framework/plugins/
 * scheduling/scorer/preciseprefixcache/precise_prefix_cache.go `Score` with utils.go
 * `absoluteScoredPods`): the kv-cache-manager index, built from the instances' own KV events,
 * gives each pod its count m of leading prompt blocks it holds, and the score is m / the
 * request's blocks (clipped to 1; 0 when the prompt has no full block), like the approximate
 * prefix scorer. (Until llm-d #1107 it was min-max normalised over the pods holding any block,
 * which gave 1 to a pod holding a single block when it was the best.) Here the index is the
 * router view's DelayedKvIndex, so it only knows events older than --cache-signal-delay.
 */
export const precisePrefixCache: ScorerEntry = {
  name: 'precise-prefix-cache',
  aliases: ['precise-prefix-cache-scorer', 'kvcache-aware-scorer'],
  describe: 'instances\' real KV contents seen through --cache-signal-delay: leading blocks held / request blocks',
  options: {},
  needsCacheView: true,
  create: (ctx) => {
    const matched = new Float64Array(ctx.numInstances);
    return {
      score(view, req, out) {
        const n = view.numInstances;
        const blocks = req.blockHashes.length;
        if (blocks === 0) {
          out.fill(0, 0, n);
          return;
        }
        view.kvIndex.matchedBlocks(req.blockHashes, view.eligible, n, matched);
        for (let i = 0; i < n; i++) out[i] = Math.min(1, matched[i]! / blocks);
      },
    };
  },
};
