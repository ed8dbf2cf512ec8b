/**
 * Gateway-side state of one request while it is in the system, and the record built from it
 * when it leaves. Plain mutable data owned by the Cluster; sinks only ever see the record.
 */
import type { SimEvent } from '../kernel/events.js';
import type { EngineRequest } from '../engine/engine-request.js';
import type { QueueItem } from './gateway-queue.js';
import type { TransferFlow } from './kv-transfer.js';
import type { RequestRecord, RequestStatus } from './record.js';

/** Request phases by the pools that serve them. */
export const Phase = { Whole: 0, Prefill: 1, Decode: 2 } as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

export interface Tracked extends QueueItem {
  readonly req: EngineRequest;
  readonly modelIndex: number;
  /** Served as prefill + transfer + decode. */
  disagg: boolean;
  admission: RequestRecord['admission'];
  admittedUs: number;
  routedUs: number;
  instance: number;
  pool: string;
  scores: Record<string, number> | undefined;
  timeoutEvent: SimEvent | null;
  timeoutSeq: number;
  ttlEvent: SimEvent | null;
  ttlSeq: number;
  /** The record was emitted; pending gateway events for it do nothing. */
  closed: boolean;
  /** Where the ledger counts the request (whole or prefill side; -1 nowhere). */
  countedOn: number;
  /** Where the ledger counts its decode side (-1 nowhere). */
  countedOnDecode: number;
  /** Decode side (disaggregated requests). */
  decodeReq: EngineRequest | null;
  decodeInstance: number;
  decodePool: string;
  decodeScores: Record<string, number> | undefined;
  decodeRoutedUs: number;
  /** The prefill instance's answer (its token time); -1 before. */
  prefillDoneUs: number;
  transferStartUs: number;
  transferEndUs: number;
  transferBytes: number;
  decodeEnqueuedUs: number;
}

export interface Transfer extends TransferFlow {
  readonly t: Tracked;
}

export function newTracked(req: EngineRequest, modelIndex: number): Tracked {
  return {
    req, modelIndex, disagg: false, admission: 'admitted', priority: req.priority, removed: false,
    admittedUs: -1, routedUs: -1, instance: -1, pool: '', scores: undefined,
    timeoutEvent: null, timeoutSeq: -1, ttlEvent: null, ttlSeq: -1, closed: false, countedOn: -1, countedOnDecode: -1,
    decodeReq: null, decodeInstance: -1, decodePool: '', decodeScores: undefined, decodeRoutedUs: -1, prefillDoneUs: -1,
    transferStartUs: -1, transferEndUs: -1, transferBytes: 0, decodeEnqueuedUs: -1,
  };
}

export function buildRecord(t: Tracked, status: RequestStatus, reason: string | undefined): RequestRecord {
  const r = t.req;
  const d = t.decodeReq;
  const src = r.src;
  const completed = status === 'completed';
  const finishedUs = completed ? (d !== null ? d.finishedUs : r.finishedUs) : -1;
  // Disaggregated: the client's tokens all come from the decode instance (the prefill's one token is not returned).
  const client = t.disagg ? d : r;
  return {
    id: src.id,
    index: r.index,
    arrivalUs: src.arrivalUs,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    ...(src.model !== undefined ? { model: src.model } : {}),
    ...(src.tenant !== undefined ? { tenant: src.tenant } : {}),
    ...(src.sloClass !== undefined ? { sloClass: src.sloClass } : {}),
    ...(src.sessionId !== undefined ? { sessionId: src.sessionId } : {}),
    ...(src.priority !== undefined ? { priority: src.priority } : {}),
    ...(src.stage !== undefined ? { stage: src.stage } : {}),
    status,
    ...(reason !== undefined ? { reason } : {}),
    admission: t.admission,
    admittedUs: t.admittedUs,
    routedUs: t.routedUs,
    instance: t.instance,
    pool: t.pool,
    enqueuedUs: r.enqueuedUs,
    firstScheduledUs: r.firstScheduledUs,
    firstTokenUs: client !== null ? client.firstTokenUs : -1,
    finishedUs,
    cachedTokens: Math.max(0, r.cachedTokens),
    ...(r.cpuCachedTokens > 0 ? { cpuCachedTokens: r.cpuCachedTokens } : {}),
    preemptions: r.preemptions + (d !== null ? d.preemptions : 0),
    producedTokens: client !== null ? client.outputDone : 0,
    ...(t.scores !== undefined ? { routingScores: t.scores } : {}),
    ...(t.disagg ? {
      disagg: {
        prefillInstance: t.instance,
        decodeInstance: t.decodeInstance,
        decodeRoutedUs: t.decodeRoutedUs,
        prefillDoneUs: t.prefillDoneUs,
        transferStartUs: t.transferStartUs,
        transferEndUs: t.transferEndUs,
        transferBytes: t.transferBytes,
        decodeEnqueuedUs: t.decodeEnqueuedUs,
        decodeFirstScheduledUs: d !== null ? d.firstScheduledUs : -1,
        decodeCachedTokens: d !== null ? Math.max(0, d.cachedTokens) : 0,
        decodePool: t.decodePool,
        ...(t.decodeScores !== undefined ? { decodeRoutingScores: t.decodeScores } : {}),
      },
    } : {}),
    ...(r.prefillChunks !== null ? { prefillChunks: r.prefillChunks } : {}),
    ...(r.preemptionTimesUs !== null ? { preemptionTimesUs: mergeTimes(r.preemptionTimesUs, d?.preemptionTimesUs ?? null) } : {}),
    ...(client !== null && client.tokenTimesUs !== null ? { tokenTimesUs: client.tokenTimesUs } : {}),
    ...(src.observed !== undefined ? { observed: src.observed } : {}),
  };
}

function mergeTimes(a: number[], b: number[] | null): number[] {
  return b === null || b.length === 0 ? a : a.concat(b);
}
