/** Hand-built RequestRecords (the engine is written concurrently; these follow record.ts). */
import type { RequestRecord } from '../../src/cluster/record.js';

export function completed(index: number, over: Partial<RequestRecord> = {}): RequestRecord {
  const a = 1_000 * index + 17;
  return {
    id: `r${index}`, index, arrivalUs: a, inputTokens: 512 + index, outputTokens: 64,
    model: 'qwen/qwen3-14b', status: 'completed', admission: 'admitted',
    admittedUs: a + 5, routedUs: a + 12, instance: index % 4, pool: 'unified',
    enqueuedUs: a + 20, firstScheduledUs: a + 1_020, firstTokenUs: a + 41_020, finishedUs: a + 41_020 + 63 * 12_000 + index,
    cachedTokens: 256, preemptions: 0, producedTokens: 64,
    routingScores: { 'prefix-affinity': 0.75, 'queue-depth': 0.5 },
    ...over,
  };
}

export function withDetail(index: number): RequestRecord {
  const r = completed(index);
  return {
    ...r,
    preemptions: 1,
    prefillChunks: [
      { startUs: r.firstScheduledUs, endUs: r.firstScheduledUs + 20_000, tokens: 256 },
      { startUs: r.firstScheduledUs + 20_000, endUs: r.firstTokenUs, tokens: 256 + index },
    ],
    preemptionTimesUs: [r.firstTokenUs + 100_000],
    tokenTimesUs: [r.firstTokenUs, r.firstTokenUs + 16 * 12_000, r.firstTokenUs + 32 * 12_000, r.firstTokenUs + 48 * 12_000],
  };
}

export function rejected(index: number): RequestRecord {
  const a = 1_000 * index + 3;
  return {
    id: `r${index}`, index, arrivalUs: a, inputTokens: 40_000, outputTokens: 10, status: 'rejected',
    reason: 'exceeds-max-model-len', admission: 'rejected', admittedUs: -1, routedUs: -1, instance: -1, pool: 'unified',
    enqueuedUs: -1, firstScheduledUs: -1, firstTokenUs: -1, finishedUs: a + 2, cachedTokens: 0, preemptions: 0, producedTokens: 0,
  };
}

/** Disaggregated: prefill answers, the KV moves, the decode instance's first step gives the client's first token. */
export function disaggregated(index: number): RequestRecord {
  const r = completed(index, { pool: 'prefill' });
  const prefillDone = r.firstTokenUs - 12_000;
  return {
    ...r,
    disagg: {
      prefillInstance: 1, decodeInstance: 5, decodeRoutedUs: r.routedUs, prefillDoneUs: prefillDone,
      transferStartUs: prefillDone + 500, transferEndUs: prefillDone + 3_000, transferBytes: 123_456_789,
      decodeEnqueuedUs: prefillDone, decodeFirstScheduledUs: prefillDone + 4_000, decodeCachedTokens: 0,
    },
  };
}
