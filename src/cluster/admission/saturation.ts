import { InputError } from '../../kernel/errors.js';
import type { AdmissionEntry } from './admission.js';

/**
 * The EPP's utilization saturation detector (llm-d-inference-scheduler, formerly GIE since v1.4:
 * pkg/epp/framework/plugins/flowcontrol/saturationdetector/utilization/detector.go `Saturation`,
 * defaults in config.go: queue depth 5, KV utilisation 0.8, metrics staleness 200 ms). Each
 * candidate scores max(waiting / queue-depth threshold, KV utilisation / KV threshold), or 1 when
 * its metrics are older than the staleness threshold; the pool's saturation is the mean over the
 * candidates (1 with none), and the gateway is saturated when it is ≥ 1 (pkg/epp/requestcontrol/
 * admission.go, flow control's dispatch cycle with the static usage limit 1.0). So one idle pod
 * no longer keeps a pool of busy ones open (GIE ≤ v1.3 asked whether any pod had capacity).
 * Waiting includes the gateway's in-flight dispatches when in-flight tracking is on, so a burst
 * cannot all pass on one stale scrape (tracking off reproduces the EPP, which reads only the
 * scraped queue).
 */
export const saturation: AdmissionEntry = {
  name: 'saturation',
  describe: 'llm-d default: refuses (saturated) when the mean over candidates of max(waiting/--queue-depth-threshold, KV utilisation/--kv-cache-util-threshold), as last scraped, is ≥ 1',
  queueable: true,
  reads: ['queueDepthThreshold', 'kvCacheUtilThreshold', 'metricsStalenessUs'],
  // The detector's validateConfig: both thresholds strictly positive (they divide).
  check: (s) => {
    if (!(s.queueDepthThreshold > 0)) throw new InputError('FLAG_OUT_OF_RANGE', '--queue-depth-threshold', `found ${s.queueDepthThreshold}; the saturation policy divides by it: expected a number > 0 (requests)`);
    if (!(s.kvCacheUtilThreshold > 0)) throw new InputError('FLAG_OUT_OF_RANGE', '--kv-cache-util-threshold', `found ${s.kvCacheUtilThreshold}; the saturation policy divides by it: expected a fraction in (0, 1]`);
  },
  create: (s) => ({
    decide(view, _req, nowUs) {
      const stale = nowUs - view.scrapedUs > s.metricsStalenessUs;
      let total = 0;
      let candidates = 0;
      for (let i = 0; i < view.numInstances; i++) {
        if (view.eligible[i] === 0) continue;
        candidates++;
        if (stale) {
          total += 1;
          continue;
        }
        const queueRatio = (view.waiting[i]! + view.inFlight[i]!) / s.queueDepthThreshold;
        const kvRatio = view.kvUtilization[i]! / s.kvCacheUtilThreshold;
        total += Math.max(queueRatio, kvRatio);
      }
      if (candidates === 0) return 'saturated';
      // Admitted requests still in the routing step each join some candidate's queue (in-flight tracking).
      total += view.routingPending / s.queueDepthThreshold;
      return total / candidates >= 1 ? 'saturated' : null;
    },
  }),
};
