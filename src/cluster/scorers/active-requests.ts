import type { ScorerEntry } from './scorer.js';

/**
 * llm-d's active-request-scorer (llm-d-inference-scheduler pkg/epp/framework/plugins/scheduling/
 * scorer/activerequest/active_request.go `Score`, counts from the inflight-load producer): the
 * gateway counts its own requests per instance from dispatch to completion (live, not scraped);
 * with max the largest count over the candidates (the endpoints the profile scores, not every
 * instance: a prefill pod's count does not move decode scores), an instance with c requests scores 1 when
 * c ≤ idleThreshold (default 0), else (max − c)/max × maxBusyScore (default 1).
 */
export const activeRequests: ScorerEntry = {
  name: 'active-requests',
  aliases: ['active-request-scorer'],
  describe: 'gateway-counted requests in progress c (dispatch to completion, live): 1 when c ≤ idleThreshold, else (max − c)/max × maxBusyScore',
  options: {
    idleThreshold: { describe: 'requests at or below which an instance counts as idle and scores 1', default: 0, unit: 'requests' },
    maxBusyScore: { describe: 'the best score of a busy instance (0..1), below the idle ones', default: 1 },
  },
  create: (_ctx, options) => {
    // Factory rules of active_request.go NewActiveRequest: idleThreshold ≥ 0, maxBusyScore in [0, 1], else the default.
    const idle = options?.idleThreshold !== undefined && options.idleThreshold >= 0 ? Math.floor(options.idleThreshold) : 0;
    const busy = options?.maxBusyScore !== undefined && options.maxBusyScore >= 0 && options.maxBusyScore <= 1 ? options.maxBusyScore : 1;
    return {
      score(view, _req, out) {
        const n = view.numInstances;
        let max = 0;
        for (let i = 0; i < n; i++) if (view.eligible[i] !== 0 && view.active[i]! > max) max = view.active[i]!;
        for (let i = 0; i < n; i++) {
          const c = view.active[i]!;
          // Not a candidate (another pool or model, not ready): not scored by the EPP, never chosen.
          out[i] = view.eligible[i] === 0 ? 0 : c <= idle ? 1 : ((max - c) / max) * busy;
        }
      },
    };
  },
};
