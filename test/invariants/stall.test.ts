/**
 * A run that can make no more progress ends: when, with requests inside, nothing but scrapes and
 * control decisions happens for an hour of simulated time, the requests are reported unfinished
 * (reason `stalled`) and the metrics say so, instead of ticking forever.
 */
import { describe, expect, it } from 'vitest';
import { resolveClusterConfig } from '../../src/cluster/config.js';
import { STALL_US, simulate } from '../../src/cluster/simulate.js';
import { CollectingSink } from '../../src/cluster/sink.js';
import { ZERO_OVERHEADS } from '../../src/engine/config.js';
import { Rng } from '../../src/kernel/rng.js';
import { getStepTimeModel } from '../../src/model/registry.js';
import { generateArrivals } from '../../src/workload/generate.js';
import { resolveWorkload } from '../../src/workload/resolve.js';

describe('stalled runs end', () => {
  it('a decode instance whose queue head cannot get blocks (head-of-line) no longer stalls: the blocks parked by landed transfers are reclaimed', async () => {
    // Long summarization prompts on 409-block instances: a decode instance preempts, and the
    // preempted request at its queue head needs more blocks than the landed transfers behind it
    // hold. The engine gives parked blocks back when nothing else can run (docs/engine.md), so
    // every request ends.
    const config = resolveClusterConfig({
      model: 'meta-llama/llama-3.1-8b-instruct', hardware: 'H100', tp: 1, numInstances: 3, prefillInstances: 1, decodeInstances: 2,
      totalKvBlocks: 409, maxNumSeqs: 2, maxNumBatchedTokens: 3555, maxModelLen: 16384, snapshotRefreshIntervalMs: 50, seed: 996,
    });
    const workload = resolveWorkload({ preset: 'summarization', rate: 11, numRequests: 118, seed: 996 });
    const res = await simulate({
      config, arrivals: generateArrivals(workload, new Rng(996)), sinks: [new CollectingSink()], overheads: ZERO_OVERHEADS,
      stepTime: getStepTimeModel('roofline').create({ model: config.model, hardware: config.hardware, tp: 1 }),
    });
    expect(res.metrics['stalled']).toBeUndefined();
    expect(res.metrics.requests.unfinished).toBe(0);
    expect(res.metrics.requests.completed + res.metrics.requests.dropped).toBe(118);
  });

  it('a run whose engine can make no progress ends as stalled instead of ticking forever', async () => {
    // The engine is made to swallow its requests (an engine that never schedules them): with
    // requests inside and only scrapes pending for an hour of simulated time, the run ends.
    const config = resolveClusterConfig({ model: 'meta-llama/llama-3.1-8b-instruct', hardware: 'H100', numInstances: 1, seed: 3, snapshotRefreshIntervalMs: 50 });
    const workload = resolveWorkload({ preset: 'chatbot', rate: 5, numRequests: 20, seed: 3 });
    const sink = new CollectingSink();
    const res = await simulate({
      config, arrivals: generateArrivals(workload, new Rng(3)), sinks: [sink], overheads: ZERO_OVERHEADS,
      stepTime: getStepTimeModel('roofline').create({ model: config.model, hardware: config.hardware, tp: 1 }),
      onCluster: (cluster) => { for (const inst of cluster.instances) inst.enqueue = () => {}; },
    });
    const m = res.metrics;
    const stalled = m['stalled'] as { at_s: number; last_progress_s: number; requests: number };
    expect(stalled).toBeDefined();
    expect(stalled.at_s - stalled.last_progress_s).toBeGreaterThanOrEqual(STALL_US / 1e6);
    expect(m.requests.unfinished).toBe(stalled.requests);
    expect(m.requests.unfinished).toBe(20);
    expect(sink.records.filter((r) => r.status === 'unfinished').every((r) => r.reason === 'stalled')).toBe(true);
  });
});
