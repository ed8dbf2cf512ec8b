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
  it('a decode instance whose queue head cannot get blocks (head-of-line) stalls the pipeline: reported, not endless', async () => {
    // Long summarization prompts on 409-block instances: a decode instance preempts, and the
    // preempted request at its queue head needs more blocks than the landed transfers behind it leave.
    const config = resolveClusterConfig({
      model: 'meta-llama/llama-3.1-8b-instruct', hardware: 'H100', tp: 1, numInstances: 3, prefillInstances: 1, decodeInstances: 2,
      totalKvBlocks: 409, maxNumSeqs: 2, maxNumBatchedTokens: 3555, maxModelLen: 16384, snapshotRefreshIntervalMs: 50, seed: 996,
    });
    const workload = resolveWorkload({ preset: 'summarization', rate: 11, numRequests: 118, seed: 996 });
    const sink = new CollectingSink();
    const res = await simulate({
      config, arrivals: generateArrivals(workload, new Rng(996)), sinks: [sink], overheads: ZERO_OVERHEADS,
      stepTime: getStepTimeModel('roofline').create({ model: config.model, hardware: config.hardware, tp: 1 }),
    });
    const m = res.metrics;
    const stalled = m['stalled'] as { at_s: number; last_progress_s: number; requests: number };
    expect(stalled).toBeDefined();
    expect(stalled.at_s - stalled.last_progress_s).toBeGreaterThanOrEqual(STALL_US / 1e6);
    expect(m.requests.unfinished).toBe(stalled.requests);
    expect(m.requests.unfinished).toBeGreaterThan(0);
    expect(sink.records.filter((r) => r.status === 'unfinished').every((r) => r.reason === 'stalled')).toBe(true);
    expect(m.requests.completed + m.requests.dropped + m.requests.unfinished).toBe(118);
  });
});
