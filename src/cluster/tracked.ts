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
  /** Admitted and counted as routing (not dispatched yet) by the ledger. */
  countedRouting: boolean;
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
    timeoutEvent: null, timeoutSeq: -1, ttlEvent: null, ttlSeq: -1, closed: false, countedOn: -1, countedOnDecode: -1, countedRouting: false,
    decodeReq: null, decodeInstance: -1, decodePool: '', decodeScores: undefined, decodeRoutedUs: -1, prefillDoneUs: -1,
    transferStartUs: -1, transferEndUs: -1, transferBytes: 0, decodeEnqueuedUs: -1,
  };
}

/** `nowUs`: when the request leaves the system (the record's `endedUs` unless it completed). */
export function buildRecord(t: Tracked, status: RequestStatus, reason: string | undefined, nowUs: number): RequestRecord {
  const r = t.req;
  const d = t.decodeReq;
  const src = r.src;
  const completed = status === 'completed';
  const finishedUs = completed ? (d !== null ? d.finishedUs : r.finishedUs) : -1;
  // Disaggregated: the client's tokens all come from the decode instance (the prefill's one token is not returned).
  const client = t.disagg ? d : r;
  if (completed && isPlain(t, r, src, reason)) {
    // No optional field: the record in one literal with the general path's key order (one object of
    // fixed shape instead of a dozen property additions, each growing the object's property store).
    return {
      id: src.id, index: r.index, arrivalUs: src.arrivalUs, inputTokens: r.inputTokens, outputTokens: r.outputTokens,
      status, admission: t.admission, admittedUs: t.admittedUs, routedUs: t.routedUs, instance: t.instance, pool: t.pool,
      enqueuedUs: r.enqueuedUs, firstScheduledUs: r.firstScheduledUs, firstTokenUs: r.firstTokenUs, finishedUs,
      cachedTokens: Math.max(0, r.cachedTokens), preemptions: r.preemptions, producedTokens: r.outputDone,
    };
  }
  // Built field by field in the record's key order (one object per request, no spread temporaries:
  // a record is built for every request of a run).
  const rec: Record<string, unknown> = { id: src.id, index: r.index, arrivalUs: src.arrivalUs, inputTokens: r.inputTokens, outputTokens: r.outputTokens };
  if (src.model !== undefined) rec['model'] = src.model;
  if (src.tenant !== undefined) rec['tenant'] = src.tenant;
  if (src.sloClass !== undefined) rec['sloClass'] = src.sloClass;
  if (src.sessionId !== undefined) rec['sessionId'] = src.sessionId;
  if (src.priority !== undefined) rec['priority'] = src.priority;
  if (src.stage !== undefined) rec['stage'] = src.stage;
  rec['status'] = status;
  if (reason !== undefined) rec['reason'] = reason;
  rec['admission'] = t.admission;
  rec['admittedUs'] = t.admittedUs;
  rec['routedUs'] = t.routedUs;
  rec['instance'] = t.instance;
  rec['pool'] = t.pool;
  rec['enqueuedUs'] = r.enqueuedUs;
  rec['firstScheduledUs'] = r.firstScheduledUs;
  // A token reaches the client a first-token overhead after its step (tokenTimeUs): one due after
  // the request left (a client timeout inside that overhead) never reached it, nor did later ones.
  const received = client !== null && (completed || client.firstTokenUs <= nowUs);
  rec['firstTokenUs'] = received ? client.firstTokenUs : -1;
  rec['finishedUs'] = finishedUs;
  if (!completed) rec['endedUs'] = nowUs;
  rec['cachedTokens'] = Math.max(0, r.cachedTokens);
  if (r.cpuCachedTokens > 0) rec['cpuCachedTokens'] = r.cpuCachedTokens;
  rec['preemptions'] = r.preemptions + (d !== null ? d.preemptions : 0);
  rec['producedTokens'] = received ? client.outputDone : 0;
  if (t.scores !== undefined) rec['routingScores'] = t.scores;
  if (t.disagg) {
    rec['disagg'] = {
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
    };
  }
  if (r.prefillChunks !== null) rec['prefillChunks'] = r.prefillChunks;
  if (r.preemptionTimesUs !== null) rec['preemptionTimesUs'] = mergeTimes(r.preemptionTimesUs, d?.preemptionTimesUs ?? null);
  if (client !== null && client.tokenTimesUs !== null) rec['tokenTimesUs'] = client.tokenTimesUs;
  if (src.observed !== undefined) rec['observed'] = src.observed;
  return rec as unknown as RequestRecord;
}

/** A whole (not disaggregated) request whose record has none of the optional fields. */
function isPlain(t: Tracked, r: EngineRequest, src: EngineRequest['src'], reason: string | undefined): boolean {
  return !t.disagg && t.decodeReq === null && reason === undefined && t.scores === undefined && r.cpuCachedTokens <= 0 &&
    r.prefillChunks === null && r.preemptionTimesUs === null && r.tokenTimesUs === null &&
    src.model === undefined && src.tenant === undefined && src.sloClass === undefined && src.sessionId === undefined &&
    src.priority === undefined && src.stage === undefined && src.observed === undefined;
}

function mergeTimes(a: number[], b: number[] | null): number[] {
  return b === null || b.length === 0 ? a : a.concat(b);
}
