import type { AdmissionEntry } from './admission.js';

/**
 * A token bucket counted in requests: it refills at --token-bucket-rate requests/s up to
 * --token-bucket-burst requests, and each admitted request takes one. Refused requests are
 * rejected with `rate-limited` (never queued: a rate limit is a policy, not a lack of capacity).
 */
export const tokenBucket: AdmissionEntry = {
  name: 'token-bucket',
  describe: 'admits at most --token-bucket-rate requests/s with bursts of --token-bucket-burst requests; rejects the rest (rate-limited)',
  queueable: false,
  reads: ['tokenBucketRatePerS', 'tokenBucketBurst'],
  create: (s) => {
    const ratePerUs = s.tokenBucketRatePerS / 1e6;
    const burst = s.tokenBucketBurst;
    let tokens = burst;
    let lastUs = 0;
    return {
      decide(_view, _req, nowUs) {
        tokens = Math.min(burst, tokens + (nowUs - lastUs) * ratePerUs);
        lastUs = nowUs;
        if (tokens >= 1) {
          tokens -= 1;
          return null;
        }
        return 'rate-limited';
      },
    };
  },
};
