import type { ScorerEntry } from './scorer.js';

/**
 * llm-d's active-request-scorer (llm-d-inference-scheduler pkg/plugins/scorer/active_request.go):
 * the gateway counts its own requests per instance from dispatch to completion (live, not
 * scraped); with max the largest count over all instances, an instance with c requests scores
 * (max − c)/max, and 1 when c = 0 or max = 0.
 */
export const activeRequests: ScorerEntry = {
  name: 'active-requests',
  aliases: ['active-request-scorer'],
  describe: 'gateway-counted requests in progress c (dispatch to completion, live): (max − c)/max over all instances, 1 when c = 0',
  options: {},
  create: () => ({
    score(view, _req, out) {
      const n = view.numInstances;
      let max = 0;
      for (let i = 0; i < n; i++) if (view.active[i]! > max) max = view.active[i]!;
      for (let i = 0; i < n; i++) {
        const c = view.active[i]!;
        out[i] = c <= 0 || max <= 0 ? 1 : (max - c) / max;
      }
    },
  }),
};
