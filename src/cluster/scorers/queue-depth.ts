import type { ScorerEntry } from './scorer.js';

/**
 * llm-d's queue-scorer: min-max normalised waiting queue, (max − q) / (max − min) over the
 * candidates, 1 for all when they are equal, 0 for non-candidates. q counts in-flight dispatches
 * when tracking is on.
 */
export const queueDepth: ScorerEntry = {
  name: 'queue-depth',
  aliases: ['queue-scorer'],
  describe: 'prefers shorter waiting queues: (max − q)/(max − min) over candidates, 1 when all equal',
  options: {},
  create: () => ({
    score(view, _req, out) {
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < view.numInstances; i++) {
        if (view.eligible[i] === 0) continue;
        const q = view.waiting[i]! + view.inFlight[i]!;
        if (q < min) min = q;
        if (q > max) max = q;
      }
      const span = max - min;
      for (let i = 0; i < view.numInstances; i++) {
        if (view.eligible[i] === 0) {
          out[i] = 0; // not a candidate: outside the min-max range, never chosen
          continue;
        }
        const q = view.waiting[i]! + view.inFlight[i]!;
        out[i] = span > 0 ? (max - q) / span : 1;
      }
    },
  }),
};
