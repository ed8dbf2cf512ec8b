import type { ScorerEntry } from './scorer.js';

/** llm-d's kv-cache-utilization-scorer: 1 − KV utilisation as last scraped. */
export const kvUtilization: ScorerEntry = {
  name: 'kv-utilization',
  aliases: ['kv-cache-utilization-scorer'],
  describe: 'prefers emptier KV caches: 1 − utilisation (as last scraped)',
  options: {},
  create: () => ({
    score(view, _req, out) {
      for (let i = 0; i < view.numInstances; i++) out[i] = 1 - Math.min(1, Math.max(0, view.kvUtilization[i]!));
    },
  }),
};
