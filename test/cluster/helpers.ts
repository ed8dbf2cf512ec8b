import type { BatchShape, RequestOverheads, StepTimeModel } from '../../src/model/step-time.js';
import { ZERO_OVERHEADS } from '../../src/engine/config.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { resolveClusterConfig, type ClusterOptions } from '../../src/cluster/config.js';
import type { MetricsDocument } from '../../src/cluster/metrics.js';
import type { RequestRecord } from '../../src/cluster/record.js';
import { CollectingSink } from '../../src/cluster/sink.js';
import { simulate } from '../../src/cluster/simulate.js';
import type { ArrivalRequest } from '../../src/workload/request.js';

/** Step time = baseUs + perTokenUs × batch tokens (hand-computable). */
export function linearStep(baseUs = 1000, perTokenUs = 10): StepTimeModel {
  // With its decode-only capability (a decode of n requests computes n tokens), so engines leap.
  return { stepTimeUs: (b: BatchShape) => baseUs + perTokenUs * b.totalNewTokens, decode: { decodeStepUs: (n: number) => baseUs + perTokenUs * n } };
}

/** Small, fast defaults: 1000 KV blocks per instance, live scrapes unless set. */
export function options(o: ClusterOptions): ClusterOptions {
  return { totalKvBlocks: 1000, maxModelLen: 100_000, ...o };
}

export function arrival(id: string, arrivalUs: number, inputTokens: number, outputTokens: number, extra: Partial<ArrivalRequest> = {}): ArrivalRequest {
  return { id, arrivalUs, inputTokens, outputTokens, ...extra };
}

export async function run(o: ClusterOptions, arrivals: ArrivalRequest[], step = linearStep(), horizonUs?: number, overheads: RequestOverheads = ZERO_OVERHEADS): Promise<{ records: Map<string, RequestRecord>; all: RequestRecord[]; cluster: Cluster; metrics: MetricsDocument }> {
  const sink = new CollectingSink();
  const res = await simulate({ config: resolveClusterConfig(options(o)), arrivals, stepTime: step, overheads, sinks: [sink], ...(horizonUs !== undefined ? { horizonUs } : {}) });
  return { records: new Map(sink.records.map((r) => [r.id, r])), all: sink.records, cluster: res.cluster, metrics: res.metrics };
}

/** A cluster driven by hand (lifecycle tests). */
export function makeCluster(o: ClusterOptions, step = linearStep()): { cluster: Cluster; sink: CollectingSink } {
  const sink = new CollectingSink();
  const cluster = new Cluster(resolveClusterConfig(options(o)), { stepTime: step, overheads: ZERO_OVERHEADS, sink });
  return { cluster, sink };
}

/** Pool layouts the cluster properties run over: unified, P/D, and both side by side. */
export const POOL_LAYOUTS: ReadonlyArray<[string, ClusterOptions]> = [
  ['unified x3', { numInstances: 3 }],
  // Decode pools get room for every reservation: with a few blocks, a recompute-preempted request
  // at a decode queue's head can wait forever behind landed transfers that hold blocks (vLLM's
  // head-of-line rule; see docs/cluster.md, known limits). The prefill side stays tight.
  ['prefill 1 + decode 2', {
    pools: [{ name: 'prefill', role: 'prefill', count: 1 }, { name: 'decode', role: 'decode', count: 2, totalKvBlocks: 1000 }],
    pdTransferBandwidthGBs: 0.05,
  }],
  ['unified + P/D, prefix-threshold', {
    pools: [{ name: 'u', role: 'unified', count: 1 }, { name: 'prefill', role: 'prefill', count: 1 }, { name: 'decode', role: 'decode', count: 1, totalKvBlocks: 1000 }],
    pdDecider: 'prefix-threshold', pdPrefixThreshold: 32, cacheSignalDelayMs: 5,
  }],
];
