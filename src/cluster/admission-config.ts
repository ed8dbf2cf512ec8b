/**
 * The gateway's admission settings, resolved for the cluster config (config.ts): the policy, its
 * saturation-detector thresholds and the token bucket, checked by the policy's own rule.
 */
import { InputError, nonNegative } from '../kernel/errors.js';
import { msToUs } from '../kernel/units.js';
import { findAdmissionPolicy, type AdmissionEntry, type AdmissionSettings } from './admission/admission.js';
import type { FieldSource } from './config.js';
import type { Registries } from './plugins.js';

type AdmissionKey = 'admissionPolicy' | 'tokenBucketRate' | 'kvCacheUtilThreshold' | 'queueDepthThreshold' | 'metricsStalenessThresholdMs';

/** The gateway options these checks read (ClusterOptions' fields of the same names). */
interface GatewayOptions {
  readonly queueDepthThreshold?: number;
  readonly kvCacheUtilThreshold?: number;
  readonly metricsStalenessThresholdMs?: number;
  readonly tokenBucketRate?: number;
  readonly tokenBucketBurst?: number;
  readonly flowControl?: boolean;
  readonly requestTtlS?: number;
  readonly maxGatewayQueue?: number;
}

/** Each admission setting, the option that sets it and its flag. */
const SETTING_FLAGS: ReadonlyArray<readonly [keyof AdmissionSettings, keyof GatewayOptions, string]> = [
  ['queueDepthThreshold', 'queueDepthThreshold', '--queue-depth-threshold'],
  ['kvCacheUtilThreshold', 'kvCacheUtilThreshold', '--kv-cache-util-threshold'],
  ['metricsStalenessUs', 'metricsStalenessThresholdMs', '--metrics-staleness-threshold'],
  ['tokenBucketRatePerS', 'tokenBucketRate', '--token-bucket-rate'],
  ['tokenBucketBurst', 'tokenBucketBurst', '--token-bucket-burst'],
];

/**
 * Refuses gateway settings the run would ignore (FLAG_CONFLICT naming the flag), as
 * --routing-scorers with a policy that reads none is refused: a threshold the admission policy
 * does not read, --flow-control with a policy that never queues (it refuses nothing, or refuses
 * by rule, as the token bucket), and a queue TTL or bound without flow control. Otherwise
 * `--flow-control` alone (default always-admit) would run as if it were not there.
 */
function refuseIgnoredGatewayFlags(entry: AdmissionEntry, options: GatewayOptions, policies: readonly AdmissionEntry[]): void {
  const readers = (setting: keyof AdmissionSettings): string => policies.filter((p) => p.reads.includes(setting)).map((p) => p.name).join(' or ');
  for (const [setting, option, flag] of SETTING_FLAGS) {
    if (options[option] === undefined || entry.reads.includes(setting)) continue;
    throw new InputError('FLAG_CONFLICT', flag, `the ${entry.name} admission policy does not read it; it is read by --admission-policy ${readers(setting) || 'none'}: pass that policy, or drop ${flag}`);
  }
  if (options.flowControl === true && !entry.queueable) {
    const queueable = policies.filter((p) => p.queueable).map((p) => p.name).join(' or ');
    throw new InputError('FLAG_CONFLICT', '--flow-control', `the ${entry.name} admission policy never holds a request for capacity, so the gateway queue would stay empty; flow control queues what --admission-policy ${queueable} refuses: pass it, or drop --flow-control`);
  }
  for (const [option, flag] of [['requestTtlS', '--request-ttl'], ['maxGatewayQueue', '--max-gateway-queue']] as const) {
    const v = options[option];
    if (v !== undefined && v > 0 && options.flowControl !== true) throw new InputError('FLAG_CONFLICT', flag, `found ${v}; it bounds the flow-control queue, which is off: add --flow-control (with --admission-policy saturation), or drop ${flag}`);
  }
}

/** Resolves the admission policy and settings; `pick` reads an option or its default and records its source (in config.ts's order). */
export function resolveAdmission(pick: (key: AdmissionKey) => unknown, options: GatewayOptions, given: Readonly<Record<string, FieldSource>>, sources: Record<string, FieldSource>, registries: Registries): { admissionPolicy: string; admission: AdmissionSettings } {
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
  refuseIgnoredGatewayFlags(admissionEntry, options, registries.admissionPolicies);
  admissionEntry.check?.(admission);
  return { admissionPolicy, admission };
}
