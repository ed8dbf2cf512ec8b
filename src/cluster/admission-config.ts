/**
 * The gateway's admission settings, resolved for the cluster config (config.ts): the policy, its
 * saturation-detector thresholds and the token bucket, checked by the policy's own rule.
 */
import { InputError, nonNegative } from '../kernel/errors.js';
import { msToUs } from '../kernel/units.js';
import { findAdmissionPolicy, type AdmissionSettings } from './admission/admission.js';
import type { FieldSource } from './config.js';
import type { Registries } from './plugins.js';

type AdmissionKey = 'admissionPolicy' | 'tokenBucketRate' | 'kvCacheUtilThreshold' | 'queueDepthThreshold' | 'metricsStalenessThresholdMs';

/** Resolves the admission policy and settings; `pick` reads an option or its default and records its source (in config.ts's order). */
export function resolveAdmission(pick: (key: AdmissionKey) => unknown, options: { tokenBucketBurst?: number }, given: Readonly<Record<string, FieldSource>>, sources: Record<string, FieldSource>, registries: Registries): { admissionPolicy: string; admission: AdmissionSettings } {
  const admissionEntry = findAdmissionPolicy(String(pick('admissionPolicy')), registries.admissionPolicies);
  const admissionPolicy = admissionEntry.name;
  const tokenBucketRate = nonNegative(Number(pick('tokenBucketRate')), '--token-bucket-rate');
  let tokenBucketBurst: number;
  if (options.tokenBucketBurst !== undefined) {
    tokenBucketBurst = nonNegative(options.tokenBucketBurst, '--token-bucket-burst');
    sources['tokenBucketBurst'] = given['tokenBucketBurst'] ?? 'flag';
  } else {
    tokenBucketBurst = Math.max(1, tokenBucketRate);
    sources['tokenBucketBurst'] = 'derived';
  }
  const kvCacheUtilThreshold = nonNegative(Number(pick('kvCacheUtilThreshold')), '--kv-cache-util-threshold');
  if (kvCacheUtilThreshold > 1) throw new InputError('FLAG_OUT_OF_RANGE', '--kv-cache-util-threshold', `found ${kvCacheUtilThreshold}; expected a fraction in [0, 1]`);
  const admission: AdmissionSettings = Object.freeze({
    queueDepthThreshold: nonNegative(Number(pick('queueDepthThreshold')), '--queue-depth-threshold'),
    kvCacheUtilThreshold,
    metricsStalenessUs: msToUs(nonNegative(Number(pick('metricsStalenessThresholdMs')), '--metrics-staleness-threshold')),
    tokenBucketRatePerS: tokenBucketRate,
    tokenBucketBurst,
  });
  admissionEntry.check?.(admission);
  return { admissionPolicy, admission };
}
