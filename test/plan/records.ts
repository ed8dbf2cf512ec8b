/** Hand-made per-request records for SLO, regime and cost tests (times in ms, converted to µs). */
import type { RequestRecord } from '../../src/cluster/record.js';

export interface RecordSpec {
  id: string;
  arrivalMs: number;
  /** Queue wait (arrival to first scheduled), ms. */
  queueMs?: number;
  ttftMs?: number;
  e2eMs?: number;
  output?: number;
  input?: number;
  status?: RequestRecord['status'];
  sloClass?: string;
  tenant?: string;
  model?: string;
  preemptions?: number;
}

let next = 0;

export function record(s: RecordSpec): RequestRecord {
  const us = (ms: number): number => Math.round(ms * 1000);
  const a = us(s.arrivalMs);
  const done = (s.status ?? 'completed') === 'completed';
  const output = s.output ?? 10;
  return {
    id: s.id,
    index: next++,
    arrivalUs: a,
    inputTokens: s.input ?? 100,
    outputTokens: output,
    ...(s.model !== undefined ? { model: s.model } : {}),
    ...(s.tenant !== undefined ? { tenant: s.tenant } : {}),
    ...(s.sloClass !== undefined ? { sloClass: s.sloClass } : {}),
    status: s.status ?? 'completed',
    admission: 'admitted',
    admittedUs: a,
    routedUs: a,
    instance: done ? 0 : -1,
    pool: done ? 'default' : '',
    enqueuedUs: done ? a : -1,
    firstScheduledUs: done ? a + us(s.queueMs ?? 0) : -1,
    firstTokenUs: done ? a + us(s.ttftMs ?? 10) : -1,
    finishedUs: done ? a + us(s.e2eMs ?? 100) : -1,
    cachedTokens: 0,
    preemptions: s.preemptions ?? 0,
    producedTokens: done ? output : 0,
  };
}
