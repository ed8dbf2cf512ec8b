import type { AdmissionEntry } from './admission.js';

/**
 * The Gateway API Inference Extension's saturation detector (pkg/epp/saturationdetector/
 * saturationdetector.go, defaults in config.go: queue depth 5, KV utilisation 0.8, metrics
 * staleness 200 ms): the candidates are saturated when NONE of them has good capacity, i.e.
 * fresh metrics with waiting ≤ queue-depth threshold and KV utilisation ≤ KV threshold.
 * Metrics older than the staleness threshold count as no capacity. Waiting includes the
 * gateway's in-flight dispatches when in-flight tracking is on, so a burst cannot all pass
 * on one stale scrape (tracking off reproduces GIE, which reads only the scraped queue).
 */
export const saturation: AdmissionEntry = {
  name: 'saturation',
  describe: 'llm-d default: refuses (saturated) when every candidate has waiting > --queue-depth-threshold or KV utilisation > --kv-cache-util-threshold, as last scraped',
  queueable: true,
  reads: ['queueDepthThreshold', 'kvCacheUtilThreshold', 'metricsStalenessUs'],
  create: (s) => ({
    decide(view, _req, nowUs) {
      if (nowUs - view.scrapedUs > s.metricsStalenessUs) return 'saturated';
      for (let i = 0; i < view.numInstances; i++) {
        if (view.eligible[i] === 0) continue;
        if (view.waiting[i]! + view.inFlight[i]! > s.queueDepthThreshold) continue;
        if (view.kvUtilization[i]! > s.kvCacheUtilThreshold) continue;
        return null;
      }
      return 'saturated';
    },
  }),
};
