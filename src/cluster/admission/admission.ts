/**
 * Admission policies (a registry; the name exists only in its entry). The gateway asks its
 * policy about each request before routing; the answer is `null` (admit) or a stable reason
 * code. A `queueable` entry's refusals mean "no capacity right now": with flow control on, the
 * request waits in the gateway queue instead of being rejected.
 */
import { InputError, closeNames } from '../../kernel/errors.js';
import type { RouterView, RoutingRequest } from '../view.js';
import { alwaysAdmit } from './always-admit.js';
import { saturation } from './saturation.js';
import { tokenBucket } from './token-bucket.js';

export interface AdmissionPolicy {
  /** null to admit; otherwise the reason code of the refusal. `view.eligible` marks the request's candidates. */
  decide(view: RouterView, req: RoutingRequest, nowUs: number): string | null;
}

/** The resolved admission settings every policy may read (units in the names). */
export interface AdmissionSettings {
  readonly queueDepthThreshold: number;
  readonly kvCacheUtilThreshold: number;
  readonly metricsStalenessUs: number;
  readonly tokenBucketRatePerS: number;
  readonly tokenBucketBurst: number;
}

export interface AdmissionEntry {
  readonly name: string;
  readonly describe: string;
  /** Refusals mean "saturated now": flow control may hold the request instead of rejecting it. */
  readonly queueable: boolean;
  /** Settings this policy reads (for --help and docs). */
  readonly reads: readonly (keyof AdmissionSettings)[];
  /** Refuses settings this policy cannot run with (InputError naming the flag). */
  check?(settings: AdmissionSettings): void;
  /** The settings this policy alone reads, as the metrics JSON's config echoes them. */
  echo?(settings: AdmissionSettings): Readonly<Record<string, number>>;
  create(settings: AdmissionSettings): AdmissionPolicy;
}

export const ADMISSION_POLICIES: readonly AdmissionEntry[] = [alwaysAdmit, tokenBucket, saturation];

/** `policies`: the run's registry (ADMISSION_POLICIES and a library caller's plug-ins). */
export function findAdmissionPolicy(name: string, policies: readonly AdmissionEntry[] = ADMISSION_POLICIES): AdmissionEntry {
  const n = name.trim().toLowerCase();
  const hit = policies.find((p) => p.name === n);
  if (hit === undefined) {
    const known = policies.map((p) => p.name);
    const close = closeNames(n, known);
    throw new InputError('UNKNOWN_ADMISSION_POLICY', '--admission-policy',
      `unknown admission policy '${name}'${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}; known: ${known.join(', ')}`);
  }
  return hit;
}
