/** A fake simulation for tests: replays each arrival's observed latency, scaled. */
import type { RequestRecord } from '../../src/cluster/record.js';
import type { ExperimentPlan } from '../../src/validate/plan.js';

export function fakeRecords(plan: ExperimentPlan, ttftScale = 1, e2eScale = 1): RequestRecord[] {
  return plan.arrivals.map((a, index) => {
    const obs = a.observed;
    const done = obs?.ttftUs !== undefined && obs.e2eUs !== undefined;
    const ttft = done ? Math.round(obs!.ttftUs! * ttftScale) : -1;
    const e2e = done ? Math.round(obs!.e2eUs! * e2eScale) : -1;
    return {
      id: a.id, index, arrivalUs: a.arrivalUs, inputTokens: a.inputTokens, outputTokens: a.outputTokens, stage: a.stage,
      status: done ? 'completed' : 'timed_out', admission: 'admitted', admittedUs: a.arrivalUs, routedUs: a.arrivalUs,
      instance: 0, pool: 'unified', enqueuedUs: a.arrivalUs, firstScheduledUs: a.arrivalUs,
      firstTokenUs: done ? a.arrivalUs + ttft : -1, finishedUs: done ? a.arrivalUs + e2e : -1,
      cachedTokens: 0, preemptions: 0, producedTokens: done ? a.outputTokens : 0,
    } satisfies RequestRecord;
  });
}
