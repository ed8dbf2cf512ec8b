import type { ScorerEntry } from './scorer.js';

/**
 * llm-d's load-aware-scorer (llm-d-inference-scheduler pkg/plugins/scorer/load_aware.go,
 * threshold default 128): an empty waiting queue scores 0.5, a queue of q scores
 * 0.5·(1 − min(q, T)/T), so a queue at the threshold scores 0. q is the scraped waiting queue
 * plus the gateway's in-flight dispatches when in-flight tracking is on (llm-d reads only the
 * scraped queue; tracking off reproduces it).
 */
export const loadAware: ScorerEntry = {
  name: 'load-aware',
  aliases: ['load-aware-scorer'],
  describe: 'absolute queue load: 0.5 when the queue q is empty, else 0.5·(1 − min(q, threshold)/threshold); in [0, 0.5]',
  options: {
    threshold: { describe: 'waiting requests at which the score reaches 0', default: 128, unit: 'requests' },
  },
  create: (_ctx, options) => {
    const t = options?.threshold !== undefined && options.threshold > 0 ? options.threshold : 128;
    return {
      score(view, _req, out) {
        for (let i = 0; i < view.numInstances; i++) {
          const q = view.waiting[i]! + view.inFlight[i]!;
          out[i] = q <= 0 ? 0.5 : 0.5 * (1 - Math.min(q, t) / t);
        }
      },
    };
  },
};
