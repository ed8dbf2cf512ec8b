/**
 * The per-request record: what the cluster hands to sinks (metrics, request files, spans,
 * comparators) when a request leaves the system. Read-only plain data; never the live request.
 * Times are integer microseconds on the simulated clock; -1 means "did not happen".
 */
import type { ObservedLatency } from '../workload/request.js';

export type RequestStatus = 'completed' | 'rejected' | 'timed_out' | 'dropped' | 'unfinished';

import type { PrefillChunk } from '../engine/engine-request.js';

export type { PrefillChunk } from '../engine/engine-request.js';

/** Phases of a disaggregated (prefill/decode) request. */
export interface DisaggPhases {
  readonly prefillInstance: number;
  /** The decode instance picked for it (-1: none). */
  readonly decodeInstance: number;
  /** When the decode instance was picked (routing runs the decode profile first). */
  readonly decodeRoutedUs: number;
  /** The prefill instance's answer (its one token, not returned to the client); -1 before. */
  readonly prefillDoneUs: number;
  /** A decode step carried the allocation of the prompt's blocks and the transfer began (-1: not yet). */
  readonly transferStartUs: number;
  readonly transferEndUs: number;
  /** KV bytes moved (the prompt's blocks the decode instance did not hold). */
  readonly transferBytes: number;
  /** The request reached the decode instance (the prefill's answer, before its blocks and the transfer). */
  readonly decodeEnqueuedUs: number;
  /** The decode instance's first step (it recomputes the last prompt token and samples the first token). */
  readonly decodeFirstScheduledUs: number;
  /** Prompt tokens the decode instance already held in its prefix cache (not transferred). */
  readonly decodeCachedTokens: number;
  readonly decodePool?: string;
  /** Scores by scorer name for the decode instance (weighted policy only). */
  readonly decodeRoutingScores?: Readonly<Record<string, number>>;
}

export interface RequestRecord {
  readonly id: string;
  /** Dense index in arrival order (0-based). */
  readonly index: number;
  readonly arrivalUs: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly model?: string;
  readonly tenant?: string;
  readonly sloClass?: string;
  readonly sessionId?: string;
  readonly priority?: number;
  readonly stage?: number;

  readonly status: RequestStatus;
  /** Why a request was rejected, dropped or timed out (stable code, e.g. `exceeds-max-model-len`). */
  readonly reason?: string;
  /** Admission decision as the gateway made it. */
  readonly admission: 'admitted' | 'rejected' | 'queued-then-admitted' | 'queued-then-expired';

  readonly admittedUs: number;
  readonly routedUs: number;
  /** Instance that served (or, under disaggregation, prefilled) the request; -1 if none. */
  readonly instance: number;
  /** Name of that instance's pool ('' when the request never reached one). */
  readonly pool: string;
  /** Arrival in the instance's waiting queue. */
  readonly enqueuedUs: number;
  readonly firstScheduledUs: number;
  /** The first token the client received (under disaggregation: from the decode instance). */
  readonly firstTokenUs: number;
  readonly finishedUs: number;
  /**
   * When a request that did not complete left the system: rejected, expired, timed out, dropped,
   * or the end of the run for an unfinished one (absent on completed requests: finishedUs). Its
   * trace ends here, not at the last phase it reached (a client that timed out waited this long).
   */
  readonly endedUs?: number;

  /** Prompt tokens served from the prefix cache at first scheduling. */
  readonly cachedTokens: number;
  /** Prompt tokens loaded from the CPU KV tier at first scheduling (absent when none). */
  readonly cpuCachedTokens?: number;
  readonly preemptions: number;
  /** Output tokens actually produced (equals outputTokens when completed). */
  readonly producedTokens: number;

  /** Routing scores by scorer name for the chosen instance (weighted policy only). */
  readonly routingScores?: Readonly<Record<string, number>>;
  readonly disagg?: DisaggPhases;

  /** Detail (only when requested, for tracing). */
  readonly prefillChunks?: readonly PrefillChunk[];
  readonly preemptionTimesUs?: readonly number[];
  /** Times of every Nth output token (N from the detail options), first token included. */
  readonly tokenTimesUs?: readonly number[];

  readonly observed?: ObservedLatency;
}

export function ttftUs(r: RequestRecord): number {
  return r.firstTokenUs < 0 ? -1 : r.firstTokenUs - r.arrivalUs;
}

export function e2eUs(r: RequestRecord): number {
  return r.finishedUs < 0 ? -1 : r.finishedUs - r.arrivalUs;
}

