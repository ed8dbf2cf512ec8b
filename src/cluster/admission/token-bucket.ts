import { InputError } from '../../kernel/errors.js';
import type { AdmissionEntry } from './admission.js';
import { US_PER_S } from '../../kernel/units.js';

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
  check: (s) => {
    if (!(s.tokenBucketRatePerS > 0)) throw new InputError('FLAG_MISSING', '--token-bucket-rate', 'the token-bucket admission policy needs a rate > 0 (requests/s)');
    if (s.tokenBucketBurst < 1) throw new InputError('FLAG_OUT_OF_RANGE', '--token-bucket-burst', `found ${s.tokenBucketBurst}; expected at least 1 request`);
  },
  echo: (s) => ({ token_bucket_rate_rps: s.tokenBucketRatePerS, token_bucket_burst_requests: s.tokenBucketBurst }),
  create: (s) => {
    const ratePerUs = s.tokenBucketRatePerS / US_PER_S;
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
