/**
 * A trace whose reader numbers the requests itself (Azure, BurstGPT, Mooncake: ids r0, r1, ...)
 * has no repeated id, so its replay defers each request's private KV registration until a
 * preemption (EngineRequest.deferPrivate), as a generated workload does. Results must not move:
 * the shipped samples replayed with the deferral and without it give the same metrics and records,
 * byte for byte, on pools small enough to preempt. A format that reads ids from the data keeps
 * registering as blocks fill.
 */
import { describe, expect, it } from 'vitest';
import { openTrace, readTrace } from '../../src/ingest/open.node.js';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { simulate } from '../../src/cluster/simulate.js';
import { CollectingSink } from '../../src/cluster/sink.js';
import { ZERO_OVERHEADS } from '../../src/engine/config.js';
import { createStepTimeModel } from '../../src/model/registry.js';
import type { ArrivalRequest } from '../../src/workload/request.js';

/** [file, format, KV blocks per instance (small enough to preempt), arrival speed-up]. */
const SAMPLES = [
  ['traces/azure2023-code.relative.head300.csv', 'azure-vidur', 2500, 50],
  ['traces/burstgpt3-rows0001-0100.csv', 'burstgpt', 500, 2000],
  ['traces/mooncake-conversation-head300.jsonl', 'mooncake', 2500, 50],
] as const;

async function replay(arrivals: readonly ArrivalRequest[], uniqueIds: boolean, totalKvBlocks: number): Promise<{ metrics: string; records: string[]; preemptions: number }> {
  const config = resolveClusterConfig({ model: 'meta-llama/llama-3.1-8b-instruct', hardware: 'H100', numInstances: 2, totalKvBlocks, maxModelLen: 131072 });
  const model = createStepTimeModel(config.stepTime, { model: config.model, hardware: config.hardware, tp: config.tp });
  const sink = new CollectingSink();
  const res = await simulate({ config, arrivals, stepTime: model, overheads: model.overheads ?? ZERO_OVERHEADS, sinks: [sink], uniqueIds });
  return { metrics: JSON.stringify(res.metrics), records: sink.records.map((r) => JSON.stringify(r)), preemptions: res.metrics.kv.preemptions };
}

describe('replaying a trace whose reader numbers the requests', () => {
  it.each(SAMPLES)('%s (%s): the reader says its ids are unique, and deferring gives the same results', async (path, format, blocks, speedup) => {
    const opened = await openTrace(path);
    expect([opened.format, opened.uniqueIds]).toEqual([format, true]);
    const { requests } = await readTrace(path);
    // Faster arrivals and a small pool: requests queue and preempt.
    const arrivals = requests.map((r) => ({ ...r, arrivalUs: Math.round(r.arrivalUs / speedup) }));
    const eager = await replay(arrivals, false, blocks);
    const deferred = await replay(arrivals, true, blocks);
    expect(eager.preemptions).toBeGreaterThan(0);
    expect(deferred.metrics).toBe(eager.metrics);
    expect(deferred.records).toEqual(eager.records);
  });

  it('a format that takes ids from the data (TraceV2, arrival CSV) does not claim them unique', async () => {
    expect((await openTrace('traces/tracev2-example.trace_data.csv')).uniqueIds).toBe(false);
    expect((await openTrace('test/fixtures/ingest/unsorted.csv', { format: 'arrival-csv' })).uniqueIds).toBe(false);
  });
});
